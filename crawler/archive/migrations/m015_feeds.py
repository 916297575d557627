"""Atom feeds of new summaries and changed texts (now views, crawler/archive/views.py)."""

from __future__ import annotations

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    """Nothing now: the feeds (documents_feed, changed_texts_feed) are views, and every view is
    made from crawler/archive/views.py after the migrations. Kept so that archives that recorded
    this migration and archives made since agree on the list."""
