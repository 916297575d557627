"""What the crawling commands tell a person beyond a run's counts: a site that needs attention
after a crawl, and a target that is an address rather than a site id."""

from __future__ import annotations

import logging
from pathlib import Path

from crawler.registry.sites import SITE_ID


def as_start_url(target: str) -> str:
    """A check-site target as given, or as a URL when it is an address without a scheme
    (127.0.0.3:8101, www.example.gov.cn/news): site ids have no dots, colons or slashes."""
    if "://" in target or SITE_ID.match(target):
        return target
    if any(mark in target for mark in (".", ":", "/")):
        return "http://" + target + ("" if "/" in target else "/")
    return target


def unhealthy_sites(db_path: str | Path, run_id: int) -> list[tuple[str, str]]:
    """The sites of a run whose health (the site_health view) is not ok, with what is wrong."""
    from crawler.archive import Archive

    with Archive(db_path) as archive:
        found = []
        for site_id in archive.run_sites(run_id):
            health = archive.site_health(site_id)
            if health:
                found.append((site_id, health))
        return found


# Scrapy's loggers that log a page's failure with its traceback.
_PAGE_FAILURE_LOGGERS = (
    "scrapy.downloadermiddlewares.retry",
    "scrapy.downloadermiddlewares.robotstxt",
)


def _without_traceback(record: logging.LogRecord) -> bool:
    record.exc_info = None
    record.exc_text = None
    return True


def one_line_page_failures() -> None:
    """A page that failed after its retries is one line on the console (it is in crawl_errors,
    counted in the run's summary); its traceback is for -v."""
    for name in _PAGE_FAILURE_LOGGERS:
        logging.getLogger(name).addFilter(_without_traceback)
