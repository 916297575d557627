"""The scheduler service: each site crawled on its own schedule, each crawl a subprocess (see
crawljob.py). With max_instances=1 a slow crawl of a site is never overlapped by the next one.
Job state (next run times) lives in its own SQLite file, so a restart keeps the schedule and runs
missed while the service was down fire once.
"""

from __future__ import annotations

import faulthandler
import logging
import signal
import sys
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
from crawler.archive.core import refuse_foreign_database
from crawler.crawl.command import EXIT_BUSY, check_setting_values, parse_overrides
from crawler.registry.schedules import (
    DEFAULT_SCHEDULE,
    DEFAULT_TIMEZONE,
    ScheduleError,
    timezone_named,
    trigger_for,
)
from crawler.registry.sites import Site, SitesError, load_sites, select_sites
from crawler.schedule import room
from crawler.schedule.crawljob import CrawlConfig, stop_crawls, stopping
from crawler.schedule.pool import CrawlPool, run_site_crawl
from crawler.schedule.room import (
    ROOM_FREE_BYTES,
    UPKEEP_EVERY_S,
    WAL_WARN_BYTES,
    current_room,
    set_room,
)
from crawler.schedule.store import LogFile, QuietScheduler, TolerantJobStore
from crawler.schedule.upkeep import RegistryWatch, hold_scheduler_lock, reload_registry

logger = logging.getLogger("crawler.scheduler")


