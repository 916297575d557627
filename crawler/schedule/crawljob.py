"""One scheduled crawl: `python -m crawler crawl SITE` in a process of its own, waited for, stopped
at its time limit, and its run settled in the archive however the process ended.

A Twisted reactor cannot be restarted, and a long-lived process that crawled in-process would grow
run after run; so every crawl is a subprocess, and the scheduler's job waits for it.
"""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from crawler.archive import Archive, ArchiveError
from crawler.crawl.command import EXIT_BUSY, PARENT_ENV, crawl_args
from crawler.crawl.starter import ForkedCrawl, start_crawl
from crawler.schedule.room import Unsettled, current_room, keep_wal_small, write_failure

logger = logging.getLogger("crawler.scheduler")

LOGS_KEPT_PER_SITE = 30

# Crawls running now, so that a shutdown can pass SIGTERM on to them.
running: dict[str, subprocess.Popen | ForkedCrawl] = {}
running_lock = threading.Lock()
stopping = threading.Event()
# Set (under running_lock) once stop_crawls has taken the crawls to stop: a crawl registered after
# that stops itself, or it would run on unsignalled (up to its time limit) and hold the shutdown.
swept = threading.Event()
# Sites whose next run was skipped because their crawl was still running: logged once per crawl.
overrun: set[str] = set()


@dataclass
class CrawlConfig:
    """What every scheduled crawl needs; plain data, so that the job store can keep it."""

    sites_path: str
    db_path: str
    log_dir: str
    overrides: list[str] = field(default_factory=list)
    time_limit: float = 6 * 3600
    grace: float = 30.0


def _log_path(config: CrawlConfig, site_ids: list[str]) -> Path:
    """A new log file for a crawl; the oldest are removed (LOGS_KEPT_PER_SITE per site for crawls
    of one site, LOGS_KEPT_PER_SITE × 10 for crawls of many)."""
    folder = Path(config.log_dir)
    folder.mkdir(parents=True, exist_ok=True)
    if len(site_ids) == 1:
        pattern, kept = f"crawl-{site_ids[0]}-*.log", LOGS_KEPT_PER_SITE
        name = f"crawl-{site_ids[0]}-{datetime.now():%Y%m%d-%H%M%S-%f}.log"
    else:
        pattern, kept = "crawl-*-sites.log", LOGS_KEPT_PER_SITE * 10
        name = f"crawl-{datetime.now():%Y%m%d-%H%M%S-%f}-{len(site_ids)}-sites.log"
    old = sorted(folder.glob(pattern))
    for path in old[: max(0, len(old) - kept + 1)]:
        path.unlink(missing_ok=True)
    return folder / name


def run_crawl_process(site_ids: list[str], config: dict) -> int:
    """Crawl the sites in one subprocess, wait for it (stopping it at its time limit), and record
    how it ended, for the run and for each site."""
    if stopping.is_set():
        return -1
    crawl = CrawlConfig(**config)
    log_path = _log_path(crawl, site_ids)
    overrides = ["LOG_LEVEL=INFO", *crawl.overrides, f"LOG_FILE={log_path}"]
    args = crawl_args(crawl.sites_path, crawl.db_path, overrides, site_ids)
    args.insert(1, "--skip-busy")
    label = ", ".join(site_ids) if len(site_ids) <= 5 else f"{len(site_ids)} sites"
    logger.info("crawl %s: started (log %s)", label, log_path)
    started = time.monotonic()
    # The crawl gets SIGTERM if this process dies (see runner.bind_to_parent), so that no crawl
    # outlives the scheduler that started it.
    env = dict(os.environ, **{PARENT_ENV: str(os.getpid())})
    process = start_crawl(args, log_path, env)
    with running_lock:
        running[log_path.name] = process
        late = swept.is_set()  # the service began stopping as this crawl started
    try:
        if late:
            code, timed_out = _stop(process, crawl.grace), False
        else:
            code, timed_out = wait_or_stop(process, crawl.time_limit, crawl.grace, label)
    finally:
        with running_lock:
            running.pop(log_path.name, None)
    if code == EXIT_BUSY:
        logger.warning(
            "crawl %s: skipped, another crawl has the sites (%s)", label, _last_line(log_path)
        )
        return code
    status = "timed out" if timed_out else None
    # A crawl that died without closing its run was stopped by the shutdown, or failed.
    unfinished = "interrupted" if stopping.is_set() else "failed"
    failure = write_failure(log_path) if code else None  # a full disk, a read-only archive
    unsettled = None
    try:
        with Archive(crawl.db_path) as archive:
            run = archive.settle_run(
                process.pid, site_ids, code, str(log_path), status, _last_line(log_path), unfinished
            )
            if failure is None:
                report_run(archive, run, time.monotonic() - started, code)
    except (ArchiveError, sqlite3.Error) as exc:  # the archive cannot be written (a full disk)
        unsettled = Unsettled(process.pid, site_ids, code, str(log_path), _last_line(log_path))
        if failure is None and "full" in str(exc):
            failure = str(exc)
        elif failure is None:
            logger.error("crawl %s: exit %s; cannot record it: %s", label, code, exc)
    room = current_room()
    if room is not None:
        if failure is not None:
            room.full(label, failure, site_ids, unsettled)
        elif code == 0:
            room.ended(site_ids)
        keep_wal_small(room)  # after each crawl, not only now and then
    elif failure is not None:
        logger.error("crawl %s: %s; what was archived before is kept", label, failure)
    return code


