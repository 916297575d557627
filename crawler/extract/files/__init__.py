"""Document files (PDF, DOCX, DOC, WPS) to the same :class:`~crawler.extract.Extracted` as a web
page, so that an attachment goes the page's way: classify → fingerprint → archive, and a file
whose text is a web copy's is the same document.

The text is made to read like the web copy: NFKC on what fonts put there and no author typed
(Kangxi radicals such as ⼀ for 一, compatibility ideographs, ligatures), lines that the page width broke joined into paragraphs, page numbers
and running headers and footers dropped (layout.py), the title line not repeated in the body.
The title comes from the document's heading, else its metadata, else the link that led to it;
the date from the page that linked it, else a dated sign-off in the text, else the metadata.

The type is read from the bytes, never from the URL or the Content-Type. Files come from
strangers: crawls read them in a separate process with a time and memory limit (isolated.py).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from urllib.parse import unquote, urlsplit

from crawler.extract.body import body_and_issuer
from crawler.extract.dates import LABELLED_DATE, is_sign_off_date, parse_date
from crawler.extract.files.errors import Unreadable
from crawler.extract.files.garbled import RARE_SHARE, rare_share
from crawler.extract.files.layout import FIELD_LABEL, FILE_LABEL
from crawler.extract.gongwen import is_letterhead, record_tail
from crawler.extract.variants import fold_variants

__all__ = ["FILE_TYPES", "Unreadable", "extract_file", "sniff", "title_from_link"]

# What each readable type is called, and its MIME type for the stored copy.
FILE_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
    "ofd": "application/ofd",
}
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The two- and three-em dashes (⸺ ⸻) that CJK fonts use for —— are not folded by NFKC.
_FOLD = str.maketrans({"\u2e3a": "——", "\u2e3b": "———"})
_SENTENCE_END = re.compile(r"[。！？；;!?]$")
# A glyph whose font gives no Unicode for it: pdfminer writes its CID. Embedded CJK font subsets
# without a ToUnicode map (some typesetting and PDF-printer tools make them) give nothing else.
_UNMAPPED = re.compile(r"\(cid:\d+\)")
# Characters no Chinese text is made of, which such fonts give through a fallback encoding:
# private use, replacement, controls, and Latin-1/Latin Extended letters and spacing modifiers
# (the signs Chinese texts do use, · × ÷ ° ± §, are not counted).
_ODD = re.compile(
    "[\ue000-\uf8ff\ufffd\x00-\x08\x0b-\x1f\x80-\xa6\xa8-\xaf\xb2-\xb6\xb8-\xd6\xd8-\xf6\xf8-\u02ff]"
)
# Past this share of unmapped and odd characters a file's text is not read (garbled_text).
GARBLED_SHARE = 0.05
_LINK_NOISE = re.compile(
    r"^\s*(附件\s*\d*\s*[:：.、]?|\[?下载\]?|点击下载|下载附件)\s*|\.(pdf|docx?|wps|ofd)\s*$",
    re.IGNORECASE,
)


def sniff(body: bytes) -> str | None:
    """The document type the bytes are (pdf, docx, doc, ofd; zip, which is not read), whatever
    the server said; None for anything else."""
    # A PDF may have a few bytes before its header (readers look in the first kilobyte); a web
    # page that quotes "%PDF-" is not one.
    start = body.find(b"%PDF-", 0, 1024)
    if start == 0 or (start > 0 and b"<" not in body[:start]):
        return "pdf"
    if body.startswith(b"PK\x03\x04"):
        if b"word/" in body[:65536] or b"[Content_Types].xml" in body[:4096]:
            return "docx"
        return "ofd" if b"OFD.xml" in body[:65536] else "zip"
    if body.startswith(_OLE2):
        return "doc"
    return None


# Word processors set a gap between Chinese and Latin letters or digits (2022 年), which text
# extraction reads as a space; the web copy has none.
_CJK_GAP = re.compile(
    r"(?<=[\u4e00-\u9fff])[ \t]+(?=[0-9A-Za-z])|(?<=[0-9A-Za-z%])[ \t]+(?=[\u4e00-\u9fff])"
)


# What NFKC folds that fonts put in a PDF's text and no author typed: Kangxi radicals, CJK
# compatibility ideographs, Latin ligatures (ﬁ). Full-width punctuation (，：) is what the author
# typed and stays, as on the web copy.
# (Radicals are folded to the simplified characters first: crawler/extract/variants.py.)
_COMPATIBILITY = re.compile("[\uf900-\ufaff\ufb00-\ufb06\U0002f800-\U0002fa1f]")


def tidy(text: str) -> str:
    """A line of a file's text as the web copy would have it."""
    folded = _COMPATIBILITY.sub(
        lambda m: unicodedata.normalize("NFKC", m.group()), fold_variants(text)
    )
    return _CJK_GAP.sub("", folded.translate(_FOLD)).strip()


