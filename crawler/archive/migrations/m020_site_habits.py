"""Counts of the habits of sites that push back or go on without end, per run and site."""

from __future__ import annotations

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    # 429s waited out, pages cut as traps, articles fetched at another address of one archived,
    # further pages of articles in pieces joined into them (crawl/guards.py, discovery/traps.py,
    # spiders/parts.py).
    for table in ("crawl_runs", "crawl_run_sites"):
        for column in ("refusals_waited", "trap_cut", "aliases_folded", "parts_joined"):
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER")
