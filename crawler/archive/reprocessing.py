"""Re-processing stored responses: the pages to read again, and the outcome written back. Nothing
is overwritten or deleted: a text that changed is a new document version, a page no longer taken
for a summary keeps its document, and every change is a row of reprocess_changes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crawler.archive.core import utcnow
from crawler.archive.records import DocumentRecord, PageRecord

# What a run of `crawler reprocess` found, by the change column of reprocess_changes.
CHANGES = {
    "new summary": "new_summaries",
    "no longer a summary": "no_longer_summaries",
    "text changed": "texts_changed",
}


class Reprocessing:
    """The re-processing part of :class:`crawler.archive.Archive`."""

    def stored_pages(self, site_ids: Iterable[str] = (), since: str | None = None) -> list[dict]:
        """Article pages whose response is stored, with their site's region: what re-processing
        reads. ``since``: fetched on or after this date (YYYY-MM-DD)."""
        where = ["p.kind = 'article'", "p.status = 200", "p.warc_file IS NOT NULL"]
        params: list[Any] = []
        wanted = list(site_ids)
        if wanted:
            where.append(f"p.site IN ({', '.join('?' for _ in wanted)})")
            params += wanted
        if since:
            where.append("p.last_fetched >= ?")
            params.append(since)
        return list(
            self.db.query(
                f"""SELECT p.*, s.region FROM pages p LEFT JOIN sites s ON s.id = p.site
                    WHERE {" AND ".join(where)} ORDER BY p.last_fetched, p.url""",
                params,
            )
        )

    def start_reprocess(self, site_ids: Iterable[str], since: str | None) -> int:
        with self.transaction():
            table = self.db["reprocess_runs"]
            table.insert({"started": utcnow(), "sites": " ".join(site_ids) or None, "since": since})
            return table.last_pk

    def finish_reprocess(self, run_id: int, counts: dict[str, int]) -> dict[str, Any]:
        with self.transaction():
            self.db["reprocess_runs"].update(run_id, {"finished": utcnow(), **counts})
        return self.db["reprocess_runs"].get(run_id)

    def apply_reprocessed(
        self,
        run_id: int,
        page: PageRecord,
        fetched: str,
        change: str | None,
        document: DocumentRecord | None = None,
        old_hash: str | None = None,
    ) -> None:
        """Write what reading a stored page again found: its pages row's classification and, for
        a summary, its document (a new version when the text changed), seen at ``fetched``."""
        with self.transaction():
            self.db["pages"].update(
                page.url,
                {
                    "is_summary": None if page.is_summary is None else int(page.is_summary),
                    "reason": page.reason,
                    "content_hash": page.content_hash,
                    "title": page.title,
                    "published": page.published,
                    "score": page.score,
                    "near_line": None if page.near_line is None else int(page.near_line),
                },
            )
            document_id = None
            if document is not None:
                document_id = self._record_document(document, fetched, page).document_id
            if change:
                self.db["reprocess_changes"].insert(
                    {
                        "run_id": run_id,
                        "url": page.url,
                        "site": page.site,
                        "change": change,
                        "title": page.title,
                        "old_hash": old_hash,
                        "new_hash": page.content_hash,
                        "document_id": document_id,
                        "reason": page.reason,
                    }
                )
