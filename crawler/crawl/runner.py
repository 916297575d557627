"""Run one crawl in this process: settings, checks that fail fast, and the Scrapy process.

A Twisted reactor cannot be restarted, so a process runs at most one crawl; the scheduler and the
demo start `crawler crawl` as a subprocess for each crawl.
"""

from __future__ import annotations

import inspect
import os
import sys
import types
from dataclasses import dataclass
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.archive import Archive
from crawler.crawl.command import PARENT_ENV, check_setting_values
from crawler.crawl.render import apply_rendering
from crawler.crawl.throttle import apply_site_delays
from crawler.processes import once_orphaned
from crawler.registry.sites import Site, load_sites, load_watches, select_sites

# The crawl-wide concurrency a crawl of many sites may grow to (see build_settings).
MAX_CONCURRENT_REQUESTS = 512


@dataclass
class CrawlResult:
    run_id: int | None
    status: str
    summary: str


def bind_to_parent() -> None:
    """When the scheduler started this crawl, end the crawl (SIGTERM, so that it closes its run)
    if the scheduler dies, even by SIGKILL: no crawl outlives the service that runs it (Linux)."""
    parent = os.environ.get(PARENT_ENV)
    if not parent or not sys.platform.startswith("linux"):
        return
    once_orphaned(int(parent))


class _FrameModules(types.ModuleType):
    """``inspect`` as ``scrapy.utils.deprecate`` sees it, with two lookups made cheap. Scrapy names
    the module of each deprecated class it makes (three as its downloader loads) from
    ``inspect.stack()``, which reads the source line of every frame and looks each frame's module
    up among all loaded modules: about 0.3 s of CPU per crawl process, the largest single cost of
    starting a crawl. The caller's module is its frame's ``__name__``: the same answer. Everything
    else is ``inspect``'s own."""

    def __getattr__(self, name: str):
        return getattr(inspect, name)

    @staticmethod
    def stack() -> list[tuple]:
        frames, frame = [], sys._getframe(1)
        while frame is not None:
            frames.append((frame,))
            frame = frame.f_back
        return frames

    @staticmethod
    def getmodule(frame):
        return sys.modules.get(frame.f_globals.get("__name__", ""))


def _quick_deprecation_lookups() -> None:
    import scrapy.utils.deprecate as deprecate

    if getattr(deprecate, "inspect", None) is inspect:
        deprecate.inspect = _FrameModules("inspect")


def build_settings(
    db_path: str | Path, sites: list[Site], overrides: dict[str, str] | None = None
) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("ARCHIVE_DB", str(db_path), priority="cmdline")
    # Many sites in one crawl: every site may have its own requests on the way at once (each
    # site's slot keeps its own delay), so the crawl-wide limit grows with the sites.
    per_site = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
    wanted = min(MAX_CONCURRENT_REQUESTS, len(sites) * max(1, per_site))
    if wanted > settings.getint("CONCURRENT_REQUESTS"):
        settings.set("CONCURRENT_REQUESTS", wanted, priority="project")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    apply_site_delays(settings, sites)  # after the overrides: DOWNLOAD_DELAY=0 is a floor of 0
    apply_rendering(settings, sites)
    return settings


def _run_spider(settings: Settings, sites: list[Site]) -> tuple[object, str | None]:
    """Run the crawl in this process; the crawler, and why it failed (None when it did not)."""
    from crawler.spiders.municipal import MunicipalSpider

    _quick_deprecation_lookups()
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(MunicipalSpider)
    process.crawl(crawler, sites=sites)  # the registry is read once, here
    process.start()
    spider = crawler.spider
    write_error = getattr(spider, "archive_error", None)
    if write_error:
        return crawler, f"{write_error}; the crawl stopped, and what was archived before is kept"
    if getattr(spider, "run_id", None) is None:
        return crawler, "the crawl did not start (see the log above)"
    return crawler, None


def _crawl_into_journal(settings: Settings, sites: list[Site]) -> CrawlResult:
    """A worker's crawl: no archive here; its writes go to the journal (crawler/archive/journal.py)."""
    crawler, failure = _run_spider(settings, sites)
    if failure:
        return CrawlResult(None, "failed", f"crawl failed: {failure}")
    status = "ok" if crawler.stats.get_value("finish_reason") == "finished" else "interrupted"
    return CrawlResult(None, status, f"crawl {status} -> {settings.get('ARCHIVE_JOURNAL')}")


def run_crawl(
    sites_path: str | Path,
    site_ids: list[str] | tuple[str, ...],
    db_path: str | Path,
    overrides: dict[str, str] | None = None,
    skip_busy: bool = False,
) -> CrawlResult:
    """Crawl the named sites (all enabled sites when none are named) into the archive. With
    ``skip_busy`` sites another live crawl has are left out instead of refusing the crawl."""
    check_setting_values(overrides or {})
    sites = select_sites(load_sites(sites_path), list(site_ids), str(sites_path))
    settings = build_settings(db_path, sites, overrides)
    if settings.get("ARCHIVE_JOURNAL"):
        return _crawl_into_journal(settings, sites)
    # The archive is opened (created or migrated) and proved writable, and the run opened, before
    # Scrapy starts: a site another live crawl has is refused with a clear message (SiteBusy)
    # instead of being crawled twice at once.
    watches = load_watches(sites_path)
    with Archive(db_path) as archive:
        archive.check_writable()
        archive.register_watches(watch.name for watch in watches)  # told what this crawl finds
        run_id = archive.start_run(
            [site.id for site in sites], settings.get("LOG_FILE"), skip_busy=skip_busy
        )
        chosen = set(archive.run(run_id)["sites"].split())
    skipped = [site.id for site in sites if site.id not in chosen]
    if skipped:
        print(f"left out, another crawl has them: {', '.join(skipped)}", file=sys.stderr)
        sites = [site for site in sites if site.id in chosen]
        settings = build_settings(db_path, sites, overrides)
    settings.set("ARCHIVE_RUN_ID", run_id, priority="cmdline")
    _, failure = _run_spider(settings, sites)
    if failure:
        return CrawlResult(run_id, "failed", f"run {run_id} failed: {failure}")
    with Archive(db_path) as archive:
        run = archive.run(run_id)
    summary = (
        f"run {run_id} {run['status']}: {run['requests']} requests, {run['not_modified']} not modified, "
        f"{run['list_pages']} list pages, {run['articles']} articles, {run['documents_new']} new documents, "
        f"{run['sightings_new']} new sightings, {run['rechecked']} re-checked, {run['changed']} changed, {run['errors']} errors, {run['cut']} cut by budget, {run['deferred']} failing URLs left for later -> {db_path}"
    )
    return CrawlResult(run_id, run["status"], summary)
