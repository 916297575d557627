"""One scheduled crawl: `python -m crawler crawl SITE` in a process of its own, waited for, stopped
at its time limit, and its run settled in the archive however the process ended.

A Twisted reactor cannot be restarted, and a long-lived process that crawled in-process would grow
run after run; so every crawl is a subprocess, and the scheduler's job waits for it.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from crawler.archive import Archive, ArchiveError
from crawler.runner import EXIT_BUSY, PARENT_ENV, crawl_command

logger = logging.getLogger("crawler.scheduler")

LOGS_KEPT_PER_SITE = 30

# Crawls running now, so that a shutdown can pass SIGTERM on to them.
running: dict[str, subprocess.Popen] = {}
running_lock = threading.Lock()
stopping = threading.Event()
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


def _log_path(config: CrawlConfig, site_id: str) -> Path:
    folder = Path(config.log_dir)
    folder.mkdir(parents=True, exist_ok=True)
    old = sorted(folder.glob(f"crawl-{site_id}-*.log"))
    for path in old[: max(0, len(old) - LOGS_KEPT_PER_SITE + 1)]:
        path.unlink(missing_ok=True)
    return folder / f"crawl-{site_id}-{datetime.now():%Y%m%d-%H%M%S-%f}.log"


def run_site_crawl(site_id: str, config: dict, schedule_key: str = "") -> int:
    """The scheduled job: crawl one site in a subprocess, wait for it, record how it ended."""
    if stopping.is_set():
        return -1
    crawl = CrawlConfig(**config)
    log_path = _log_path(crawl, site_id)
    overrides = ["LOG_LEVEL=INFO", *crawl.overrides, f"LOG_FILE={log_path}"]
    command = crawl_command(crawl.sites_path, crawl.db_path, overrides, [site_id])
    logger.info("crawl %s: started (log %s)", site_id, log_path)
    started = time.monotonic()
    with open(log_path, "ab") as log:
        # The crawl gets SIGTERM if this process dies (see runner.bind_to_parent), so that no
        # crawl outlives the scheduler that started it.
        env = dict(os.environ, **{PARENT_ENV: str(os.getpid())})
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    with running_lock:
        running[site_id] = process
    timed_out = False
    try:
        code = process.wait(timeout=crawl.time_limit)
    except subprocess.TimeoutExpired:
        timed_out = True
        logger.warning(
            "crawl %s: over its time limit of %.0f s, stopping it", site_id, crawl.time_limit
        )
        code = _stop(process, crawl.grace)
    finally:
        with running_lock:
            running.pop(site_id, None)
            overrun.discard(site_id)
    if code == EXIT_BUSY:
        logger.warning(
            "crawl %s: skipped, another crawl of the site is running (%s)",
            site_id,
            _last_line(log_path),
        )
        return code
    status = "timed out" if timed_out else None
    # A crawl that died without closing its run was stopped by the shutdown, or failed.
    unfinished = "interrupted" if stopping.is_set() else "failed"
    try:
        with Archive(crawl.db_path) as archive:
            run = archive.settle_run(
                process.pid, site_id, code, str(log_path), status, _last_line(log_path), unfinished
            )
            unhealthy = archive.site_health(site_id)
    except ArchiveError as exc:
        logger.error("crawl %s: exit %s; cannot record it: %s", site_id, code, exc)
        return code
    logger.info(
        "crawl %s: %s in %.1f s (exit %s): %s",
        site_id, run["status"], time.monotonic() - started, code, describe_counts(run),
    )  # fmt: skip
    if unhealthy:
        logger.warning("site %s needs attention: %s", site_id, unhealthy)
    return code


def describe_counts(run: dict) -> str:
    """A run's counts in words; a run stopped before it counted anything says so."""
    if run.get("requests") is None:
        return "stopped before its counts were recorded"
    return (
        f"{run['requests']} requests, {run['not_modified']} not modified, {run['list_pages']} list "
        f"pages, {run['articles']} articles, {run['documents_new']} new documents, "
        f"{run['sightings_new']} new sightings, {run['errors']} errors"
    )


def _stop(process: subprocess.Popen, grace: float) -> int:
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
    threads = [
        threading.Thread(target=_stop, args=(p, grace)) for p in processes if p.poll() is None
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
