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
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.crawl.failures import describe_failure
from crawler.crawl.fallback import json_article, render_again
from crawler.crawl.items import ColumnItem, ErrorItem, PageItem
from crawler.crawl.middlewares import robots_sitemaps
from crawler.crawl.readers import ArticleRead, Readers, read_tree
from crawler.crawl.render import render_meta
from crawler.crawl.state import CrawlState
from crawler.discovery.api import api_links, looks_json
from crawler.discovery.attachments import attachment_links
from crawler.discovery.indexes import index_kind, index_links
from crawler.discovery.links import Link, LinkKind, page_number
from crawler.discovery.reader import classify_url, discover
from crawler.extract import NotHTML, china_day, looks_binary, read_page
from crawler.extract.files import FILE_TYPES, sniff
from crawler.registry.sites import Site, load_sites, select_sites
from crawler.spiders.attachments import AttachmentReading
from crawler.spiders.page_fields import (
    blind_list,
    link_rows,
    page_fields,
    page_of,
    stored_links,
)
from crawler.spiders.paging import PagingGuards
from crawler.spiders.parts import ArticleAssembly
from crawler.spiders.reading import ArticleReading, content_type_of

_TEXT_TYPES = ("text/html", "application/xhtml", "text/xml", "application/xml", "text/plain")