def _on_event(event: JobExecutionEvent) -> None:
    # A job only hands its site to the crawl pool, which says when a site is still being crawled
    # at its next time; the job itself overlapping is not worth a line.
    if event.code == EVENT_JOB_MAX_INSTANCES:
        return
    if event.code == EVENT_JOB_MISSED:
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
    sites_per_crawl: int = 100
    dispatcher: object | None = None  # with a broker: sends crawls to workers

    def pool(self) -> CrawlPool:
        if self.dispatcher is not None:
            return CrawlPool(
                self.config, self.max_parallel, self.sites_per_crawl, crawl=self.dispatcher
            )
        return CrawlPool(self.config, self.max_parallel, self.sites_per_crawl)

    def scheduler(self) -> BackgroundScheduler:
        scheduler = QuietScheduler(
            jobstores={
                "default": TolerantJobStore(url=f"sqlite:///{Path(self.state_path).resolve()}")
            },
            # A job only queues its site (see crawlpool.py): a few threads serve any number.
            executors={"default": ThreadPoolExecutor(4)},
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

    def next_runs(self) -> list[tuple[str, datetime, bool]]:
        """Each enabled site's next run and whether the job state keeps it: the stored one when
        the job state has it for the same schedule, else the schedule's next time from now.
        Reads the state file read-only; writes nothing."""
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
            kept = job is not None and job.kwargs.get("schedule_key") == self.schedule_key(site)
            if kept:
                next_run = job.next_run_time
            else:
                next_run = self.trigger(site).get_next_fire_time(None, now)
            found.append((site.id, next_run, kept))
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
    rotating = LogFile(
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


@dataclass
class ScheduleOptions:
    """What `crawler schedule` (and scheduler.py) was asked for."""

    sites_path: str = "sites.toml"
    db_path: str = "archive.db"
    state_path: str | None = None  # default: scheduler-state.db beside the archive
    log_dir: str | None = None  # default: logs/ beside the archive
    overrides: list[str] = field(default_factory=list)
    max_parallel: int = 2
    sites_per_crawl: int = 100
    time_limit: float = 6 * 3600
    grace: float = 30.0
    jitter: int | None = None
    timezone: str = DEFAULT_TIMEZONE
    broker: str | None = None  # crawl on workers: the Redis URL of the job queue
    dead_after: float = 60.0
    result_wait: float = 600.0  # a crawled job's result waits this long for the writer
    list_only: bool = False
    once: list[str] | None = None  # crawl once and exit: these sites, or the due ones when []
    upkeep_every: float = UPKEEP_EVERY_S  # WAL checkpoints, and looks for room on a full disk
    wal_warn_mb: float = WAL_WARN_BYTES / 1e6  # a WAL a reader holds past this is warned of
    room_mb: float = ROOM_FREE_BYTES / 2**20  # free beside a full archive before it is crawled into

    def check(self) -> None:
        """Refuse nonsense before anything is opened; ValueError or ScheduleError says what."""
        timezone_named(self.timezone)
        if self.max_parallel < 1:
            raise ValueError(f"--max-parallel must be at least 1, got {self.max_parallel}")
        if self.sites_per_crawl < 1:
            raise ValueError(f"--sites-per-crawl must be at least 1, got {self.sites_per_crawl}")
        if self.time_limit <= 0:
            raise ValueError(f"--time-limit must be more than 0 seconds, got {self.time_limit:g}")
        if self.grace < 0:
            raise ValueError(f"--grace must not be negative, got {self.grace:g}")
        if self.jitter is not None and self.jitter < 0:
            raise ValueError(f"--jitter must not be negative, got {self.jitter}")
        if self.upkeep_every <= 0:
            raise ValueError(
                f"--upkeep-every must be more than 0 seconds, got {self.upkeep_every:g}"
            )
        if self.room_mb < 0:
            raise ValueError(f"--room-mb must not be negative, got {self.room_mb:g}")
        if self.result_wait <= 0:
            raise ValueError(f"--result-wait must be more than 0 seconds, got {self.result_wait:g}")
        check_setting_values(parse_overrides(self.overrides))


def run_service(options: ScheduleOptions) -> int:
    """Run the scheduler until SIGTERM/SIGINT (or once, or list the next runs); the exit code."""
    db_path = Path(options.db_path).resolve()
    log_dir = options.log_dir or str(db_path.parent / "logs")
    state_path = options.state_path or str(db_path.parent / "scheduler-state.db")
    if Path(state_path).resolve() == db_path:
        print("error: --state must not be the archive itself", file=sys.stderr)
        return 2
    try:
        options.check()
        registry = load_sites(options.sites_path)
        named = select_sites(registry, options.once, options.sites_path) if options.once else None
        config = CrawlConfig(
            str(Path(options.sites_path).resolve()),
            str(db_path),
            log_dir,
            list(options.overrides),
            options.time_limit,
            options.grace,
        )
        service = Service(
            registry,
            config,
            state_path,
            options.max_parallel,
            options.jitter,
            options.timezone,
            options.sites_per_crawl,
        )
        if options.broker and not options.list_only:
            from crawler.distributed.dispatch import Dispatcher

            service.dispatcher = Dispatcher(options.broker, options.dead_after, options.result_wait)
        if options.list_only:
            # Listing reads the stored job state if there is one, and writes nothing anywhere.
            from crawler.schedule.listing import listing_lines

            print("\n".join(listing_lines(service, db_path)))
            return 0
        refuse_foreign_database(db_path)  # before the lock file is made beside it
        lock = hold_scheduler_lock(db_path)
        if lock is None:
            return EXIT_BUSY
        with Archive(db_path) as archive:
            archive.register_sites(registry)
            # Runs whose crawl died with an earlier scheduler (SIGKILL, power cut) are closed,
            # and their sites crawled once now rather than at their next scheduled time.
            unfinished = archive.close_dead_runs()
            # So are sites never crawled into this archive: a site just added to the registry
            # is not left waiting for its first scheduled time (03:00 tomorrow by default).
            unfinished |= {s.id for s in registry if s.enabled} - archive.crawled_site_ids()
    except (SitesError, ArchiveError, ScheduleError, ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _configure_logging(log_dir)
    room.UPKEEP_EVERY_S = options.upkeep_every
    room.WAL_WARN_BYTES = int(options.wal_warn_mb * 1e6)
    room.ROOM_FREE_BYTES = int(options.room_mb * 2**20)
    set_room(room.Room(db_path))
    with service.pool() as pool:
        return _serve(options, service, pool, unfinished, named, (db_path, state_path, log_dir))


def _serve(options, service, pool, unfinished, named, paths) -> int:
    db_path, state_path, log_dir = paths
    # `kill -USR2 PID` writes the stack of every thread to stderr: what a service that does not
    # answer is waiting for (written from C, also while a thread is stuck in a call).
    faulthandler.register(signal.SIGUSR2, file=sys.stderr, all_threads=True)
    scheduler = service.scheduler()
    scheduler.start(paused=True)
    service.sync_jobs(scheduler, crawl_now=unfinished)
    if options.once is not None:
        return _run_once(service, scheduler, pool, named)

    def shutdown(signum, frame) -> None:
        logger.info(
            "signal %s: no new crawls; stopping running crawls", signal.Signals(signum).name
        )
        stopping.set()

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
            "crawled now (never crawled, or left unfinished by an earlier scheduler): %s",
            ", ".join(sorted(unfinished)),
        )
    scheduler.resume()
    watch = RegistryWatch(options.sites_path)
    while not stopping.wait(1.0):
        if watch.changed():
            reload_registry(service, scheduler, options.sites_path, db_path)
        current_room().upkeep(pool.hand_back)
    scheduler.pause()
    stop_crawls(options.grace)
    scheduler.shutdown(wait=True)
    logger.info("scheduler: stopped")
    return 0


def _run_once(
    service: Service, scheduler: BackgroundScheduler, pool: CrawlPool, named: list[Site] | None
) -> int:
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
    pool.submit_all(chosen)
    pool.drain()
    codes = list(pool.codes)
    for site_id in chosen:
        job = jobs.get(f"crawl:{site_id}")
        if job is not None:
            job.modify(
                next_run_time=job.trigger.get_next_fire_time(None, datetime.now(scheduler.timezone))
            )
    scheduler.shutdown(wait=False)
    return 0 if all(code == 0 for code in codes) else 1
