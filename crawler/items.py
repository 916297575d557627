"""What the spider hands to the pipelines."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class PageItem:
    """A fetched page and, for an article, what was extracted from it. Pipelines fill in the
    classification and the content hash."""

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
    links: list[tuple[str, str]] | None = None  # navigation links of a list page
    # Set by the pipelines:
    is_summary: bool | None = None
    reason: str | None = None
    year: int | None = None
    content_hash: str | None = None


@dataclass
class ErrorItem:
    """A URL that could not be fetched or read."""

    url: str
    site: str | None
    kind: str  # http_404, timeout, dns, connection, offsite_redirect, binary, too_large, ...
    message: str
    status: int | None = None
