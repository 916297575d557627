"""The crawl's state per site, as Scrapy components: what earlier crawls left (articles already
archived and which of them to re-check, list-page validators, walked columns, URLs to leave alone
for now), the request budget, and the anti-bot answers after which a site is left alone. Every
count goes to ``crawler.stats`` as ``site/<site id>/<count>``; the archive pipeline saves them to
crawl_run_sites.

:class:`CrawlState` is one object per crawl (``CrawlState.of(crawler)``), shared by the spider,
which decides what to ask for, and by the downloader middlewares below, which add validators to
list-page requests and drop what a blocked site is still owed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, fields
from datetime import UTC, datetime

from scrapy import Request, signals
from scrapy.http import Response

from crawler.archive import SiteCounts, SiteState, read_crawl_state
from crawler.archive.core import utcnow
from crawler.crawl.failures import BLOCKED_STATUSES, SiteGivenUp
from crawler.discovery.links import index_aliases
from crawler.discovery.traps import ColumnMemory, TrapGuard, url_shape
from crawler.discovery.urls import AliasRules
from crawler.registry.sites import Site

COUNTS = tuple(field.name for field in fields(SiteCounts))

# Sent (with site_id) when the last request a site was owed has its answer: that site's crawl has
# ended, whatever the others in the crawl are doing.
site_done = object()


def stat(site_id: str, name: str) -> str:
    return f"site/{site_id}/{name}"


@dataclass
class SiteOutcome:
    """How one site's crawl ended in a crawl of many: 'ok' when every request it was owed had been
    answered before the crawl closed, else the crawl's own end ('timed out', 'interrupted', ...)."""

    status: str
    finished: str | None  # when its last request was answered (UTC), None when it never was


class CrawlState:
    """Per crawl: the state of each site and its limits."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.refresh = crawler.settings.getbool("ARCHIVE_REFRESH")
        self.blocked_limit = crawler.settings.getint("ARCHIVE_BLOCKED_LIMIT", 3)
        self.db_path = crawler.settings.get("ARCHIVE_DB")
        self.sites: dict[str, SiteState] = {}
        self.registry: list[Site] = []
        self.budgets: dict[str, int] = {}
        self.scheduled: Counter[str] = Counter()
        self.given_up: set[str] = set()
        self.announced: set[str] = set()  # sites whose giving up has been recorded
        self.seen: set[str] = set()
        self.renders: Counter[str] = Counter()  # pages rendered because plain reading found nothing
        # Per site: the archived summaries this crawl asks for again (crawl/recheck.py).
        self.rechecks: dict[str, set[str]] = {}
        # Requests admitted for a site and not yet answered (callback or errback entered); a site
        # whose count came back to 0 has ended its crawl, at done_at.
        self.outstanding: Counter[str] = Counter()
        self.done_at: dict[str, str] = {}
        # Habits of sites that push back or go on without end (crawl/guards.py, discovery/traps.py)
        self.traps = TrapGuard(crawler.settings.getint("ARCHIVE_TRAP_SHAPE_LIMIT", 8))
        self.columns = ColumnMemory()
        self.alias_rules = AliasRules(url_shape)
        self.slowdowns: dict[str, float] = {}  # download slot -> the delay a 429 asked for
        crawler.signals.connect(self._reached_downloader, signal=signals.request_reached_downloader)
        crawler.signals.connect(self._dropped, signal=signals.request_dropped)
        crawler.signals.connect(self._zero_counts, signal=signals.spider_opened)

    @property
    def stats(self):
        return self.crawler.stats  # set when the crawl starts, after the spider is made

    @classmethod
    def of(cls, crawler) -> CrawlState:
        """The crawl's one state, made on first use."""
        if getattr(crawler, "_crawl_state", None) is None:
            crawler._crawl_state = cls(crawler)
        return crawler._crawl_state

    def open(self, sites: list[Site]) -> None:
        """Read what earlier crawls left for these sites (nothing with ARCHIVE_REFRESH)."""
        ids = [site.id for site in sites]
        self.registry = list(sites)
        self.budgets = {site.id: site.max_requests for site in sites}
        state_file = self.crawler.settings.get("ARCHIVE_STATE_FILE")
        if state_file and not self.refresh:
            from crawler.archive.journal import read_state_file

            self.sites = read_state_file(state_file, ids)
        elif self.db_path and not self.refresh:
            self.sites = read_crawl_state(self.db_path, ids)
        else:
            self.sites = {site_id: SiteState() for site_id in ids}
        for site_id, state in self.sites.items():
            self.traps.known(site_id, state.trap_shapes)
            self.alias_rules.known(site_id, state.alias_rules)
        # The archived summaries due to be asked again, on each site's policy (none with
        # ARCHIVE_REFRESH, which asks for every article anyway).
        now = datetime.now(UTC)
        for site in sites:
            summaries = self.sites[site.id].summaries.items()
            self.rechecks[site.id] = set(
                site.recheck.due(
                    ((url, k.born, k.checked) for url, k in summaries), now, site.max_requests
                )
            )

    def _zero_counts(self, spider=None) -> None:
        for site_id in self.sites:  # every count is saved, also when it stays 0
            for name in COUNTS:
                self.stats.set_value(stat(site_id, name), 0)

    def site(self, site_id: str) -> SiteState:
        return self.sites[site_id]

    def due_rechecks(self, site_id: str) -> list[str]:
        """The site's archived summaries this crawl asks for again, in a stable order."""
        return sorted(self.rechecks.get(site_id, ()))

    def count(self, site_id: str, name: str, amount: int = 1) -> None:
        self.stats.inc_value(stat(site_id, name), amount)

    def counts(self, site_id: str) -> SiteCounts:
        """The site's counts so far, as the archive stores them."""
        return SiteCounts(**{name: self.stats.get_value(stat(site_id, name), 0) for name in COUNTS})

    def _reached_downloader(self, request: Request, spider=None) -> None:
        # robots.txt requests carry no site: they count for the site that owns them
        site: Site | None = request.meta.get("site") or next(
            (site for site in self.registry if site.owns(request.url)), None
        )
        if site is not None:
            self.count(site.id, "requests")

    # --- what to ask for ------------------------------------------------------------------

    def stopped(self, site: Site) -> bool:
        """No more requests for the site this run: its budget is spent or it refused the crawler."""
        return self.scheduled[site.id] >= self.budgets.get(site.id, 0) or site.id in self.given_up

    def admit(self, site: Site, url: str, key: str, kind: str) -> bool:
        """Whether to ask for a page, once per crawl (a folder and its index.html are one):
        not an article the archive has (unless it is due to be re-checked), not a URL whose
        failures put it off until later, and within the site's budget. Each refusal is counted."""
        if any(alias in self.seen for alias in index_aliases(key)):
            return False
        state = self.sites[site.id]
        # A URL the archive has as an article is known whatever this link was guessed to be.
        if kind != "home" and url in state.known_articles and url not in self.rechecks[site.id]:
            self.seen.add(key)
            self.count(site.id, "skipped_known")
            return False
        if kind != "home" and url in state.deferred:
            self.seen.add(key)
            self.count(site.id, "deferred")
            return False
        if self.stopped(site):
            self.count(site.id, "cut")
            return False
        self.seen.add(key)
        self.scheduled[site.id] += 1
        self.outstanding[site.id] += 1
        return True

    # --- when a site's crawl has ended -----------------------------------------------------

    def answered(self, request: Request) -> None:
        """A request the spider made has its answer (response or failure) in the spider."""
        site: Site | None = request.meta.get("site")
        if site is None or site.id not in self.sites:
            return
        self.outstanding[site.id] -= 1
        if self.outstanding[site.id] <= 0:
            self.done_at[site.id] = utcnow()
            self.crawler.signals.send_catch_log(site_done, site_id=site.id)

    def _dropped(self, request: Request, spider=None) -> None:
        self.answered(request)

    def outcome(self, site_id: str, crawl_status: str) -> SiteOutcome:
        """The site's outcome when the crawl closes with ``crawl_status``."""
        if crawl_status == "ok" or (site_id in self.done_at and self.outstanding[site_id] <= 0):
            return SiteOutcome("ok", self.done_at.get(site_id) or utcnow())
        return SiteOutcome(crawl_status, None)

    # --- anti-bot answers -----------------------------------------------------------------

    def blocked_answer(self, site_id: str) -> int:
        """Count an anti-bot answer; at ARCHIVE_BLOCKED_LIMIT the site gets no more requests.
        Returns how many the site has given."""
        self.count(site_id, "blocked")
        answers = self.stats.get_value(stat(site_id, "blocked"), 0)
        if answers >= self.blocked_limit:
            self.given_up.add(site_id)
        return answers


