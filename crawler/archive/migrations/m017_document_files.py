"""The file type of a page read from a PDF, Word or OFD file."""

from __future__ import annotations

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    # Summaries published as PDF and Word files (crawler/extract/files): a fetched file's type on
    # its pages row (NULL for web pages); its text goes the way of a page's.
    db.execute("ALTER TABLE pages ADD COLUMN file_type TEXT")
