"""From the text pieces a fixed-layout page is drawn with (pdfminer's text lines, OFD text
objects) to the printed lines of the page, read as a person reads them.

Writers draw a line in any order and in any number of pieces: one object per character (数科 and
福昕 OFD writers), the digits of a date after the Chinese around them (``于 年月 日修`` then
``2023 3 28``), a footnote number set small and raised after a figure. A printed line is every
piece whose middle lies in the band of the line's largest piece; its characters are then read
left to right by their own positions. Superscripts and subscripts (smaller than the line and
above or below its baseline) never join the characters beside them: a raised note number after a
figure (常住人口1761.48¹万人) would otherwise read as part of it. A note number is dropped; a
raised 2 or 3 after a Latin letter is the power of a unit (m², km³), a lowered digit a chemical
index (CO₂): they keep their meaning as Unicode super- and subscripts.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

from crawler.extract.files.layout import Line
from crawler.extract.variants import fold_variants


class Char(NamedTuple):
    """One drawn character: its horizontal extent, its box's top and bottom (from the top of the
    page) and its size."""

    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    text: str


_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
# Below this share of the line's size a character is set small (a note mark, an index).
# (Browsers set <sup> at 0.83 of the text.)
_SMALL = 0.9


def _half_width(ch: str) -> bool:
    return ch.isascii() or "\uff61" <= ch <= "\uffdc"


def spread(text: str, x0: float, x1: float, top: float, bottom: float, size: float) -> list[Char]:
    """The characters of a piece whose own positions are not known, laid over its extent: a
    full-width character takes twice the room of a half-width one."""
    weights = [1.0 if _half_width(ch) else 2.0 for ch in text]
    unit = (x1 - x0) / (sum(weights) or 1.0)
    found, x = [], x0
    for ch, weight in zip(text, weights, strict=True):
        found.append(Char(x, x + weight * unit, top, bottom, size, ch))
        x += weight * unit
    return found


def _main_size(chars: list[Char]) -> float:
    sizes: dict[float, int] = {}
    for char in chars:
        if not char.text.isspace():
            sizes[round(char.size, 1)] = sizes.get(round(char.size, 1), 0) + 1
    return max(sizes, key=lambda size: (sizes[size], size)) if sizes else 0.0


def _marked(chars: list[Char]) -> list[Char]:
    """The line's characters with its superscripts and subscripts made harmless (see above)."""
    size = _main_size(chars)
    if not size or all(char.size >= _SMALL * size for char in chars):
        return chars
    bottoms = sorted(char.bottom for char in chars if abs(char.size - size) <= 0.1 * size)
    baseline = bottoms[len(bottoms) // 2]
    kept: list[Char] = []
    for char in chars:
        if char.size >= _SMALL * size or char.text.isspace():
            kept.append(char)
        elif char.bottom < baseline - 0.2 * size:  # raised: a superscript
            before = kept[-1].text if kept else ""
            if char.text in "23" and before.isascii() and before.isalpha():
                kept.append(char._replace(text=char.text.translate(_SUPERSCRIPT)))
            # a note number or mark (1, *, †, [2], ①) is dropped
        elif char.bottom > baseline + 0.1 * size:  # lowered: a subscript
            kept.append(char._replace(text=char.text.translate(_SUBSCRIPT)))
        else:
            kept.append(char)  # small print on the line itself
    return kept


def _text(chars: list[Char]) -> str:
    """Characters left to right: a space where a gap parts two Latin words or numbers, or where
    a gap wider than one and a half characters parts two pieces (justified or tabbed text)."""
    parts: list[str] = []
    last: Char | None = None
    for char in chars:
        if char.text.isspace():
            if parts and parts[-1] != " ":
                parts.append(" ")
            continue
        if last is not None and parts and parts[-1] != " ":
            gap = char.x0 - last.x1
            pair = last.text[-1:] + char.text[:1]
            # fixed-layout writers give digits a full-width advance: a word space is wider
            word = 0.6 if any(ch.isdigit() for ch in pair) else 0.25
            if gap > 1.5 * char.size or (pair.isascii() and gap > word * char.size):
                parts.append(" ")
        parts.append(char.text)
        last = char
    return "".join(parts).strip()


def _chars(piece: Line) -> list[Char]:
    """A piece's characters as Chars: pdfminer's LTChar objects (boxes from the page's foot) are
    turned round; a piece without its characters has them spread over its extent."""
    if piece.chars is None:
        return spread(piece.text, piece.x0, piece.x1, piece.top, piece.bottom, piece.size)
    height = piece.page_height
    return [
        char
        if isinstance(char, Char)
        else Char(char.x0, char.x1, height - char.y1, height - char.y0, char.size, char.get_text())
        for char in piece.chars
    ]


def _plain(pieces: list[Line], size: float) -> bool:
    """Pieces that read right as their own texts, left to right: none overlaps the next, none
    is or holds a character set small beside the line's ``size``, none was drawn out of order."""
    for piece, after in zip(pieces, pieces[1:], strict=False):
        if after.x0 < piece.x1 - 0.5:
            return False
    for piece in pieces:
        chars = piece.chars or []
        if piece.size < _SMALL * size or any(char.size < _SMALL * size for char in chars):
            return False
        if any(b.x0 < a.x0 - 0.5 for a, b in zip(chars, chars[1:], strict=False)):
            return False
    return True


def _row(pieces: list[Line]) -> Line:
    """One printed line from its pieces (sorted left to right)."""
    widest = max(pieces, key=lambda piece: (piece.size, piece.x1 - piece.x0))
    body = [piece for piece in pieces if piece.size >= _SMALL * widest.size] or pieces
    # pieces set apart by more than one and a half characters: the cells of a table's row
    table = any(
        after.x0 - piece.x1 > 1.5 * max(piece.size, after.size)
        for piece, after in zip(pieces, pieces[1:], strict=False)
    )
    if _plain(pieces, widest.size):
        text = pieces[0].text
        for piece, after in zip(pieces, pieces[1:], strict=False):
            # a table's cells stand apart however narrow the gap: figures never run together
            wide = (0.3 if table else 1.5) * after.size
            text += (" " if after.x0 - piece.x1 > wide else "") + after.text
    else:
        chars = [char for piece in pieces for char in _chars(piece)]
        chars.sort(key=lambda char: char.x0)
        text = _text(_marked(chars))
    return replace(
        widest,
        text=fold_variants(text),
        x0=pieces[0].x0,
        x1=max(piece.x1 for piece in pieces),
        top=min(piece.top for piece in body),
        bottom=max(piece.bottom for piece in body),
        chars=None,
        table=table,
    )


def rows_of(found: list[Line]) -> list[Line]:
    """The page's printed lines top to bottom, each read left to right from its pieces."""
    found.sort(key=lambda line: (line.top, line.x0))
    rows: list[list[Line]] = []
    band: list[tuple[float, float]] = []
    for line in found:
        middle = (line.top + line.bottom) / 2
        # a piece belongs to a recent line whose band holds its middle (a superscript, a digit in
        # another font); pieces sorted by top meet their line within a few rows
        for index in range(len(rows) - 1, max(-1, len(rows) - 4), -1):
            top, bottom = band[index]
            if top <= middle <= bottom:
                rows[index].append(line)
                if line.bottom - line.top > bottom - top:
                    band[index] = (line.top, line.bottom)
                break
        else:
            rows.append([line])
            band.append((line.top, line.bottom))
    lines = [_row(sorted(pieces, key=lambda piece: piece.x0)) for pieces in rows]
    lines.sort(key=lambda line: (line.top, line.x0))
    return lines
