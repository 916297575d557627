"""The archive's schema, as sqlite-utils migrations applied when an archive is opened: an archive
made by an earlier version is upgraded in place. A migration is never changed once released; a
change to the schema is a new migration at the end."""

from __future__ import annotations

import sqlite_utils
from sqlite_utils.migrations import Migrations

from crawler.archive.core import MIGRATION_SET
from crawler.archive.families import join_family
from crawler.archive.m023_versions import migrate as m023_versions
from crawler.search import FTS_TABLE, index_columns

migrations = Migrations(MIGRATION_SET)


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


HEALTH_RUNS = 3  # a site is flagged when its last HEALTH_RUNS runs all failed or found no lists


@migrations()
def m003_run_monitoring(db: sqlite_utils.Database) -> None:
    db.execute("ALTER TABLE crawl_runs ADD COLUMN duration_s REAL")
    db.execute("ALTER TABLE crawl_runs ADD COLUMN exit_code INTEGER")
    db.execute("ALTER TABLE crawl_runs ADD COLUMN log_path TEXT")
    db.execute(
        site_health_view(
            "r.status",
            "r.status NOT IN ('running', 'interrupted')",  # a stopped service says nothing
        )
    )


def site_health_view(status: str, where: str) -> str:
    """The site_health view: each site judged by its last HEALTH_RUNS runs, with ``status`` the
    expression of a run's outcome for the site and ``where`` the runs that count."""
    return f"""CREATE VIEW site_health AS
        WITH ranked AS (
            SELECT s.site, r.id AS run_id, r.started, {status} AS status,
                   s.list_pages + s.not_modified AS list_pages, s.articles, s.errors,
                   ROW_NUMBER() OVER (PARTITION BY s.site ORDER BY r.id DESC) AS n
            FROM crawl_run_sites s JOIN crawl_runs r ON r.id = s.run_id
            WHERE {where}
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


@migrations()
def m004_search(db: sqlite_utils.Database) -> None:
    # Contentless: the documents table has the text; the index holds only the segmented tokens.
    db.execute(
        f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(bi, uni, content='', tokenize='unicode61 remove_diacritics 0')"
    )
    index_all(db)


def index_all(db: sqlite_utils.Database) -> int:
    count = 0
    for doc_id, title, body in db.execute("SELECT id, title, body FROM documents").fetchall():
        index_document(db, doc_id, title, body)
        count += 1
    return count


def index_document(db: sqlite_utils.Database, doc_id: int, title: str | None, body: str) -> None:
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
        join_family(db, doc_id, body)


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


@migrations()
def m009_polite_counts(db: sqlite_utils.Database) -> None:
    # Requests robots.txt did not allow and anti-bot answers, per run and site: counted before,
    # never saved.
    for table in ("crawl_runs", "crawl_run_sites"):
        db.execute(f"ALTER TABLE {table} ADD COLUMN robots_forbidden INTEGER")
        db.execute(f"ALTER TABLE {table} ADD COLUMN blocked INTEGER")


@migrations()
def m010_stored_responses(db: sqlite_utils.Database) -> None:
    # Where each fetched page's response is kept as WARC (crawler/crawl/warc.py), and for each text seen
    # at a URL the stored copy that showed it.
    for table in ("pages", "url_versions"):
        db.execute(f"ALTER TABLE {table} ADD COLUMN warc_file TEXT")
        db.execute(f"ALTER TABLE {table} ADD COLUMN warc_offset INTEGER")
    # Re-processing stored responses with the current code and rules (crawler reprocess).
    db.execute(
        """CREATE TABLE reprocess_runs (
            id INTEGER PRIMARY KEY, started TEXT NOT NULL, finished TEXT, sites TEXT, since TEXT,
            pages INTEGER, new_summaries INTEGER, no_longer_summaries INTEGER,
            texts_changed INTEGER, unreadable INTEGER)"""
    )
    db.execute(
        """CREATE TABLE reprocess_changes (
            id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES reprocess_runs(id),
            url TEXT NOT NULL, site TEXT, change TEXT NOT NULL, title TEXT,
            old_hash TEXT, new_hash TEXT, document_id INTEGER REFERENCES documents(id),
            reason TEXT)"""
    )


@migrations()
def m011_site_outcomes(db: sqlite_utils.Database) -> None:
    # A crawl process crawls many sites at once: each site's own outcome ('ok' when its work ended
    # before the process did, else the run's end: 'timed out', 'interrupted', 'failed') and when
    # its last page was answered. NULL in runs of one site before this migration: the run's status.
    db.execute("ALTER TABLE crawl_run_sites ADD COLUMN status TEXT")
    db.execute("ALTER TABLE crawl_run_sites ADD COLUMN finished TEXT")
    db.execute("ALTER TABLE crawl_run_sites ADD COLUMN duration_s REAL")
    # Seconds the crawl spent writing the archive; and, for a crawl run by a worker on another
    # machine (crawler worker), its job and the worker, by which its result is ingested once.
    db.execute("ALTER TABLE crawl_runs ADD COLUMN write_s REAL")
    db.execute("ALTER TABLE crawl_runs ADD COLUMN job_id TEXT")
    db.execute("ALTER TABLE crawl_runs ADD COLUMN worker TEXT")
    db.execute("CREATE UNIQUE INDEX crawl_runs_job ON crawl_runs(job_id) WHERE job_id IS NOT NULL")
    db.execute("DROP VIEW site_health")
    # Each site by its own outcome; runs still open and outcomes of a stopped service say nothing.
    db.execute(
        site_health_view(
            "COALESCE(s.status, r.status)",
            "r.status != 'running' AND COALESCE(s.status, r.status) != 'interrupted'",
        )
    )


@migrations()
def m012_failed_jobs(db: sqlite_utils.Database) -> None:
    # A worker's result that the writer could not write after its tries (crawler writer): kept on
    # disk with the error, its sites released; `crawler writer --replay` writes it once fixed.
    db.execute(
        """CREATE TABLE failed_jobs (
            job_id TEXT PRIMARY KEY, sites TEXT, worker TEXT, started TEXT, finished TEXT,
            tries INTEGER NOT NULL, error TEXT NOT NULL, kept TEXT NOT NULL, failed_at TEXT NOT NULL,
            replayed_at TEXT, run_id INTEGER REFERENCES crawl_runs(id))"""
    )


@migrations()
def m013_genre(db: sqlite_utils.Database) -> None:
    # What kind of summary a document is, for researchers to facet by (crawler/classify.py):
    # set for the documents already archived from their own title and text.
    from crawler.classify import classify

    db.execute("ALTER TABLE documents ADD COLUMN genre TEXT")
    for doc_id, title, body in db.execute("SELECT id, title, body FROM documents").fetchall():
        decision = classify(title, body)
        db.execute(
            "UPDATE documents SET genre = ? WHERE id = ?", [decision.genre or "综述", doc_id]
        )


@migrations()
def m014_how_reached(db: sqlite_utils.Database) -> None:
    # How each page was reached (pages.via): an anchor (link), a frame, a POSTed list (form), a
    # sitemap or a feed; NULL for pages fetched before this was recorded.
    db.execute("ALTER TABLE pages ADD COLUMN via TEXT")


@migrations()
def m015_feeds(db: sqlite_utils.Database) -> None:
    # Atom feeds (datasette-atom renders any table or view with atom_* columns as a feed, filtered
    # as the table is): new summaries, newest first, with what to filter them by; and texts
    # changed at a URL (every version after a URL's first). Entry ids are stable tag URIs; links
    # are relative to the feed (…/documents_feed.atom → …/documents/ID).
    db.execute(
        """CREATE VIEW documents_feed AS
           SELECT d.id, d.title, d.published, d.year, d.genre, d.region, d.site, s.name AS site_name,
                  d.source, d.first_seen, d.body,
                  'tag:summary-archive,2026:document/' || d.content_hash AS atom_id,
                  d.title AS atom_title,
                  d.first_seen AS atom_updated,
                  'documents/' || d.id AS atom_link,
                  COALESCE(d.published, '') || ' · ' || COALESCE(d.region, '') || ' · '
                    || COALESCE(s.name, d.site) || ' · ' || COALESCE(d.source, '') || char(10)
                    || char(10) || substr(d.body, 1, 300) AS atom_content
           FROM documents d LEFT JOIN sites s ON s.id = d.site"""
    )
    db.execute(
        """CREATE VIEW changed_texts_feed AS
           SELECT v.rowid AS version_id, v.url, v.site, d.title, v.first_seen AS changed,
                  d.region, d.genre,
                  'tag:summary-archive,2026:version/' || v.rowid AS atom_id,
                  '改动 · changed: ' || COALESCE(d.title, v.url) AS atom_title,
                  v.first_seen AS atom_updated,
                  '/-/diff?version=' || v.rowid AS atom_link,
                  v.url || char(10) || substr(d.body, 1, 300) AS atom_content
           FROM url_versions v JOIN documents d ON d.id = v.document_id
           WHERE EXISTS (SELECT 1 FROM url_versions e WHERE e.url = v.url
                         AND (e.first_seen < v.first_seen
                              OR (e.first_seen = v.first_seen AND e.rowid < v.rowid)))"""
    )


@migrations()
def m016_watches(db: sqlite_utils.Database) -> None:
    # Watches (crawler/watches.py): what each was last told, and every try to tell it.
    db.execute(
        """CREATE TABLE watch_state (
            watch TEXT PRIMARY KEY, last_document INTEGER NOT NULL, last_version INTEGER NOT NULL,
            created TEXT NOT NULL, updated TEXT NOT NULL)"""
    )
    db.execute(
        """CREATE TABLE watch_deliveries (
            id INTEGER PRIMARY KEY, watch TEXT NOT NULL, at TEXT NOT NULL, status TEXT NOT NULL,
            documents INTEGER, changes INTEGER, title TEXT, error TEXT)"""
    )


@migrations()
def m017_document_files(db: sqlite_utils.Database) -> None:
    # Summaries published as PDF and Word files (crawler/extract/files): a fetched file's type on
    # its pages row (NULL for web pages); its text goes the way of a page's.
    db.execute("ALTER TABLE pages ADD COLUMN file_type TEXT")


migrations(name="m023_versions")(m023_versions)  # its own module, as the next ones will be