def report_run(archive: Archive, run: dict, elapsed: float, code: int | None) -> None:
    """Log how a run ended: a line per site (its own outcome and counts), one for the whole."""
    per_site = archive.run_sites(run["id"])
    for site_id, row in per_site.items():
        took = row["duration_s"] if row["duration_s"] is not None else elapsed
        # A site's own row has its counts once the site ended or the crawl closed its run.
        ended = row["finished"] is not None or run.get("requests") is not None
        counts = describe_counts(row if ended else run)
        logger.info(
            "crawl %s: %s in %.1f s (exit %s): %s", site_id, row["status"], took, code, counts
        )
        unhealthy = archive.site_health(site_id)
        if unhealthy:
            logger.warning("site %s needs attention: %s", site_id, unhealthy)
    if len(per_site) > 1:
        logger.info(
            "crawl of %d sites: %s in %.1f s (exit %s): %s",
            len(per_site), run["status"], elapsed, code, describe_counts(run),
        )  # fmt: skip


def describe_counts(run: dict) -> str:
    """A run's counts in words; a run stopped before it counted anything says so."""
    if run.get("requests") is None:
        return "stopped before its counts were recorded"
    return (
        f"{run['requests']} requests, {run['not_modified']} not modified, {run['list_pages']} list "
        f"pages, {run['articles']} articles, {run['documents_new']} new documents, "
        f"{run['sightings_new']} new sightings, {run.get('rechecked') or 0} re-checked, "
        f"{run.get('changed') or 0} changed, {run['errors']} errors"
    )


def wait_or_stop(
    process: subprocess.Popen | ForkedCrawl, time_limit: float, grace: float, label: str
) -> tuple[int, bool]:
    """Wait for a crawl process; past ``time_limit`` seconds stop it (see _stop). Returns its
    exit code and whether it was stopped for its time."""
    try:
        return process.wait(timeout=time_limit), False
    except subprocess.TimeoutExpired:
        logger.warning("crawl %s: over its time limit of %.0f s, stopping it", label, time_limit)
        return _stop(process, grace), True


def _stop(process: subprocess.Popen | ForkedCrawl, grace: float) -> int:
    """SIGTERM (Scrapy then closes the crawl and marks its run), SIGKILL after ``grace`` seconds."""
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


def _last_line(path: Path) -> str | None:
    try:
        lines = [line for line in path.read_text("utf-8", "replace").splitlines() if line.strip()]
    except OSError:
        return None
    return lines[-1][:500] if lines else None


def stop_crawls(grace: float = 30.0) -> None:
    """No new crawls; pass SIGTERM to running crawls, SIGKILL those alive after ``grace`` seconds."""
    stopping.set()
    with running_lock:
        processes = list(running.values())
        swept.set()
    threads = [
        threading.Thread(target=_stop, args=(p, grace)) for p in processes if p.poll() is None
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
