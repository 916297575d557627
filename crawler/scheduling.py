"""The scheduler service: each site crawled on its own schedule, each crawl a subprocess.

A Twisted reactor cannot be restarted, and a long-lived process that crawls in-process grows run
after run; so every crawl is `python -m crawler crawl SITE` in its own process, and the job waits
for it. With max_instances=1 a slow crawl of a site is never overlapped by the next one.
"""

from __future__ import annotations

import logging
import re
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawler.sites import SCHEDULE_INTERVAL, Site, load_sites

logger = logging.getLogger("crawler.scheduler")

DEFAULT_SCHEDULE = "0 3 * * *"  # nightly, when municipal servers are quiet
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}

# Crawls running now, so that a shutdown can pass SIGTERM on to them.
_running: dict[str, subprocess.Popen] = {}
_running_lock = threading.Lock()
_stopping = threading.Event()


def trigger_for(schedule: str, jitter: int | None = None, timezone: str = "Asia/Shanghai"):
    """An APScheduler trigger for a sites.toml schedule: 'every 6h' or a 5-field crontab line."""
    match = SCHEDULE_INTERVAL.match(schedule.strip())
    if match:
        amount, unit = int(match.group(1)), _UNITS[match.group(2)]
        seconds = timedelta(**{unit: amount}).total_seconds()
        # Spread sites that share an interval by up to a tenth of it (at most 5 minutes).
        spread = jitter if jitter is not None else int(min(seconds / 10, 300))
        return IntervalTrigger(**{unit: amount}, jitter=spread or None, timezone=timezone)
    minute, hour, day, month, day_of_week = schedule.split()
    return CronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=cron_day_of_week(day_of_week),
        jitter=jitter if jitter is not None else 300,
        timezone=timezone,
    )


_DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def cron_day_of_week(field: str) -> str:
    """crontab numbers days from Sunday = 0 (or 7); APScheduler from Monday = 0. Numbers are
    rewritten as day names, ranges expanded, so '1-5' means Monday to Friday as in crontab."""
    parts = []
    for part in field.split(","):
        body, _, step = part.partition("/")
        if re.fullmatch(r"\d-\d", body):
            first, last = (int(x) for x in body.split("-"))
            days = list(range(first, last + 1))[:: int(step) if step else 1]
            parts.extend(_DAY_NAMES[d] for d in days)
        elif re.fullmatch(r"\d", body) and not step:
            parts.append(_DAY_NAMES[int(body)])
        else:
            parts.append(part)
    return ",".join(dict.fromkeys(parts))


def run_site_crawl(
    site_id: str, sites_path: str, db_path: str, overrides: list[str], time_limit: float
) -> int:
    """The scheduled job: crawl one site in a subprocess and wait for it."""
    if _stopping.is_set():
        return -1
    command = [sys.executable, "-m", "crawler", "crawl", "--sites", sites_path, "--db", db_path]
    for pair in overrides:
        command += ["-s", pair]
    command.append(site_id)
    logger.info("crawl %s: starting", site_id)
    process = subprocess.Popen(command)
    with _running_lock:
        _running[site_id] = process
    try:
        code = process.wait(timeout=time_limit)
    except subprocess.TimeoutExpired:
        logger.warning("crawl %s: over its time limit of %.0f s, stopping it", site_id, time_limit)
        process.terminate()
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
    finally:
        with _running_lock:
            _running.pop(site_id, None)
    logger.info("crawl %s: finished with exit code %s", site_id, code)
    return code


def _on_event(event: JobExecutionEvent) -> None:
    if event.code == EVENT_JOB_MISSED:
        logger.warning("job %s missed its run at %s", event.job_id, event.scheduled_run_time)
    elif event.exception is not None:
        logger.error("job %s failed: %s", event.job_id, event.exception)


def build_scheduler(
    sites: list[Site],
    sites_path: str,
    db_path: str,
    overrides: list[str],
    max_parallel: int = 2,
    time_limit: float = 6 * 3600,
    jitter: int | None = None,
    timezone: str = "Asia/Shanghai",
) -> BlockingScheduler:
    scheduler = BlockingScheduler(
        executors={"default": ThreadPoolExecutor(max_parallel)}, timezone=timezone
    )
    scheduler.add_listener(_on_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    for site in sites:
        if not site.enabled:
            continue
        scheduler.add_job(
            run_site_crawl,
            trigger=trigger_for(site.schedule or DEFAULT_SCHEDULE, jitter, timezone),
            args=[site.id, sites_path, db_path, overrides, time_limit],
            id=f"crawl:{site.id}",
            name=f"crawl {site.id}",
            replace_existing=True,
            max_instances=1,  # never two crawls of one site at once
            coalesce=True,  # runs missed while busy or down collapse into one
            misfire_grace_time=3600,  # a run up to an hour late still happens
        )
    return scheduler


def stop_crawls(grace: float = 30.0) -> None:
    """Pass SIGTERM to running crawls, then SIGKILL those still alive after ``grace`` seconds."""
    _stopping.set()
    with _running_lock:
        processes = list(_running.values())
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="scheduler.py",
        description="Crawl each site in sites.toml on its schedule, as a long-running service.",
    )
    parser.add_argument("--sites", default="sites.toml", help="site registry (default: sites.toml)")
    parser.add_argument("--db", default="archive.db", help="archive file (default: archive.db)")
    parser.add_argument(
        "-s",
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="Scrapy setting passed to every crawl",
    )
    parser.add_argument(
        "--max-parallel", type=int, default=2, help="crawls at once, over all sites (default: 2)"
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=6 * 3600,
        help="seconds a crawl may run before it is stopped (default: 21600)",
    )
    parser.add_argument(
        "--jitter",
        type=int,
        default=None,
        help="seconds of random delay spreading sites with the same schedule",
    )
    parser.add_argument(
        "--timezone",
        default="Asia/Shanghai",
        help="time zone of crontab schedules (default: Asia/Shanghai, the sites' own clock)",
    )
    parser.add_argument("--list", action="store_true", help="print each site's next run and exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        sites = load_sites(args.sites)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    scheduler = build_scheduler(
        sites,
        str(Path(args.sites).resolve()),
        str(Path(args.db).resolve()),
        args.overrides,
        args.max_parallel,
        args.time_limit,
        args.jitter,
        args.timezone,
    )
    if args.list:
        from datetime import datetime

        now = datetime.now(scheduler.timezone)
        for job in scheduler.get_jobs():
            next_time = job.trigger.get_next_fire_time(None, now)
            print(f"{job.id.removeprefix('crawl:'):24} {next_time:%Y-%m-%d %H:%M:%S %Z}")
        return 0

    def shutdown(signum, frame) -> None:
        logger.info(
            "signal %s: no new crawls; stopping running crawls", signal.Signals(signum).name
        )
        _stopping.set()
        threading.Thread(
            target=lambda: (stop_crawls(), scheduler.shutdown(wait=True)), daemon=True
        ).start()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    logger.info("scheduler: %d sites, archive %s", len(scheduler.get_jobs()), args.db)
    scheduler.start()
    logger.info("scheduler: stopped")
    return 0
