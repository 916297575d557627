"""What the municipal spider records of a response and reads back: a page item's fields, a list
page's links as stored (replayed on a 304), where a further page stands in its column, and why a
column page led to nothing."""

from __future__ import annotations

from typing import Any

from scrapy.http import Response

from crawler.discovery.forms import link_page
from crawler.discovery.links import Link, LinkKind, page_number
from crawler.registry.sites import Site

BLIND_LIST = "a list page with scripts and no article links: its list may be written by script"


def blind_list(doc, links: list[Link]) -> str | None:
    """Why a column page led to nothing, when a script is the likely reason (check-site says)."""
    if any(link.kind in (LinkKind.ARTICLE, LinkKind.PAGE) or link.via != "link" for link in links):
        return None
    scripted = any(
        script.get("src") or (script.text or "").strip() for script in doc.iter("script")
    )
    return BLIND_LIST if scripted else None


def page_of(link: Link) -> int:
    """Where a further page stands in its column: by its form fields (a POSTed pager), else by
    its URL."""
    number = link_page(link)
    return page_number(link.url) if number is None else number


def stored_links(known) -> list[Link]:
    """The links of a list page as stored at its last fetch (see link_rows)."""
    links = []
    for row in known.links if known is not None else []:
        url, kind = row[0], row[1]
        formdata = tuple(tuple(pair) for pair in row[2]) if len(row) > 2 and row[2] else None
        links.append(Link(url, LinkKind(kind), "", formdata))
    return links


def link_rows(links: list[Link]) -> list[list]:
    """What a list page leads to, stored with it and replayed when it answers 304: articles,
    further pages and other columns (not the ignored links)."""
    rows: list[list] = []
    for link in links:
        if link.kind is LinkKind.IGNORE:
            continue
        rows.append(
            [link.url, link.kind.value]
            + ([list(map(list, link.formdata))] if link.formdata else [])
        )
    return rows


def page_fields(response: Response, site: Site) -> dict[str, Any]:
    """What every page item says of its response: where, what status, validators, how it was
    reached, where its stored copy is."""
    fields = {
        "url": response.url,
        "site": site.id,
        "region": site.region,
        "status": response.status,
        "etag": header(response, b"ETag"),
        "last_modified": header(response, b"Last-Modified"),
        "via": response.meta.get("via", "link"),
    }
    stored = response.meta.get("warc")
    if stored is not None:
        fields |= {"warc_file": stored.file, "warc_offset": stored.offset}
    return fields


def header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
