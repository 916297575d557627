"""What each watch (crawler/watches.py) was told: the last document and the last changed text it
was sent, moved on only when a message went through, and every try."""

from __future__ import annotations

from typing import Any

from crawler.archive.core import utcnow


class Watching:
    """The watches part of :class:`crawler.archive.Archive`."""

    def register_watches(self, names) -> None:
        """A watch seen for the first time starts from now: it is told what comes after."""
        now = utcnow()
        with self.transaction():
            last_document = self.db.execute(
                "SELECT COALESCE(MAX(id), 0) FROM documents"
            ).fetchone()[0]
            last_version = self.db.execute(
                "SELECT COALESCE(MAX(rowid), 0) FROM url_versions"
            ).fetchone()[0]
            for name in names:
                self.db.execute(
                    "INSERT OR IGNORE INTO watch_state (watch, last_document, last_version, "
                    "created, updated) VALUES (?, ?, ?, ?, ?)",
                    [name, last_document, last_version, now, now],
                )

    def watch_marks(self, name: str) -> tuple[int, int]:
        row = self.db.execute(
            "SELECT last_document, last_version FROM watch_state WHERE watch = ?", [name]
        ).fetchone()
        return (row[0], row[1]) if row else (0, 0)

    def documents_after(self, document_id: int) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                # a later version of a summary is a change (changes_after), not a new summary
                "SELECT id, title, region, site, published, url, body FROM documents "
                "WHERE id > ? AND version_of IS NULL ORDER BY id",
                [document_id],
            )
        )

    def changes_after(self, version_id: int) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                "SELECT version_id AS id, title, region, site, changed AS published, url, "
                "atom_link AS diff, atom_content AS body FROM changed_texts_feed WHERE version_id > ? "
                "ORDER BY version_id",
                [version_id],
            )
        )

    def record_delivery(self, message, error: str | None) -> None:
        """One try of a message; when it went through, the watch's marks move past it."""
        now = utcnow()
        with self.transaction():
            self.db["watch_deliveries"].insert(
                {
                    "watch": message.watch.name,
                    "at": now,
                    "status": "sent" if error is None else "failed",
                    "documents": len(message.documents),
                    "changes": len(message.changes),
                    "title": message.title,
                    "error": error,
                }
            )
            if error is None:
                self.db.execute(
                    "UPDATE watch_state SET last_document = MAX(last_document, ?), "
                    "last_version = MAX(last_version, ?), updated = ? WHERE watch = ?",
                    [message.through_document, message.through_version, now, message.watch.name],
                )