def _unspaced(line: str) -> str:
    """A title set letter-spaced (通  知, 工 作 报 告) as it is typed; a space between phrases
    (同心聚力谱新篇 砥砺奋进开新局) stays."""
    parts = line.split()
    return "".join(parts) if len(parts) >= 2 and all(len(part) == 1 for part in parts) else line


def title_from_link(text: str | None, url: str | None = None) -> str | None:
    """What the link called the file (附件1：…工作总结.pdf → …工作总结), else its file name when
    that says something (not P020230105512345.pdf)."""
    for candidate in (text or "", unquote(urlsplit(url or "").path.rsplit("/", 1)[-1])):
        cleaned = _LINK_NOISE.sub("", _LINK_NOISE.sub("", tidy(candidate))).strip()
        if sum(1 for ch in cleaned if "\u4e00" <= ch <= "\u9fff") >= 4:
            return cleaned
    return None


def _read(body: bytes) -> tuple[str, list[str], list[str], dict]:
    kind = sniff(body)
    if kind == "pdf":
        from crawler.extract.files.layout import paragraphs
        from crawler.extract.files.pdf import read_pdf

        pages, meta = read_pdf(body)
        if not any(pages):
            count = meta.get("pages", 0)
            raise Unreadable(
                "no_text",
                f"a PDF of {count} page{'s' if count != 1 else ''} with no text layer "
                "(scanned images?); OCR is not used",
            )
        layout = paragraphs(pages)
        return kind, layout.title_lines, layout.paragraphs, meta
    if kind == "docx":
        from crawler.extract.files.office import read_docx

        return (kind, *read_docx(body))
    if kind == "doc":
        from crawler.extract.files.office import read_doc

        return (kind, *read_doc(body, kind))
    if kind == "ofd":
        from crawler.extract.files.layout import paragraphs
        from crawler.extract.files.ofd import read_ofd

        pages, meta = read_ofd(body)
        if not any(pages):
            raise Unreadable("no_text", "an OFD document with no text objects (scanned images?)")
        layout = paragraphs(pages)
        return kind, layout.title_lines, layout.paragraphs, meta
    if kind == "zip":
        raise Unreadable("not_a_document", "a ZIP archive, not a Word document")
    start = body[:512].lstrip().lower()
    if start.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body")):
        raise Unreadable("not_a_document", "an HTML page, not a document file")
    raise Unreadable("not_a_document", "neither PDF nor Word (DOCX, DOC, WPS) by its first bytes")


def garbled_share(lines: list[str]) -> float:
    """The share of a text's characters that are glyphs without Unicode (each ``(cid:N)`` counts
    as one) or characters no Chinese text is made of; whitespace not counted."""
    text = "".join("".join(line.split()) for line in lines)
    unmapped = len(_UNMAPPED.findall(text))
    rest = _UNMAPPED.sub("", text)
    total = unmapped + len(rest)
    return (unmapped + len(_ODD.findall(rest))) / total if total else 0.0


def _sign_off_date(lines: list[str]) -> str | None:
    """The 成文日期 printed in the sign-off: among the last lines, above the 附注 and 版记 (whose
    印发 date is the printing's), a line that is a date and at most the issuer's name."""
    ending = lines[: len(lines) - record_tail(lines)][-6:]
    for line in reversed(ending):
        if is_sign_off_date(line):
            return parse_date(line)
    return None


