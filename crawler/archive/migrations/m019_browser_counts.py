"""The headless browser's work per run and site: JS challenges solved and not, pages rendered,
the browser's requests and those refused by the site's rules (crawler/crawl/browsing.py)."""

from __future__ import annotations

import sqlite_utils

COLUMNS = ("challenges_solved", "challenges_unsolved", "rendered", "browser_requests",
           "browser_refused")  # fmt: skip


def migrate(db: sqlite_utils.Database) -> None:
    for table in ("crawl_runs", "crawl_run_sites"):
        for column in COLUMNS:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER")
    # site_health says when a site is behind a challenge the crawl did not get through:
    # crawler/archive/views.py.
