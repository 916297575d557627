"""Due sites crawled together: the scheduler's job for a site hands it to the pool, and the pool
starts what is waiting in at most ``processes`` crawl processes at once, each crawling up to
``sites_per_crawl`` sites side by side (Scrapy keeps a download slot, so a delay, per site).

Sites that fall due within ``gather`` seconds of each other start in one crawl; while every
process is busy, due sites wait and the next crawl takes all of them (up to the limit), so the
number of sites per crawl follows how many fall due. A site is never queued or crawled twice at
once: a site still waiting or being crawled at its next scheduled time skips that time (said
once per crawl), as with one crawl per site.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING

from crawler.archive import Archive, ArchiveError
from crawler.schedule.crawljob import overrun, run_crawl_process, running_lock, stopping

if TYPE_CHECKING:
    from crawler.schedule.crawljob import CrawlConfig

logger = logging.getLogger("crawler.scheduler")
FREE_CHECK_S = 2.0  # how often the archive is asked which sites of running crawls have ended

_current: CrawlPool | None = None


def current_pool() -> CrawlPool | None:
    """The pool of the service running in this process, if any."""
    return _current


class CrawlPool:
    def __init__(
        self,
        config: CrawlConfig,
        processes: int = 2,
        sites_per_crawl: int = 100,
        gather: float = 2.0,
        crawl: Callable[[list[str], dict], int] = run_crawl_process,
    ):
        """``crawl`` runs one crawl of sites and returns its exit code: a local process by
        default, a job on workers with a broker (crawler/distributed/dispatch.py)."""
        self.config = config
        self.crawl = crawl
        self.processes = processes
        self.sites_per_crawl = sites_per_crawl
        self.gather = gather
        self.pending: dict[str, float] = {}  # site id -> when it fell due (monotonic)
        self.crawling: dict[str, int] = {}  # site id -> the batch crawling it
        self.batches = 0
        self._checked = 0.0  # when the archive was last asked which sites ended
        self.crawls = 0  # crawl processes running
        self.codes: list[int] = []
        self._closed = False
        self._changed = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._dispatcher = threading.Thread(target=self._dispatch, name="crawl-pool", daemon=True)

    def __enter__(self) -> CrawlPool:
        global _current
        _current = self
        self._dispatcher.start()
        return self

    def __exit__(self, *exc) -> None:
        global _current
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        self._dispatcher.join()
        for thread in list(self._threads):
            thread.join()
        _current = None

    def submit(self, site_id: str) -> bool:
        """Queue a due site; False (and a line in the log, once per crawl) when it is already
        waiting or being crawled."""
        if stopping.is_set():  # the service is stopping: no new runs, nothing to say of them
            return False
        with self._changed:
            if site_id in self.pending:  # waiting to start: this time is that same crawl
                return False
            if site_id in self.crawling:
                with running_lock:
                    first = site_id not in overrun
                    overrun.add(site_id)
                if first:
                    logger.info(
                        "crawl %s: still running at its next scheduled time; runs are skipped "
                        "until it ends",
                        site_id,
                    )
                return False
            self.pending[site_id] = time.monotonic()
            self._changed.notify_all()
            return True

    def hand_back(self, site_id: str) -> bool:
        """Queue a site whose crawl is to be run again (room.py): True when it is queued or
        already waiting, False (nothing said) while its last crawl has not let go of it."""
        with self._changed:
            if site_id in self.crawling:
                return False
        return self.submit(site_id) or site_id in self.pending

    def submit_all(self, site_ids: list[str]) -> None:
        """Queue sites that fall due together with nothing more to come (``--once``): queued as one,
        so that they are batched as if gathered, and started without waiting ``gather`` seconds
        for more."""
        with self._changed:
            for site_id in site_ids:
                self.submit(site_id)
            self.gather = 0.0
            self._changed.notify_all()

    def drain(self) -> None:
        """Wait until nothing is waiting or being crawled (or the service is stopping)."""
        with self._changed:
            while (self.pending or self.crawls) and not stopping.is_set():
                self._changed.wait(0.5)
            while self.crawls:
                self._changed.wait(0.5)

    def _next_batch(self) -> list[str] | None:
        """Under the lock: the sites of the next crawl when one may start now, else None."""
        if not self.pending or self.crawls >= self.processes:
            return None
        oldest = next(iter(self.pending.values()))
        if len(self.pending) < self.sites_per_crawl and time.monotonic() - oldest < self.gather:
            return None
        batch = list(self.pending)[: self.sites_per_crawl]
        for site_id in batch:
            del self.pending[site_id]
        return batch

    def _dispatch(self) -> None:
        while True:
            with self._changed:
                if stopping.is_set() or self._closed:
                    self.pending.clear()
                    self._changed.notify_all()
                    return
                batch = self._next_batch()
                if batch is None:
                    self._changed.wait(0.2)
                    self._free_ended_sites()
                    continue
                self.crawls += 1
                self.batches += 1
                number = self.batches
                self.crawling.update(dict.fromkeys(batch, number))
            thread = threading.Thread(
                target=self._crawl, args=(batch, number), name="crawl", daemon=True
            )
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
            thread.start()

    def _free_ended_sites(self) -> None:
        """Under the lock: a site whose own crawl ended while its process crawls others is free
        for its next run at once (its outcome is saved), not when the whole process ends."""
        if not self.crawling or time.monotonic() - self._checked < FREE_CHECK_S:
            return
        self._checked = time.monotonic()
        try:
            with Archive(self.config.db_path) as archive:
                ended = archive.sites_done_in_running_runs()
        except (ArchiveError, sqlite3.Error) as exc:
            logger.debug("cannot read which sites ended: %s", exc)
            return
        for site_id in ended & set(self.crawling):
            del self.crawling[site_id]
            with running_lock:
                overrun.discard(site_id)

    def _crawl(self, batch: list[str], number: int) -> None:
        try:
            code = self.crawl(batch, asdict(self.config))
        except Exception:  # a crawl that cannot even be started must not stop the service
            logger.exception("crawl %s: could not be run", ", ".join(batch))
            code = -1
        with self._changed:
            self.crawls -= 1
            for site_id in batch:
                if self.crawling.get(site_id) == number:  # not since freed and crawled again
                    del self.crawling[site_id]
                    # its overrun is said again only of a later crawl: forgotten as the site
                    # leaves `crawling`, not as its process ends (a tick in between would find
                    # it still crawling and say it a second time)
                    with running_lock:
                        overrun.discard(site_id)
            self.codes.append(code)
            self._changed.notify_all()


def run_site_crawl(site_id: str, config: dict, schedule_key: str = "") -> int:
    """The scheduled job of one site: handed to the service's crawl pool, which crawls due sites
    together (:class:`CrawlPool`); without a pool (called directly), crawled now."""
    pool = current_pool()
    if pool is None:
        return run_crawl_process([site_id], config)
    pool.submit(site_id)
    return 0
