"""Where each response is kept as WARC; reprocessing runs and their changes."""

from __future__ import annotations

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    # Where each fetched page's response is kept as WARC (crawler/crawl/warc.py), and for each text seen
    # at a URL the stored copy that showed it.
    for table in ("pages", "url_versions"):
        db.execute(f"ALTER TABLE {table} ADD COLUMN warc_file TEXT")
        db.execute(f"ALTER TABLE {table} ADD COLUMN warc_offset INTEGER")
    # Re-processing stored responses with the current code and rules (crawler reprocess).
    db.execute(
        """CREATE TABLE reprocess_runs (
            id INTEGER PRIMARY KEY, started TEXT NOT NULL, finished TEXT, sites TEXT, since TEXT,
            pages INTEGER, new_summaries INTEGER, no_longer_summaries INTEGER,
            texts_changed INTEGER, unreadable INTEGER)"""
    )
    db.execute(
        """CREATE TABLE reprocess_changes (
            id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES reprocess_runs(id),
            url TEXT NOT NULL, site TEXT, change TEXT NOT NULL, title TEXT,
            old_hash TEXT, new_hash TEXT, document_id INTEGER REFERENCES documents(id),
            reason TEXT)"""
    )
