"""What kind of summary a document is."""

from __future__ import annotations

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    # What kind of summary a document is, for researchers to facet by (crawler/classify.py):
    # set for the documents already archived from their own title and text.
    from crawler.classify import classify

    db.execute("ALTER TABLE documents ADD COLUMN genre TEXT")
    for doc_id, title, body in db.execute("SELECT id, title, body FROM documents").fetchall():
        decision = classify(title, body)
        db.execute(
            "UPDATE documents SET genre = ? WHERE id = ?", [decision.genre or "综述", doc_id]
        )
