"""A full disk, seen from the service: the crawl that could not write stops (what it archived
before is kept); the service says so in one line naming the archive, the free space and what
was kept, goes on, and once the archive can be written again closes the runs it could not
close and crawls those sites again. The write-ahead log is kept small meanwhile (wal.py)."""

from __future__ import annotations

import logging
import re
import shutil
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from crawler.archive import Archive, ArchiveError

logger = logging.getLogger("crawler.scheduler")

UPKEEP_EVERY_S = 60.0  # how often the service checkpoints the WAL and looks for room again
WAL_WARN_BYTES = 256 * 1024 * 1024  # a WAL a reader holds past this size is warned of


def write_failure(log_path: Path) -> str | None:
    """The crawl's own line saying it could not write the archive, if it said so."""
    try:
        text = log_path.read_text("utf-8", "replace")
    except OSError:
        return None
    found = [line for line in text.splitlines() if "cannot write archive " in line]
    if not found:
        return None
    line = found[-1][found[-1].index("cannot write archive ") :]
    return re.split(r"; the crawl sto", line)[0]  # "stops here", "stopped": the crawl's words


def free_space(path: Path) -> str:
    try:
        free = shutil.disk_usage(path.parent).free
    except OSError:
        return "unknown"
    return f"{free / 1e6:.1f} MB"


@dataclass
class Unsettled:
    pid: int
    site_ids: list[str]
    code: int
    log_path: str
    message: str | None


@dataclass
class Room:
    """Sites whose crawl could not write the archive, and runs left to close, until it can be
    written again."""

    db_path: Path
    sites: set[str] = field(default_factory=set)
    runs: list[Unsettled] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    last: float = 0.0
    wal_said: int = 0  # the WAL size last warned of

    def full(self, label: str, failure: str, site_ids: list[str], unsettled: Unsettled | None):
        """A crawl could not write: one line; its sites wait for room."""
        with self.lock:
            self.sites.update(site_ids)
            if unsettled is not None:
                self.runs.append(unsettled)
        logger.error(
            "crawl %s: %s; %s free beside it; what was archived before is kept; the run is closed "
            "as failed and the sites crawled again once the archive can be written",
            label, failure, free_space(self.db_path),
        )  # fmt: skip

    def upkeep(self, submit) -> None:
        """Every UPKEEP_EVERY_S: checkpoint the WAL (a warning with its size when a reader holds
        it past WAL_WARN_BYTES); when sites wait for room and the archive can be written, close
        their runs and hand them to ``submit`` again."""
        if time.monotonic() - self.last < UPKEEP_EVERY_S:
            return
        self.last = time.monotonic()
        keep_wal_small(self)
        with self.lock:
            if not self.sites:
                return
            sites, runs = sorted(self.sites), list(self.runs)
        try:
            with Archive(self.db_path) as archive:
                archive.check_writable()
                for run in runs:
                    archive.settle_run(run.pid, run.site_ids, run.code, run.log_path, None,
                                       run.message, "failed")  # fmt: skip
        except (ArchiveError, sqlite3.Error):
            return  # still full: looked at again later
        with self.lock:
            self.sites.difference_update(sites)
            self.runs = [run for run in self.runs if run not in runs]
        logger.info("archive %s can be written again; crawling again: %s", self.db_path,
                    ", ".join(sites))  # fmt: skip
        for site_id in sites:
            submit(site_id)


_current: Room | None = None


def current_room() -> Room | None:
    """The Room of the service running in this process, if any."""
    return _current


def set_room(room: Room | None) -> None:
    global _current
    _current = room


def keep_wal_small(room: Room) -> None:
    """Checkpoint the archive's WAL; warn, with its size, when a reader keeps it from being
    emptied past WAL_WARN_BYTES (again each time it doubles)."""
    try:
        with Archive(room.db_path) as archive:
            state = archive.checkpoint()
            wal = archive.wal_path()
    except (ArchiveError, sqlite3.Error) as exc:
        logger.debug("no checkpoint of %s: %s", room.db_path, exc)
        return
    if state.readers and state.size > max(WAL_WARN_BYTES, 2 * room.wal_said):
        room.wal_said = state.size
        logger.warning(
            "the write-ahead log %s is %.1f MB and cannot be emptied: a reader keeps a read "
            "transaction open (a sqlite3 shell, a long query); it is emptied once it lets go",
            wal, state.size / 1e6,
        )  # fmt: skip
    elif not state.readers:
        room.wal_said = 0
