"""The archive: the only module that writes SQL.

One SQLite file (archive.db) in WAL mode, so Datasette and other readers keep reading while a crawl
writes. Schema changes are sqlite-utils Migrations, applied when the archive is opened, so an
archive made by an earlier version is upgraded in place. Each fetched page is written in one
transaction: its pages row, and for a summary its document and sighting, land together or not at
all.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.migrations import Migrations

from crawler.fingerprint import FAMILY_CONTAINMENT, containment, samples, shingles
from crawler.search import FTS_TABLE, index_columns
from crawler.sites import Site

migrations = Migrations("summary-archive")


def _seconds_since(timestamp: str) -> float:
    started = datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return round((datetime.now(UTC) - started).total_seconds(), 1)


def utcnow() -> str:
    """Timestamps are stored as UTC ISO 8601 text, which sorts and facets well in Datasette."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE sites (
            id TEXT PRIMARY KEY, name TEXT NOT NULL, region TEXT, start_urls TEXT,
            allowed_domains TEXT, schedule TEXT, enabled INTEGER, updated TEXT)"""
    )
    db.execute(
        """CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            content_hash TEXT NOT NULL UNIQUE,
            title TEXT, body TEXT NOT NULL, published TEXT, year INTEGER, source TEXT,
            site TEXT REFERENCES sites(id), region TEXT, url TEXT NOT NULL, chars INTEGER,
            first_seen TEXT NOT NULL, last_seen TEXT NOT NULL)"""
    )
    db.execute(
        """CREATE TABLE sightings (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id),
            url TEXT NOT NULL UNIQUE, site TEXT REFERENCES sites(id),
            title TEXT, published TEXT, source TEXT,
            first_seen TEXT NOT NULL, last_seen TEXT NOT NULL)"""
    )
    db.execute(
        """CREATE TABLE crawl_runs (
            id INTEGER PRIMARY KEY, started TEXT NOT NULL, finished TEXT, sites TEXT,
            status TEXT NOT NULL, pid INTEGER, requests INTEGER, not_modified INTEGER,
            list_pages INTEGER, articles INTEGER, documents_new INTEGER, sightings_new INTEGER,
            errors INTEGER, cut INTEGER, message TEXT)"""
    )
    db.execute(
        """CREATE TABLE crawl_run_sites (
            run_id INTEGER NOT NULL REFERENCES crawl_runs(id), site TEXT NOT NULL REFERENCES sites(id),
            requests INTEGER, not_modified INTEGER, list_pages INTEGER, articles INTEGER,
            documents_new INTEGER, sightings_new INTEGER, errors INTEGER, cut INTEGER,
            PRIMARY KEY (run_id, site))"""
    )
    db.execute(
        """CREATE TABLE pages (
            url TEXT PRIMARY KEY, site TEXT REFERENCES sites(id), kind TEXT, status INTEGER,
            is_summary INTEGER, reason TEXT, content_hash TEXT, title TEXT, published TEXT,
            encoding TEXT, etag TEXT, last_modified TEXT, first_seen TEXT NOT NULL,
            last_fetched TEXT NOT NULL, run_id INTEGER REFERENCES crawl_runs(id))"""
    )
    db.execute(
        """CREATE TABLE crawl_errors (
            id INTEGER PRIMARY KEY, run_id INTEGER REFERENCES crawl_runs(id), site TEXT,
            url TEXT, kind TEXT NOT NULL, message TEXT, status INTEGER, at TEXT NOT NULL)"""
    )
    for table, columns in (
        ("documents", ["published"]),
        ("documents", ["site"]),
        ("documents", ["year"]),
        ("sightings", ["document_id"]),
        ("pages", ["site", "kind"]),
        ("crawl_errors", ["run_id"]),
    ):
        db[table].create_index(columns)
    db.execute(
        """CREATE VIEW document_sightings AS
           SELECT d.id AS document_id, d.title, d.published, COUNT(s.id) AS sightings,
                  COUNT(DISTINCT s.site) AS sites, GROUP_CONCAT(DISTINCT s.site) AS site_ids
           FROM documents d JOIN sightings s ON s.document_id = d.id GROUP BY d.id"""
    )


@migrations()
def m002_incremental(db: sqlite_utils.Database) -> None:
    # The navigation links of each list page, replayed when the page answers 304 Not Modified.
    db.execute("ALTER TABLE pages ADD COLUMN links TEXT")
    for table in ("crawl_runs", "crawl_run_sites"):
        db.execute(f"ALTER TABLE {table} ADD COLUMN skipped_known INTEGER")
        db.execute(f"ALTER TABLE {table} ADD COLUMN depth_cut INTEGER")


HEALTH_RUNS = (
    3  # a site is flagged when its last HEALTH_RUNS runs all failed or found no list pages
)


@migrations()
def m003_run_monitoring(db: sqlite_utils.Database) -> None:
    db.execute("ALTER TABLE crawl_runs ADD COLUMN duration_s REAL")
    db.execute("ALTER TABLE crawl_runs ADD COLUMN exit_code INTEGER")
    db.execute("ALTER TABLE crawl_runs ADD COLUMN log_path TEXT")
    db.execute(
        f"""CREATE VIEW site_health AS
        WITH ranked AS (
            SELECT s.site, r.id AS run_id, r.started, r.status, s.list_pages + s.not_modified AS list_pages, s.articles, s.errors,
                   ROW_NUMBER() OVER (PARTITION BY s.site ORDER BY r.id DESC) AS n
            FROM crawl_run_sites s JOIN crawl_runs r ON r.id = s.run_id
            WHERE r.status NOT IN ('running', 'interrupted')  -- a stopped service says nothing about a site
        )
        SELECT site,
               MAX(started) AS last_run,
               (SELECT status FROM ranked AS last WHERE last.site = ranked.site AND last.n = 1) AS last_status,
               COUNT(*) AS runs_considered,
               SUM(status = 'ok') AS ok_runs,
               SUM(list_pages) AS list_pages,
               SUM(articles) AS articles,
               SUM(errors) AS errors,
               CASE
                 WHEN COUNT(*) < {HEALTH_RUNS} THEN 'ok'
                 WHEN SUM(status = 'ok') = 0 THEN 'failing: the last {HEALTH_RUNS} runs did not complete'
                 WHEN SUM(list_pages) = 0 THEN 'blind: the last {HEALTH_RUNS} runs found no list page (not even unchanged ones)'
                 ELSE 'ok'
               END AS health
        FROM ranked WHERE n <= {HEALTH_RUNS} GROUP BY site"""
    )


@migrations()
def m004_search(db: sqlite_utils.Database) -> None:
    # Contentless: the documents table has the text; the index holds only the segmented tokens.
    db.execute(
        f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(bi, uni, content='', tokenize='unicode61 remove_diacritics 0')"
    )
    _index_all(db)


def _index_all(db: sqlite_utils.Database) -> int:
    count = 0
    for doc_id, title, body in db.execute("SELECT id, title, body FROM documents").fetchall():
        _index_document(db, doc_id, title, body)
        count += 1
    return count


def _index_document(db: sqlite_utils.Database, doc_id: int, title: str | None, body: str) -> None:
    columns = index_columns(title, body)
    db.execute(
        f"INSERT INTO {FTS_TABLE} (rowid, bi, uni) VALUES (?, ?, ?)",
        [doc_id, columns["bi"], columns["uni"]],
    )


@migrations()
def m005_search_marker(db: sqlite_utils.Database) -> None:
    # Datasette (and plugins such as datasette-search-all) recognise a searchable table only by an
    # FTS table declared with content="documents". The real index is contentless, so this empty
    # marker says "documents is searchable"; searches themselves use documents_fts (metadata).
    db.execute(
        'CREATE VIRTUAL TABLE documents_search_marker USING fts5(title, content="documents", content_rowid="id")'
    )


@migrations()
def m006_column_walks(db: sqlite_utils.Database) -> None:
    # When a column (a list page that starts a run of pages) was last paged to where it should
    # stop; NULL while its paging is under way, so that a crawl killed half-way through a column
    # walks it again next time. Columns read by earlier versions were walked completely.
    db.execute("ALTER TABLE pages ADD COLUMN column_walked TEXT")
    db.execute("UPDATE pages SET column_walked = last_fetched WHERE kind = 'list' AND status = 200")


@migrations()
def m007_families_and_versions(db: sqlite_utils.Database) -> None:
    # Near-duplicate families: reposts that differ by an editor's note, a dropped paragraph or a
    # corrected figure are separate documents (each with its own hash) linked by family_id.
    db.execute(
        """CREATE TABLE document_families (
            id INTEGER PRIMARY KEY, title TEXT, first_published TEXT, first_site TEXT,
            first_url TEXT, documents INTEGER, sites INTEGER, updated TEXT)"""
    )
    db.execute(
        "ALTER TABLE documents ADD COLUMN family_id INTEGER REFERENCES document_families(id)"
    )
    db.execute("ALTER TABLE documents ADD COLUMN family_similarity REAL")
    db.execute("ALTER TABLE documents ADD COLUMN shingle_samples INTEGER")
    db.execute(
        """CREATE TABLE document_shingles (
            hash INTEGER NOT NULL, document_id INTEGER NOT NULL REFERENCES documents(id))"""
    )
    db["document_shingles"].create_index(["hash"])
    # How many documents have each sampled shingle: the common ones (phrases every summary uses)
    # are left out of the candidate search, which would otherwise read most of the archive.
    db.execute("CREATE TABLE shingle_counts (hash INTEGER PRIMARY KEY, documents INTEGER NOT NULL)")
    db["documents"].create_index(["family_id"])
    # Every text ever seen at a URL: a page whose text changed keeps its old version.
    db.execute(
        """CREATE TABLE url_versions (
            url TEXT NOT NULL, document_id INTEGER NOT NULL REFERENCES documents(id), site TEXT,
            published TEXT, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
            PRIMARY KEY (url, document_id))"""
    )
    db["url_versions"].create_index(["document_id"])
    db.execute(
        """INSERT INTO url_versions (url, document_id, site, published, first_seen, last_seen)
           SELECT url, document_id, site, published, first_seen, last_seen FROM sightings"""
    )
    db.execute(
        """CREATE VIEW versions AS
           SELECT v.url, v.site,
                  ROW_NUMBER() OVER (PARTITION BY v.url ORDER BY v.first_seen, v.document_id) AS version,
                  COUNT(*) OVER (PARTITION BY v.url) AS versions,
                  v.document_id, d.title, d.chars, d.content_hash, v.first_seen, v.last_seen,
                  s.document_id IS v.document_id AS current
           FROM url_versions v JOIN documents d ON d.id = v.document_id
           LEFT JOIN sightings s ON s.url = v.url"""
    )
    for doc_id, body in db.execute("SELECT id, body FROM documents ORDER BY id").fetchall():
        _join_family(db, doc_id, body)


MAX_SAMPLES = 2000
# A sampled shingle in more documents than this is too common to find reposts by.
COMMON_SHINGLE = 50
MIN_QUERY = 8


@migrations()
def m008_retry_backoff(db: sqlite_utils.Database) -> None:
    # A URL that keeps failing (server error, redirect loop, too large) is asked for again after
    # growing waits across crawls instead of at every crawl.
    db.execute(
        """CREATE TABLE failed_urls (
            url TEXT PRIMARY KEY, site TEXT, page_kind TEXT, error TEXT, message TEXT,
            status INTEGER, failures INTEGER NOT NULL, first_failed TEXT NOT NULL,
            last_failed TEXT NOT NULL, retry_after TEXT NOT NULL)"""
    )
    db["failed_urls"].create_index(["site", "retry_after"])
    for table in ("crawl_runs", "crawl_run_sites"):
        db.execute(f"ALTER TABLE {table} ADD COLUMN deferred INTEGER")


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


def _join_family(db: sqlite_utils.Database, doc_id: int, body: str) -> int:
    """Link a new document to the family of the document it most resembles (containment of
    shingles at least FAMILY_CONTAINMENT), or start a family; returns the family id."""
    own = shingles(body)
    # At most MAX_SAMPLES, the smallest hashes: the same choice for the same text, and few
    # enough for SQLite's limit on bound variables even for a book-length page.
    kept = sorted(samples(own))[:MAX_SAMPLES]
    best_family, best_score = None, 0.0
    if kept:
        marks = ", ".join("?" for _ in kept)
        common = dict(
            db.execute(
                f"SELECT hash, documents FROM shingle_counts WHERE hash IN ({marks})", kept
            ).fetchall()
        )
        query = [h for h in kept if common.get(h, 0) <= COMMON_SHINGLE]
        if len(query) < MIN_QUERY:  # a text of common phrases only: its rarest ones
            query = sorted(kept, key=lambda h: common.get(h, 0))[:MIN_QUERY]
        candidates = db.execute(
            f"""SELECT s.document_id, COUNT(*) AS shared
                FROM document_shingles s WHERE s.hash IN ({", ".join("?" for _ in query)})
                AND s.document_id != ?
                GROUP BY s.document_id ORDER BY shared DESC LIMIT 20""",
            [*query, doc_id],
        ).fetchall()
        for other, shared in candidates:
            if shared < 2 and len(query) > 2:
                break
            family_id, other_body, other_samples = db.execute(
                "SELECT family_id, body, shingle_samples FROM documents WHERE id = ?", [other]
            ).fetchone()
            # The samples estimate the containment; only plausible candidates are compared in
            # full (with a wide margin: few samples make a noisy estimate).
            if (
                shared / max(1, min(len(query), other_samples or len(query)))
                < FAMILY_CONTAINMENT / 2
            ):
                continue
            score = containment(own, shingles(other_body))
            if score > best_score:
                best_family, best_score = family_id, score
        db.execute(
            "INSERT INTO shingle_counts (hash, documents) VALUES "
            + ", ".join("(?, 1)" for _ in kept)
            + " ON CONFLICT (hash) DO UPDATE SET documents = documents + 1",
            kept,
        )
        db.execute(
            "INSERT INTO document_shingles (hash, document_id) VALUES "
            + ", ".join("(?, ?)" for _ in kept),
            [value for pair in ((h, doc_id) for h in kept) for value in pair],
        )
    if best_family is None or best_score < FAMILY_CONTAINMENT:
        best_family = db.execute(
            "INSERT INTO document_families (updated) VALUES (?)", [utcnow()]
        ).lastrowid
        best_score = None
    db.execute(
        "UPDATE documents SET family_id = ?, family_similarity = ?, shingle_samples = ? WHERE id = ?",
        [best_family, None if best_score is None else round(best_score, 3), len(kept), doc_id],
    )
    _refresh_family(db, best_family)
    return best_family


def _refresh_family(db: sqlite_utils.Database, family_id: int | None) -> None:
    """A family's first publication (earliest date of any version at any URL, the site and URL
    that had it) and its counts."""
    if family_id is None:
        return
    first = db.execute(
        """SELECT d.title, COALESCE(v.published, d.published), v.site, v.url
           FROM url_versions v JOIN documents d ON d.id = v.document_id
           WHERE d.family_id = ?
           ORDER BY COALESCE(v.published, d.published) IS NULL, COALESCE(v.published, d.published), v.first_seen
           LIMIT 1""",
        [family_id],
    ).fetchone()
    counts = db.execute(
        """SELECT COUNT(DISTINCT d.id), COUNT(DISTINCT v.site)
           FROM documents d LEFT JOIN url_versions v ON v.document_id = d.id WHERE d.family_id = ?""",
        [family_id],
    ).fetchone()
    title, published, site, url = first if first else (None, None, None, None)
    db.execute(
        """UPDATE document_families SET title = ?, first_published = ?, first_site = ?, first_url = ?,
           documents = ?, sites = ?, updated = ? WHERE id = ?""",
        [title, published, site, url, counts[0], counts[1], utcnow(), family_id],
    )


class ArchiveError(RuntimeError):
    """The archive cannot be opened or written (missing folder, read-only file, not a database)."""


class SiteBusy(ArchiveError):
    """Another live crawl process is crawling one of the sites into this archive."""


def _process_alive(pid: int) -> bool:
    """True when ``pid`` is a running process that looks like a crawl (pids are reused)."""
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists():
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ")
        except OSError:
            return True
        return b"crawl" in text or b"scrapy" in text
    return True


def check_archive(path: str | Path) -> None:
    """ArchiveError unless ``path`` is an existing archive (for commands that only read one)."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        raise ArchiveError(f"no archive at {path}: run `crawler crawl` or `crawler demo` first")
    _refuse_foreign_database(path)


