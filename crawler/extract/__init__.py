"""HTML bytes to an extracted page: title, publication date, source and main text. Pure functions,
no network.

The spider, ``crawler extract``, check-site and the benchmarks all go through :func:`read_page`
and :func:`extract`, so what a user sees when debugging a saved page is exactly what a crawl
would store. Rooms: page.py (bytes, tree, lines), content.py (where the article is), body.py
(which of its lines are text), dates.py, titles.py (headline and source).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

import lxml.html

from crawler.extract.body import body_and_issuer, clean_body_lines
from crawler.extract.content import content_blocks, page_names
from crawler.extract.dates import china_day, date_from_url, extract_date, parse_date
from crawler.extract.decode import Decoded, charset_from_content_type, decode_html
from crawler.extract.page import (
    NotHTML,
    drop_noise,
    lines_of,
    looks_binary,
    meta_pairs,
    parse_html,
)
from crawler.extract.titles import extract_source, extract_title, text_before_body

__all__ = [
    "Extracted",
    "NotHTML",
    "ReadPage",
    "china_day",
    "clean_body_lines",
    "date_from_url",
    "extract",
    "extract_page",
    "looks_binary",
    "parse_date",
    "parse_html",
    "read_page",
]


@dataclass
class ReadPage:
    """A response's bytes decoded and parsed: what discovery and extraction both read."""

    decoded: Decoded
    doc: lxml.html.HtmlElement


@dataclass
class Extracted:
    """What a page says about itself. Add a field here and it reaches the items, the archive's
    pages and documents rows, and ``crawler extract``'s JSON."""

    title: str | None
    published: str | None  # YYYY-MM-DD
    source: str | None
    body: str  # paragraphs in order, one per line
    encoding: str
    encoding_reason: str
    published_from: str | None = None  # which evidence the date came from
    file_type: str | None = (
        None  # pdf, docx, doc for a document file (extract/files); None for HTML
    )

    def as_dict(self) -> dict:
        return asdict(self)


def read_page(
    body: bytes, content_type: str | bytes | None = None, encoding: str | None = None
) -> ReadPage:
    """Decode and parse a response's bytes (``encoding`` forces a codec). Raises NotHTML for
    binary data, an attachment served as a page, or nothing at all."""
    if looks_binary(body):
        raise NotHTML("binary data, not an HTML page")
    decoded = decode_html(
        body, header_charset=charset_from_content_type(content_type), forced=encoding
    )
    return ReadPage(decoded, parse_html(decoded.text, decoded.utf8))


def extract(page: ReadPage, url: str | None = None, fetched_on: date | None = None) -> Extracted:
    """Title, date (and the evidence for it), source and body of a read page. ``fetched_on`` is
    the day a relative date (昨天, 3小时前) counts from. The tree is modified (scripts and
    furniture removed): discover links first."""
    doc = page.doc
    # kept by these references when drop_noise takes them out; their texts (tens of KB) are read
    # only when the page's data is the last place a date is looked for
    scripts = list(doc.iter("script"))
    drop_noise(doc)
    full_lines = lines_of(doc.body if doc.find("body") is not None else doc)
    names = page_names(doc)
    content, blocks = content_blocks(doc, names)
    raw_lines = [line for block in blocks for line in lines_of(block)]
    head_lines = text_before_body(full_lines, raw_lines)
    metas = meta_pairs(doc)
    title = extract_title(doc, content, head_lines, names.title_blocks, metas)
    published, published_from = extract_date(
        doc,
        head_lines,
        full_lines,
        url,
        title,
        (script.text or "" for script in scripts),
        raw_lines,
        fetched_on,
        metas,
    )
    body, issuer = body_and_issuer(raw_lines, title)
    return Extracted(
        title=title,
        published=published,
        # a page that names no source is its sign-off's issuer's (县委统战部 / 2023年1月5日)
        source=extract_source(doc, head_lines, full_lines, metas) or issuer,
        body="\n".join(body),
        encoding=page.decoded.encoding,
        encoding_reason=page.decoded.reason,
        published_from=published_from,
    )


def extract_page(
    body: bytes,
    url: str | None = None,
    content_type: str | bytes | None = None,
    encoding: str | None = None,
    fetched_on: date | None = None,
) -> Extracted:
    """Read and extract one page from its bytes. Raises NotHTML for binary or empty responses."""
    return extract(read_page(body, content_type, encoding), url, fetched_on)
