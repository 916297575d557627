"""Re-checks and versions: one summary with several texts, pages gone, re-checks counted.

- documents.superseded_by / superseded_at: the text that replaced this one at its URL, and when
  (NULL: a current text); documents.version_of: for a later version of a summary, its first text.
- sightings.gone: when an archived page answered 404 or 410 (its text stays).
- crawl_runs and crawl_run_sites: rechecked (summaries asked for again) and changed (texts that
  changed at their URL).
"""

from __future__ import annotations

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    db.execute("ALTER TABLE documents ADD COLUMN superseded_by INTEGER REFERENCES documents(id)")
    db.execute("ALTER TABLE documents ADD COLUMN superseded_at TEXT")
    db.execute("ALTER TABLE documents ADD COLUMN version_of INTEGER REFERENCES documents(id)")
    db.execute("CREATE INDEX documents_superseded_by ON documents(superseded_by)")
    db.execute("ALTER TABLE sightings ADD COLUMN gone TEXT")
    for table in ("crawl_runs", "crawl_run_sites"):
        db.execute(f"ALTER TABLE {table} ADD COLUMN rechecked INTEGER")
        db.execute(f"ALTER TABLE {table} ADD COLUMN changed INTEGER")
    # Texts changed before this was recorded: each version at a URL supersedes the one before it
    # (the sighting's text last), and a version first seen at that URL is a version of the first.
    by_url: dict[str, list[tuple[int, str]]] = {}
    for url, document_id, first_seen in db.execute(
        "SELECT url, document_id, first_seen FROM url_versions ORDER BY url, first_seen, rowid"
    ).fetchall():
        by_url.setdefault(url, []).append((document_id, first_seen))
    for versions in by_url.values():
        if len(versions) < 2:
            continue
        first = versions[0][0]
        for (old_id, _), (new_id, seen) in zip(versions, versions[1:], strict=False):
            db.execute(
                "UPDATE documents SET superseded_by = ?, superseded_at = ? WHERE id = ?",
                [new_id, seen, old_id],
            )
            db.execute(
                "UPDATE documents SET version_of = ? WHERE id = ? AND first_seen >= ? "
                "AND version_of IS NULL",
                [first, new_id, seen],
            )
        db.execute(
            "UPDATE documents SET superseded_by = NULL, superseded_at = NULL WHERE id = ?",
            [versions[-1][0]],
        )
