"""Reading the archive: the state earlier crawls left for the next one (read-only, on its own
connection, since the crawl's pipeline is the writer), and the summaries the command line and
check-site print."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from crawler.archive.core import utcnow
from crawler.archive.records import KnownArticle, ListPageState, SiteState


def read_crawl_state(path: str | Path, site_ids: Iterable[str]) -> dict[str, SiteState]:
    """The state of earlier crawls, read without writing (the crawl's pipeline is the writer)."""
    states = {site_id: SiteState() for site_id in site_ids}
    path = Path(path)
    if not path.exists():
        return states
    # mode=rw, not ro: it writes nothing either, but a read-only connection that is the last to
    # close leaves archive.db-shm and an empty -wal behind (it may not remove them).
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=30)
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'pages'").fetchone():
            return states
        columns = {row[1] for row in conn.execute("PRAGMA table_info(pages)")}
        links_column = "links" if "links" in columns else "NULL"
        walked_column = "column_walked" if "column_walked" in columns else "last_fetched"
        for (url, site, kind, status, etag, last_modified, links, walked, is_summary, published,
             first_seen, fetched) in conn.execute(
            f"SELECT url, site, kind, status, etag, last_modified, {links_column}, {walked_column}, is_summary, published, first_seen, last_fetched FROM pages WHERE site IN ({', '.join('?' for _ in states)})",
            list(states),
        ):  # fmt: skip
            state = states[site]
            # Gone pages are not asked for again either; server errors are retried next time.
            # Attachments not fetched (no status) are recorded once; a gone one is not asked for.
            if kind in ("article", "attachment") and status in (200, 404, 410):
                state.known_articles.add(url)
                if published:
                    state.published[url] = published
                # an article's further parts and its other addresses are known with it
                state.known_articles.update(link[0] for link in json.loads(links or "[]"))
                if kind == "article" and status == 200 and is_summary:  # to re-check by policy
                    state.summaries[url] = KnownArticle(
                        etag, last_modified, fetched, published or first_seen
                    )
            elif kind == "trap":
                state.trap_shapes.update(link[0] for link in json.loads(links or "[]"))
            elif kind == "alias_rule":
                for shape, _kind, index, template in json.loads(links or "[]"):
                    state.alias_rules[shape] = [index, template]
            elif kind == "attachment":
                state.recorded_attachments.add(url)
            elif kind in ("list", "other") and status == 200:
                state.list_pages[url] = ListPageState(
                    etag, last_modified, json.loads(links or "[]")
                )
                if kind == "list" and walked:
                    state.walked_columns.add(url)
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'failed_urls'").fetchone():
            for url, site, when in conn.execute(
                f"SELECT url, site, retry_after FROM failed_urls WHERE retry_after > ? AND site IN ({', '.join('?' for _ in states)})",
                [utcnow(), *states],
            ):
                states[site].deferred[url] = when
    finally:
        conn.close()
    return states


