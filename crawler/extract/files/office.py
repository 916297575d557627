"""Word files: DOCX read from its XML directly (bounded, so a decompression bomb stops early),
old binary DOC and WPS through Debian's antiword (catdoc when antiword refuses a file).

Both were measured on a DOC saved by LibreOffice from a Chinese summary: both read it whole, in
about 2 ms; antiword keeps paragraphs apart (one per line with ``-w 0``), catdoc reads the older
8-bit files (Word 6/95 in GBK) that antiword gives up on.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from contextlib import contextmanager

from lxml import etree

from crawler.extract.files.errors import Unreadable
from crawler.extract.files.numbering import Numbering

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
# The text of a long report is a few megabytes of XML; a part that inflates past this is a bomb.
MAX_PART_BYTES = 64 * 1024 * 1024
# What antiword prints for a picture.
_PLACEHOLDER = re.compile(r"\[(pic|image|picture)\]", re.IGNORECASE)
_HEADING_STYLE = re.compile(r"^(title|heading\s*1|heading1|1|标题|标题\s*1)$", re.IGNORECASE)


@contextmanager
def zip_errors(label: str):
    """What goes wrong reading a ZIP-based file (DOCX, OFD), as the reason it is unreadable."""
    try:
        yield
    except Unreadable:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise Unreadable("corrupt_file", f"damaged {label} (ZIP): {exc}") from exc
    except RuntimeError as exc:  # an encrypted ZIP member
        raise Unreadable("encrypted", f"encrypted {label}: {exc}") from exc


def zip_part(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_PART_BYTES:
        raise Unreadable(
            "file_too_large",
            f"DOCX part {name} says it inflates to {info.file_size:,} bytes "
            f"(limit {MAX_PART_BYTES:,}): a decompression bomb, not read",
        )
    with archive.open(info) as stream:  # sizes in the header can lie: read at most the limit
        data = stream.read(MAX_PART_BYTES + 1)
    if len(data) > MAX_PART_BYTES:
        raise Unreadable(
            "file_too_large",
            f"DOCX part {name} inflates past {MAX_PART_BYTES:,} bytes: a decompression bomb, "
            "not read",
        )
    return data


# A note mark set as a superscript (the number of a footnote, an asterisk): never part of the
# figure beside it (常住人口¹1761.48万人 is not 11761.48).
_NOTE_MARK = re.compile(r"^\s*[\[（(]?[0-9*＊†‡①-⑳]{1,3}[\]）)]?\s*$")


def _placed(node) -> str:
    """A run's text where it is set as a superscript or subscript (see crawler/extract/files/
    runs.py): a note mark dropped, a unit's power and a chemical index kept as such."""
    text = node.text or ""
    place = node.find(f"../{W}rPr/{W}vertAlign")
    where = place.get(W + "val") if place is not None else None
    if where == "superscript":
        if text in ("2", "3") and (node.getparent().getprevious() is not None):
            before = "".join(node.getparent().getprevious().itertext())
            if before[-1:].isascii() and before[-1:].isalpha():
                return text.translate(str.maketrans("23", "²³"))
        return "" if _NOTE_MARK.match(text) else text
    if where == "subscript":
        return text.translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
    return text


def _paragraph_text(paragraph) -> str:
    parts = []
    for node in paragraph.iter(W + "t", W + "tab", W + "br", W + "cr"):
        if node.tag == W + "t":
            parts.append(_placed(node))
        else:
            parts.append(" " if node.tag == W + "tab" else "\n")
    return "".join(parts)


def _labelled(label: str, text: str) -> str:
    """A paragraph's text after its number: 一、加强 (no space after Chinese punctuation), 1. 加强."""
    return label + ("" if not label[-1].isascii() or label[-1] in "([" else " ") + text


def read_docx(body: bytes) -> tuple[list[str], list[str], dict]:
    """(title lines, paragraphs, metadata) of a DOCX."""
    with zip_errors("DOCX"):
        archive = zipfile.ZipFile(io.BytesIO(body))
        document = zip_part(archive, "word/document.xml")
        core = zip_part(archive, "docProps/core.xml")
        numbering_part = zip_part(archive, "word/numbering.xml")
        styles_part = zip_part(archive, "word/styles.xml")
    if document is None:
        raise Unreadable("not_a_document", "a ZIP file without word/document.xml: not a DOCX")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(document, parser)
    except etree.XMLSyntaxError as exc:
        raise Unreadable("corrupt_file", f"damaged DOCX (word/document.xml): {exc}") from exc
    # A text box is written twice, for new and old Word (mc:Choice, mc:Fallback): read once.
    for fallback in root.iter(MC + "Fallback"):
        fallback.clear()
    numbering = Numbering(numbering_part, styles_part, parser)
    title: list[str] = []
    paragraphs: list[str] = []
    for paragraph in root.iter(W + "p"):
        label = numbering.label(paragraph)  # counted as Word counts, empty paragraphs too
        text = _paragraph_text(paragraph).strip()
        if not text:
            continue
        style = paragraph.find(f"{W}pPr/{W}pStyle")
        centred = paragraph.find(f"{W}pPr/{W}jc")
        heading = (style is not None and _HEADING_STYLE.match(style.get(W + "val", ""))) or (
            centred is not None and centred.get(W + "val") == "center" and len(text) <= 60
        )
        if label:  # a numbered heading (一、…) is the text's, never the title
            text, heading = _labelled(label, text), False
        if heading and not paragraphs and len(title) < 3:
            title.append(text)
        else:
            paragraphs.extend(part.strip() for part in text.split("\n") if part.strip())
    meta: dict = {}
    if core:
        try:
            props = etree.fromstring(core, parser)
        except etree.XMLSyntaxError:
            props = None
        if props is not None:
            for node in props.iter():
                name = etree.QName(node).localname if isinstance(node.tag, str) else ""
                if name == "title" and (node.text or "").strip():
                    meta["title"] = node.text.strip()
                elif name in ("created", "modified") and node.text and "created" not in meta:
                    meta["created"] = node.text[:10]
    return title, paragraphs, meta


def read_doc(body: bytes, kind: str) -> tuple[list[str], list[str], dict]:
    """(title lines, paragraphs, metadata) of an old binary Word (or WPS) file, by antiword or
    catdoc; Unreadable("unreadable_format") when neither is installed or both give up."""
    tried = []
    for tool, args in (
        ("antiword", ["-w", "0", "-m", "UTF-8.txt", "-"]),
        ("catdoc", ["-d", "utf-8", "-w"]),
    ):
        path = shutil.which(tool)
        if path is None:
            tried.append(f"{tool} not installed")
            continue
        try:
            done = subprocess.run(
                [path, *args], input=body, capture_output=True, timeout=60, check=False
            )
        except subprocess.TimeoutExpired:
            tried.append(f"{tool} took more than 60 s")
            continue
        text = done.stdout.decode("utf-8", "replace")
        if done.returncode == 0 and text.strip():
            lines = [
                line.strip()
                for line in text.splitlines()
                if line.strip() and not _PLACEHOLDER.fullmatch(line.strip())
            ]
            return [], lines, {"tool": tool}
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        tried.append(f"{tool}: {reason[-1] if reason else 'no text'}")
    raise Unreadable(
        "unreadable_format",
        f"{kind.upper()} file not readable here ({'; '.join(tried)}); "
        "install Debian's antiword and catdoc to read old Word files",
    )