def _refuse_foreign_database(path: Path) -> None:
    """ArchiveError for a file that is not an archive: not SQLite at all, or an SQLite database of
    something else (it would otherwise be turned into an archive). Reads without writing, so the
    file stays byte-identical."""
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        try:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
            ours = (
                "_sqlite_migrations" in tables
                and conn.execute(
                    "SELECT 1 FROM _sqlite_migrations WHERE migration_set = ?", [migrations.name]
                ).fetchone()
            )
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise ArchiveError(f"cannot open archive {path}: {exc}") from exc
    if tables and not ours:
        shown = ", ".join(sorted(t for t in tables if not t.startswith("sqlite_"))[:5])
        raise ArchiveError(
            f"{path} is an SQLite database but not an archive (tables: {shown}); "
            "name a new file or an existing archive"
        )


@dataclass
class PageRecord:
    """What the crawl learned about one fetched URL."""

    url: str
    site: str
    kind: str  # list | article | other
    status: int | None
    is_summary: bool | None = None
    reason: str | None = None
    content_hash: str | None = None
    title: str | None = None
    published: str | None = None
    encoding: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    # What a list page links to, as [url, kind] or [url, kind, form fields]: replayed on a 304.
    links: list[list] | None = None


@dataclass
class DocumentRecord:
    """A work summary as extracted from one page."""

    content_hash: str
    title: str | None
    body: str
    published: str | None
    year: int | None
    source: str | None
    site: str
    region: str
    url: str


