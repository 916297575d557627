"""What keeps a running service sound: being the archive's only scheduler (a lock file the kernel
frees however the process ends), and following sites.toml while it runs."""

from __future__ import annotations

import fcntl
import logging
import os
import sys
import time
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler

from crawler.archive import Archive, ArchiveError
from crawler.registry.sites import SitesError, load_sites

logger = logging.getLogger("crawler.scheduler")


def hold_scheduler_lock(db_path: Path):
    """The one scheduler of an archive: an exclusive lock on ``<archive>.scheduler.lock``, held
    while this process lives (the kernel lets go of it however the process ends). None, after a
    line naming the scheduler that has it, when another one does."""
    path = db_path.with_name(db_path.name + ".scheduler.lock")
    handle = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        print(
            f"refused: another scheduler (pid {holder}) is running on {db_path}; not starting a "
            "second one (it would schedule every site twice). Stop that one first, or give this "
            "one its own --db.",
            file=sys.stderr,
        )
        return None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


REGISTRY_CHECK_S = 5.0  # how often the service looks whether sites.toml changed


class RegistryWatch:
    """Whether the registry file changed since it was last read (its time and size)."""

    def __init__(self, path: str):
        self.path = Path(path)
        self.seen = self._stamp()
        self.checked = time.monotonic()

    def _stamp(self) -> tuple[float, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_mtime, stat.st_size

    def changed(self) -> bool:
        if time.monotonic() - self.checked < REGISTRY_CHECK_S:
            return False
        self.checked = time.monotonic()
        stamp = self._stamp()
        if stamp == self.seen or stamp is None:
            return False
        self.seen = stamp
        return True


def reload_registry(service, scheduler: BackgroundScheduler, sites_path: str, db_path) -> None:
    """The registry changed while the service runs: its jobs follow it, and sites never crawled
    are crawled now. A registry with a mistake is not taken: the sites run as before."""
    try:
        registry = load_sites(sites_path)
        with Archive(db_path) as archive:
            archive.register_sites(registry)
            new = {s.id for s in registry if s.enabled} - archive.crawled_site_ids()
    except (SitesError, ArchiveError, ValueError) as exc:  # ScheduleError is a ValueError
        logger.error("registry changed but not taken, the sites run as before: %s", exc)
        return
    service.sites = registry
    service.sync_jobs(scheduler, crawl_now=new)
    logger.info(
        "registry reloaded: %d sites%s", len(scheduler.get_jobs()),
        f"; crawled now: {', '.join(sorted(new))}" if new else "",
    )  # fmt: skip
