"""Faults: crawls killed at random moments, two crawls of one site, a full disk, and an archive
from the first release. What is archived is never lost or left half-written."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from conftest import FAST, rows, run_crawler
from datasette.app import Datasette

from crawler.archive.migrations import migration_names
from crawler.crawl.command import EXIT_BUSY, crawl_command
from crawler.datasette.serve import metadata_for
from crawler.fingerprint import normalise
from crawler.search import fts_query

FIXTURES = Path(__file__).parent / "fixtures"
# How many times the kill test kills a crawl. Three kills cover the moments that matter (as the
# archive is created, and two at random points while pages are written, KILL_SEED to replay one);
# the long run, KILL_RUNS=20, lands kills at many more points of the crawl.
KILL_RUNS = int(os.environ.get("KILL_RUNS", "3"))


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


def _limit_file_size(limit: int, hard: int | None = None):
    """``hard``: a hard limit above the soft one lets the test give the room back."""

    def apply() -> None:
        # Writing past the limit then fails with EFBIG, as on a full disk, instead of SIGXFSZ.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit if hard is None else hard))

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


def test_leftover_warc_files_are_closed_once_by_crawls_started_together(tmp_path: Path):
    """Crawls started at one moment after a kill all find the dead crawl's ``.open`` files: each
    is closed once, by one of them, and none of them fails."""
    from crawler.crawl.warc import exchange_records, recover_open_files

    folder = tmp_path / "warc"
    folder.mkdir()
    dead = subprocess.Popen(["true"])
    dead.wait()  # a pid no process has now
    record = _one_record(exchange_records)
    for n in range(40):  # whole records and one cut short, as a kill leaves them
        (folder / f"crawl-20261206000000-{dead.pid}-{n:05d}.warc.gz.open").write_bytes(
            record * 3 + record[:40]
        )
    # The processes wait for one moment to start together, as crawls a restart starts do.
    script = (
        "import sys, time; from pathlib import Path; from crawler.crawl.warc import "
        "recover_open_files; time.sleep(max(0, float(sys.argv[2]) - time.time()));"
        "print(len(recover_open_files(Path(sys.argv[1]))))"
    )
    at = str(time.time() + 4)
    racing = [
        subprocess.Popen([sys.executable, "-c", script, str(folder), at], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]  # fmt: skip
    closed = []
    for process in racing:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        closed.append(int(out))
    assert sum(closed) == 40, closed  # each file closed by exactly one process
    assert recover_open_files(folder) == []
    assert not [p for p in folder.iterdir() if not p.name.endswith(".warc.gz")], "no lock file"
    files = sorted(folder.glob("*.warc.gz"))
    assert len(files) == 40 and all(f.stat().st_size == len(record) * 3 for f in files)


def _one_record(exchange_records) -> bytes:
    from scrapy import Request
    from scrapy.http import HtmlResponse

    request = Request("http://127.0.0.1/a.html")
    response = HtmlResponse(request.url, body="<p>正文</p>".encode(), encoding="utf-8")
    return exchange_records(request, response)


def test_after_the_scheduler_and_its_crawls_are_killed_a_restart_completes_every_site(
    tmp_path: Path, sample_web, sites_file: Path
):
    """kill -9 of the scheduler's process group (a power cut, an OOM kill) while three crawls
    write: the restart closes the leftovers once, crawls the interrupted sites at once (not at
    their next time) and leaves the archive a crawl without the fault leaves."""
    from test_scheduler import scheduler_command, slow, wait_for

    reference = tmp_path / "reference.db"
    result = run_crawler("crawl", "--sites", str(sites_file), "--db", str(reference), *FAST)
    assert result.returncode == 0, result.stderr
    fast = {site: dict(site.routes) for site in sample_web.sites.values()}
    for site in sample_web.sites.values():  # the killed crawls are mid-way, each with a file
        for path in [p for p in site.routes if re.search(r"/art_|/content_|/t20", str(p))]:
            site.routes[path] = slow(site.routes[path], 2.0)
    db = tmp_path / "archive.db"
    warc = tmp_path / "archive-warc"
    command = scheduler_command(sites_file, db, "--jitter", "0", *FAST, "--sites-per-crawl", "1",
                                "--max-parallel", "3")  # fmt: skip
    killed = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    try:
        assert wait_for(lambda: len(list(warc.glob("*.open"))) == 3, 60)
    finally:
        os.killpg(killed.pid, signal.SIGKILL)
        killed.wait()
    assert len(list(warc.glob("*.open"))) == 3
    for site, routes in fast.items():
        site.routes.update(routes)
    # Each site is not due for hours by its schedule: only the catch-up crawls it now.
    restart = subprocess.run([*command, "--once"], cwd=tmp_path, capture_output=True, text=True,
                             timeout=180)  # fmt: skip
    assert restart.returncode == 0, restart.stderr
    assert "Traceback" not in restart.stderr and "FileNotFoundError" not in restart.stderr
    assert "no site is due" not in restart.stderr
    assert not list(warc.glob("*.open"))
    assert_consistent(db)
    assert archive_state(db) == archive_state(reference)
    statuses = [r["status"] for r in rows(db, "SELECT status FROM crawl_runs ORDER BY id")]
    assert statuses == ["interrupted"] * 3 + ["ok"] * 3, statuses
    stored = rows(db, "SELECT DISTINCT warc_file FROM pages WHERE warc_file IS NOT NULL")
    assert stored and all((warc / row["warc_file"]).exists() for row in stored)


def test_a_full_disk_under_the_service_is_one_line_and_its_sites_are_crawled_once_there_is_room(
    tmp_path: Path, sample_web, sites_file: Path
):
    """The service's files may not grow past a limit (RLIMIT_FSIZE, as a full disk): the crawl
    stops, the service says so in one line and keeps running (its own state store and log
    too), no WARC record is left torn; once there is room the failed run is closed and its
    sites crawled again, and the archive is the one a crawl with room makes."""
    from test_readers import descendants
    from test_scheduler import scheduler_command, stop, wait_for
    from test_warc import warc_records

    reference = tmp_path / "reference.db"
    result = run_crawler("crawl", "--sites", str(sites_file), "--db", str(reference), *FAST)
    assert result.returncode == 0, result.stderr
    db = tmp_path / "archive.db"
    result = run_crawler("crawl", "--sites", str(sites_file), "--db", str(db), *FAST, "yunxi-gov")
    assert result.returncode == 0, result.stderr
    service = subprocess.Popen(
        scheduler_command(sites_file, db, "--jitter", "0", *FAST, "--upkeep-every", "1"),
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        preexec_fn=_limit_file_size(max(db.stat().st_size, 48 * 1024), resource.RLIM_INFINITY),
    )  # fmt: skip
    log = tmp_path / "logs" / "scheduler.log"

    def said(text: str) -> bool:
        return log.exists() and text in log.read_text("utf-8")

    try:
        # linjiang-news and qingshan-tz were never crawled: due at once, and the disk is full
        assert wait_for(lambda: said("what was archived before is kept"), 120)
        time.sleep(2)  # a few rounds of the service's upkeep on the full disk
        assert service.poll() is None, "the service keeps running"
        # room again, for every process of the service (the fork server its crawls start from)
        for pid in [service.pid, *descendants(service.pid)]:
            with contextlib.suppress(ProcessLookupError):
                resource.prlimit(pid, resource.RLIMIT_FSIZE,
                                 (resource.RLIM_INFINITY, resource.RLIM_INFINITY))  # fmt: skip
        assert wait_for(lambda: said("can be written again"), 60)
        assert wait_for(lambda: rows(db, "SELECT status FROM crawl_runs ORDER BY id")[-1:]
                        == [{"status": "ok"}] and len(rows(db, "SELECT id FROM crawl_runs")) == 3,
                        120)  # fmt: skip
    finally:
        output = stop(service)
    text = log.read_text("utf-8")
    full = [line for line in text.splitlines() if "what was archived before is kept" in line]
    assert len(full) == 1, text
    assert f"cannot write archive {db}" in full[0] and " MB free beside it" in full[0]
    assert "Traceback" not in output and "Logging error" not in output, output
    assert [r["status"] for r in rows(db, "SELECT status FROM crawl_runs ORDER BY id")] == [
        "ok",
        "failed",
        "ok",
    ]
    assert_consistent(db)
    assert archive_state(db) == archive_state(reference)
    assert warc_records(tmp_path / "archive-warc"), "every WARC record reads to its end"


def test_room_after_a_full_disk_is_the_space_a_crawl_needs_not_a_row_rolled_back(tmp_path: Path):
    """A write the archive takes is not room: the service looks for room as the free space asked
    for and a megabyte written beside the archive; under a file-size limit of 48 KB (a full disk)
    there is none though the archive takes a row, and asking for more than is free is none."""
    from crawler.archive import Archive

    db = tmp_path / "archive.db"
    Archive(db).close()
    probe = [sys.executable, "-c", "import sys; from pathlib import Path; "
             "from crawler.schedule import room; from crawler.archive import Archive; "
             "room.ROOM_FREE_BYTES = int(sys.argv[2]); a = Archive(Path(sys.argv[1])); "
             "a.check_writable(); print(room.has_room(Path(sys.argv[1])))"]  # fmt: skip
    limited = subprocess.run([*probe, str(db), "0"], capture_output=True, text=True,
                             preexec_fn=_limit_file_size(48 * 1024))  # fmt: skip
    assert limited.stdout.split() == ["False"], limited.stderr
    free = subprocess.run([*probe, str(db), "0"], capture_output=True, text=True)
    assert free.stdout.split() == ["True"], free.stderr
    asked = subprocess.run([*probe, str(db), str(2**62)], capture_output=True, text=True)
    assert asked.stdout.split() == ["False"], asked.stderr
    assert not [p.name for p in tmp_path.iterdir() if "room-probe" in p.name], "probe removed"


def test_sites_handed_back_after_a_full_disk_wait_for_their_last_crawl_to_let_go(tmp_path: Path):
    """The service may find room while the crawl that filled the disk is still letting go of its
    sites: they are not dropped (nor said to overrun) but handed back at the next look."""
    import threading

    from crawler.schedule import room as room_module
    from crawler.schedule.crawljob import CrawlConfig
    from crawler.schedule.pool import CrawlPool

    release, crawled = threading.Event(), []

    def crawl(batch, config):
        crawled.append(list(batch))
        if len(crawled) == 1:
            release.wait(30)
        return 0

    config = CrawlConfig(str(tmp_path / "sites.toml"), str(tmp_path / "archive.db"), str(tmp_path))
    from crawler.archive import Archive

    Archive(tmp_path / "archive.db").close()
    saved = room_module.UPKEEP_EVERY_S, room_module.ROOM_FREE_BYTES
    room_module.UPKEEP_EVERY_S, room_module.ROOM_FREE_BYTES = 0.0, 0
    try:
        with CrawlPool(config, processes=2, gather=0.0, crawl=crawl) as pool:
            assert pool.submit("a")
            deadline = time.monotonic() + 10
            while not crawled and time.monotonic() < deadline:
                time.sleep(0.05)
            room = room_module.Room(tmp_path / "archive.db")
            room.full("a", "cannot write archive: disk I/O error", ["a"], None)
            room.upkeep(pool.hand_back)  # room, but the crawl of "a" has not let go of it yet
            assert room.sites == {"a"} and crawled == [["a"]]
            release.set()
            deadline = time.monotonic() + 10
            while len(crawled) < 2 and time.monotonic() < deadline:
                room.upkeep(pool.hand_back)
                time.sleep(0.05)
            assert crawled == [["a"], ["a"]] and not room.sites
            pool.drain()
    finally:
        room_module.UPKEEP_EVERY_S, room_module.ROOM_FREE_BYTES = saved


def test_a_reader_holding_a_transaction_is_warned_of_and_the_wal_is_emptied_when_it_lets_go(
    tmp_path: Path, sample_web, sites_file: Path
):
    """A reader keeps a read transaction open while the service crawls: the WAL grows, the
    service says so with its size; once the reader lets go the next checkpoint empties the
    file, though other connections (Datasette) stay open."""
    import threading

    from test_scheduler import scheduler_command, stop, wait_for

    reference = tmp_path / "reference.db"
    result = run_crawler("crawl", "--sites", str(sites_file), "--db", str(reference), *FAST)
    assert result.returncode == 0, result.stderr
    db = tmp_path / "archive.db"
    result = run_crawler("crawl", "--sites", str(sites_file), "--db", str(db), *FAST, "yunxi-gov")
    assert result.returncode == 0, result.stderr
    holding, let_go = threading.Event(), threading.Event()

    def reader() -> None:  # a researcher's sqlite3 shell in the middle of a query
        conn = sqlite3.connect(db)
        conn.execute("BEGIN")
        conn.execute("SELECT count(*) FROM pages").fetchall()
        holding.set()
        let_go.wait(120)
        conn.execute("COMMIT")
        conn.close()

    thread = threading.Thread(target=reader)
    thread.start()
    idle = sqlite3.connect(db)  # stays open throughout, as Datasette's does
    idle.execute("SELECT count(*) FROM pages").fetchall()
    wal = Path(f"{db}-wal")
    try:
        assert holding.wait(30)
        service = subprocess.Popen(
            scheduler_command(sites_file, db, "--jitter", "0", *FAST, "--upkeep-every", "1",
                              "--wal-warn-mb", "0.01"),
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            assert wait_for(lambda: len(rows(db, "SELECT id FROM crawl_runs WHERE status = 'ok'"))
                            == 2, 120)  # fmt: skip
            log = tmp_path / "logs" / "scheduler.log"
            assert wait_for(lambda: "cannot be emptied: a reader keeps" in log.read_text(), 30)
            grown = wal.stat().st_size
            assert grown > 10_000
            let_go.set()
            thread.join(30)
            assert wait_for(lambda: wal.stat().st_size == 0, 30), wal.stat().st_size
        finally:
            output = stop(service)
    finally:
        let_go.set()
        thread.join(30)
        idle.close()
    warned = [line for line in log.read_text().splitlines() if "write-ahead log" in line]
    assert warned and all(" MB and cannot be emptied" in line for line in warned), warned
    assert "Traceback" not in output, output
    assert archive_state(db) == archive_state(reference)


def test_reading_an_archive_leaves_no_wal_or_shm_beside_it(crawled: Path):
    """What the scheduler reads before it sends a job (the sites' state), and the look that an
    archive is one, leave the archive one file once they are done."""
    from crawler.archive import read_crawl_state
    from crawler.archive.core import refuse_foreign_database

    def beside() -> list[str]:
        return sorted(p.name for p in crawled.parent.glob(f"{crawled.name}*"))

    assert beside() == [crawled.name]
    assert read_crawl_state(crawled, ["yunxi-gov"])["yunxi-gov"].known_articles
    assert beside() == [crawled.name]
    refuse_foreign_database(crawled)
    assert beside() == [crawled.name]
