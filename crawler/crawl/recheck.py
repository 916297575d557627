"""Re-checks: archived summaries asked for again on their site's policy (``recheck`` in
sites.toml, crawler/registry/recheck.py), so that an edit at a known URL is seen without a full
``--refresh``.

Which are due is decided once per crawl, when the crawl state is read (``RecheckPolicy.due``);
the spider asks for them at the start, and :class:`RecheckMiddleware` sends them with the
validators of their last fetch (If-None-Match, If-Modified-Since), so an unchanged page costs a
304 where the site supports it. Answers are counted as ``rechecked`` (crawl_run_sites).
"""

from __future__ import annotations

from scrapy import Request
from scrapy.http import Response

from crawler.archive.records import KnownArticle
from crawler.crawl.state import CrawlState, add_validators
from crawler.registry.sites import Site


class RecheckMiddleware:
    """Sends a re-check with the validators of the page's last fetch and counts its answer."""

    def __init__(self, crawler):
        self.state = CrawlState.of(crawler)

    @classmethod
    def from_crawler(cls, crawler) -> RecheckMiddleware:
        return cls(crawler)

    def _known(self, request: Request) -> KnownArticle | None:
        site: Site | None = request.meta.get("site")
        if site is None or request.url not in self.state.rechecks.get(site.id, ()):
            return None
        return self.state.site(site.id).summaries.get(request.url)

    def process_request(self, request: Request) -> None:
        """Add If-None-Match / If-Modified-Since to a re-check."""
        known = self._known(request)
        if known is None or request.method != "GET":
            return None
        add_validators(request, known.etag, known.last_modified)
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        """Count a re-check's answer, whatever it is (304, the page, or its absence)."""
        if self._known(request) is not None:
            self.state.count(request.meta["site"].id, "rechecked")
        return response
