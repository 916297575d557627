"""Word's automatic paragraph numbers (一、 （一） 1. ①): a DOCX keeps them out of its text, in
word/numbering.xml, and draws them; the web copy of the same text has them typed. Each numbered
paragraph's label is made as Word makes it: the level's text (``%1、``, ``（%2）``) with each
``%n`` the counter of level n in that level's format, counters starting at the level's start (or
the list's override), a level's counter restarting when a higher level moves on.

Bullets are not text (a web copy shows them as list markers) and give no label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DIGITS = "零一二三四五六七八九"
_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_STEMS = "甲乙丙丁戊己庚辛壬癸"
_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
_PLACEHOLDER = re.compile(r"%([1-9])")


def _chinese(
    number: int, digits: str = _DIGITS, units: str = "十百千", bare_ten: bool = True
) -> str:
    """1 一, 10 十, 11 十一, 20 二十, 105 一百零五 (as Word's chineseCounting writes them; the
    legal figures write 壹拾 for 10)."""
    if number <= 0:
        return digits[0]
    if number >= 10000:
        return str(number)
    parts, zero = [], False
    for power, unit in ((1000, units[2]), (100, units[1]), (10, units[0]), (1, "")):
        digit = number // power % 10
        if digit == 0:
            zero = bool(parts)
            continue
        if zero:
            parts.append(digits[0])
            zero = False
        bare = bare_ten and power == 10 and digit == 1 and not parts
        parts.append(("" if bare else digits[digit]) + unit)
    return "".join(parts)


def _roman(number: int) -> str:
    found = []
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"),
                           (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"),
                           (4, "IV"), (1, "I")):  # fmt: skip
        while number >= value:
            found.append(letters)
            number -= value
    return "".join(found)


def _letters(number: int) -> str:
    """1 A … 26 Z, 27 AA (Word repeats the letter)."""
    return chr(ord("A") + (number - 1) % 26) * ((number - 1) // 26 + 1) if number > 0 else ""


def format_number(number: int, kind: str) -> str:
    """``number`` as a numFmt writes it."""
    if kind in ("chineseCounting", "chineseCountingThousand", "japaneseCounting",
                "taiwaneseCounting", "taiwaneseCountingThousand", "ideographDigital"):  # fmt: skip
        return _chinese(number)
    if kind == "chineseLegalSimplified":
        return _chinese(number, _LEGAL, "拾佰仟", bare_ten=False)
    if kind == "ideographTraditional" and 1 <= number <= 10:
        return _STEMS[number - 1]
    if kind == "ideographZodiac" and 1 <= number <= 12:
        return _BRANCHES[number - 1]
    if kind in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= number <= 20:
        return chr(0x2460 + number - 1)
    if kind == "decimalEnclosedParen" and 1 <= number <= 20:
        return chr(0x2474 + number - 1)
    if kind == "decimalEnclosedFullstop" and 1 <= number <= 20:
        return chr(0x2488 + number - 1)
    if kind == "decimalFullWidth":
        return str(number).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    if kind == "decimalZero":
        return f"{number:02d}"
    if kind == "upperRoman":
        return _roman(number)
    if kind == "lowerRoman":
        return _roman(number).lower()
    if kind == "upperLetter":
        return _letters(number)
    if kind == "lowerLetter":
        return _letters(number).lower()
    return str(number)


@dataclass
class _Level:
    start: int = 1
    kind: str = "decimal"
    text: str = ""
    legal: bool = False  # isLgl: the higher levels' numbers in decimal


def _val(node, path: str, default: str | None = None) -> str | None:
    found = node.find(path)
    return found.get(W + "val", default) if found is not None else default


class Numbering:
    """The numbering definitions of one DOCX and the counters of a reading of it."""

    def __init__(self, numbering: bytes | None, styles: bytes | None, parser) -> None:
        self.abstract: dict[str, dict[int, _Level]] = {}
        self.lists: dict[str, tuple[str, dict[int, int]]] = {}  # numId -> (abstract, overrides)
        self.styles: dict[str, tuple[str | None, int | None, str | None]] = {}
        self.counters: dict[str, list[int | None]] = {}
        root = _parse(numbering, parser)
        if root is not None:
            for abstract in root.iter(W + "abstractNum"):
                levels = {}
                for level in abstract.iter(W + "lvl"):
                    levels[int(level.get(W + "ilvl", "0"))] = _Level(
                        _int(_val(level, f"{W}start", "1"), 1),
                        _val(level, f"{W}numFmt", "decimal") or "decimal",
                        _val(level, f"{W}lvlText", "") or "",
                        level.find(f"{W}isLgl") is not None,
                    )
                self.abstract[abstract.get(W + "abstractNumId", "")] = levels
            for instance in root.iter(W + "num"):
                overrides = {
                    int(override.get(W + "ilvl", "0")): _int(
                        _val(override, f"{W}startOverride"), None
                    )
                    for override in instance.iter(W + "lvlOverride")
                    if override.find(f"{W}startOverride") is not None
                }
                self.lists[instance.get(W + "numId", "")] = (
                    _val(instance, f"{W}abstractNumId", "") or "",
                    overrides,
                )
        # styles.xml runs to hundreds of kilobytes (latent styles): a style is read when a
        # numbered document's paragraph names it, from its own <w:style> element
        self._styles_xml = styles if self.lists and styles and b"numPr" in styles else b""
        self._parser = parser

    def _style(self, style_id: str) -> tuple[str | None, int | None, str | None]:
        """(numId, level, basedOn) of a paragraph style."""
        if style_id not in self.styles:
            self.styles[style_id] = (None, None, None)
            xml = self._styles_xml
            at = xml.find(b'w:styleId="' + style_id.encode("utf-8", "replace") + b'"')
            start, end = xml.rfind(b"<w:style ", 0, at), xml.find(b"</w:style>", at)
            if at >= 0 and start >= 0 and end >= 0:
                element = _parse(
                    xml[start:end].replace(
                        b"<w:style ", f'<w:style xmlns:w="{W[1:-1]}" '.encode(), 1
                    )
                    + b"</w:style>",
                    self._parser,
                )
                if element is not None:
                    number = element.find(f"{W}pPr/{W}numPr")
                    self.styles[style_id] = (
                        _val(number, f"{W}numId") if number is not None else None,
                        _int(_val(number, f"{W}ilvl"), None) if number is not None else None,
                        _val(element, f"{W}basedOn"),
                    )
        return self.styles[style_id]

    def _style_number(self, style: str | None) -> tuple[str | None, int | None]:
        seen: set[str] = set()
        while style and style not in seen and self._styles_xml:
            seen.add(style)
            num_id, level, based_on = self._style(style)
            if num_id is not None:
                return num_id, level
            style = based_on
        return None, None

    def label(self, paragraph) -> str:
        """The number Word draws before ``paragraph`` ("" for none or a bullet); counts it."""
        if not self.lists:
            return ""
        number = paragraph.find(f"{W}pPr/{W}numPr")
        num_id = _val(number, f"{W}numId") if number is not None else None
        level = _int(_val(number, f"{W}ilvl"), None) if number is not None else None
        if num_id is None or level is None:
            style_id, style_level = self._style_number(_val(paragraph, f"{W}pPr/{W}pStyle"))
            num_id = num_id or style_id
            level = level if level is not None else style_level
        if not num_id or num_id == "0" or num_id not in self.lists:
            return ""
        level = level or 0
        abstract_id, overrides = self.lists[num_id]
        levels = self.abstract.get(abstract_id, {})
        if level not in levels:
            return ""
        counters = self.counters.setdefault(num_id, [None] * 9)
        if counters[level] is None:
            counters[level] = overrides.get(level) or levels[level].start
        else:
            counters[level] += 1
        for deeper in range(level + 1, 9):
            counters[deeper] = None
        this = levels[level]
        if this.kind in ("bullet", "none"):
            return ""

        def place(match: re.Match) -> str:
            at = int(match.group(1)) - 1
            value = counters[at] if counters[at] is not None else _start(levels, overrides, at)
            kind = levels.get(at, this).kind
            return format_number(value, "decimal" if this.legal and at < level else kind)

        return _PLACEHOLDER.sub(place, this.text)


def _start(levels: dict[int, _Level], overrides: dict[int, int], level: int) -> int:
    return overrides.get(level) or (levels[level].start if level in levels else 1)


def _int(value: str | None, default):
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _parse(data: bytes | None, parser):
    if not data:
        return None
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return None  # a damaged numbering part costs the numbers, not the text
