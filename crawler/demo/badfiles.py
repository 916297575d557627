"""Document files that go wrong as real ones do, each linked under a name that reads like a
summary: encrypted, scanned (no text layer), cut short, an HTML page served as a PDF, a
decompression bomb, an OLE2 file no reader takes. Served by the attachment sample sites and by the
hostile site (so that the local and the distributed paths both meet them)."""

from __future__ import annotations

import io
import zipfile
from functools import cache
from pathlib import Path

FILES = Path(__file__).resolve().parent / "files"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOC = "application/msword"


def file(name: str) -> bytes:
    """One of the sample files made by crawler/demo/files/make.py."""
    return (FILES / name).read_bytes()


@cache
def bomb() -> bytes:
    """A DOCX whose document.xml inflates to 80 MB (a few hundred kilobytes on the wire)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as part:
            chunk = b" " * (1024 * 1024)
            for _ in range(80):
                part.write(chunk)
    return buffer.getvalue()


def bad_files(folder: str) -> list[tuple[str, str, str, bytes, str]]:
    """(path, link text, list date, body, content type) of each bad file, under ``folder``."""
    docx = file("qs-summary-2022.docx")
    lying = (
        "<html><head><meta charset='utf-8'><title>文件不存在</title></head>"
        "<body><p>您访问的文件不存在或已被删除。</p></body></html>"
    ).encode()
    ole2_garbage = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096)
    return [
        (folder + "encrypted.pdf", "2022年度工作总结（加密）", "2023-01-04", file("encrypted.pdf"), PDF),
        (folder + "scanned.pdf", "2022年度工作总结（扫描件）", "2023-01-04", file("scanned.pdf"), PDF),
        (folder + "corrupt.docx", "2022年度工作总结（损坏）", "2023-01-04", docx[: len(docx) // 2], DOCX),
        (folder + "page.pdf", "2022年度工作总结（网页）", "2023-01-04", lying, PDF),
        (folder + "bomb.docx", "2022年度工作总结（压缩炸弹）", "2023-01-04", bomb(), DOCX),
        (folder + "old.wps", "2022年度工作总结（WPS）", "2023-01-04", ole2_garbage, "application/kswps"),
        (folder + "nomap.pdf", "2022年度工作总结（无字符映射）", "2023-01-04", file("nomap.pdf"), PDF),
    ]  # fmt: skip


# What each bad file is recorded as (crawl_errors.kind).
BAD_FILE_KINDS = {
    "encrypted.pdf": "encrypted",
    "scanned.pdf": "no_text",
    "corrupt.docx": "corrupt_file",
    "page.pdf": "not_a_document",
    "bomb.docx": "file_too_large",
    "old.wps": "unreadable_format",
    "nomap.pdf": "garbled_text",
}
