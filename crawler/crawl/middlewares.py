"""Downloader middlewares: keep every request inside its site, space out retries, and give
robots.txt refusals and redirect loops exception types of their own.

Links are filtered when they are read, but redirects are not: a 302 to another host (or to a
file: or ftp: URL) arrives here as a new request and is refused, so the crawl never leaves a site
the user listed. Nor does it reach into a private network: a site on the public internet whose
links or host names lead to a private, loopback or link-local address (an intranet host, a cloud
metadata service) is refused, unless the site itself lives there.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.logformatter import LogFormatter
from scrapy.utils.asyncio import sleep
from scrapy.utils.httpobj import urlparse_cached

from crawler.crawl.failures import (
    OffsiteRequest,
    PrivateAddressRequest,
    RobotsForbidden,
    TooManyRedirects,
)
from crawler.registry.sites import Site, is_private_address


class SiteScopeMiddleware:
    """Requests stay inside their site and off private addresses. A request that carries no site
    (robots.txt, and where its redirects and meta refreshes lead) belongs to the site that owns
    the URL it started from."""

    def __init__(self, state=None):
        self.state = state  # the crawl's CrawlState, whose registry lists the crawl's sites

    @classmethod
    def from_crawler(cls, crawler) -> SiteScopeMiddleware:
        from crawler.crawl.state import CrawlState

        return cls(CrawlState.of(crawler))

    def _site(self, request: Request) -> Site | None:
        site = request.meta.get("site")
        if site is None and self.state is not None:
            origin = (request.meta.get("redirect_urls") or [request.url])[0]
            site = next((s for s in self.state.registry if s.owns(origin)), None)
        return site

    def process_request(self, request: Request) -> None:
        site: Site | None = self._site(request)
        if site is None:
            return None
        via = request.meta.get("redirect_urls")
        origin = f" (redirected from {via[0]})" if via else ""
        if not site.owns(request.url):
            raise OffsiteRequest(f"not followed: {request.url} is outside site '{site.id}'{origin}")
        if is_private_address(urlsplit(request.url).hostname or "") and not (
            site.may_use_private_addresses
        ):
            raise PrivateAddressRequest(
                f"not followed: {request.url} is a private address and site '{site.id}' "
                f"is not on a private network{origin}"
            )
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        """A host name that resolved to a private address: the answer is dropped unread."""
        site: Site | None = self._site(request)
        address = response.ip_address
        if (
            site is not None
            and address is not None
            and not address.is_global
            and not site.may_use_private_addresses
        ):
            raise PrivateAddressRequest(
                f"not read: {request.url} resolved to the private address {address} and site "
                f"'{site.id}' is not on a private network (set private_network = true if it is)"
            )
        return response


class RobotsTxtRefusalMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt check, with its refusal as its own exception type (RobotsForbidden),
    so that a refusal is counted, not recorded as an error; and the sitemaps robots.txt names."""

    def sitemaps(self, url: str) -> list[str]:
        """The Sitemap: lines of the robots.txt of the URL's host, once it has been read."""
        parser = self._parsers.get(urlparse_cached(Request(url)).netloc)
        protego = getattr(parser, "rp", None)
        return list(getattr(protego, "sitemaps", ()) or ())

    def process_request_2(self, rp, request: Request) -> None:
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest as exc:
            raise RobotsForbidden(f"forbidden by robots.txt: {request.url}") from exc


class _RedirectLimit:
    """Scrapy's redirects, with "too many of them" as its own exception type (TooManyRedirects):
    a redirect loop is recorded as one."""

    def process_response(self, request: Request, response: Response, *args) -> Request | Response:
        try:
            return super().process_response(request, response, *args)
        except IgnoreRequest as exc:
            raise TooManyRedirects(str(exc)) from exc


class RedirectLimitMiddleware(_RedirectLimit, RedirectMiddleware):
    """HTTP 3xx redirects (see _RedirectLimit)."""


class MetaRefreshLimitMiddleware(_RedirectLimit, MetaRefreshMiddleware):
    """<meta http-equiv="refresh"> redirects (see _RedirectLimit). Scrapy looks for one in the
    first 4,096 characters of the decoded page, and decodes the whole page to get them; a page
    whose first 16 KB (4 bytes a character at most) hold no "refresh" in any case, in an
    encoding where ASCII letters are ASCII bytes (no NUL: not UTF-16 or UTF-32), has none, and
    is passed on as it is."""

    def process_response(self, request: Request, response: Response, *args) -> Request | Response:
        head = response.body[:16384]
        if b"\0" not in head and b"refresh" not in head.lower():
            return response
        return super().process_response(request, response, *args)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries (RETRY_TIMES, RETRY_HTTP_CODES, RETRY_EXCEPTIONS), spaced out: the n-th
    retry of a request waits RETRY_BACKOFF_BASE × 2^(n-1) seconds, at most RETRY_BACKOFF_MAX.

    A struggling server gets time to recover instead of an immediate second request. The wait
    holds neither the site's download slot nor the rest of the crawl.
    """

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

    async def _spaced(self, result: Request | Response | None) -> Request | Response | None:
        if isinstance(result, Request) and self.backoff_base > 0:
            attempt = result.meta.get("retry_times", 1)
            await sleep(min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1)))
        return result

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        return await self._spaced(super().process_response(request, response))

    async def process_exception(
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        return await self._spaced(super().process_exception(request, exception))


def robots_sitemaps(crawler, url: str) -> list[str]:
    """The sitemaps robots.txt names for the URL's host (none when robots.txt is not obeyed)."""
    for middleware in crawler.engine.downloader.middleware.middlewares:
        if isinstance(middleware, RobotsTxtRefusalMiddleware):
            return middleware.sitemaps(url)
    return []


class QuietLogFormatter(LogFormatter):
    """Scrapy's log lines, without building a DEBUG record for every page crawled and every item
    scraped when LOG_LEVEL would drop it anyway (a record per page is measurable at hundreds of
    pages a second: benchmarks/cpu.py)."""

    def __init__(self, debug: bool = True):
        super().__init__()
        self.debug = debug

    @classmethod
    def from_crawler(cls, crawler) -> QuietLogFormatter:
        level = crawler.settings.get("LOG_LEVEL", "DEBUG")
        number = level if isinstance(level, int) else logging.getLevelName(str(level).upper())
        return cls(debug=not isinstance(number, int) or number <= logging.DEBUG)

    def crawled(self, request, response, spider):
        return super().crawled(request, response, spider) if self.debug else None

    def scraped(self, item, response, spider):
        return super().scraped(item, response, spider) if self.debug else None
