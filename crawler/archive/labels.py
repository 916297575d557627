"""A reader's say: labels that settle whether a text is a summary, whatever the classifier says.

A label is kept by URL with who gave it and when; every crawl and `crawler reprocess` honours it
(a text labelled summary becomes a document with its sightings, one labelled not stops being
one). Texts near the classifier's line that nobody has labelled yet are the `candidates` view.
"""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from crawler.archive.core import utcnow

LABELS = ("summary", "not")


class Labels:
    """The labels part of :class:`crawler.archive.Archive`."""

    def set_label(self, url: str, label: str, who: str) -> dict:
        """Record a reader's label for the text at ``url`` (replacing an earlier one)."""
        if label not in LABELS:
            raise ValueError(f"a label is summary or not, not {label!r}")
        row = {"url": url, "label": label, "who": who, "at": utcnow()}
        with self.transaction():
            self.db["labels"].upsert(row, pk="url")
        return row

    def labels(self) -> dict[str, dict]:
        """Every label, by URL."""
        return {row["url"]: row for row in self.db.query("SELECT * FROM labels")}

    def has_page(self, url: str) -> bool:
        return bool(list(self.db.query("SELECT 1 FROM pages WHERE url = ?", [url])))


def labelled_texts(path: str | Path) -> list[dict]:
    """The texts readers labelled in the archive at ``path`` whose text the archive holds (a
    document's body), as benchmark items."""
    db = sqlite_utils.Database(path)
    return [
        {"id": row["url"], "title": row["title"] or "", "text": row["body"], "label": row["label"]}
        for row in db.query(
            """SELECT l.url, l.label, d.title, d.body FROM labels l
               JOIN sightings s ON s.url = l.url JOIN documents d ON d.id = s.document_id
               GROUP BY l.url"""
        )
    ]
