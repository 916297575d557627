"""PDF text with pdfminer.six: each page's text lines with their boxes and character sizes (for
crawler/extract/files/layout.py), and the document's own title and dates.

pdfminer.six was measured against pypdf on PDFs printed by Chromium (embedded CJK subsets with
ToUnicode maps) and made with non-embedded Adobe-GB1 fonts (STSong-Light, the older shape): both
read the text, at about the same speed, but only pdfminer gives each line's position and size,
which joining lines into paragraphs and dropping running headers need (benchmarks/files.py).
"""

from __future__ import annotations

import io
import logging

from crawler.extract.files.errors import Unreadable
from crawler.extract.files.layout import Line
from crawler.extract.files.runs import rows_of

# pdfminer says a great deal at WARNING about fonts it can read anyway.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

MAX_PAGES = 500  # a summary runs to tens of pages; past this, the rest is not read


def _lines_of(container, page: int, height: float, found: list[Line]) -> None:
    from pdfminer.layout import LTChar, LTTextLine

    for item in container:
        if isinstance(item, LTTextLine):
            text = item.get_text().strip()
            if not text:
                continue
            letters = [ch for ch in item if isinstance(ch, LTChar)]
            sizes = sorted(ch.size for ch in letters)
            size = sizes[len(sizes) // 2] if sizes else item.height
            line = Line(
                text, item.x0, item.x1, height - item.y1, height - item.y0, size, page, height
            )
            # each character's own place: a note number set small, characters drawn out of
            # their printed order, pieces of one line drawn apart are read by them (runs.py,
            # which turns them into Chars only where a line needs them)
            line.chars = letters
            found.append(line)
        elif hasattr(item, "__iter__"):
            _lines_of(item, page, height, found)


def _pdf_date(value) -> str | None:
    """D:20230105093000+08'00' → 2023-01-05."""
    if isinstance(value, bytes):
        value = value.decode("latin-1", "replace")
    if not isinstance(value, str):
        return None
    digits = value.removeprefix("D:")[:8]
    if len(digits) == 8 and digits.isdigit() and 1990 <= int(digits[:4]) <= 2100:
        return f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"
    return None


def _pdf_text(value) -> str | None:
    if isinstance(value, bytes):
        if value.startswith(b"\xfe\xff"):
            return value[2:].decode("utf-16-be", "replace")
        return value.decode("latin-1", "replace")
    return value if isinstance(value, str) else None


def read_pdf(body: bytes) -> tuple[list[list[Line]], dict]:
    """The lines of each page, and the document's metadata (title, created, pages)."""
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LAParams, LTPage
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser, PDFSyntaxError
    from pdfminer.psparser import PSException

    try:
        document = PDFDocument(PDFParser(io.BytesIO(body)))
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise Unreadable(
            "encrypted", f"encrypted PDF: {str(exc) or 'a password is needed'}"
        ) from exc
    except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError) as exc:
        raise Unreadable("corrupt_file", f"damaged PDF: {exc}") from exc
    info = document.info[0] if document.info else {}
    meta = {
        "title": _pdf_text(info.get("Title")),
        "created": _pdf_date(info.get("CreationDate")) or _pdf_date(info.get("ModDate")),
        "producer": _pdf_text(info.get("Producer")),
    }
    manager = PDFResourceManager(caching=True)
    device = PDFPageAggregator(manager, laparams=LAParams())
    interpreter = PDFPageInterpreter(manager, device)
    pages: list[list[Line]] = []
    try:
        for number, page in enumerate(PDFPage.create_pages(document)):
            if number >= MAX_PAGES:
                break
            interpreter.process_page(page)
            layout: LTPage = device.get_result()
            found: list[Line] = []
            _lines_of(layout, number, layout.height, found)
            pages.append(rows_of(found))
    except (PDFSyntaxError, PSException) as exc:
        if not pages:
            raise Unreadable("corrupt_file", f"damaged PDF: {exc}") from exc
    meta["pages"] = len(pages)
    return pages, meta
