"""What reading document attachments costs (crawler/extract/files): milliseconds per PDF page
(Chromium-printed with embedded CJK fonts, and reportlab with a non-embedded Adobe-GB1 font), per
DOCX and per DOC, pdfminer.six against pypdf on the same pages, and the time and peak memory of
the reading process on a PDF of about 20 MB (FILES_BIG_PAGES pages, default 300, each with a
scanned-looking image beside its text), read as a crawl reads it (in a process of its own)."""

from __future__ import annotations

import io
import os
import resource
import tempfile
import time
from pathlib import Path

from crawler.demo.badfiles import file
from crawler.demo.cms import load_articles
from crawler.extract.files import extract_file
from crawler.extract.files.isolated import extract_file_isolated

BIG_PAGES = int(os.environ.get("FILES_BIG_PAGES", "300"))


def timed(read, body: bytes, rounds: int) -> float:
    read(body)  # imports and caches
    started = time.perf_counter()
    for _ in range(rounds):
        read(body)
    return (time.perf_counter() - started) / rounds


def big_pdf(pages: int) -> bytes:
    from PIL import Image
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    lines = load_articles()["lj-summary-2022"].body.strip().splitlines()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    for number in range(pages):
        noise = Image.frombytes("L", (256, 256), os.urandom(256 * 256))
        pdf.drawImage(ImageReader(noise), 300, 80, width=240, height=240)
        pdf.setFont("STSong-Light", 12)
        for row, line in enumerate(lines * 2):
            pdf.drawString(50, 780 - row * 18, f"{number} {line[:40]}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def pypdf_text(body: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def main() -> None:
    chromium = file("lj-summary-2022.pdf")  # 2 pages
    gb = file("yx-review-2022.pdf")  # 1 page
    print(
        f"PDF, Chromium, embedded fonts: {timed(extract_file, chromium, 10) / 2 * 1000:.1f} ms per page"
    )
    print(f"PDF, Adobe-GB1, no embedded font: {timed(extract_file, gb, 10) * 1000:.1f} ms per page")
    try:
        print(
            f"  pypdf on the same pages: {timed(pypdf_text, chromium, 10) / 2 * 1000:.1f} and "
            f"{timed(pypdf_text, gb, 10) * 1000:.1f} ms per page (text only, no positions)"
        )
    except ImportError:
        print("  (pypdf not installed: pip install pypdf to compare)")
    print(f"DOCX: {timed(extract_file, file('qs-summary-2022.docx'), 50) * 1000:.1f} ms per file")
    print(
        f"DOC (antiword): {timed(extract_file, file('qs-summary-2022.doc'), 50) * 1000:.1f} ms per file"
    )
    started = time.perf_counter()
    extract_file_isolated(file("qs-summary-2022.docx"))
    print(
        f"a separate reading process costs {(time.perf_counter() - started) * 1000:.0f} ms per file"
    )
    body = big_pdf(BIG_PAGES)
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "big.pdf").write_bytes(body)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    extracted = extract_file_isolated(body)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        f"a {len(body) / 1e6:.1f} MB PDF of {BIG_PAGES} pages: {seconds:.1f} s "
        f"({seconds / BIG_PAGES * 1000:.0f} ms per page), peak memory of the reading process "
        f"{max(peak, before) / 1024:.0f} MB, {len(extracted.body):,} characters of text"
    )
