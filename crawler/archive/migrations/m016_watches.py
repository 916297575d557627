"""Watches: what each was last told, and every try to tell it."""

from __future__ import annotations

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    # Watches (crawler/watches.py): what each was last told, and every try to tell it.
    db.execute(
        """CREATE TABLE watch_state (
            watch TEXT PRIMARY KEY, last_document INTEGER NOT NULL, last_version INTEGER NOT NULL,
            created TEXT NOT NULL, updated TEXT NOT NULL)"""
    )
    db.execute(
        """CREATE TABLE watch_deliveries (
            id INTEGER PRIMARY KEY, watch TEXT NOT NULL, at TEXT NOT NULL, status TEXT NOT NULL,
            documents INTEGER, changes INTEGER, title TEXT, error TEXT)"""
    )
