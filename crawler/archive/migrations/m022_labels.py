"""A reader's say: labels of texts (summary or not), and the classifier's score on each page."""

from __future__ import annotations

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    # The classifier's score and whether it sits near the line, on each pages row; the labels
    # readers gave (who, when). The candidates view (near the line, not labelled) is in views.py.
    db.execute("ALTER TABLE pages ADD COLUMN score REAL")
    db.execute("ALTER TABLE pages ADD COLUMN near_line INTEGER")
    db.execute(
        """CREATE TABLE labels (
            url TEXT PRIMARY KEY, label TEXT NOT NULL CHECK (label IN ('summary', 'not')),
            who TEXT NOT NULL, at TEXT NOT NULL)"""
    )
