"""The scheduler service: each site crawled on its own schedule, each crawl a subprocess.

A Twisted reactor cannot be restarted, and a long-lived process that crawled in-process would grow
run after run; so every crawl is `python -m crawler crawl SITE` in a process of its own, and the
job waits for it. With max_instances=1 a slow crawl of a site is never overlapped by the next one.
Job state (next run times) lives in its own SQLite file, so a restart keeps the schedule and runs
missed while the service was down fire once.
"""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor as Pool
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    JobExecutionEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from crawler.archive import Archive, ArchiveError
from crawler.runner import (
    EXIT_BUSY,
    PARENT_ENV,
    check_setting_values,
    crawl_command,
    parse_overrides,
)
from crawler.schedules import (
    DEFAULT_SCHEDULE,
    DEFAULT_TIMEZONE,
    ScheduleError,
    timezone_named,
    trigger_for,
)
from crawler.sites import Site, SitesError, load_sites, select_sites

logger = logging.getLogger("crawler.scheduler")

LOGS_KEPT_PER_SITE = 30

# Crawls running now, so that a shutdown can pass SIGTERM on to them.
_running: dict[str, subprocess.Popen] = {}
_running_lock = threading.Lock()
_stopping = threading.Event()
# Sites whose next run was skipped because their crawl was still running: logged once per crawl.
_overrun: set[str] = set()


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
    if _stopping.is_set():
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
    with _running_lock:
        _running[site_id] = process
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
        with _running_lock:
            _running.pop(site_id, None)
            _overrun.discard(site_id)
    if code == EXIT_BUSY:
        logger.warning(
            "crawl %s: skipped, another crawl of the site is running (%s)",
            site_id,
            _last_line(log_path),
        )
        return code
    status = "timed out" if timed_out else None
    # A crawl that died without closing its run was stopped by the shutdown, or failed.
    unfinished = "interrupted" if _stopping.is_set() else "failed"
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
    _stopping.set()
    with _running_lock:
        processes = list(_running.values())
    threads = [
        threading.Thread(target=_stop, args=(p, grace)) for p in processes if p.poll() is None
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _on_event(event: JobExecutionEvent) -> None:
    if event.code == EVENT_JOB_MAX_INSTANCES:
        # With a short interval and a long crawl this fires at every tick: say it once per crawl.
        site_id = event.job_id.removeprefix("crawl:")
        with _running_lock:
            first = site_id not in _overrun
            _overrun.add(site_id)
        if first:
            logger.info(
                "crawl %s: still running at its next scheduled time; runs are skipped until it ends",
                site_id,
            )
    elif event.code == EVENT_JOB_MISSED:
        logger.warning("job %s missed its run at %s", event.job_id, event.scheduled_run_time)
    elif event.exception is not None:
        logger.error("job %s failed: %s", event.job_id, event.exception)


@dataclass
class Service:
    sites: list[Site]
    config: CrawlConfig
    state_path: str
    max_parallel: int = 2
    jitter: int | None = None
    timezone: str = DEFAULT_TIMEZONE

    def scheduler(self) -> BackgroundScheduler:
        scheduler = BackgroundScheduler(
            jobstores={
                "default": SQLAlchemyJobStore(url=f"sqlite:///{Path(self.state_path).resolve()}")
            },
            executors={"default": ThreadPoolExecutor(self.max_parallel)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
            timezone=self.timezone,
        )
        scheduler.add_listener(
            _on_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES
        )
        return scheduler

    def schedule_key(self, site: Site) -> str:
        return f"{site.schedule or DEFAULT_SCHEDULE}|{self.jitter}|{self.timezone}"

    def trigger(self, site: Site):
        return trigger_for(site.schedule or DEFAULT_SCHEDULE, self.jitter, self.timezone)

    def next_runs(self) -> list[tuple[str, datetime]]:
        """Each enabled site's next run: the stored one when the job state has it for the same
        schedule, else the schedule's next time. Reads the state file read-only; writes nothing."""
        stored = {}
        state = Path(self.state_path)
        if state.exists():
            store = SQLAlchemyJobStore(url=f"sqlite:///file:{state.resolve()}?mode=ro&uri=true")
            store.start(BackgroundScheduler(timezone=self.timezone), "default")
            try:
                stored = {job.id: job for job in store.get_all_jobs()}
            finally:
                store.shutdown()
        now = datetime.now(timezone_named(self.timezone))
        found = []
        for site in self.sites:
            if not site.enabled:
                continue
            job = stored.get(f"crawl:{site.id}")
            if job is not None and job.kwargs.get("schedule_key") == self.schedule_key(site):
                next_run = job.next_run_time
            else:
                next_run = self.trigger(site).get_next_fire_time(None, now)
            found.append((site.id, next_run))
        return sorted(found)

    def sync_jobs(self, scheduler: BackgroundScheduler, crawl_now: set[str] = frozenset()) -> None:
        """Make the stored jobs match the registry. A job whose schedule is unchanged keeps its next
        run time from before a restart; jobs of sites gone from the registry are removed; sites in
        ``crawl_now`` run at once."""
        existing = {job.id: job for job in scheduler.get_jobs()}
        now = datetime.now(scheduler.timezone)
        for site in self.sites:
            if not site.enabled:
                continue
            job_id = f"crawl:{site.id}"
            key = self.schedule_key(site)
            args = [site.id, asdict(self.config)]
            job = existing.pop(job_id, None)
            if job is not None and job.kwargs.get("schedule_key") == key:
                job.modify(args=args, **({"next_run_time": now} if site.id in crawl_now else {}))
                continue
            scheduler.add_job(
                run_site_crawl,
                trigger=self.trigger(site),
                **({"next_run_time": now} if site.id in crawl_now else {}),
                args=args,
                kwargs={"schedule_key": key},
                id=job_id,
                name=f"crawl {site.id}",
                replace_existing=True,
                max_instances=1,  # never two crawls of one site at once
                coalesce=True,  # runs missed while busy or down collapse into one
                misfire_grace_time=3600,  # a run up to an hour late still happens
            )
        for job_id in existing:
            scheduler.remove_job(job_id)


def _configure_logging(log_dir: str) -> None:
    Path(log_dir).mkdir(parents=True, exist_ok=True)
    formatter = logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s")
    stream = logging.StreamHandler()
    rotating = logging.handlers.RotatingFileHandler(
        Path(log_dir) / "scheduler.log", maxBytes=5_000_000, backupCount=5, encoding="utf-8"
    )
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    for handler in (stream, rotating):
        handler.setFormatter(formatter)
        root.addHandler(handler)
    # APScheduler's own "skipped: maximum number of running instances reached" would repeat at every
    # tick of a short interval; _on_event reports it once per crawl instead.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scheduler.py",
        description="Crawl each site in sites.toml on its schedule, as a long-running service.",
    )
    parser.add_argument("--sites", default="sites.toml", help="site registry (default: sites.toml)")
    parser.add_argument("--db", default="archive.db", help="archive file (default: archive.db)")
    parser.add_argument(
        "--state",
        help="job state file, never the archive (default: scheduler-state.db beside the archive)",
    )
    parser.add_argument(
        "--log-dir",
        help="folder for scheduler.log and one log per crawl (default: logs/ beside the archive)",
    )
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
        "--grace",
        type=float,
        default=30,
        help="seconds a stopped crawl gets to finish its run record (default: 30)",
    )
    parser.add_argument(
        "--jitter",
        type=int,
        default=None,
        help="seconds of random delay spreading sites with the same schedule",
    )
    parser.add_argument(
        "--timezone",
        default=DEFAULT_TIMEZONE,
        help="time zone of crontab schedules (default: Asia/Shanghai, the sites' own clock)",
    )
    parser.add_argument("--list", action="store_true", help="print each site's next run and exit")
    parser.add_argument(
        "--once",
        nargs="*",
        metavar="SITE_ID",
        help="crawl the due sites (or those named) once, then exit",
    )
    return parser.parse_args(argv)