@dataclass
class PageOutcome:
    document_id: int | None = None
    new_document: bool = False
    new_sighting: bool = False
    changed: bool = False  # the URL showed another text before: a new version


@dataclass
class SiteCounts:
    requests: int = 0
    not_modified: int = 0
    list_pages: int = 0
    articles: int = 0
    documents_new: int = 0
    sightings_new: int = 0
    errors: int = 0
    cut: int = 0
    skipped_known: int = 0
    depth_cut: int = 0
    deferred: int = 0  # URLs not asked for: they failed before and their retry_after is later
    extra: dict[str, int] = field(default_factory=dict)

    def as_row(self) -> dict[str, int]:
        return {
            "requests": self.requests,
            "not_modified": self.not_modified,
            "list_pages": self.list_pages,
            "articles": self.articles,
            "documents_new": self.documents_new,
            "sightings_new": self.sightings_new,
            "errors": self.errors,
            "cut": self.cut,
            "skipped_known": self.skipped_known,
            "depth_cut": self.depth_cut,
            "deferred": self.deferred,
        }


class Archive:
    """An open archive.db. Create one per process; it holds the single writing connection."""

    def __init__(self, path: str | Path, busy_timeout: float = 60.0):
        self.path = Path(path)
        if not self.path.parent.exists():
            raise ArchiveError(
                f"cannot open archive {self.path}: folder {self.path.parent} does not exist"
            )
        _refuse_foreign_database(self.path)
        try:
            conn = sqlite3.connect(str(self.path), timeout=busy_timeout, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self.db = sqlite_utils.Database(conn)
            migrations.apply(self.db)
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(f"cannot open archive {self.path}: {exc}") from exc

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A write transaction that takes the write lock at once (BEGIN IMMEDIATE).

        A deferred transaction that reads first fails with "database is locked", without waiting,
        when another process (a second crawl, the scheduler) has written in between: in WAL mode a
        read snapshot cannot be upgraded. BEGIN IMMEDIATE waits for the busy timeout instead.
        """
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- runs ---------------------------------------------------------------------------------

    def register_sites(self, sites: Iterable[Site]) -> None:
        now = utcnow()
        with self.transaction():
            for site in sites:
                row = site.as_row() | {"updated": now}
                self.db["sites"].upsert(row, pk="id")

    def close_dead_runs(self) -> set[str]:
        """Close as interrupted the runs left 'running' by a crawl process that no longer exists
        (killed, machine restarted); returns the sites those runs were crawling."""
        with self.transaction():
            return self._close_dead_runs()

    def _close_dead_runs(self) -> set[str]:
        import os

        sites: set[str] = set()
        for run_id, pid, run_sites in self.db.execute(
            "SELECT id, pid, sites FROM crawl_runs WHERE status = 'running'"
        ).fetchall():
            if pid is not None and (pid == os.getpid() or _process_alive(pid)):
                continue
            self.db["crawl_runs"].update(
                run_id,
                {
                    "status": "interrupted",
                    "finished": utcnow(),
                    "message": f"the crawl process (pid {pid}) ended without closing its run",
                },
            )
            sites.update((run_sites or "").split())
        return sites

    def start_run(self, site_ids: list[str], log_path: str | None = None) -> int:
        """Open a run for the sites; SiteBusy when a live crawl process already has one of them.

        Runs left 'running' by a process that no longer exists are closed as interrupted first.
        The check and the new row are one transaction, so of two crawls of a site started at the
        same moment exactly one goes ahead.
        """
        import os

        wanted = set(site_ids)
        with self.transaction():
            self._close_dead_runs()
            for run_id, pid, sites, started in self.db.execute(
                "SELECT id, pid, sites, started FROM crawl_runs WHERE status = 'running' AND pid != ?",
                [os.getpid()],
            ).fetchall():
                busy = wanted & set((sites or "").split())
                if busy:
                    raise SiteBusy(
                        f"site '{sorted(busy)[0]}' is already being crawled into {self.path} "
                        f"by run {run_id} (pid {pid}, started {started}); not starting another"
                    )
            cursor = self.db.execute(
                "INSERT INTO crawl_runs (started, sites, status, pid, log_path) VALUES (?, ?, 'running', ?, ?)",
                [utcnow(), " ".join(site_ids), os.getpid(), log_path],
            )
        return cursor.lastrowid

    def finish_run(
        self, run_id: int, status: str, per_site: dict[str, SiteCounts], message: str | None = None
    ) -> None:
        totals = SiteCounts()
        for counts in per_site.values():
            for key, value in counts.as_row().items():
                setattr(totals, key, getattr(totals, key) + value)
        with self.transaction():
            duration = _seconds_since(self.run(run_id)["started"])
            self.db["crawl_runs"].update(
                run_id,
                {
                    "finished": utcnow(),
                    "status": status,
                    "message": message,
                    "duration_s": duration,
                    **totals.as_row(),
                },
            )
            for site_id, counts in per_site.items():
                self.db["crawl_run_sites"].upsert(
                    {"run_id": run_id, "site": site_id, **counts.as_row()}, pk=("run_id", "site")
                )

    def settle_run(
        self,
        pid: int,
        site_id: str,
        exit_code: int,
        log_path: str | None,
        status: str | None,
        message: str | None,
        unfinished: str = "failed",
    ) -> dict[str, Any]:
        """After a crawl process has ended: record its exit code and log file, and make sure its run
        says how it ended, also when the process died before it could say so itself. Returns the
        run row. ``status`` overrides the run's own status ('timed out'); ``unfinished`` is the status
        of a run the process left open."""
        now = utcnow()
        with self.transaction():
            row = self.db.execute(
                "SELECT id, status FROM crawl_runs WHERE pid = ? ORDER BY id DESC LIMIT 1", [pid]
            ).fetchone()
            if row is None:
                # The crawl never opened its run: it refused its configuration or died at start.
                cursor = self.db.execute(
                    "INSERT INTO crawl_runs (started, finished, sites, status, pid, message) VALUES (?, ?, ?, ?, ?, ?)",
                    [now, now, site_id, status or unfinished, pid, message],
                )
                run_id, current = cursor.lastrowid, status or unfinished
            else:
                run_id, current = row
            if status is None:
                status = unfinished if current == "running" else current
            changes = {"status": status, "exit_code": exit_code, "log_path": log_path}
            if current == "running" or row is None:
                changes["finished"] = now
                changes["message"] = message
                changes["duration_s"] = _seconds_since(self.run(run_id)["started"])
            self.db["crawl_runs"].update(run_id, changes)
            self.db.execute(
                "INSERT OR IGNORE INTO crawl_run_sites (run_id, site, requests, not_modified, list_pages, articles, documents_new, sightings_new, errors, cut) VALUES (?, ?, 0, 0, 0, 0, 0, 0, 0, 0)",
                [run_id, site_id],
            )
        return self.run(run_id)

    def site_health(self, site_id: str) -> str | None:
        """What is wrong with a site by its last runs, or None when nothing is."""
        row = self.db.execute("SELECT health FROM site_health WHERE site = ?", [site_id]).fetchone()
        return row[0] if row and row[0] != "ok" else None

    def run(self, run_id: int) -> dict[str, Any]:
        return self.db["crawl_runs"].get(run_id)

    # --- pages, documents, sightings ----------------------------------------------------------

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
                outcome = self._record_document(document, now)
        return outcome

    def _write_page(self, run_id: int | None, page: PageRecord, now: str) -> None:
        row = {
            "url": page.url,
            "site": page.site,
            "kind": page.kind,
            "status": page.status,
            "is_summary": None if page.is_summary is None else int(page.is_summary),
            "reason": page.reason,
            "content_hash": page.content_hash,
            "title": page.title,
            "published": page.published,
            "encoding": page.encoding,
            "etag": page.etag,
            "last_modified": page.last_modified,
            "links": json.dumps(page.links, ensure_ascii=False) if page.links is not None else None,
            "first_seen": now,
            "last_fetched": now,
            "run_id": run_id,
        }
        columns = ", ".join(row)
        updates = ", ".join(f"{c} = excluded.{c}" for c in row if c not in ("url", "first_seen"))
        self.db.execute(
            f"INSERT INTO pages ({columns}) VALUES ({', '.join('?' for _ in row)}) ON CONFLICT(url) DO UPDATE SET {updates}",
            list(row.values()),
        )

    def _record_document(self, doc: DocumentRecord, now: str) -> PageOutcome:
        outcome = PageOutcome()
        existing = self.db.execute(
            "SELECT id FROM documents WHERE content_hash = ?", [doc.content_hash]
        ).fetchone()
        if existing:
            outcome.document_id = existing[0]
            # A repost can be the earlier publication: the document keeps the earliest date known.
            self.db.execute(
                """UPDATE documents SET last_seen = ?,
                   published = CASE WHEN published IS NULL OR (? IS NOT NULL AND ? < published) THEN ? ELSE published END
                   WHERE id = ?""",
                [now, doc.published, doc.published, doc.published, outcome.document_id],
            )
        else:
            cursor = self.db.execute(
                """INSERT INTO documents (content_hash, title, body, published, year, source, site, region, url, chars, first_seen, last_seen)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [
                    doc.content_hash,
                    doc.title,
                    doc.body,
                    doc.published,
                    doc.year,
                    doc.source,
                    doc.site,
                    doc.region,
                    doc.url,
                    len(doc.body.replace("\n", "")),
                    now,
                    now,
                ],
            )
            outcome.document_id = cursor.lastrowid
            outcome.new_document = True
            _index_document(self.db, outcome.document_id, doc.title, doc.body)
            _join_family(self.db, outcome.document_id, doc.body)
        # Every text seen at the URL is kept; the sighting points at the latest.
        self.db.execute(
            """INSERT INTO url_versions (url, document_id, site, published, first_seen, last_seen)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (url, document_id) DO UPDATE SET last_seen = excluded.last_seen""",
            [doc.url, outcome.document_id, doc.site, doc.published, now, now],
        )
        sighting = self.db.execute(
            "SELECT id, document_id FROM sightings WHERE url = ?", [doc.url]
        ).fetchone()
        if sighting:
            outcome.changed = sighting[1] != outcome.document_id
            self.db.execute(
                "UPDATE sightings SET document_id = ?, title = ?, published = ?, source = ?, last_seen = ? WHERE id = ?",
                [outcome.document_id, doc.title, doc.published, doc.source, now, sighting[0]],
            )
        else:
            self.db.execute(
                """INSERT INTO sightings (document_id, url, site, title, published, source, first_seen, last_seen)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                [
                    outcome.document_id,
                    doc.url,
                    doc.site,
                    doc.title,
                    doc.published,
                    doc.source,
                    now,
                    now,
                ],
            )
            outcome.new_sighting = True
        family = self.db.execute(
            "SELECT family_id FROM documents WHERE id = ?", [outcome.document_id]
        ).fetchone()
        _refresh_family(self.db, family[0])  # a new sighting may be its earliest publication
        return outcome

    def rebuild_search_index(self) -> int:
        """Build the search index again from the documents (after a change to the segmentation);
        returns the number of documents indexed."""
        with self.transaction():
            self.db.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('delete-all')")
            return _index_all(self.db)

    def touch_page(self, run_id: int | None, url: str) -> None:
        """A list page answered 304 Not Modified: only when it was last checked changes."""
        with self.transaction():
            self.db.execute(
                "UPDATE pages SET last_fetched = ?, run_id = ? WHERE url = ?",
                [utcnow(), run_id, url],
            )
            self.db.execute("DELETE FROM failed_urls WHERE url = ?", [url])

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
            self.db.execute(
                "INSERT INTO crawl_errors (run_id, site, url, kind, message, status, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [run_id, site, url, kind, message, status, now],
            )
            if page is not None:
                self._write_page(run_id, page, now)
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

    def mark_column(self, column_url: str, walked: bool) -> None:
        """A column's paging has begun (walked=False) or reached where it stops (walked=True)."""
        with self.transaction():
            self.db.execute(
                "UPDATE pages SET column_walked = ? WHERE url = ?",
                [utcnow() if walked else None, column_url],
            )

    # --- reading helpers used by the crawl ----------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Rows per table; ``errors`` are failed pages, counted as a run counts them (the linked
        attachments that are recorded but never fetched are ``attachments``)."""
        found = {
            table: self.db[table].count
            for table in ("documents", "sightings", "pages", "crawl_runs")
        }
        errors, attachments = self.db.execute(
            "SELECT COALESCE(SUM(kind != 'attachment'), 0), COALESCE(SUM(kind = 'attachment'), 0) FROM crawl_errors"
        ).fetchone()
        return found | {"errors": errors, "attachments": attachments}


@dataclass
class ListPageState:
    etag: str | None
    last_modified: str | None
    links: list[list]  # [url, kind] or [url, kind, [[field, value], ...]]


@dataclass
class SiteState:
    """What earlier crawls learned about a site: the articles already fetched and, for each list
    page, its validators and navigation links."""

    known_articles: set[str] = field(default_factory=set)
    list_pages: dict[str, ListPageState] = field(default_factory=dict)
    # Columns whose paging last ran to its end; any other column is walked to its last page.
    walked_columns: set[str] = field(default_factory=set)
    # URLs that failed before and are not worth asking for until their retry_after.
    deferred: dict[str, str] = field(default_factory=dict)

    def unfetched_articles(self) -> list[str]:
        """Articles that list pages already read lead to but that were never fetched: the crawl
        that read the list was stopped first, or the article failed for a reason worth a retry."""
        pending = {
            link[0]
            for page in self.list_pages.values()
            for link in page.links
            if link[1] == "article" and link[0] not in self.known_articles
        }
        return sorted(pending)


def read_crawl_state(path: str | Path, site_ids: Iterable[str]) -> dict[str, SiteState]:
    """The state of earlier crawls, read without writing (the crawl's pipeline is the writer)."""
    states = {site_id: SiteState() for site_id in site_ids}
    path = Path(path)
    if not path.exists():
        return states
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'pages'").fetchone():
            return states
        columns = {row[1] for row in conn.execute("PRAGMA table_info(pages)")}
        links_column = "links" if "links" in columns else "NULL"
        walked_column = "column_walked" if "column_walked" in columns else "last_fetched"
        for url, site, kind, status, etag, last_modified, links, walked in conn.execute(
            f"SELECT url, site, kind, status, etag, last_modified, {links_column}, {walked_column} FROM pages WHERE site IN ({', '.join('?' for _ in states)})",
            list(states),
        ):
            state = states[site]
            # Gone pages are not asked for again either; server errors are retried next time.
            # Attachments are recorded once, never fetched.
            if (kind == "article" and status in (200, 404, 410)) or kind == "attachment":
                state.known_articles.add(url)
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
