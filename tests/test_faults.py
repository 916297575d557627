"""Faults: crawls killed at random moments, two crawls of one site, a full disk, and an archive
from the first release. What is archived is never lost or left half-written."""

from __future__ import annotations

import asyncio
import os
import random
import resource
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from conftest import FAST, rows, run_crawler
from datasette.app import Datasette

from crawler.archive.migrations import migration_names
from crawler.crawl.runner import EXIT_BUSY, crawl_command
from crawler.datasette.serve import metadata_for
from crawler.fingerprint import normalise
from crawler.search import fts_query

FIXTURES = Path(__file__).parent / "fixtures"
# How many times the kill test kills a crawl; the note reports a longer run (KILL_RUNS=20).
KILL_RUNS = int(os.environ.get("KILL_RUNS", "6"))


def archive_state(db: Path) -> dict[str, set]:
    """What a crawl leaves behind, without the bookkeeping of runs and times. A document's text
    is compared in its hashing form: which of two reposts is fetched first (and so gives the
    document its punctuation) depends on timing in any crawl."""
    if not rows(db, "SELECT name FROM sqlite_master WHERE name = 'documents_fts'"):
        return {"documents": set(), "sightings": set(), "pages": set()}
    return {
        "documents": {
            (d["content_hash"], normalise(d["body"]), d["published"])
            for d in rows(db, "SELECT * FROM documents")
        },
        "sightings": {
            (s["url"], s["content_hash"])
            for s in rows(
                db,
                "SELECT s.url, d.content_hash FROM sightings s JOIN documents d ON d.id = s.document_id",
            )
        },
        "pages": {
            (p["url"], p["kind"], p["status"], p["is_summary"], p["content_hash"])
            for p in rows(db, "SELECT * FROM pages")
        },
    }


def assert_consistent(db: Path) -> None:
    """Nothing half-written: the file is sound, every sighting has its document, every document its
    version at a URL, page row, family and search entry."""
    assert rows(db, "PRAGMA integrity_check") == [{"integrity_check": "ok"}]
    assert rows(db, "PRAGMA foreign_key_check") == []
    tables = {r["name"] for r in rows(db, "SELECT name FROM sqlite_master")}
    if "documents_fts" not in tables:  # killed while creating the schema: nothing written yet
        assert not tables & {"documents", "pages"} or not rows(db, "SELECT url FROM pages")
        return
    assert (
        rows(
            db,
            "SELECT id FROM sightings WHERE document_id NOT IN (SELECT id FROM documents)",
        )
        == []
    )
    assert (
        rows(
            db,
            "SELECT id FROM documents WHERE id NOT IN (SELECT document_id FROM url_versions) "
            "OR url NOT IN (SELECT url FROM pages) OR family_id NOT IN (SELECT id FROM document_families)",
        )
        == []
    )
    documents = rows(db, "SELECT count(*) AS n FROM documents")[0]["n"]
    indexed = rows(db, "SELECT count(*) AS n FROM documents_fts")[0]["n"]
    assert indexed == documents


def crawl_process(sites_file: Path, db: Path, *site_ids: str, **popen) -> subprocess.Popen:
    command = crawl_command(sites_file, db, [arg for arg in FAST if arg != "-s"], site_ids)
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen
    )


def start_crawl(
    sites_file: Path, db: Path, first_page: bool = True
) -> tuple[subprocess.Popen, float]:
    """A crawl process, returned once it has written its first page (or only created its archive),
    with that moment."""
    process = crawl_process(sites_file, db)
    while process.poll() is None:
        if db.exists() and not first_page:
            break
        try:
            if db.exists() and rows(db, "SELECT count(*) AS n FROM pages")[0]["n"]:
                break
        except sqlite3.OperationalError:
            pass  # the schema is not there yet
        time.sleep(0.005)
    return process, time.monotonic()


def test_a_crawl_killed_at_any_moment_leaves_a_sound_archive_that_the_next_crawl_completes(
    tmp_path: Path, sample_web, sites_file: Path
):
    for site in sample_web.sites.values():  # slower pages, so that kills land mid-crawl
        for route in site.routes.values():
            if not callable(route):
                route.delay = 0.05
    reference = tmp_path / "reference.db"
    process, created = start_crawl(sites_file, reference)
    _, stderr = process.communicate(timeout=180)
    assert process.returncode == 0, stderr
    crawling = time.monotonic() - created  # from the first page written to the crawl's end
    expected = archive_state(reference)
    assert len(expected["documents"]) == 4
    rng = random.Random(int(os.environ.get("KILL_SEED", "0")) or None)
    outcomes = []
    for attempt in range(KILL_RUNS):
        db = tmp_path / f"killed-{attempt}.db"
        # The first kill comes as the archive is created, the others while pages are written.
        process, created = start_crawl(sites_file, db, first_page=attempt > 0)
        time.sleep(rng.uniform(0, crawling) if attempt else 0)
        delay = time.monotonic() - created
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        if not db.exists():
            outcomes.append((round(delay, 2), "before the archive was created"))
            continue
        assert_consistent(db)
        partial = archive_state(db)
        outcomes.append((round(delay, 2), len(partial["pages"])))
        result = run_crawler("crawl", "--sites", str(sites_file), "--db", str(db), *FAST)
        assert result.returncode == 0, result.stderr
        assert_consistent(db)
        assert archive_state(db) == expected, f"killed after {delay:.2f} s"
        runs = rows(db, "SELECT status, message FROM crawl_runs ORDER BY id")
        assert runs[-1]["status"] == "ok"
        for run in runs[:-1]:  # the killed run: closed by the next crawl, unless it had finished
            assert run["status"] == "ok" or (
                run["status"] == "interrupted" and "ended without closing its run" in run["message"]
            ), run
    # The kills landed at different points of the crawl (pages already written when killed).
    print(f"crawl {crawling:.2f} s; killed after (s, pages written):", outcomes)
    written = {pages for _, pages in outcomes if isinstance(pages, int)}
    assert len(written) >= min(2, KILL_RUNS)


