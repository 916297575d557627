"""A full disk, seen from the service: the crawl that could not write stops (what it archived
before is kept); the service says so in one line naming the archive, the free space and what
was kept, goes on, and once there is room again closes the runs it could not close and crawls
those sites again. The write-ahead log is kept small meanwhile (wal.py).

"Room" is more than a write the archive can take: a row written and rolled back never reaches
the disk, and a few kilobytes free take the run's closing but not a crawl. Room is
ROOM_FREE_BYTES free beside the archive and a ROOM_PROBE_BYTES file written there and synced
(which also meets a quota or a process's file-size limit); a crawl that still finds the disk full
makes the service wait twice as long before it looks again (up to ROOM_WAIT_MAX_S)."""

from __future__ import annotations

import logging
import os
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
ROOM_FREE_BYTES = 64 * 1024 * 1024  # free beside the archive before its sites are crawled again
ROOM_PROBE_BYTES = 1024 * 1024  # written beside it (and removed) to prove the space is usable
ROOM_WAIT_MAX_S = 3600.0  # the longest wait between looks when crawls keep finding it full
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


def has_room(db_path: Path) -> bool:
    """ROOM_FREE_BYTES free beside the archive, and a ROOM_PROBE_BYTES file can be written and
    synced there (then removed)."""
    try:
        if shutil.disk_usage(db_path.parent).free < ROOM_FREE_BYTES:
            return False
        probe = db_path.with_name(f".{db_path.name}.room-probe")
        try:
            with open(probe, "wb") as handle:
                block = b"\0" * 65536
                for _ in range(max(1, ROOM_PROBE_BYTES // len(block))):
                    handle.write(block)
                handle.flush()
                os.fsync(handle.fileno())
        finally:
            probe.unlink(missing_ok=True)
    except OSError as exc:  # ENOSPC, EDQUOT, EFBIG (a file-size limit), EROFS
        logger.debug("no room beside %s yet: %s", db_path, exc)
        return False
    return True


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
    retried: set[str] = field(default_factory=set)  # sites handed back once room was found
    misses: int = 0  # crawls in a row that found the disk full again after room was found
    looked: float = 0.0  # when room was last looked for

    def full(self, label: str, failure: str, site_ids: list[str], unsettled: Unsettled | None):
        """A crawl could not write: one line; its sites wait for room."""
        with self.lock:
            self.sites.update(site_ids)
            if unsettled is not None:
                self.runs.append(unsettled)
            if self.retried & set(site_ids):  # room was found, and it was not enough
                self.misses += 1
            self.looked = time.monotonic()
        logger.error(
            "crawl %s: %s; %s free beside it; what was archived before is kept; the run is closed "
            "as failed and the sites crawled again once the archive can be written",
            label, failure, free_space(self.db_path),
        )  # fmt: skip

    def ended(self, site_ids: list[str]) -> None:
        """A crawl of these sites wrote what it had to: the waits between looks start over."""
        with self.lock:
            if self.retried & set(site_ids):
                self.retried.difference_update(site_ids)
                self.misses = 0

    def upkeep(self, submit) -> None:
        """Every UPKEEP_EVERY_S: checkpoint the WAL (a warning with its size when a reader holds
        it past WAL_WARN_BYTES); when sites wait for room and there is room (has_room) and the
        archive can be written, close their runs and hand them to ``submit`` again (the pool's ``hand_back``): a site it
        refuses (its last crawl not yet let go of) waits for the next look."""
        if time.monotonic() - self.last < UPKEEP_EVERY_S:
            return
        self.last = time.monotonic()
        keep_wal_small(self)
        with self.lock:
            if not self.sites:
                return
            wait = min(UPKEEP_EVERY_S * 2**self.misses, ROOM_WAIT_MAX_S)
            if self.misses and time.monotonic() - self.looked < wait:
                return
            self.looked = time.monotonic()
            sites, runs = sorted(self.sites), list(self.runs)
        if not has_room(self.db_path):
            return
        try:
            with Archive(self.db_path) as archive:
                archive.check_writable()
                for run in runs:
                    archive.settle_run(run.pid, run.site_ids, run.code, run.log_path, None,
                                       run.message, "failed")  # fmt: skip
        except (ArchiveError, sqlite3.Error):
            return  # still full: looked at again later
        with self.lock:
            self.runs = [run for run in self.runs if run not in runs]
        handed = [site_id for site_id in sites if submit(site_id)]
        with self.lock:
            self.sites.difference_update(handed)
            self.retried.update(handed)
        if handed:
            logger.info("archive %s can be written again; crawling again: %s", self.db_path,
                        ", ".join(handed))  # fmt: skip


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