class _StateMiddleware:
    """A downloader middleware that works on the crawl's CrawlState."""

    def __init__(self, crawler):
        self.state = CrawlState.of(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)


class ConditionalRequestMiddleware(_StateMiddleware):
    """List pages read before are asked for with their validators (If-None-Match,
    If-Modified-Since), so an unchanged page answers 304 and its stored links are replayed.
    POSTed list pages are asked for plainly, and articles too, but for the re-checks of archived
    summaries (crawl/recheck.py). Every 304 is counted as not_modified."""

    def process_request(self, request: Request) -> None:
        site: Site | None = request.meta.get("site")
        if site is None or request.meta.get("kind") == "article" or request.method != "GET":
            return None
        if site.id not in self.state.sites:
            return None
        known = self.state.site(site.id).list_pages.get(request.url)
        if known is not None:
            add_validators(request, known.etag, known.last_modified)
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        site: Site | None = request.meta.get("site")
        if site is not None and response.status == 304:
            self.state.count(site.id, "not_modified")
        return response


class BlockedSiteMiddleware(_StateMiddleware):
    """Anti-bot answers are counted as they arrive, so that once a site has given
    ARCHIVE_BLOCKED_LIMIT of them the requests already on their way are dropped too."""

    def process_request(self, request: Request) -> None:
        site: Site | None = request.meta.get("site")
        if site is not None and site.id in self.state.given_up:
            raise SiteGivenUp(f"not requested: site '{site.id}' refused the crawler")
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        site: Site | None = request.meta.get("site")
        if site is not None and response.status in BLOCKED_STATUSES:
            if self.state.blocked_answer(site.id) > self.state.blocked_limit:
                raise SiteGivenUp(f"not read: site '{site.id}' refused the crawler")
        return response


def add_validators(request: Request, etag: str | None, last_modified: str | None) -> None:
    """Ask conditionally (If-None-Match, If-Modified-Since) with what the page last answered."""
    if etag:
        request.headers.setdefault("If-None-Match", etag)
    if last_modified:
        request.headers.setdefault("If-Modified-Since", last_modified)
