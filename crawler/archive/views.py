"""The archive's views, as they are now: the current schema of what Datasette, the feeds and the
health pages read. They are not migrations: after the migrations, ``sync_views`` makes every view
whose stored definition differs from the one here (and drops views no longer defined), so a change
here reaches every archive the next time it is opened. A view that shows a table's rows names its
columns as ``d.*`` where it can, so that a column added to the table reaches it (and its filters
and feeds) without a change here."""

from __future__ import annotations

import sqlite_utils

# A site is flagged when its last HEALTH_RUNS runs all failed or found no list pages.
HEALTH_RUNS = 3

VIEWS: dict[str, str] = {
    # Every document with how many places it was seen.
    "document_sightings": """
        SELECT d.id AS document_id, d.title, d.published, COUNT(s.id) AS sightings,
               COUNT(DISTINCT s.site) AS sites, GROUP_CONCAT(DISTINCT s.site) AS site_ids
        FROM documents d JOIN sightings s ON s.document_id = d.id GROUP BY d.id""",
    # Each site judged by its last HEALTH_RUNS runs, by its own outcome in each ('ok' when its
    # work ended before the process did); runs still open and outcomes of a stopped service say
    # nothing. A site whose last run read nothing of it and met errors (a refused connection, a
    # dead host) is unreachable at once: counted as an ok run, it would read as healthy, then as
    # blind, which suggests a changed layout.
    "site_health": f"""
        WITH ranked AS (
            SELECT s.site, r.id AS run_id, r.started, COALESCE(s.status, r.status) AS status,
                   s.list_pages + s.not_modified AS list_pages, s.articles, s.errors,
                   s.challenges_unsolved,
                   ROW_NUMBER() OVER (PARTITION BY s.site ORDER BY r.id DESC) AS n
            FROM crawl_run_sites s JOIN crawl_runs r ON r.id = s.run_id
            WHERE r.status != 'running' AND COALESCE(s.status, r.status) != 'interrupted'
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
                 WHEN (SELECT challenges_unsolved FROM ranked AS last
                       WHERE last.site = ranked.site AND last.n = 1) > 0
                   THEN 'behind a JS challenge the last run did not get through: install a browser (apt-get install chromium; pip install ''summary-archive[render]'') or see its js_challenge error'
                 WHEN COUNT(*) >= {HEALTH_RUNS} AND SUM(status = 'ok') = 0 THEN 'failing: the last {HEALTH_RUNS} runs did not complete'
                 WHEN EXISTS (SELECT 1 FROM ranked AS last WHERE last.site = ranked.site AND last.n = 1
                              AND last.list_pages = 0 AND last.articles = 0 AND last.errors > 0)
                   THEN 'unreachable: the last run read no page of the site ('
                        || COALESCE((SELECT e.kind FROM crawl_errors e
                                     JOIN ranked AS last ON last.site = e.site AND last.n = 1
                                     WHERE e.site = ranked.site AND e.run_id = last.run_id
                                     ORDER BY e.id LIMIT 1), 'errors')
                        || '; see crawl_errors)'
                 WHEN COUNT(*) < {HEALTH_RUNS} THEN 'ok'
                 WHEN SUM(list_pages) = 0 THEN 'blind: the last {HEALTH_RUNS} runs found no list page (not even unchanged ones)'
                 ELSE 'ok'
               END AS health
        FROM ranked WHERE n <= {HEALTH_RUNS} GROUP BY site""",
    # Every text seen at a URL, numbered in the order they were seen.
    "versions": """
        SELECT v.url, v.site,
               ROW_NUMBER() OVER (PARTITION BY v.url ORDER BY v.first_seen, v.document_id) AS version,
               COUNT(*) OVER (PARTITION BY v.url) AS versions,
               v.document_id, d.title, d.chars, d.content_hash, v.first_seen, v.last_seen,
               s.document_id IS v.document_id AS current
        FROM url_versions v JOIN documents d ON d.id = v.document_id
        LEFT JOIN sightings s ON s.url = v.url""",
    # Atom feeds (datasette-atom renders any table or view with atom_* columns as a feed, filtered
    # as the table is): new summaries, newest first, with every documents column to filter them
    # by. Entry ids are stable tag URIs; links are relative to the feed (…/documents_feed.atom →
    # …/documents/ID). A summary is one entry, by its current text, under the id and date of its
    # first text: an edit is not a new entry (changed_texts_feed has it).
    "documents_feed": """
        SELECT d.*, s.name AS site_name,
               'tag:summary-archive,2026:document/' || COALESCE(f.content_hash, d.content_hash)
                 AS atom_id,
               d.title AS atom_title,
               COALESCE(f.first_seen, d.first_seen) AS atom_updated,
               'documents/' || d.id AS atom_link,
               COALESCE(d.published, '') || ' · ' || COALESCE(d.region, '') || ' · '
                 || COALESCE(s.name, d.site) || ' · ' || COALESCE(d.source, '') || char(10)
                 || char(10) || substr(d.body, 1, 300) AS atom_content
        FROM documents d LEFT JOIN sites s ON s.id = d.site
        LEFT JOIN documents f ON f.id = d.version_of
        WHERE d.superseded_by IS NULL""",
    # Texts changed at a URL: every version after a URL's first.
    "changed_texts_feed": """
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
                           OR (e.first_seen = v.first_seen AND e.rowid < v.rowid)))""",
    # Texts near the classifier's line that no reader has labelled yet (crawler label URL …).
    "candidates": """
        SELECT p.title, p.site, round(p.score, 2) AS score, p.is_summary, p.reason AS why,
               p.url, p.last_fetched
        FROM pages p LEFT JOIN labels l ON l.url = p.url
        WHERE p.near_line = 1 AND l.url IS NULL""",
}


def view_sql(name: str) -> str:
    """The CREATE VIEW statement of one view, as stored in sqlite_master."""
    return f"CREATE VIEW {name} AS{VIEWS[name]}"


def stale_views(db: sqlite_utils.Database) -> list[str]:
    """Views whose stored definition is not the current one (or that are missing, or no longer
    defined)."""
    stored = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view'").fetchall())
    changed = [name for name in VIEWS if stored.get(name) != view_sql(name)]
    return changed + sorted(set(stored) - set(VIEWS))


def sync_views(db: sqlite_utils.Database) -> list[str]:
    """Make every view as defined here, in one transaction; the names of those (re)made or
    dropped. Cheap when nothing changed: one read of sqlite_master."""
    if not stale_views(db):
        return []
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        stale = stale_views(db)  # another process may have done it meanwhile
        for name in stale:
            conn.execute(f"DROP VIEW IF EXISTS {name}")
        for name in stale:
            if name in VIEWS:
                conn.execute(view_sql(name))
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return stale
