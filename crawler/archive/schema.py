"""The archive's schema, brought up to date when an archive is opened: the migrations
(crawler/archive/migrations/, one module per change of the tables) and then the views
(crawler/archive/views.py, the current definitions)."""

from __future__ import annotations

import sqlite_utils

from crawler.archive.migrations import migrations
from crawler.archive.views import sync_views

__all__ = ["migrations", "upgrade"]


def upgrade(db: sqlite_utils.Database) -> None:
    """Apply the pending migrations, then make every view as currently defined. An archive made by
    any earlier version comes out with the same tables and views as a new one."""
    migrations.apply(db)
    sync_views(db)