def _dated_by(lines: list[str], meta: dict) -> tuple[str | None, str | None]:
    """The document's date by its role, and where it was read: the printed 成文日期 of the
    sign-off; else a labelled date at the top of the text (发布日期：, the info line of a page
    printed from a browser); else the file's metadata, which says when the file (or its
    template) was made, not the document: the last resort, marked so. An effective date
    (本条例自…起施行) or any date inside the text is never the document's."""
    found = _sign_off_date(lines)
    if found:
        return found, "sign-off in the text"
    found = next(
        (parse_date(m.group(0)) for line in lines[:8] if (m := LABELLED_DATE.search(line))), None
    )
    if found:
        return found, "labelled line in the text"
    found = parse_date(meta.get("created") or "")
    if found:
        return found, "document metadata (no date printed)"
    return None, None


def extract_file(
    body: bytes,
    url: str | None = None,
    link_text: str | None = None,
    linked_date: str | None = None,
    fetched_on: date | None = None,
):
    """Title, date, source and body of a document file, as :func:`crawler.extract.extract` gives
    them for a page. Raises Unreadable with the reason when the file gives no text."""
    from crawler.extract import Extracted

    kind, title_lines, lines, meta = _read(body)
    garbled = garbled_share(title_lines + lines)
    if garbled >= GARBLED_SHARE:
        raise Unreadable(
            "garbled_text",
            f"{garbled:.0%} of the {kind.upper()} file's characters have no Unicode meaning "
            "(fonts without a ToUnicode map): its text cannot be read; OCR is not used",
        )
    # A few unmapped glyphs (a bullet from a symbol font) are no text; a title with them is no
    # title (the link's text is).
    rare = rare_share(title_lines + lines)
    if rare >= RARE_SHARE:
        raise Unreadable(
            "garbled_text",
            f"{rare:.0%} of the {kind.upper()} file's letters are ideographs outside common use "
            "or full-width Latin (fonts that map their glyphs to the wrong characters): its "
            "text cannot be read; OCR is not used",
        )
    title_lines = [line for line in title_lines if not _UNMAPPED.search(line)]
    lines = [_UNMAPPED.sub("", line) for line in lines]
    # an official document's 版头 (中共青山县委统战部文件, 青统发〔2023〕3号) is not its title
    title_lines = [
        tidy(line)
        for line in title_lines
        if not is_letterhead(tidy(line)) and not FILE_LABEL.match(tidy(line))
    ]
    # a cover's field labels (预算主管部门：…) end its title
    cut = next((i for i, line in enumerate(title_lines) if FIELD_LABEL.match(line)), None)
    title_lines = title_lines[:cut]
    lines = [tidy(line) for line in lines if tidy(line)]
    while lines and (is_letterhead(lines[0]) or FILE_LABEL.match(lines[0])):
        lines = lines[1:]
    if not title_lines and lines and len(lines[0]) <= 60 and not _SENTENCE_END.search(lines[0]):
        title_lines, lines = [lines[0]], lines[1:]
    meta_title = tidy(meta.get("title") or "")
    meta_title = re.sub(r"^Microsoft (Word|PowerPoint) - |\.(docx?|wps|pdf)$", "", meta_title)
    title = (
        "".join(_unspaced(line) for line in title_lines)
        or (meta_title if sum("\u4e00" <= ch <= "\u9fff" for ch in meta_title) >= 4 else None)
        or title_from_link(link_text, url)
    )
    published, published_from = linked_date, "the linking page" if linked_date else None
    if published is None:
        published, published_from = _dated_by(lines, meta)
    if fetched_on and published and published > fetched_on.isoformat():
        published, published_from = None, None  # a clock set wrong where the file was made
    body_lines, issuer = body_and_issuer(lines, title)
    text = "\n".join(body_lines)
    if not text:
        raise Unreadable("no_text", f"a {kind.upper()} file with no text beyond its title")
    pages = meta.get("pages")
    return Extracted(
        title=title or None,
        published=published,
        source=issuer,
        body=text,
        encoding=kind,
        encoding_reason=(
            f"{kind.upper()} file"
            + (f", {pages} pages" if pages else "")
            + (f", read by {meta['tool']}" if meta.get("tool") else "")
        ),
        published_from=published_from,
        file_type=kind,
    )
