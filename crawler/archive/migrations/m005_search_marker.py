"""The marker that tells Datasette the documents table is searchable."""

from __future__ import annotations

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    # Datasette (and plugins such as datasette-search-all) recognise a searchable table only by an
    # FTS table declared with content="documents". The real index is contentless, so this empty
    # marker says "documents is searchable"; searches themselves use documents_fts (metadata).
    db.execute(
        'CREATE VIRTUAL TABLE documents_search_marker USING fts5(title, content="documents", content_rowid="id")'
    )
