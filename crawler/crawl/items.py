"""What the spider hands to the pipelines."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

from crawler.classify import Decision

Record = TypeVar("Record")


def copy_fields(source: Any, target: type[Record], **values: Any) -> Record:
    """A ``target`` dataclass made from the fields of ``source`` that it has by the same name
    (and ``values``): a field added to the extraction, the item and a record is carried through
    without glue code."""
    names = {field.name for field in fields(target)}
    found = {name: getattr(source, name) for name in names if hasattr(source, name)}
    return target(**(found | values))


@dataclass
class Judged:
    """What a reader made of an article's text beside its extraction (crawl/readers.py): the
    classifier's decision with the default rules and the content hash, for this title and body.
    The pipelines take them for an item with the same title and body (an article joined from
    parts has another body) whose site has the default rules; else they work them out."""

    title: str | None
    body: str
    decision: Decision
    content_hash: str

    def holds(self, item: PageItem) -> bool:
        return self.body == item.body and self.title == item.title


@dataclass
class PageItem:
    """A fetched page and, for an article, what was extracted from it. Pipelines fill in the
    classification and the content hash (a reader's, ``judged``, when it is for this text)."""

    url: str
    site: str
    region: str
    kind: str  # list | article | other
    status: int
    encoding: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    title: str | None = None
    published: str | None = None
    source: str | None = None
    body: str | None = None
    links: list[list] | None = None  # what a list page links to, replayed on a 304
    warc_file: str | None = None  # where the response is kept (crawler/crawl/warc.py)
    warc_offset: int | None = None
    via: str = "link"  # how it was reached: link, frame, form, sitemap, feed
    file_type: str | None = None  # pdf, docx, doc: a document file (crawler/extract/files)
    published_from: str | None = None  # which evidence the date was read from (extract)
    # Set by the pipelines:
    is_summary: bool | None = None
    reason: str | None = None
    genre: str | None = None  # of a summary: 综述, 总结, 工作报告, 盘点/回眸
    score: float | None = None  # the classifier's score
    near_line: bool | None = None  # near the line: a candidate for a reader
    year: int | None = None
    content_hash: str | None = None
    # a reader's decision and hash for the extracted text (not a column: never archived)
    judged: Judged | None = field(default=None, repr=False, compare=False)


@dataclass
class ErrorItem:
    """A URL that could not be fetched or read."""

    url: str
    site: str | None
    kind: str  # http_404, blocked, timeout, redirect_loop, too_large, not_html, no_text, ...
    message: str
    status: int | None = None
    # What the URL was fetched as (article, list, ...): with a status, the URL gets a pages row of
    # this kind, so that a gone article is not asked for again. "attachment" rows are never fetched.
    page_kind: str | None = None
    # A fetched file that could not be read: its stored copy, so that `crawler reprocess` tries
    # again with a better reader.
    warc_file: str | None = None
    warc_offset: int | None = None
    file_type: str | None = None


@dataclass
class ColumnItem:
    """A column's paging has begun (walked=False) or reached the page where it stops."""

    url: str
    walked: bool


@dataclass
class AliasItem:
    """Other addresses of an article already archived under ``url`` (its canonical address):
    kept with it, so that no crawl asks for them again."""

    url: str
    site: str
    aliases: list[str]
