"""Radical and variant characters folded to what a reader of the simplified text expects, on
pages and in files alike.

Fonts draw some characters with the glyph of a Kangxi radical (U+2F00–U+2FDF) or of a CJK
radical supplement form (U+2E80–U+2EFF), and their text layers then give the radical: ⼀ for 一,
⺠ for 民. NFKC folds the Kangxi radicals, but to the radical's own ideograph, which for 23 of
them is the traditional form: ⼾ (U+2F3E) to 戶 (U+6236) where the simplified text has 户 (U+6237),
⾨ to 門 for 门, ⾺ to 馬 for 马. Those are folded to the simplified character; the radicals with
no simplified form (⼅ 亅, ⾋ 艸) keep NFKC's. The supplement forms, which NFKC leaves alone, are
folded to the ideographs Unicode names as their equivalents.

A change here changes the text of documents that have such characters, and so their content
hashes (crawler/fingerprint.py hashes the extracted text): `crawler reprocess` reads stored
files again.
"""

from __future__ import annotations

import re
import unicodedata

# Kangxi radicals whose NFKC ideograph is a traditional form, and the simplified character.
KANGXI_SIMPLIFIED = dict(
    zip(
        "⼾⾒⾙⾞⾧⾨⾭⾱⾴⾵⾶⾺⾾⿂⿃⿄⿆⿈⿌⿑⿒⿓⿔",
        "户见贝车长门青韦页风飞马斗鱼鸟卤麦黄黾齐齿龙龟",
        strict=True,
    )
)
# CJK Radicals Supplement forms that fonts draw simplified characters with, NFKC leaves alone.
_SUPPLEMENT = dict(
    zip(
        "⺃⺅⺆⺊⺎⺏⺐⺒⺓⺔⺕⺖⺘⺙⺛⺝⺟⺠⺣⺨⺩⺪⺬⺹⺺⺼⻁⻂⻃⻄⻅⻆⻈⻉⻋⻌⻍⻏⻐⻑⻓⻔⻖⻗⻘⻙⻚⻛⻜⻝⻟⻠⻢⻣⻤⻥⻦⻧⻨⻩⻪⻬⻮⻰⻳",
        "乚亻冂卜兀尣尢巳幺彑彐忄扌攵旡月母民灬犭王疋示耂肀月虎衤覀西见角讠贝车辶辶阝钅長长门阝雨青韦页风飞食飠饣马骨鬼鱼鸟卤麦黄黾齐齿龙龟",
        strict=True,
    )
)


def _table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0x2E80, 0x2FE0):
        ch = chr(code)
        folded = KANGXI_SIMPLIFIED.get(ch) or _SUPPLEMENT.get(ch)
        if folded is None:
            nfkc = unicodedata.normalize("NFKC", ch)
            folded = nfkc if nfkc != ch else None
        if folded:
            table[code] = folded
    return table


_TABLE = _table()
_RADICAL = re.compile("[\u2e80-\u2fdf]")


def fold_variants(text: str) -> str:
    """``text`` with radical forms as the ideographs a simplified-Chinese reader expects."""
    return text.translate(_TABLE) if _RADICAL.search(text) else text
