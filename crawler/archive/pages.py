"""Writing what a crawl fetched: the pages row of every URL, and for a work summary its document (one
per content hash), its sighting (one per URL) and every version a URL has shown. Each fetched page
is one transaction; failures are recorded with the URL's backoff."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from crawler.archive.core import utcnow
from crawler.archive.families import find_family, new_family, record_family, refresh_family
from crawler.archive.records import DocumentRecord, PageOutcome, PageRecord
from crawler.archive.search_index import index_all, index_document, unindex_document
from crawler.search import FTS_TABLE

# Failures a URL is backed off for. Others are not: a gone page (404/410) is never asked for again,
# an anti-bot answer or an unreachable host is about the whole site, not the URL.
BACKOFF_ERRORS = re.compile(
    r"^(http_\d+|redirect_loop|offsite|too_large|timeout|truncated|private_address)$"
)
_NO_BACKOFF_STATUSES = {404, 410}


def retry_after(failures: int, base_days: float, max_days: float, now: datetime) -> str:
    """When a URL that failed ``failures`` times in a row is worth asking for again: after
    base, 2 × base, 4 × base … days, at most max_days, less an hour so that a daily crawl at a
    jittered time is not a day late."""
    days = min(base_days * 2 ** (failures - 1), max_days)
    return (now + timedelta(days=days) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


class Pages:
    """The writing part of :class:`crawler.archive.Archive`."""

    def record_page(
        self, run_id: int | None, page: PageRecord, document: DocumentRecord | None = None
    ) -> PageOutcome:
        """Write one fetched page, and the summary it holds if any, in one transaction."""
        now = utcnow()
        outcome = PageOutcome()
        with self.transaction():
            self._write_page(run_id, page, now)
            self.db.execute("DELETE FROM failed_urls WHERE url = ?", [page.url])
            if document is not None:
                outcome = self._record_document(document, now, page)
        return outcome

    def _write_page(self, run_id: int | None, page: PageRecord, now: str) -> None:
        row = page.as_row() | {"last_fetched": now, "run_id": run_id}
        # One statement: first_seen is set once; every other column says what the latest fetch
        # found (the columns are the record's fields, so a field added is a column written).
        columns = list(row)
        self.db.execute(
            f"INSERT INTO pages ({', '.join(columns)}, first_seen) "
            f"VALUES ({', '.join('?' for _ in columns)}, ?) ON CONFLICT (url) DO UPDATE SET "
            + ", ".join(f"{name} = excluded.{name}" for name in columns if name != "url"),
            [*row.values(), now],
        )

    def _record_document(
        self, doc: DocumentRecord, now: str, page: PageRecord | None = None
    ) -> PageOutcome:
        outcome = PageOutcome()
        existing = self.db.execute(
            "SELECT id FROM documents WHERE content_hash = ?", [doc.content_hash]
        ).fetchone()
        sighting = self.db.execute(
            "SELECT id, document_id FROM sightings WHERE url = ?", [doc.url]
        ).fetchone()
        # The text the URL showed before, when it showed another one: this text is its next version.
        before = sighting[1] if sighting and (not existing or existing[0] != sighting[1]) else None
        if existing:
            outcome.document_id = existing[0]
            self.db.execute(
                "UPDATE documents SET last_seen = ? WHERE id = ?", [now, outcome.document_id]
            )
            self._keep_origin(outcome.document_id, doc)
        else:
            # The document's row is written once, with its family (a row holds the whole text:
            # a second statement to set the family would write it all again).
            match = find_family(self.db, doc.body, doc.content_hash)
            family_id = match.family_id or new_family(self.db)
            row = doc.as_row() | {
                "first_seen": now,
                "last_seen": now,
                "family_id": family_id,
                "family_similarity": match.similarity,
                "shingle_samples": len(match.samples),
                # a later version of a summary points at its first text (a feed's one entry)
                "version_of": self._first_text(before) if before else None,
            }
            outcome.document_id = self.db.execute(
                f"INSERT INTO documents ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                list(row.values()),
            ).lastrowid
            outcome.new_document = True
            index_document(self.db, outcome.document_id, doc.title, doc.body)
            record_family(self.db, outcome.document_id, match.samples)
        # Every text seen at the URL is kept, with the stored copy that showed it last; the
        # sighting points at the latest text.
        warc_file, warc_offset = (page.warc_file, page.warc_offset) if page else (None, None)
        self.db.execute(
            """INSERT INTO url_versions (url, document_id, site, published, first_seen, last_seen,
                                         warc_file, warc_offset)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (url, document_id) DO UPDATE SET last_seen = excluded.last_seen,
                   warc_file = COALESCE(excluded.warc_file, warc_file),
                   warc_offset = COALESCE(excluded.warc_offset, warc_offset)""",
            [
                doc.url,
                outcome.document_id,
                doc.site,
                doc.published,
                now,
                now,
                warc_file,
                warc_offset,
            ],
        )
        if sighting:
            self.db.execute(
                "UPDATE sightings SET document_id = ?, title = ?, published = ?, source = ?, "
                "last_seen = ?, gone = NULL WHERE id = ?",
                [outcome.document_id, doc.title, doc.published, doc.source, now, sighting[0]],
            )
            if before is not None:
                self._supersede(before, outcome.document_id, now)
                # one summary with a new version: a change, not a new summary
                outcome.changed, outcome.new_document = True, False
        else:
            self.db["sightings"].insert(
                {
                    "document_id": outcome.document_id,
                    "url": doc.url,
                    "site": doc.site,
                    "title": doc.title,
                    "published": doc.published,
                    "source": doc.source,
                    "first_seen": now,
                    "last_seen": now,
                }
            )
            outcome.new_sighting = True
        if not outcome.new_document:  # (an edit's new row has its family_id too)
            family_id = self.db.execute(
                "SELECT family_id FROM documents WHERE id = ?", [outcome.document_id]
            ).fetchone()[0]
        refresh_family(self.db, family_id)  # a new sighting may be its earliest publication
        return outcome

    def _first_text(self, document_id: int) -> int:
        return self.db.execute(
            "SELECT COALESCE(version_of, id) FROM documents WHERE id = ?", [document_id]
        ).fetchone()[0]

    def _supersede(self, old_id: int, new_id: int, now: str) -> None:
        """The text at a URL changed from ``old_id`` to ``new_id``: the new one is the summary's
        current text, the old one is kept, superseded by it (a text that comes back is current
        again). Reposts of the old text elsewhere keep their sightings of it."""
        self.db.execute(
            "UPDATE documents SET superseded_by = ?, superseded_at = ? WHERE id = ?",
            [new_id, now, old_id],
        )
        self.db.execute(
            "UPDATE documents SET superseded_by = NULL, superseded_at = NULL "
            "WHERE id = ? AND superseded_by IS NOT NULL",
            [new_id],
        )

    def set_genre(self, content_hash: str, genre: str | None) -> None:
        """A document's genre as the current classifier reads it (crawler reprocess)."""
        if genre:
            with self.transaction():
                self.db.execute(
                    "UPDATE documents SET genre = ? WHERE content_hash = ?", [genre, content_hash]
                )

    def _keep_origin(self, doc_id: int, copy: DocumentRecord) -> None:
        """A document stands for its earliest publication: its title, text, date, site, region,
        source and URL are those of the copy published first (of copies published the same day,
        the one seen first). A copy found later that was published earlier takes its place; the
        text changes only in what the content hash ignores (punctuation width, spacing)."""
        origin = self.db["documents"].get(doc_id)
        if copy.published is None or (
            origin["published"] is not None and copy.published >= origin["published"]
        ):
            return
        unindex_document(self.db, doc_id, origin["title"], origin["body"])
        self.db["documents"].update(doc_id, copy.as_row())
        index_document(self.db, doc_id, copy.title, copy.body)

    def rebuild_search_index(self) -> int:
        """Build the search index again from the documents (after a change to the segmentation);
        returns the number of documents indexed."""
        with self.transaction():
            self.db.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('delete-all')")
            return index_all(self.db)

    def touch_page(self, run_id: int | None, url: str) -> None:
        """A list page or a re-checked article answered 304 Not Modified: only when it was last
        checked changes."""
        with self.transaction():
            self.db.execute(
                "UPDATE pages SET last_fetched = ?, run_id = ? WHERE url = ?",
                [utcnow(), run_id, url],
            )
            self.db.execute("DELETE FROM failed_urls WHERE url = ?", [url])
            # a re-checked article that is there again after it had gone
            self.db.execute(
                "UPDATE sightings SET gone = NULL WHERE url = ? AND gone IS NOT NULL", [url]
            )

    def record_error(
        self,
        run_id: int | None,
        site: str | None,
        url: str,
        kind: str,
        message: str,
        status: int | None = None,
        page: PageRecord | None = None,
        backoff_days: tuple[float, float] | None = None,
        page_kind: str | None = None,
    ) -> None:
        """Record a failed fetch or a page that could not be read, with its pages row (which keeps
        the status, so that a gone article is not asked for again) in the same transaction.

        With ``backoff_days`` (base, max), a failure of a kind in BACKOFF_ERRORS also counts
        against the URL in failed_urls, which says when it is worth asking for again."""
        now = utcnow()
        with self.transaction():
            self.db["crawl_errors"].insert(
                {
                    "run_id": run_id,
                    "site": site,
                    "url": url,
                    "kind": kind,
                    "message": message,
                    "status": status,
                    "at": now,
                }
            )
            if page is not None:
                self._write_page(run_id, page, now)
                if page.kind == "article" and status in _NO_BACKOFF_STATUSES:
                    # an archived page that went away: when is kept; its text stays
                    self.db.execute(
                        "UPDATE sightings SET gone = ? WHERE url = ? AND gone IS NULL", [now, url]
                    )
            if (
                backoff_days
                and site
                and BACKOFF_ERRORS.match(kind)
                and status not in _NO_BACKOFF_STATUSES
            ):
                row = self.db.execute(
                    "SELECT failures, first_failed FROM failed_urls WHERE url = ?", [url]
                ).fetchone()
                failures, first = (row[0] + 1, row[1]) if row else (1, now)
                self.db["failed_urls"].upsert(
                    {
                        "url": url,
                        "site": site,
                        "page_kind": page_kind,
                        "error": kind,
                        "message": message,
                        "status": status,
                        "failures": failures,
                        "first_failed": first,
                        "last_failed": now,
                        "retry_after": retry_after(failures, *backoff_days, datetime.now(UTC)),
                    },
                    pk="url",
                )

    def note_aliases(self, url: str, aliases: list[str]) -> None:
        """Other addresses of the article archived under ``url`` (its canonical address), kept in
        its pages row's links as ``[address, "alias"]``: later crawls know them as its."""
        with self.transaction():
            row = self.db.execute("SELECT links FROM pages WHERE url = ?", [url]).fetchone()
            if row is None:
                return
            links = json.loads(row[0] or "[]")
            known = {link[0] for link in links}
            links += [[alias, "alias"] for alias in dict.fromkeys(aliases) if alias not in known]
            self.db.execute(
                "UPDATE pages SET links = ? WHERE url = ?",
                [json.dumps(links, ensure_ascii=False), url],
            )

    def mark_column(self, column_url: str, walked: bool) -> None:
        """A column's paging has begun (walked=False) or reached where it stops (walked=True)."""
        with self.transaction():
            self.db.execute(
                "UPDATE pages SET column_walked = ? WHERE url = ?",
                [utcnow() if walked else None, column_url],
            )
