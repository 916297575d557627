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
from crawler.crawl.render import apply_rendering
from crawler.crawl.throttle import apply_site_delays
from crawler.processes import once_orphaned
from crawler.registry.sites import Site, load_sites, load_watches, select_sites

# `crawler crawl` exit status when another crawl already has one of the sites.
EXIT_BUSY = 3
# `crawler crawl` exit status when the crawl was stopped (Ctrl-C, SIGTERM) before it ended: what it
# fetched is archived, and the next crawl completes the rest. 128 + SIGINT, as shells do.
EXIT_INTERRUPTED = 130
# The crawl-wide concurrency a crawl of many sites may grow to (see build_settings).
MAX_CONCURRENT_REQUESTS = 512
# Set by the scheduler to its pid: a crawl started with it ends when that process dies.
PARENT_ENV = "SUMMARY_ARCHIVE_PARENT_PID"


@dataclass
class CrawlResult:
    run_id: int | None
    status: str
    summary: str


def crawl_command(
    sites_path: str | Path,
    db_path: str | Path,
    overrides: list[str],
    site_ids: list[str] | tuple[str, ...] = (),
) -> list[str]:
    """The `crawler crawl` command line that runs one crawl in a process of its own."""
    command = [
        sys.executable,
        "-m",
        "crawler",
        "crawl",
        "--sites",
        str(sites_path),
        "--db",
        str(db_path),
    ]
    for pair in overrides:
        command += ["-s", pair]
    return command + list(site_ids)


def parse_overrides(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``NAME=VALUE`` pairs as given to ``-s``; ValueError for a pair without '='."""
    overrides = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"-s expects NAME=VALUE, got {pair!r}")
        overrides[name.strip()] = value
    return overrides


def check_setting_values(overrides: dict[str, str]) -> None:
    """ValueError for an override whose value the setting's type cannot take (DOWNLOAD_DELAY=abc):
    found before the crawl starts, instead of as a traceback inside Scrapy."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    for name, value in overrides.items():
        default = settings.get(name)
        # An int default may be read as a float (DOWNLOAD_TIMEOUT = 30 takes 1.5): check a number.
        readers = {bool: "getbool", int: "getfloat", float: "getfloat"}
        reader = readers.get(type(default))
        if reader is None and isinstance(default, list | tuple):
            reader = "getlist"
        elif reader is None and isinstance(default, dict):
            reader = "getdict"
        if reader is None:
            continue
        try:
            getattr(Settings({name: value}), reader)(name)
        except (TypeError, ValueError):
            kind = {bool: "True or False", int: "a number", float: "a number"}.get(
                type(default), "a JSON value"
            )
            raise ValueError(f"-s {name}={value}: expected {kind}") from None


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
