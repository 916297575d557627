"""How each page was reached."""

from __future__ import annotations

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    # How each page was reached (pages.via): an anchor (link), a frame, a POSTed list (form), a
    # sitemap or a feed; NULL for pages fetched before this was recorded.
    db.execute("ALTER TABLE pages ADD COLUMN via TEXT")
