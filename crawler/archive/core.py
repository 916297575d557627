"""Opening an archive file: the errors, the timestamps, and the check that a file is an archive."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

# The name the schema's migrations are recorded under in _sqlite_migrations: what makes an SQLite
# file an archive.
MIGRATION_SET = "summary-archive"


def utcnow() -> str:
    """Timestamps are stored as UTC ISO 8601 text, which sorts and facets well in Datasette."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def seconds_since(timestamp: str, until: str | None = None) -> float:
    """Seconds from one UTC timestamp of the archive to another (default: now)."""
    started = datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    end = (
        datetime.strptime(until, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        if until
        else datetime.now(UTC)
    )
    return round((end - started).total_seconds(), 1)


class ArchiveError(RuntimeError):
    """The archive cannot be opened or written (missing folder, read-only file, not a database)."""


class SiteBusy(ArchiveError):
    """Another live crawl process is crawling one of the sites into this archive."""


def check_archive(path: str | Path) -> None:
    """ArchiveError unless ``path`` is an existing archive (for commands that only read one)."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        raise ArchiveError(f"no archive at {path}: run `crawler crawl` or `crawler demo` first")
    refuse_foreign_database(path)


def refuse_foreign_database(path: Path) -> None:
    """ArchiveError for a file that is not an archive: not SQLite at all, or an SQLite database of
    something else (it would otherwise be turned into an archive). Reads without writing, so the
    file stays byte-identical."""
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        try:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
            ours = (
                "_sqlite_migrations" in tables
                and conn.execute(
                    "SELECT 1 FROM _sqlite_migrations WHERE migration_set = ?", [MIGRATION_SET]
                ).fetchone()
            )
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise ArchiveError(f"cannot open archive {path}: {exc}") from exc
    if ours:
        # The read-only look left archive.db-shm and an empty -wal if no other connection was
        # open; a read-write connection that writes nothing removes them as it closes last.
        try:
            tidy = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=30)
            try:
                tidy.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
            finally:
                tidy.close()
        except sqlite3.Error:
            pass  # left for the next writer to remove
    if tables and not ours:
        shown = ", ".join(sorted(t for t in tables if not t.startswith("sqlite_"))[:5])
        raise ArchiveError(
            f"{path} is an SQLite database but not an archive (tables: {shown}); "
            "name a new file or an existing archive"
        )
