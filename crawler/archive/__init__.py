"""The archive: the only package that runs SQL against archive.db.

One SQLite file in WAL mode, so Datasette and other readers keep reading while a crawl writes.
Schema changes are sqlite-utils migrations (migrations/, one module each) and the views
(views.py), brought up to date when the archive is opened (schema.py). Each
fetched page is written in one transaction: its pages row, and for a summary its document and
sighting, land together or not at all.

Rooms: core.py (opening a file, errors), schema.py (the upgrade: migrations/ and views.py),
search_index.py (the search index kept in step), records.py (the row types),
runs.py (run lifecycle), pages.py (pages, documents, sightings, failures), families.py (reposts),
state.py (reading: crawl state, summaries for the command line), reprocessing.py (reading
stored responses again), jobs.py (runs crawled by workers, failed jobs), journal.py (a crawl's
writes as a file, replayed by the writer).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from crawler.archive.core import (
    ArchiveError,
    SiteBusy,
    check_archive,
    refuse_foreign_database,
    utcnow,
)
from crawler.archive.jobs import Jobs
from crawler.archive.pages import BACKOFF_ERRORS, Pages, retry_after
from crawler.archive.records import (
    DocumentRecord,
    ListPageState,
    PageOutcome,
    PageRecord,
    SiteCounts,
    SiteState,
)
from crawler.archive.reprocessing import CHANGES, Reprocessing
from crawler.archive.runs import Runs
from crawler.archive.schema import migrations, upgrade
from crawler.archive.state import Reads, read_crawl_state
from crawler.archive.watching import Watching

__all__ = [
    "BACKOFF_ERRORS",
    "CHANGES",
    "Archive",
    "ArchiveError",
    "DocumentRecord",
    "ListPageState",
    "PageOutcome",
    "PageRecord",
    "SiteBusy",
    "SiteCounts",
    "SiteState",
    "check_archive",
    "migrations",
    "read_crawl_state",
    "retry_after",
    "utcnow",
]


class Archive(Runs, Pages, Reads, Reprocessing, Jobs, Watching):
    """An open archive.db. Create one per process; it holds the single writing connection."""

    def __init__(self, path: str | Path, busy_timeout: float = 60.0):
        self.path = Path(path)
        if not self.path.parent.exists():
            raise ArchiveError(
                f"cannot open archive {self.path}: folder {self.path.parent} does not exist"
            )
        refuse_foreign_database(self.path)
        try:
            conn = sqlite3.connect(str(self.path), timeout=busy_timeout, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self.db = sqlite_utils.Database(conn)
            upgrade(self.db)
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(f"cannot open archive {self.path}: {exc}") from exc

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A write transaction that takes the write lock at once (BEGIN IMMEDIATE).

        A deferred transaction that reads first fails with "database is locked", without waiting,
        when another process (a second crawl, the scheduler) has written in between: in WAL mode a
        read snapshot cannot be upgraded. BEGIN IMMEDIATE waits for the busy timeout instead.
        """
        conn = self.db.conn
        if conn.in_transaction:
            # Inside a larger one (a worker's result ingested whole): a savepoint, so the outer
            # transaction commits or rolls back everything.
            conn.execute("SAVEPOINT inner")
            try:
                yield
            except BaseException:
                conn.execute("ROLLBACK TO inner")
                conn.execute("RELEASE inner")
                raise
            else:
                conn.execute("RELEASE inner")
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def check_writable(self) -> None:
        """ArchiveError unless a write would succeed: the file and its folder are writable and
        no other process holds the write lock past the busy timeout."""
        conn = self.db.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute("INSERT INTO crawl_errors (kind, at) VALUES ('write-check', '')")
            finally:
                conn.execute("ROLLBACK")
        except sqlite3.OperationalError as exc:
            raise ArchiveError(f"cannot write archive {self.path}: {exc}") from exc

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
