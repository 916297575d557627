"""The generic municipal spider: one spider for every site in the registry.

From each start URL (usually a home page) it reads the navigation for column pages, pages through
each column, and fetches the articles they list. Sites differ only in configuration (sites.toml)
and in which discovery readers recognise their list pages.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectError,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure

from crawler.archive import SiteCounts
from crawler.decode import charset_from_content_type, decode_html
from crawler.discovery import LinkKind, discover
from crawler.discovery.links import index_aliases
from crawler.extract import NotHTML, extract_document, looks_binary, parse_html
from crawler.items import ErrorItem, PageItem
from crawler.middlewares import OffsiteRequest
from crawler.sites import Site, load_sites, select_sites

# A page reached as "other" is taken for an article when it lists no articles itself and carries
# at least this many Chinese characters of main text.
ARTICLE_MIN_CJK = 150
_TEXT_TYPES = ("text/html", "application/xhtml", "text/xml", "application/xml", "text/plain")


class MunicipalSpider(scrapy.Spider):
    name = "municipal"

    def __init__(
        self, sites: str = "sites.toml", site_ids: str | list[str] = "", *args: Any, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        ids = (
            [s for s in re.split(r"[,\s]+", site_ids) if s]
            if isinstance(site_ids, str)
            else list(site_ids)
        )
        self.sites_path = sites
        self.sites: list[Site] = select_sites(load_sites(sites), ids, sites)
        self.counts: dict[str, SiteCounts] = {site.id: SiteCounts() for site in self.sites}
        self._scheduled: dict[str, int] = {site.id: 0 for site in self.sites}
        self._seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> MunicipalSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._count_request, signal=signals.request_reached_downloader)
        return spider

    # --- bookkeeping ----------------------------------------------------------------------

    def site_for_url(self, url: str) -> Site | None:
        for site in self.sites:
            if site.owns(url):
                return site
        return None

    def _count_request(self, request: scrapy.Request, spider: scrapy.Spider | None = None) -> None:
        site = request.meta.get("site") or self.site_for_url(request.url)
        if site is not None:
            self.counts[site.id].requests += 1

    def _request(
        self, url: str, site: Site, kind: str, hops: int, column: str | None = None
    ) -> scrapy.Request | None:
        """A request within the site's budget, once per page (a folder and its index.html are one)."""
        if any(alias in self._seen for alias in index_aliases(url)):
            return None
        if self._scheduled[site.id] >= site.max_requests:
            self.counts[site.id].cut += 1
            return None
        self._seen.add(url)
        self._scheduled[site.id] += 1
        return scrapy.Request(
            url,
            callback=self.parse_page,
            errback=self.on_error,
            # Articles first: a budget cut should cost list pages, not the texts already found.
            priority=10 if kind == "article" else 0,
            meta={
                "site": site,
                "kind": kind,
                "hops": hops,
                "column": column,
                "handle_httpstatus_list": [304],
            },
        )

    # --- crawling -------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for site in self.sites:
            for url in site.start_urls:
                request = self._request(url, site, "home", 0)
                if request is not None:
                    yield request

    def parse_page(self, response: Response) -> Iterator[PageItem | ErrorItem | scrapy.Request]:
        site: Site = response.meta["site"]
        requested = response.meta["kind"]
        hops = response.meta["hops"]
        counts = self.counts[site.id]
        if response.status == 304:
            counts.not_modified += 1
            return
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
        body = response.body
        if looks_binary(body) or (content_type and not content_type.startswith(_TEXT_TYPES)):
            yield ErrorItem(
                response.url,
                site.id,
                "not_html",
                f"not an HTML page ({content_type or 'binary data'}, {len(body)} bytes)",
                response.status,
            )
            return
        decoded = decode_html(body, charset_from_content_type(content_type), site.encoding)
        try:
            doc = parse_html(decoded.text)
        except NotHTML as exc:
            yield ErrorItem(response.url, site.id, "empty", str(exc), response.status)
            return
        base = {
            "url": response.url,
            "site": site.id,
            "region": site.region,
            "status": response.status,
            "encoding": decoded.describe(),
            "etag": _header(response, b"ETag"),
            "last_modified": _header(response, b"Last-Modified"),
        }

        if requested != "article":
            links = discover(doc, response.url, site, decoded.text)
            articles = [link for link in links if link.kind is LinkKind.ARTICLE]
            if articles or requested in ("home", "list"):
                counts.list_pages += 1
                yield PageItem(kind="list" if articles or requested == "list" else "other", **base)
                yield from self._follow(
                    links, site, hops, column=response.meta.get("column") or response.url
                )
                return
        title, published, _, source, text = extract_document(doc, response.url)
        if (
            requested != "article"
            and sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff") < ARTICLE_MIN_CJK
        ):
            yield PageItem(kind="other", **base)
            yield from self._follow(links, site, hops, column=None)
            return
        counts.articles += 1
        yield PageItem(
            kind="article", title=title, published=published, source=source, body=text, **base
        )

    def _follow(
        self, links: list, site: Site, hops: int, column: str | None
    ) -> Iterator[scrapy.Request]:
        for link in links:
            if link.kind is LinkKind.IGNORE:
                continue
            if link.kind is LinkKind.ARTICLE:
                request = self._request(link.url, site, "article", hops)
            elif link.kind is LinkKind.PAGE:
                request = self._request(link.url, site, "list", hops, column=column)
            elif hops < site.max_depth:
                request = self._request(
                    link.url, site, "list" if link.kind is LinkKind.LIST else "other", hops + 1
                )
            else:
                continue
            if request is not None:
                yield request

    def on_error(self, failure: Failure) -> Iterator[ErrorItem]:
        request = failure.request
        site: Site | None = request.meta.get("site") or self.site_for_url(request.url)
        site_id = site.id if site else None
        if failure.check(HttpError):
            status = failure.value.response.status
            kind = "blocked" if status in (403, 412, 429, 521) else f"http_{status}"
            yield ErrorItem(request.url, site_id, kind, f"HTTP {status}", status)
            return
        if failure.check(OffsiteRequest):
            yield ErrorItem(request.url, site_id, "offsite", str(failure.value))
            return
        if failure.check(IgnoreRequest):
            if "robots.txt" in str(failure.value) and site_id:
                self.counts[site_id].extra["robots_forbidden"] = (
                    self.counts[site_id].extra.get("robots_forbidden", 0) + 1
                )
                return
            yield ErrorItem(request.url, site_id, "ignored", str(failure.value))
            return
        for kind, exc_types in (
            ("timeout", (TimeoutError, TCPTimedOutError)),
            ("dns", (DNSLookupError,)),
            ("connection_refused", (ConnectionRefusedError,)),
            ("connection", (ConnectError,)),
        ):
            if failure.check(*exc_types):
                yield ErrorItem(request.url, site_id, kind, failure.getErrorMessage() or kind)
                return
        yield ErrorItem(
            request.url, site_id, failure.type.__name__, failure.getErrorMessage()[:500]
        )


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
