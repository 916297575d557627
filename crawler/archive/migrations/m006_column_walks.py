"""When each column (a run of list pages) was last walked to its end."""

from __future__ import annotations

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    # When a column (a list page that starts a run of pages) was last paged to where it should
    # stop; NULL while its paging is under way, so that a crawl killed half-way through a column
    # walks it again next time. Columns read by earlier versions were walked completely.
    db.execute("ALTER TABLE pages ADD COLUMN column_walked TEXT")
    db.execute("UPDATE pages SET column_walked = last_fetched WHERE kind = 'list' AND status = 200")