def running_runs(db: Path) -> list[dict]:
    """The runs open in the archive; none while the archive or its schema is still being made."""
    try:
        return rows(db, "SELECT id FROM crawl_runs WHERE status = 'running'") if db.exists() else []
    except sqlite3.OperationalError:
        return []


def test_a_second_crawl_of_the_same_site_is_refused_while_the_first_runs(
    tmp_path: Path, sample_web, sites_file: Path
):
    site = sample_web["yunxi-gov"]
    for route in site.routes.values():
        if not callable(route):
            route.delay = 0.3  # a slow site keeps the first crawl busy
    db = tmp_path / "archive.db"
    first = crawl_process(sites_file, db, "yunxi-gov")
    deadline = time.monotonic() + 30
    while not running_runs(db):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    second = run_crawler("crawl", "--sites", str(sites_file), "--db", str(db), *FAST, "yunxi-gov")
    assert second.returncode == EXIT_BUSY
    message = second.stderr.strip().splitlines()[-1]
    assert message.startswith("refused: site 'yunxi-gov' is already being crawled")
    assert f"pid {first.pid}" in message
    other = run_crawler("crawl", "--sites", str(sites_file), "--db", str(db), *FAST, "qingshan-tz")
    assert other.returncode == 0, "another site may be crawled into the same archive meanwhile"
    _, stderr = first.communicate(timeout=120)
    assert first.returncode == 0, stderr
    assert [r["status"] for r in rows(db, "SELECT status FROM crawl_runs ORDER BY id")] == [
        "ok",
        "ok",
    ]
    assert len(rows(db, "SELECT id FROM sightings")) == 4  # 2 on each site
    again = run_crawler("crawl", "--sites", str(sites_file), "--db", str(db), *FAST, "yunxi-gov")
    assert again.returncode == 0, again.stderr


def _limit_file_size(limit: int):
    def apply() -> None:
        # Writing past the limit then fails with EFBIG, as on a full disk, instead of SIGXFSZ.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_disk_stops_the_crawl_with_a_clear_message_and_keeps_the_archive(
    tmp_path: Path, sample_web, sites_file: Path
):
    db = tmp_path / "archive.db"
    result = run_crawler("crawl", "--sites", str(sites_file), "--db", str(db), *FAST, "yunxi-gov")
    assert result.returncode == 0, result.stderr
    before = archive_state(db)
    # The archive file may not grow, and its write-ahead log only to a few pages.
    process = crawl_process(
        sites_file, db, preexec_fn=_limit_file_size(max(db.stat().st_size, 48 * 1024))
    )
    _, stderr = process.communicate(timeout=180)
    assert process.returncode == 1, stderr
    last = stderr.strip().splitlines()[-1]
    assert f"cannot write archive {db}" in last and "what was archived before is kept" in last
    assert_consistent(db)
    after = archive_state(db)
    assert before["documents"] <= after["documents"] and before["sightings"] <= after["sightings"]
    # With room again, the next crawl completes the work.
    result = run_crawler("crawl", "--sites", str(sites_file), "--db", str(db), *FAST)
    assert result.returncode == 0, result.stderr
    assert_consistent(db)
    assert len(rows(db, "SELECT id FROM documents")) == 4
    assert len(rows(db, "SELECT id FROM sightings")) == 5


def test_an_archive_from_the_first_release_is_upgraded_in_place(
    tmp_path: Path, sample_web, sites_file: Path
):
    db = tmp_path / "archive.db"
    conn = sqlite3.connect(db)
    conn.executescript((FIXTURES / "archive-v0.1.sql").read_text("utf-8"))
    conn.close()
    old_documents = rows(db, "SELECT content_hash, title, body, published FROM documents")
    old_sightings = rows(db, "SELECT url FROM sightings")
    assert len(old_documents) == 4 and len(old_sightings) == 5
    result = run_crawler("crawl", "--sites", str(sites_file), "--db", str(db), *FAST)
    assert result.returncode == 0, result.stderr
    applied = [r["name"] for r in rows(db, "SELECT name FROM _sqlite_migrations ORDER BY id")]
    assert applied == migration_names()
    for document in old_documents:
        assert document in rows(
            db,
            "SELECT content_hash, title, body, published FROM documents WHERE content_hash = ?",
            (document["content_hash"],),
        )
    urls = {r["url"] for r in rows(db, "SELECT url FROM sightings")}
    assert {s["url"] for s in old_sightings} <= urls, "old sightings are kept"
    assert_consistent(db)
    # The old documents are searchable, in SQL and through Datasette.
    found = rows(
        db,
        "SELECT d.title FROM documents_fts f JOIN documents d ON d.id = f.rowid "
        "WHERE documents_fts MATCH ?",
        (fts_query("民族宗教"),),
    )
    expected = sorted(
        d["title"]
        for d in rows(db, "SELECT title, body FROM documents")
        if "民族宗教" in d["title"] + d["body"]
    )
    assert len(expected) >= 1 and sorted(r["title"] for r in found) == expected

    async def search():
        datasette = Datasette([str(db)], metadata=metadata_for(db))
        return await datasette.client.get("/archive/documents.json?_search=民族宗教&_shape=objects")

    response = asyncio.run(search())
    assert response.status_code == 200
    assert sorted(r["title"] for r in response.json()["rows"]) == expected