class MunicipalSpider(
    ArticleAssembly, ArticleReading, PagingGuards, AttachmentReading, scrapy.Spider
):
    name = "municipal"

    def __init__(
        self,
        sites: str | list[Site] = "sites.toml",
        site_ids: str | list[str] = "",
        *args: Any,
        **kwargs: Any,
    ):
        """``sites`` is the registry's path (``scrapy crawl municipal -a sites=… -a site_ids=…``)
        or the Site objects already read and chosen (``crawler crawl``)."""
        super().__init__(*args, **kwargs)
        self.crawl_state: CrawlState | None = None  # set in from_crawler
        self.url_limit = 2083
        if isinstance(sites, list):
            self.sites: list[Site] = sites
            return
        ids = (
            [s for s in re.split(r"[,\s]+", site_ids) if s]
            if isinstance(site_ids, str)
            else list(site_ids)
        )
        self.sites = select_sites(load_sites(sites), ids, sites)

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> MunicipalSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.crawl_state = CrawlState.of(crawler)
        spider.url_limit = crawler.settings.getint("URLLENGTH_LIMIT", 2083)
        spider.crawl_state.open(spider.sites)
        spider.readers = Readers.from_settings(crawler.settings)
        return spider

    def site_for_url(self, url: str) -> Site | None:
        for site in self.sites:
            if site.owns(url):
                return site
        return None

    def _request(
        self, link: Link | str, site: Site, kind: str, hops: int, **meta: Any
    ) -> scrapy.Request | None:
        """A request for a page the crawl state admits (see CrawlState.admit), or None."""
        url = self._address(link.url if isinstance(link, Link) else link, site, kind)
        if url is None:  # a page of a trap (spiders/paging.py)
            return None
        if len(url) > self.url_limit:  # a trap's ever-growing URLs, or a broken link
            self.crawl_state.count(site.id, "url_too_long")
            return None
        formdata = link.formdata if isinstance(link, Link) else None
        if isinstance(link, Link) and link.via != "link":
            meta.setdefault("via", link.via)
        key = url + (repr(formdata) if formdata else "")
        if not self.crawl_state.admit(site, url, key, kind):
            return None
        if (
            site.render
            and kind in ("home", "list")
            and not formdata
            and meta.get("via", "link") in ("link", "frame")  # not an API, sitemap or feed
        ):
            meta = {**render_meta([]), **meta}  # read in a browser (crawl/render.py)
        meta = {"site": site, "kind": kind, "hops": hops, "handle_httpstatus_list": [304], **meta}
        options = {
            "callback": self.parse_page,
            "errback": self.on_error,
            # Articles first: a budget cut should cost list pages, not texts already found.
            "priority": 10 if kind in ("article", "attachment") else 0,
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
            # Found before and not fetched; archived summaries due again (crawl/recheck.py).
            state = self.crawl_state
            for url in state.site(site.id).unfetched_articles() + state.due_rechecks(site.id):
                request = self._request(url, site, "article", 1)
                if request is not None:
                    yield request

    def parse_page(self, response: Response):
        """A page's items and requests; a document file's (PDF, Word), read in a process of its
        own, come asynchronously (spiders/attachments.py)."""
        if response.status == 200 and (
            response.meta["kind"] == "attachment" or sniff(response.body) in FILE_TYPES
        ):
            return self._read_file(response)
        if self._reads_aside(response):  # read in a reader process (crawl/readers.py)
            return self._page_items_aside(response)
        return self._page_items(response)

    def _page_items(self, response: Response) -> Iterator[PageItem | ErrorItem | scrapy.Request]:
        try:
            yield from self._read_page(response)
        finally:  # after the requests the page led to were admitted: the site's count is exact
            self.crawl_state.answered(response.request)

    def _read_page(
        self, response: Response, read: ArticleRead | None = None
    ) -> Iterator[PageItem | ErrorItem | scrapy.Request]:
        """A page's items and requests; ``read``: an article page a reader has read."""
        site: Site = response.meta["site"]
        requested = response.meta["kind"]
        hops = response.meta["hops"]
        if "article_of" in response.meta:  # an article shell's text, as JSON (crawl/fallback.py)
            response = json_article(response) or response
        if response.status == 304:
            kind = "article" if requested == "article" else "list"  # a re-check: unchanged
            yield PageItem(
                url=response.url, site=site.id, region=site.region, kind=kind, status=304
            )
            if kind == "list":
                known = self.crawl_state.site(site.id).list_pages.get(response.url)
                yield from self._follow_list(response, site, hops, stored_links(known))
            return
        body = response.body
        index = index_kind(body) if requested != "article" else None
        content_type = content_type_of(response)
        if index is None and requested != "article" and looks_json(body, content_type):
            index = "api"  # a list API's answer (discovery/api.py)
        if index is not None:  # a sitemap or a feed: what it leads to, as a list page's links
            yield from self._read_index(response, site, hops, index)
            return
        if looks_binary(body) or (content_type and not content_type.startswith(_TEXT_TYPES)):
            message = f"not an HTML page ({content_type or 'binary data'}, {len(body)} bytes)"
            yield ErrorItem(response.url, site.id, "not_html", message, response.status, requested)
            return
        if requested == "article":
            yield from self._read_article(response, site, hops, read)  # spiders/reading.py
            return
        try:
            page = read_page(body, content_type, site.encoding)
        except NotHTML as exc:
            yield ErrorItem(response.url, site.id, "empty", str(exc), response.status, requested)
            return
        base = page_fields(response, site) | {"encoding": page.decoded.describe()}
        links: list[Link] = []
        if requested == "home":  # the sitemaps its robots.txt names
            for url in robots_sitemaps(self.crawler, response.url):
                if site.owns(url):
                    links.append(Link(url, LinkKind.LIST, via="sitemap"))
        for url in dict.fromkeys(response.meta.get("api_seen", ())):  # fetched by its scripts
            if site.owns(url):
                links.append(Link(url, LinkKind.LIST, via="api"))
        title = page.doc.findtext(".//title")
        # The files the page links to (an article's text may be its attachment), read before
        # extraction takes the tree apart.
        attached = attachment_links(page.doc, response.url) if site.attachments != "none" else []
        links += discover(page.doc, response.url, site, page.decoded.text)
        if requested in ("home", "list") or any(link.kind is LinkKind.ARTICLE for link in links):
            note = blind_list(page.doc, links) if requested == "list" else None
            if note and (again := render_again(response, site, self.crawl_state, self.settings)):
                yield again  # read in the browser instead (crawl/fallback.py)
                return
            self.crawl_state.count(site.id, "list_pages")
            yield from self._shape_answered(response, site, links)
            yield PageItem(kind="list", links=link_rows(links), reason=note, **base)
            yield from self._follow_list(response, site, hops, links, title, attached)
            return
        read = read_tree(
            page, response.url, china_day(response.headers.get("Date")), attached,
            site.allowed_domains,
        )  # fmt: skip
        yield from self._read_text(response, site, hops, base, read, requested, links)

    def _read_index(
        self, response: Response, site: Site, hops: int, index: str
    ) -> Iterator[PageItem | ColumnItem | ErrorItem | scrapy.Request]:
        """A sitemap, a feed or a list API's answer: its pages typed by their URLs (a sitemap of
        sitemaps leads to more of them, an API's page count to its further pages), stored as a
        list page's links so that a 304 replays them."""
        links = []
        found = (
            api_links(response.body, response.url) if index == "api"
            else index_links(response.body, index, response.url)
        )  # fmt: skip
        for link in found:
            if not site.owns(link.url):
                continue
            kind = (
                link.kind if link.kind in (LinkKind.LIST, LinkKind.PAGE)
                else classify_url(link.url, site)
            )  # fmt: skip
            links.append(Link(link.url, kind, link.text, via=link.via))
        self.crawl_state.count(site.id, "list_pages")
        yield PageItem(kind="list", links=link_rows(links), **page_fields(response, site))
        # What the index lists is its items, whatever their URLs look like: fetched at the
        # index's own depth (an article, or a page read for what it is).
        for link in links:
            if link.kind is LinkKind.OTHER:
                request = self._request(link, site, "other", hops)
                if request is not None:
                    yield request
        rest = [link for link in links if link.kind is not LinkKind.OTHER]
        response.meta["items"] = [link.url for link in links if link.kind is LinkKind.OTHER]
        yield from self._follow_list(response, site, hops, rest)

    def _follow_navigation(
        self, links: list[Link], site: Site, hops: int
    ) -> Iterator[scrapy.Request]:
        """Other columns and pages of unknown kind, within the site's depth limit."""
        for link in links:
            if hops >= site.max_depth:
                self.crawl_state.count(site.id, "depth_cut")
                continue
            request = self._request(link, site, link.kind.value, hops + 1)
            if request is not None:
                yield request

    def _follow_list(
        self,
        response: Response,
        site: Site,
        hops: int,
        links: list[Link],
        page_title: str | None = None,
        attached: list | None = None,
        page_date: str | None = None,
    ) -> Iterator[scrapy.Request | ColumnItem | ErrorItem]:
        """Requests for what a list page leads to: its new articles, other columns within the
        depth limit, and the next page of its column while pages still hold something new.

        A column whose paging did not last reach its end (never read, or a crawl stopped half-way)
        is walked to its last page; the archive learns when a column's paging begins and ends.
        """
        state = self.crawl_state.site(site.id)
        column = response.meta.get("column") or response.url
        backfill = response.meta.get(
            "backfill", self.crawl_state.refresh or column not in state.walked_columns
        )
        new_articles = 0
        for link in links:
            if link.kind is LinkKind.ARTICLE:
                request = self._request(link, site, "article", hops)
                if request is not None:
                    new_articles += 1
                    yield request
        yield from self._attachments(response, site, hops, attached or [], page_title, page_date)
        yield from self._follow_navigation(
            [link for link in links if link.kind in (LinkKind.LIST, LinkKind.OTHER)], site, hops
        )
        if self._paging_stops(response, site, column, links):  # spiders/paging.py
            yield from self._column_walked(site, column)
            return
        if not backfill:
            yield from self._oldest_first_tail(response, site, hops, column)
        if not (backfill or new_articles or self._tail_goes_on(response, site, links)):
            yield from self._column_walked(site, column)
            return
        # The column's later pages, in order; one is asked for at a time, so that paging stops
        # at the first page that holds nothing new (a backfill walks them all).
        current = response.meta.get("page") or page_number(response.url)
        pending = {(link.url, link.formdata): link for link in response.meta.get("pending", [])}
        for link in links:
            if link.kind is LinkKind.PAGE and page_of(link) > current:
                pending.setdefault((link.url, link.formdata), link)
        ordered = sorted(pending.values(), key=page_of)
        for position, link in enumerate(ordered):
            request = self._request(
                link,
                site,
                "list",
                hops,
                column=column,
                backfill=backfill,
                pending=ordered[position + 1 :],
                page=page_of(link),
            )
            if request is not None:
                if column in state.walked_columns:
                    state.walked_columns.discard(column)
                    yield ColumnItem(column, walked=False)
                yield request
                return
        yield from self._column_walked(site, column)

    def on_error(self, failure: Failure) -> Iterator[ErrorItem]:
        request = failure.request
        self.crawl_state.answered(request)
        site: Site | None = request.meta.get("site") or self.site_for_url(request.url)
        site_id = site.id if site else None
        found = describe_failure(
            failure.value, request, site_id, self.settings.getint("DOWNLOAD_MAXSIZE")
        )
        if found.kind is None:
            if site_id and found.counted:
                self.crawl_state.count(site_id, found.counted)
            return
        yield ErrorItem(
            found.url, site_id, found.kind, found.message, found.status, request.meta.get("kind")
        )
        if found.kind == "blocked" and site is not None:
            yield from self._given_up(site, found.status)

    def _given_up(self, site: Site, status: int | None) -> Iterator[ErrorItem]:
        """Once a site has refused the crawler ARCHIVE_BLOCKED_LIMIT times, it is left alone for
        the rest of the run; said once."""
        state = self.crawl_state
        if site.id in state.given_up and site.id not in state.announced:
            state.announced.add(site.id)
            waited = state.counts(site.id).refusals_waited
            yield ErrorItem(
                site.start_urls[0],
                site.id,
                "site_blocked",
                f"{state.blocked_limit} anti-bot answers (the last HTTP {status}); no further "
                "requests to this site in this run"
                + (
                    f" ({waited} refusals waited out as Retry-After asked, first)" if waited else ""
                ),
            )
