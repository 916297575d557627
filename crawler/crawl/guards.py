"""Downloader middlewares for sites that push back: "too many requests" answers waited out, and
requests of URL shapes cut as traps dropped while still queued.

A 429 (or a 503 that says Retry-After) is not a refusal of the crawler: it asks it to come back
later. The request is asked for again after the wait the answer names (capped at
ARCHIVE_RETRY_AFTER_MAX seconds; ARCHIVE_RETRY_AFTER_DEFAULT when it names none), and the site's
delay is raised to that wait for the rest of the crawl (crawl/throttle.py keeps it as the site's
floor). Only a request refused again after ARCHIVE_REFUSAL_RETRIES waits goes on as the answer
it is: an anti-bot answer that counts towards leaving the site alone (ARCHIVE_BLOCKED_LIMIT).
"""

from __future__ import annotations

import email.utils
import time

from scrapy import Request
from scrapy.http import Response
from scrapy.utils.asyncio import sleep

from crawler.crawl.failures import AliasFolded, TrapCut
from crawler.crawl.state import CrawlState
from crawler.registry.sites import Site

# Statuses that ask the crawler to slow down: always for 429, for 503 only with Retry-After
# (without it a 503 is server trouble, retried by BackoffRetryMiddleware).
SLOW_DOWN = 429


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """The wait a Retry-After header asks for, in seconds (a number or an HTTP date); None when
    it is absent or unreadable."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class RetryAfterMiddleware:
    """429s and 503s with Retry-After: wait, slow the site down, ask again (see the module)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.state = CrawlState.of(crawler)
        settings = crawler.settings
        self.max_wait = settings.getfloat("ARCHIVE_RETRY_AFTER_MAX", 60.0)
        self.default_wait = settings.getfloat("ARCHIVE_RETRY_AFTER_DEFAULT", 5.0)
        self.retries = settings.getint("ARCHIVE_REFUSAL_RETRIES", 3)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        site: Site | None = request.meta.get("site")
        asked = retry_after_seconds(response.headers.get(b"Retry-After", b"").decode("latin-1"))
        if site is None or not (
            response.status == SLOW_DOWN or (response.status == 503 and asked is not None)
        ):
            return response
        waits = request.meta.get("refusals", 0)
        if waits >= self.retries or site.id in self.state.given_up:
            return response  # refused again and again: an anti-bot answer after all
        wait = min(self.max_wait, self.default_wait if asked is None else asked)
        self._slow_down(request, wait)
        self.state.count(site.id, "refusals_waited")
        await sleep(wait)
        retry = request.replace(dont_filter=True)
        retry.meta["refusals"] = waits + 1
        return retry

    def _slow_down(self, request: Request, wait: float) -> None:
        """The site's requests are spaced by at least the wait it asked for, for the rest of the
        crawl."""
        downloader = self.crawler.engine.downloader
        key = request.meta.get("download_slot") or downloader.get_slot_key(request)
        slot = downloader.slots.get(key)
        floor = max(wait, self.state.slowdowns.get(key, 0.0))
        self.state.slowdowns[key] = floor
        if slot is not None and slot.delay < floor:
            slot.delay = floor


class TrapCutMiddleware:
    """A request queued before its URL shape was found to be a trap is dropped, counted as
    trap_cut; one for an alias whose canonical address is asked for already (by a rule learnt
    since it was queued: discovery/urls.py) too, counted as aliases_folded. The spider refuses
    later ones itself."""

    def __init__(self, crawler):
        self.state = CrawlState.of(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        site: Site | None = request.meta.get("site")
        if (
            site is not None
            and request.meta.get("kind") in ("list", "other")
            and self.state.traps.is_cut(site.id, request.url)
        ):
            self.state.count(site.id, "trap_cut", self.state.traps.newly_cut([request.url]))
            raise TrapCut(f"not requested: {request.url} is a page of a trap")
        if site is not None and request.meta.get("kind") == "article":
            canonical = self.state.alias_rules.rewrite(site.id, request.url)
            if canonical != request.url and canonical in self.state.seen:
                raise AliasFolded(f"not requested: {request.url} is {canonical}, asked for")
        return None
