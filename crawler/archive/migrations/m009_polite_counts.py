"""Requests robots.txt forbade and anti-bot answers, per run and site."""

from __future__ import annotations

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    # Requests robots.txt did not allow and anti-bot answers, per run and site: counted before,
    # never saved.
    for table in ("crawl_runs", "crawl_run_sites"):
        db.execute(f"ALTER TABLE {table} ADD COLUMN robots_forbidden INTEGER")
        db.execute(f"ALTER TABLE {table} ADD COLUMN blocked INTEGER")
