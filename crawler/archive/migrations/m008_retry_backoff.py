"""URLs that keep failing, asked again after growing waits."""

from __future__ import annotations

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    # A URL that keeps failing (server error, redirect loop, too large) is asked for again after
    # growing waits across crawls instead of at every crawl.
    db.execute(
        """CREATE TABLE failed_urls (
            url TEXT PRIMARY KEY, site TEXT, page_kind TEXT, error TEXT, message TEXT,
            status INTEGER, failures INTEGER NOT NULL, first_failed TEXT NOT NULL,
            last_failed TEXT NOT NULL, retry_after TEXT NOT NULL)"""
    )
    db["failed_urls"].create_index(["site", "retry_after"])
    for table in ("crawl_runs", "crawl_run_sites"):
        db.execute(f"ALTER TABLE {table} ADD COLUMN deferred INTEGER")