def check_args(args: argparse.Namespace) -> None:
    """Refuse nonsense before anything is opened; ValueError or ScheduleError says what is wrong."""
    timezone_named(args.timezone)
    if args.max_parallel < 1:
        raise ValueError(f"--max-parallel must be at least 1, got {args.max_parallel}")
    if args.time_limit <= 0:
        raise ValueError(f"--time-limit must be more than 0 seconds, got {args.time_limit:g}")
    if args.grace < 0:
        raise ValueError(f"--grace must not be negative, got {args.grace:g}")
    if args.jitter is not None and args.jitter < 0:
        raise ValueError(f"--jitter must not be negative, got {args.jitter}")
    check_setting_values(parse_overrides(args.overrides))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    db_path = Path(args.db).resolve()
    log_dir = args.log_dir or str(db_path.parent / "logs")
    state_path = args.state or str(db_path.parent / "scheduler-state.db")
    if Path(state_path).resolve() == db_path:
        print("error: --state must not be the archive itself", file=sys.stderr)
        return 2
    try:
        check_args(args)
        registry = load_sites(args.sites)
        named = select_sites(registry, args.once or [], args.sites) if args.once else None
        config = CrawlConfig(
            str(Path(args.sites).resolve()),
            str(db_path),
            log_dir,
            args.overrides,
            args.time_limit,
            args.grace,
        )
        service = Service(
            registry, config, state_path, args.max_parallel, args.jitter, args.timezone
        )
        if args.list:
            # Listing reads the stored job state if there is one, and writes nothing anywhere.
            for site_id, next_run in service.next_runs():
                print(f"{site_id:24} {next_run:%Y-%m-%d %H:%M:%S %Z}")
            return 0
        with Archive(db_path) as archive:
            archive.register_sites(registry)
            # Runs whose crawl died with an earlier scheduler (SIGKILL, power cut) are closed,
            # and their sites crawled once now rather than at their next scheduled time.
            unfinished = archive.close_dead_runs()
    except (SitesError, ArchiveError, ScheduleError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _configure_logging(log_dir)
    scheduler = service.scheduler()
    scheduler.start(paused=True)
    service.sync_jobs(scheduler, crawl_now=unfinished)
    if args.once is not None:
        return _run_once(service, scheduler, named)

    def shutdown(signum, frame) -> None:
        logger.info(
            "signal %s: no new crawls; stopping running crawls", signal.Signals(signum).name
        )
        _stopping.set()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    logger.info(
        "scheduler: %d sites, archive %s, state %s, logs %s",
        len(scheduler.get_jobs()),
        db_path,
        state_path,
        log_dir,
    )
    if unfinished:
        logger.info(
            "crawls left unfinished by an earlier scheduler, run again now: %s",
            ", ".join(sorted(unfinished)),
        )
    scheduler.resume()
    while not _stopping.wait(1.0):
        pass
    scheduler.pause()
    stop_crawls(args.grace)
    scheduler.shutdown(wait=True)
    logger.info("scheduler: stopped")
    return 0


def _run_once(service: Service, scheduler: BackgroundScheduler, named: list[Site] | None) -> int:
    """Crawl the named sites, or those whose next run is due, once; then move their next runs on."""
    now = datetime.now(scheduler.timezone)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    if named is not None:
        chosen = [site.id for site in named]
    else:
        # Due: never crawled into this archive, or its next run time has passed.
        with Archive(service.config.db_path) as archive:
            crawled = archive.crawled_site_ids()
        chosen = [
            job_id.removeprefix("crawl:")
            for job_id, job in jobs.items()
            if job_id.removeprefix("crawl:") not in crawled
            or job.next_run_time is None
            or job.next_run_time <= now
        ]
    logger.info("once: %s", ", ".join(chosen) or "no site is due")
    with Pool(max_workers=service.max_parallel) as pool:
        codes = list(
            pool.map(lambda site_id: run_site_crawl(site_id, asdict(service.config)), chosen)
        )
    for site_id in chosen:
        job = jobs.get(f"crawl:{site_id}")
        if job is not None:
            job.modify(
                next_run_time=job.trigger.get_next_fire_time(None, datetime.now(scheduler.timezone))
            )
    scheduler.shutdown(wait=False)
    return 0 if all(code == 0 for code in codes) else 1
