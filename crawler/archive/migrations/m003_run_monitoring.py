"""Each run's duration, exit code and log file."""

from __future__ import annotations

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    db.execute("ALTER TABLE crawl_runs ADD COLUMN duration_s REAL")
    db.execute("ALTER TABLE crawl_runs ADD COLUMN exit_code INTEGER")
    db.execute("ALTER TABLE crawl_runs ADD COLUMN log_path TEXT")
    # The site_health view: crawler/archive/views.py.
