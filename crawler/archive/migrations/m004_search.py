"""Chinese full-text search: a contentless FTS5 index of segmented tokens."""

from __future__ import annotations

import sqlite_utils

from crawler.archive.search_index import index_all
from crawler.search import FTS_TABLE


def migrate(db: sqlite_utils.Database) -> None:
    # Contentless: the documents table has the text; the index holds only the segmented tokens.
    db.execute(
        f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(bi, uni, content='', tokenize='unicode61 remove_diacritics 0')"
    )
    index_all(db)
