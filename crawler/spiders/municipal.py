"""The generic municipal spider: one spider for every site in the registry.

From each start URL (usually a home page) it reads the navigation for column pages, pages through
each column, and fetches the articles they list. Sites differ only in configuration (sites.toml)
and in which discovery readers recognise their list pages.

Re-crawls ask only for what is new: articles already in the archive are not fetched again, list
pages are requested conditionally (a 304 replays the page's stored navigation), and a column is
paged only while its pages hold articles not seen before. A column never read before is walked to
its last page.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectError, ConnectionRefusedError, DNSLookupError
from twisted.internet.error import TimeoutError as TwistedTimeoutError
from twisted.python.failure import Failure

from crawler.archive import SiteCounts, SiteState, read_crawl_state
from crawler.discovery import discover
from crawler.links import Link, LinkKind, index_aliases, page_number
from crawler.extract import NotHTML, china_day, extract, looks_binary, read_page
from crawler.items import ColumnItem, ErrorItem, PageItem
from crawler.middlewares import (
    BLOCKED_STATUSES,
    OffsiteRequest,
    PrivateAddressRequest,
    SiteGivenUp,
)
from crawler.sites import Site, load_sites, select_sites

# A page reached as "other" is taken for an article when it lists no articles itself and carries
# at least this many Chinese characters of main text.
ARTICLE_MIN_CJK = 150
_TEXT_TYPES = ("text/html", "application/xhtml", "text/xml", "application/xml", "text/plain")
# Linked documents that may hold a summary (the text of a PDF is not archived): recorded once.
DOCUMENT_ATTACHMENT = re.compile(r"\.(pdf|docx?|wps|xlsx?|ofd|zip|rar)$", re.IGNORECASE)
# Failures by what the user should read, most specific first.
_FAILURES: tuple[tuple[str, tuple[type[BaseException], ...]], ...] = (
    ("timeout", (DownloadTimeoutError, TwistedTimeoutError)),
    ("dns", (CannotResolveHostError, DNSLookupError)),
    ("connection_refused", (DownloadConnectionRefusedError, ConnectionRefusedError)),
    ("too_large", (DownloadCancelledError,)),
    ("truncated", (ResponseDataLossError,)),
    ("connection", (ConnectError, DownloadFailedError)),
)


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
        self.state: dict[str, SiteState] = {site.id: SiteState() for site in self.sites}
        self.refresh = False
        self.blocked_limit = 3
        # Sites that answered with ARCHIVE_BLOCKED_LIMIT anti-bot statuses (counted as they arrive
        # by SiteScopeMiddleware): no further requests this run.
        self.blocked_answers: dict[str, int] = {}
        self.given_up: set[str] = set()
        self._scheduled: dict[str, int] = {site.id: 0 for site in self.sites}
        self._seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> MunicipalSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.refresh = crawler.settings.getbool("ARCHIVE_REFRESH")
        spider.blocked_limit = crawler.settings.getint("ARCHIVE_BLOCKED_LIMIT", 3)
        db_path = crawler.settings.get("ARCHIVE_DB")
        if db_path and not spider.refresh:
            spider.state = read_crawl_state(db_path, [site.id for site in spider.sites])
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

    def _stopped(self, site: Site) -> bool:
        """No more requests for the site this run: its budget is spent or it refused the crawler."""
        return self._scheduled[site.id] >= site.max_requests or site.id in self.given_up

    def _request(
        self, link: Link | str, site: Site, kind: str, hops: int, **meta: Any
    ) -> scrapy.Request | None:
        """A request within the site's budget, once per page (a folder and its index.html are
        one), or None for a page not to fetch. List pages are asked for conditionally."""
        url = link.url if isinstance(link, Link) else link
        formdata = link.formdata if isinstance(link, Link) else None
        key = url + (repr(formdata) if formdata else "")
        if any(alias in self._seen for alias in index_aliases(key)):
            return None
        state = self.state[site.id]
        # A URL the archive has as an article is known whatever this link was guessed to be.
        if kind != "home" and url in state.known_articles:
            self._seen.add(key)
            self.counts[site.id].skipped_known += 1
            return None
        if kind != "home" and url in state.deferred:
            self._seen.add(key)
            self.counts[site.id].deferred += 1
            return None
        if self._stopped(site):
            self.counts[site.id].cut += 1
            return None
        self._seen.add(key)
        self._scheduled[site.id] += 1
        headers = {}
        known = state.list_pages.get(url) if kind != "article" and not formdata else None
        if known is not None:
            if known.etag:
                headers["If-None-Match"] = known.etag
            if known.last_modified:
                headers["If-Modified-Since"] = known.last_modified
        meta = {"site": site, "kind": kind, "hops": hops, "handle_httpstatus_list": [304], **meta}
        options = {
            "headers": headers,
            "callback": self.parse_page,
            "errback": self.on_error,
            # Articles first: a budget cut should cost list pages, not texts already found.
            "priority": 10 if kind == "article" else 0,
            "meta": meta,
            # Pages are fetched once per crawl by the check above; the scheduler's filter would
            # also drop the hops of a redirect loop silently instead of letting it be recorded.
            "dont_filter": True,
        }
        if formdata:
            return scrapy.FormRequest(url, formdata=dict(formdata), **options)
        return scrapy.Request(url, **options)

    # --- crawling -------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for site in self.sites:
            for url in site.start_urls:
                request = self._request(url, site, "home", 0)
                if request is not None:
                    yield request
            # What an earlier crawl found but did not get to fetch.
            for url in self.state[site.id].unfetched_articles():
                request = self._request(url, site, "article", 1)
                if request is not None:
                    yield request

    def parse_page(self, response: Response) -> Iterator[PageItem | ErrorItem | scrapy.Request]:
        site: Site = response.meta["site"]
        requested = response.meta["kind"]
        hops = response.meta["hops"]
        counts = self.counts[site.id]
        if response.status == 304:
            counts.not_modified += 1
            yield PageItem(
                url=response.url, site=site.id, region=site.region, kind="list", status=304
            )
            known = self.state[site.id].list_pages.get(response.url)
            yield from self._follow_list(response, site, hops, _stored_links(known))
            return
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
        body = response.body
        if looks_binary(body) or (content_type and not content_type.startswith(_TEXT_TYPES)):
            message = f"not an HTML page ({content_type or 'binary data'}, {len(body)} bytes)"
            yield ErrorItem(response.url, site.id, "not_html", message, response.status, requested)
            return
        try:
            page = read_page(body, content_type, site.encoding)
        except NotHTML as exc:
            yield ErrorItem(response.url, site.id, "empty", str(exc), response.status, requested)
            return
        base = {
            "url": response.url,
            "site": site.id,
            "region": site.region,
            "status": response.status,
            "encoding": page.decoded.describe(),
            "etag": _header(response, b"ETag"),
            "last_modified": _header(response, b"Last-Modified"),
        }
        links: list[Link] = []
        if requested != "article":
            links = discover(page.doc, response.url, site, page.decoded.text)
            if requested in ("home", "list") or any(
                link.kind is LinkKind.ARTICLE for link in links
            ):
                counts.list_pages += 1
                yield PageItem(kind="list", links=_link_rows(links), **base)
                yield from self._follow_list(response, site, hops, links)
                return
        extracted = extract(page, response.url, china_day(response.headers.get("Date")))
        text = extracted.body
        if (
            requested != "article"
            and sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff") < ARTICLE_MIN_CJK
        ):
            yield PageItem(kind="other", links=_link_rows(links), **base)
            yield from self._follow_list(response, site, hops, links)
            return
        if not text:
            yield ErrorItem(
                response.url,
                site.id,
                "no_text",
                "no main text on the page (empty, or navigation only)",
                response.status,
                requested,
            )
            return
        counts.articles += 1
        yield PageItem(
            kind="article",
            title=extracted.title,
            published=extracted.published,
            source=extracted.source,
            body=text,
            **base,
        )

    def _follow_navigation(
        self, links: list[Link], site: Site, hops: int
    ) -> Iterator[scrapy.Request]:
        """Other columns and pages of unknown kind, within the site's depth limit."""
        for link in links:
            if hops >= site.max_depth:
                self.counts[site.id].depth_cut += 1
                continue
            request = self._request(link, site, link.kind.value, hops + 1)
            if request is not None:
                yield request

    def _follow_list(
        self, response: Response, site: Site, hops: int, links: list[Link]
    ) -> Iterator[scrapy.Request | ColumnItem | ErrorItem]:
        """Requests for what a list page leads to: its new articles, other columns within the
        depth limit, and the next page of its column while pages still hold something new.

        A column whose paging did not last reach its end (never read, or a crawl stopped half-way)
        is walked to its last page; the archive learns when a column's paging begins and ends.
        """
        state = self.state[site.id]
        column = response.meta.get("column") or response.url
        backfill = response.meta.get("backfill", self.refresh or column not in state.walked_columns)
        new_articles = 0
        for link in links:
            if link.kind is LinkKind.ARTICLE:
                request = self._request(link, site, "article", hops)
                if request is not None:
                    new_articles += 1
                    yield request
            elif (
                link.kind is LinkKind.IGNORE
                and DOCUMENT_ATTACHMENT.search(link.url)
                and link.url not in state.known_articles
                and link.url not in self._seen
            ):
                self._seen.add(link.url)
                label = f"'{link.text}' " if link.text else ""
                yield ErrorItem(
                    link.url,
                    site.id,
                    "attachment",
                    f"document attachment {label}linked from {response.url}; not fetched, its text "
                    "is not archived",
                    page_kind="attachment",
                )
        yield from self._follow_navigation(
            [link for link in links if link.kind in (LinkKind.LIST, LinkKind.OTHER)], site, hops
        )
        if not (backfill or new_articles):
            yield from self._column_walked(site, column)
            return
        # The column's later pages, in order; one is asked for at a time, so that paging stops
        # at the first page that holds nothing new (a backfill walks them all).
        current = page_number(response.url)
        pending = {(link.url, link.formdata): link for link in response.meta.get("pending", [])}
        for link in links:
            if link.kind is LinkKind.PAGE and page_number(link.url) > current:
                pending.setdefault((link.url, link.formdata), link)
        ordered = sorted(pending.values(), key=lambda link: page_number(link.url))
        for position, link in enumerate(ordered):
            request = self._request(
                link,
                site,
                "list",
                hops,
                column=column,
                backfill=backfill,
                pending=ordered[position + 1 :],
            )
            if request is not None:
                if column in state.walked_columns:
                    state.walked_columns.discard(column)
                    yield ColumnItem(column, walked=False)
                yield request
                return
        yield from self._column_walked(site, column)

    def _column_walked(self, site: Site, column: str) -> Iterator[ColumnItem]:
        """The column's paging stopped where it should (not cut short by a budget or a block)."""
        state = self.state[site.id]
        if column not in state.walked_columns and not self._stopped(site):
            state.walked_columns.add(column)
            yield ColumnItem(column, walked=True)

    def on_error(self, failure: Failure) -> Iterator[ErrorItem]:
        request = failure.request
        site: Site | None = request.meta.get("site") or self.site_for_url(request.url)
        site_id = site.id if site else None
        requested = request.meta.get("kind")
        if failure.check(HttpError):
            status = failure.value.response.status
            if status in BLOCKED_STATUSES and site is not None:
                yield from self._blocked(request.url, site, status, requested)
                return
            if 300 <= status < 400:
                location = _header(failure.value.response, b"Location") or "nowhere"
                yield ErrorItem(
                    request.url,
                    site_id,
                    "offsite",
                    f"not followed: HTTP {status} redirect to {location}, which is not an "
                    f"http(s) page of site '{site_id}'",
                    status,
                    requested,
                )
                return
            meaning = {404: "not found", 410: "gone"}.get(
                status, "server error" if status >= 500 else "refused"
            )
            yield ErrorItem(
                request.url,
                site_id,
                f"http_{status}",
                f"HTTP {status} ({meaning})",
                status,
                requested,
            )
            return
        # A refused redirect is recorded under the site's own URL that redirected.
        origin = (request.meta.get("redirect_urls") or [request.url])[0]
        if failure.check(SiteGivenUp):
            self.counts[site.id].cut += 1
            return
        if failure.check(OffsiteRequest):
            yield ErrorItem(origin, site_id, "offsite", str(failure.value), page_kind=requested)
            return
        if failure.check(PrivateAddressRequest):
            yield ErrorItem(
                origin, site_id, "private_address", str(failure.value), page_kind=requested
            )
            return
        if failure.check(IgnoreRequest):
            message = str(failure.value)
            if "robots.txt" in message and site_id:
                extra = self.counts[site_id].extra
                extra["robots_forbidden"] = extra.get("robots_forbidden", 0) + 1
                return
            if "max redirections" in message:
                chain = [*request.meta.get("redirect_urls", []), request.url]
                yield ErrorItem(
                    chain[0],
                    site_id,
                    "redirect_loop",
                    f"gave up after {len(chain) - 1} redirects: " + " -> ".join(chain[:6]),
                    page_kind=requested,
                )
                return
            yield ErrorItem(request.url, site_id, "ignored", message)
            return
        for kind, exc_types in _FAILURES:
            if failure.check(*exc_types):
                message = failure.getErrorMessage()[:500] or kind
                if kind == "too_large":
                    limit = request.meta.get(
                        "download_maxsize", self.settings.getint("DOWNLOAD_MAXSIZE")
                    )
                    message = (
                        f"cut off unread: larger than the size limit of {limit} bytes "
                        f"(DOWNLOAD_MAXSIZE). {message}"
                    )
                yield ErrorItem(request.url, site_id, kind, message, page_kind=requested)
                return
        yield ErrorItem(
            request.url, site_id, failure.type.__name__, failure.getErrorMessage()[:500]
        )

    def _blocked(
        self, url: str, site: Site, status: int, requested: str | None
    ) -> Iterator[ErrorItem]:
        """An anti-bot answer: recorded, not retried; enough of them and the site is left alone."""
        extra = self.counts[site.id].extra
        extra["blocked"] = extra.get("blocked", 0) + 1
        yield ErrorItem(
            url,
            site.id,
            "blocked",
            f"HTTP {status}: the site refused the crawler",
            status,
            requested,
        )
        if extra["blocked"] == self.blocked_limit:
            yield ErrorItem(
                site.start_urls[0],
                site.id,
                "site_blocked",
                f"{extra['blocked']} anti-bot answers (the last HTTP {status}); no further "
                "requests to this site in this run",
            )


def _stored_links(known) -> list[Link]:
    """The links of a list page as stored at its last fetch (see _link_rows)."""
    links = []
    for row in known.links if known is not None else []:
        url, kind = row[0], row[1]
        formdata = tuple(tuple(pair) for pair in row[2]) if len(row) > 2 and row[2] else None
        links.append(Link(url, LinkKind(kind), "", formdata))
    return links


def _link_rows(links: list[Link]) -> list[list]:
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


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
