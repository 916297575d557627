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

import re
from collections import Counter

# Past this share of rare ideographs and full-width Latin letters among a text's letters (CJK
# and Latin), the text layer is garbled. Real summaries measured here stay under 1 %.
RARE_SHARE = 0.15
_IDEOGRAPH = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_LETTER = re.compile(
    "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134fA-Za-z\uff21-\uff3a\uff41-\uff5a]"
)
_FULL_WIDTH_LATIN = re.compile("[\uff21-\uff3a\uff41-\uff5a]")


def is_common(ch: str) -> bool:
    """An ideograph of GB 2312 (levels 1 and 2) or of Big5's common level (A440–C67E)."""
    try:
        ch.encode("gb2312")
        return True
    except UnicodeEncodeError:
        pass
    try:
        code = ch.encode("big5")
    except UnicodeEncodeError:
        return False
    return 0xA440 <= int.from_bytes(code, "big") <= 0xC67E


def rare_share(lines: list[str]) -> float:
    """The share of a text's letters that are ideographs outside common use or full-width Latin
    letters."""
    text = "".join(lines)
    letters = len(_LETTER.findall(text))
    if not letters:
        return 0.0
    # each distinct ideograph asked once (a long report uses a few thousand), GB 2312 for all of
    # them in one encoding: what it cannot encode comes back as ?
    found = Counter(_IDEOGRAPH.findall(text))
    distinct = "".join(found)
    back = distinct.encode("gb2312", "replace").decode("gb2312")
    rare = sum(
        found[ch]
        for ch, again in zip(distinct, back, strict=True)
        if again == "?" and not is_common(ch)
    )
    return (rare + len(_FULL_WIDTH_LATIN.findall(text))) / letters
