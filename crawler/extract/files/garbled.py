"""A text layer garbled by its fonts, told by its characters.

Some fonts map their glyphs to the wrong Unicode: every character of the text layer is a real
character, but of the wrong kind. A standard's number GB/T 39677—2020 reads ``犌犅／犜３９６７７—２０２０``:
Latin letters became rare ideographs (犌 犅 犜: in no list of common characters), digits
and slashes their full-width forms. pdfminer gives no ``(cid:N)`` for them, so only the
characters tell: a Chinese text is made, all but a few in ten thousand, of the characters of
GB 2312 (simplified) or Big5's common level (a traditional text), and seldom spells Latin words
in full-width letters (ＧＤＰ). Past :data:`RARE_SHARE` of such characters the layer is garbled.
"""

from __future__ import annotations

import functools
import re

# Past this share of rare ideographs and full-width Latin letters among a text's letters (CJK
# and Latin), the text layer is garbled. Real summaries measured here stay under 1 %.
RARE_SHARE = 0.15
_IDEOGRAPH = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_LETTER = re.compile(
    "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134fA-Za-z\uff21-\uff3a\uff41-\uff5a]"
)
_FULL_WIDTH_LATIN = re.compile("[\uff21-\uff3a\uff41-\uff5a]")


@functools.cache
def common_ideographs() -> frozenset[str]:
    """The ideographs of GB 2312 (levels 1 and 2) and of Big5's common level (A440–C67E)."""
    found: set[str] = set()
    for lead in range(0xB0, 0xF8):  # GB 2312's ideographs
        for trail in range(0xA1, 0xFF):
            try:
                found.add(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    for lead in range(0xA4, 0xC7):  # Big5's 常用字
        for trail in list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF)):
            try:
                found.add(bytes((lead, trail)).decode("big5"))
            except UnicodeDecodeError:
                pass
    return frozenset(found)


def rare_share(lines: list[str]) -> float:
    """The share of a text's letters that are ideographs outside common use or full-width Latin
    letters."""
    text = "".join(lines)
    letters = len(_LETTER.findall(text))
    if not letters:
        return 0.0
    common = common_ideographs()
    rare = sum(1 for ch in _IDEOGRAPH.findall(text) if ch not in common)
    return (rare + len(_FULL_WIDTH_LATIN.findall(text))) / letters