class Reads:
    """The reading part of :class:`crawler.archive.Archive`."""

    def counts(self) -> dict[str, int]:
        """Rows per table (summaries by their current text); ``errors`` are failed pages, counted as a run counts them (the linked
        attachments that are recorded but never fetched are ``attachments``)."""
        found = {table: self.db[table].count for table in ("sightings", "pages", "crawl_runs")}
        # a summary once, by its current text (a text replaced at its URL is a version of it)
        found["documents"] = self.db.execute(
            "SELECT COUNT(*) FROM documents WHERE superseded_by IS NULL"
        ).fetchone()[0]
        errors, attachments = self.db.execute(
            "SELECT COALESCE(SUM(kind != 'attachment'), 0), COALESCE(SUM(kind = 'attachment'), 0) FROM crawl_errors"
        ).fetchone()
        return found | {"errors": errors, "attachments": attachments}

    def site_ids(self) -> set[str]:
        """The sites registered in the archive."""
        return {row[0] for row in self.db.execute("SELECT id FROM sites")}

    def crawled_site_ids(self) -> set[str]:
        """The sites that have been crawled into this archive at least once."""
        return {row[0] for row in self.db.execute("SELECT DISTINCT site FROM crawl_run_sites")}

    def documents_by_date(self) -> list[tuple[str | None, str | None, int]]:
        """(title, published, sightings) of every summary by its current text, the latest
        first."""
        return self.db.execute(
            """SELECT d.title, d.published, COUNT(s.id) FROM documents d
               JOIN sightings s ON s.document_id = d.id WHERE d.superseded_by IS NULL
               GROUP BY d.id ORDER BY d.published DESC"""
        ).fetchall()

    def last_run(self) -> dict[str, Any] | None:
        rows = list(self.db["crawl_runs"].rows_where(order_by="id desc", limit=1))
        return rows[0] if rows else None

    def list_page_links(self) -> list[tuple[str, list[list], str | None, str | None]]:
        """Every list page read, with the links it holds, how it was reached and any note on it
        (a list page with scripts and no article links)."""
        return [
            (url, json.loads(links or "[]"), via, reason)
            for url, links, via, reason in self.db.execute(
                "SELECT url, links, via, reason FROM pages WHERE kind = 'list' ORDER BY url"
            )
        ]

    def fetched_articles(self) -> list[dict[str, Any]]:
        """The article pages fetched, with the summary decision, the latest published first."""
        return list(
            self.db["pages"].rows_where(
                "kind = 'article' AND status = 200",
                select="url, title, published, is_summary, reason",
                order_by="published desc",
            )
        )

    def documents_by_url(self) -> dict[str, dict[str, Any]]:
        return {
            row["url"]: row
            for row in self.db["documents"].rows_where(
                select="url, title, published, year, region, body"
            )
        }

    def error_kinds(self) -> Counter:
        """How many failed pages of each kind (linked attachments are not failures)."""
        return Counter(
            row[0]
            for row in self.db.execute("SELECT kind FROM crawl_errors WHERE kind != 'attachment'")
        )

    def rendered_pages(self) -> list[str]:
        """The pages read in the headless browser (render = true, or reading them plainly found
        nothing), in URL order."""
        return [
            url
            for (url,) in self.db.execute(
                "SELECT url FROM pages WHERE via = 'rendered' ORDER BY url"
            )
        ]

    def failed_pages(self, limit: int = 10) -> list[dict]:
        """The first failed pages (URL, kind, message), attachments aside."""
        return list(
            self.db.query(
                "SELECT url, kind, message FROM crawl_errors WHERE kind != 'attachment' "
                "ORDER BY id LIMIT ?",
                [limit],
            )
        )

    def trap_shapes(self) -> list[str]:
        """The URL shapes cut as traps (discovery/traps.py)."""
        return sorted(
            link[0]
            for (links,) in self.db.execute("SELECT links FROM pages WHERE kind = 'trap'")
            for link in json.loads(links or "[]")
        )

    def attachment_urls(self) -> list[tuple[str, str]]:
        """Linked files recorded and not fetched, with why (the site's policy, their names)."""
        return [
            (url, (reason or "").rpartition("not fetched: ")[2] or (reason or ""))
            for url, reason in self.db.execute(
                "SELECT url, reason FROM pages WHERE kind = 'attachment' AND status IS NULL"
            )
        ]


def sites_crawled_into(path: str | Path) -> set[str]:
    """The sites crawled into the archive at ``path`` at least once, read without writing (an
    empty set when there is no archive yet)."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        return set()
    # Without a -wal file no writer has the archive open and its file is whole: read it as
    # immutable, which leaves no -wal and -shm files behind as a read-only WAL reader does.
    quiet = "" if path.with_name(path.name + "-wal").exists() else "&immutable=1"
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro{quiet}", uri=True, timeout=30)
    try:
        if not conn.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'crawl_run_sites'"
        ).fetchone():
            return set()
        return {row[0] for row in conn.execute("SELECT DISTINCT site FROM crawl_run_sites")}
    finally:
        conn.close()
