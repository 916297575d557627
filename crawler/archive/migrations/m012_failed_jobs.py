"""Workers' results the writer could not write, kept for a replay."""

from __future__ import annotations

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    # A worker's result that the writer could not write after its tries (crawler writer): kept on
    # disk with the error, its sites released; `crawler writer --replay` writes it once fixed.
    db.execute(
        """CREATE TABLE failed_jobs (
            job_id TEXT PRIMARY KEY, sites TEXT, worker TEXT, started TEXT, finished TEXT,
            tries INTEGER NOT NULL, error TEXT NOT NULL, kept TEXT NOT NULL, failed_at TEXT NOT NULL,
            replayed_at TEXT, run_id INTEGER REFERENCES crawl_runs(id))"""
    )
