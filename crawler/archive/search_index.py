"""Keeping the contentless Chinese search index (documents_fts, crawler/search.py) in step with the
documents table: a document goes in with its segmented title and body, and out with the same."""

from __future__ import annotations

import sqlite_utils

from crawler.search import FTS_TABLE, index_columns


def index_all(db: sqlite_utils.Database) -> int:
    """Index every document; the number indexed."""
    count = 0
    for doc_id, title, body in db.execute("SELECT id, title, body FROM documents").fetchall():
        index_document(db, doc_id, title, body)
        count += 1
    return count


def index_document(db: sqlite_utils.Database, doc_id: int, title: str | None, body: str) -> None:
    """Put one document into the search index."""
    columns = index_columns(title, body)
    db.execute(
        f"INSERT INTO {FTS_TABLE} (rowid, bi, uni) VALUES (?, ?, ?)",
        [doc_id, columns["bi"], columns["uni"]],
    )


def unindex_document(db: sqlite_utils.Database, doc_id: int, title: str | None, body: str) -> None:
    """Take a document out of the search index (contentless: the values it was indexed with)."""
    columns = index_columns(title, body)
    db.execute(
        f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, bi, uni) VALUES ('delete', ?, ?, ?)",
        [doc_id, columns["bi"], columns["uni"]],
    )
