"""Each site's delay is a floor: no two requests to a site closer than it asked for.

Scrapy's jitter spreads a slot's delay on both sides of it (±50 % of 2 s is 1–3 s), and
AutoThrottle pulls every slot's delay towards the one crawl-wide minimum, DOWNLOAD_DELAY, so a
site that asked for 6 s got 1–3 s and one that asked for 0 got 2. Here the floor of a site
(its `download_delay` in sites.toml, else DOWNLOAD_DELAY) is turned into a slot delay centred
above it, so that the random spread (ARCHIVE_DELAY_SPREAD, +0–50 % by default) is all upward,
and AutoThrottle slows a slow site down but never below its own floor.

The delay is counted from the answer, not from the departure (AnswerSpacing): Scrapy spaces the
moments requests leave its queue, and a request whose sending was held up (a busy process, a slow
connect) reaches the site late, so that the next, sent on time, arrived closer after it than the
delay. Counted from the answer of the one before (one request at a time per site), no two of a
site's requests reach it closer than its delay, however late either left; a site's answer time is
added to each wait.
"""

from __future__ import annotations

from time import monotonic
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.extensions.throttle import AutoThrottle
from scrapy.settings import Settings

from crawler.crawl.state import CrawlState


def apply_site_delays(settings: Settings, sites) -> None:
    """Set the download slots of the sites' hosts (and the default for other hosts) so that each
    wait lies between the site's floor and floor × (1 + ARCHIVE_DELAY_SPREAD)."""
    spread = max(0.0, settings.getfloat("ARCHIVE_DELAY_SPREAD"))
    jitter = (spread / 2) / (1 + spread / 2)

    def centre(floor: float) -> float:
        return floor * (1 + spread / 2)

    default = settings.getfloat("DOWNLOAD_DELAY")
    slots = dict(settings.getdict("DOWNLOAD_SLOTS"))
    for site in sites:
        floor = default if site.download_delay is None else site.download_delay
        for url in site.start_urls:
            host = urlsplit(url).hostname
            slots.setdefault(host, {"delay": centre(floor), "jitter": jitter})
    settings.set("DOWNLOAD_SLOTS", slots, priority="cmdline")
    settings.set("DOWNLOAD_DELAY", centre(default), priority="cmdline")
    settings.set("DOWNLOAD_DELAY_JITTER", jitter, priority="cmdline")


class SiteThrottle(AutoThrottle):
    """AutoThrottle with the site's own delay as the lowest it goes (and the highest, where a site
    asks for more than AUTOTHROTTLE_MAX_DELAY)."""

    def _spider_opened(self, spider) -> None:
        super()._spider_opened(spider)
        self.default_floor = self.mindelay
        self.floors = {
            key: float(slot["delay"])
            for key, slot in self.crawler.settings.getdict("DOWNLOAD_SLOTS").items()
            if "delay" in slot
        }
        self.ceiling = self.maxdelay

    def _response_downloaded(self, response, request, spider) -> None:
        key = request.meta.get("download_slot")
        floor = self.floors.get(key, self.default_floor)
        # a site that asked the crawler to slow down (429, Retry-After: crawl/guards.py)
        floor = max(floor, CrawlState.of(self.crawler).slowdowns.get(key, 0.0))
        self.mindelay, self.maxdelay = floor, max(self.ceiling, floor)
        super()._response_downloaded(response, request, spider)


class AnswerSpacing:
    """A site's next request waits its delay from the answer to the one before (see above)."""

    def __init__(self, crawler):
        self.crawler = crawler
        crawler.signals.connect(self._answered, signal=signals.response_downloaded)

    @classmethod
    def from_crawler(cls, crawler) -> AnswerSpacing:
        return cls(crawler)

    def _answered(self, response, request, spider) -> None:
        # sent before the downloader looks at the slot's queue again (scrapy/core/downloader)
        slot = self.crawler.engine.downloader.slots.get(request.meta.get("download_slot"))
        if slot is not None and slot.delay:
            slot.lastseen = max(slot.lastseen, monotonic())
