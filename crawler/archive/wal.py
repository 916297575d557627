"""Keeping the write-ahead log small. In WAL mode every write goes to ``archive.db-wal`` first,
and the file is emptied only by a checkpoint that no reader holds back: a reader that keeps a
read transaction open (a researcher's sqlite3 shell, a long query) lets it grow with every page
written, and it keeps its size after the reader lets go unless it is truncated. So: a
checkpoint after each crawl and periodically (TRUNCATE, which empties the file), and
``journal_size_limit`` for the checkpoints SQLite makes by itself."""

from __future__ import annotations

import os
from dataclasses import dataclass

JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024  # what SQLite leaves of the WAL after its own checkpoints
CHECKPOINT_WAIT_MS = 250  # how long a checkpoint waits for readers before it reports them


@dataclass(frozen=True)
class WalState:
    size: int  # bytes of archive.db-wal after the checkpoint
    emptied: bool  # the checkpoint copied everything and truncated the file
    readers: bool  # a reader held it back


class Wal:
    """The write-ahead log part of :class:`crawler.archive.Archive`."""

    def wal_path(self) -> str:
        return f"{self.path}-wal"

    def wal_size(self) -> int:
        try:
            return os.path.getsize(self.wal_path())
        except OSError:
            return 0

    def checkpoint(self) -> WalState:
        """Copy the WAL into the archive and truncate it, unless a reader holds it back (then
        as much as can be copied is, and ``readers`` says so); waits a moment, not the busy
        timeout, for readers."""
        conn = self.db.conn
        (timeout,) = conn.execute("PRAGMA busy_timeout").fetchone()
        conn.execute(f"PRAGMA busy_timeout = {CHECKPOINT_WAIT_MS}")
        try:
            busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            conn.execute(f"PRAGMA busy_timeout = {timeout}")
        size = self.wal_size()
        return WalState(size, busy == 0 and size == 0, busy != 0 or copied < frames)
