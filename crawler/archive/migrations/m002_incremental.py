"""Incremental re-crawls: list pages' links kept, known and cut pages counted."""

from __future__ import annotations

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    # The navigation links of each list page, replayed when the page answers 304 Not Modified.
    db.execute("ALTER TABLE pages ADD COLUMN links TEXT")
    for table in ("crawl_runs", "crawl_run_sites"):
        db.execute(f"ALTER TABLE {table} ADD COLUMN skipped_known INTEGER")
        db.execute(f"ALTER TABLE {table} ADD COLUMN depth_cut INTEGER")
