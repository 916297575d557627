"""OFD (GB/T 33190, the national fixed-layout format some 信息公开 columns publish beside or
instead of PDF): each page's text objects as lines with their boxes and sizes, for the same layout
pass as a PDF's (layout.py), and the document's own title and date.

An OFD file is a ZIP: OFD.xml names the document's root (DocBody/DocRoot, Doc_0/Document.xml),
which lists the pages (Pages/Page BaseLoc) and the default page box; each page's Content.xml holds
layers of TextObject elements (Boundary "x y w h" in millimetres, Size, an optional CTM) whose
TextCode children carry Unicode text at X, Y (the baseline, in the object's box) with the advance
of each character in DeltaX ("g 8 2.286" is eight advances of 2.286). Elements are matched by
their local names: writers use the standard's namespace or their own. Template pages (running
headers, letterheads printed on every page) are not read.
"""

from __future__ import annotations

import io
import posixpath
import zipfile

from lxml import etree

from crawler.extract.files.errors import Unreadable
from crawler.extract.files.layout import Line
from crawler.extract.files.office import zip_errors, zip_part
from crawler.extract.files.pdf import MAX_PAGES
from crawler.extract.files.runs import Char, rows_of

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _name(node) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def _children(node, name: str):
    return [child for child in node.iter() if _name(child) == name]


def _first_text(node, name: str) -> str | None:
    found = _children(node, name)
    return (found[0].text or "").strip() if found else None


def _numbers(value: str | None) -> list[float]:
    try:
        return [float(part) for part in (value or "").split()]
    except ValueError:
        return []


def _advances(value: str | None, count: int) -> list[float]:
    """The DeltaX list, its "g N v" runs written out."""
    found: list[float] = []
    parts = (value or "").split()
    index = 0
    while index < len(parts) and len(found) < count:
        if parts[index] == "g" and index + 2 < len(parts):
            repeat, step = _numbers(" ".join(parts[index + 1 : index + 3])) or [0, 0]
            found.extend([step] * int(repeat))
            index += 3
        else:
            found.extend(_numbers(parts[index]))
            index += 1
    return found[:count]


def _width(ch: str) -> float:
    """A glyph's advance in ems: half for Latin letters, digits and half-width forms."""
    return 0.5 if ch.isascii() or "\uff61" <= ch <= "\uffdc" else 1.0


def _xml(archive: zipfile.ZipFile, name: str):
    data = zip_part(archive, name.lstrip("/"))
    if data is None:
        return None
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise Unreadable("corrupt_file", f"damaged OFD ({name}): {exc}") from exc


def _lines_of_page(root, number: int, default_box: list[float]) -> list[Line]:
    boxes = [_numbers(box.text) for box in _children(root, "PhysicalBox")]
    box = next((found for found in boxes if len(found) == 4), default_box)
    height = box[3] if len(box) == 4 and box[3] > 0 else 297.0
    found: list[Line] = []
    for text_object in _children(root, "TextObject"):
        boundary = _numbers(text_object.get("Boundary"))
        if len(boundary) != 4:
            continue
        size = (_numbers(text_object.get("Size") or text_object.get("size")) or [0.0])[0]
        ctm = _numbers(text_object.get("CTM"))
        a, b, c, d, e, f = ctm if len(ctm) == 6 else (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
        scale = abs(d) or 1.0
        x, y = 0.0, 0.0
        for code in _children(text_object, "TextCode"):
            text = code.text or ""
            x = (_numbers(code.get("X")) or [x])[0]
            y = (_numbers(code.get("Y")) or [y])[0]
            # every character at its own place: the DeltaX advances where given, else the width
            # of a full- or half-width glyph (a one-character object has no advances at all)
            advances = _advances(code.get("DeltaX"), len(text) - 1)
            places = [x]
            for index, ch in enumerate(text[:-1]):
                step = advances[index] if index < len(advances) else size * _width(ch)
                places.append(places[-1] + step)
            glyph = size * scale
            chars = []
            for ch, place in zip(text, places, strict=True):
                left = boundary[0] + a * place + c * y + e
                baseline = boundary[1] + b * place + d * y + f
                width = size * _width(ch) * (abs(a) or 1.0)
                chars.append(Char(left, left + width, baseline - glyph, baseline, glyph, ch))
            x = places[-1] + size * _width(text[-1]) if text else x
            if not text.strip():
                continue
            found.append(
                Line(text.strip(), chars[0].x0, max(ch.x1 for ch in chars), chars[0].top,
                     chars[0].bottom, glyph, number, height, chars)
            )  # fmt: skip
    return rows_of(found)


def read_ofd(body: bytes) -> tuple[list[list[Line]], dict]:
    """The lines of each page, and the document's metadata (title, created, pages)."""
    with zip_errors("OFD"):
        archive = zipfile.ZipFile(io.BytesIO(body))
        root = _xml(archive, "OFD.xml")
        if root is None:
            raise Unreadable("not_a_document", "a ZIP file without OFD.xml: not an OFD document")
        doc_root = _first_text(root, "DocRoot")
        if not doc_root:
            raise Unreadable("corrupt_file", "damaged OFD: OFD.xml names no document (DocRoot)")
        meta = {
            "title": _first_text(root, "Title"),
            "created": (_first_text(root, "CreationDate") or "")[:10] or None,
        }
        document = _xml(archive, doc_root)
        if document is None:
            raise Unreadable("corrupt_file", f"damaged OFD: no {doc_root}")
        folder = posixpath.dirname(doc_root.lstrip("/"))
        area = [_numbers(box.text) for box in _children(document, "PhysicalBox")]
        default_box = area[0] if area and len(area[0]) == 4 else [0.0, 0.0, 210.0, 297.0]
        pages: list[list[Line]] = []
        for number, page in enumerate(_children(document, "Page")):
            if number >= MAX_PAGES:
                break
            location = page.get("BaseLoc") or ""
            path = location if location.startswith("/") else posixpath.join(folder, location)
            content = _xml(archive, posixpath.normpath(path))
            pages.append(
                _lines_of_page(content, number, default_box) if content is not None else []
            )
    meta["pages"] = len(pages)
    return pages, meta
