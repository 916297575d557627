"""Faults of the many-machine path, injected through real processes: a real redis-server killed
(-9) mid-crawl and started again with its append-only file or empty, locks and messages such a
restart leaves behind, bytes on the queues that are no message, a result that comes after its
job was written. Each archive is compared with the one a crawl without the fault builds."""

from __future__ import annotations

import json
import subprocess
import tarfile
from pathlib import Path

import redis
from conftest import FAST, rows, run_crawler
from test_distributed import (  # noqa: F401 - single_machine is a fixture
    RedisServer,
    archive_contents,
    every_log,
    single_machine,
    start,
    stop,
)
from test_scheduler import scheduler_command, slow, wait_for

from crawler.distributed.queue import PREFIX, declare, make_broker, site_key


def slow_articles(site, seconds: float) -> None:
    for path in [p for p in site.routes if isinstance(p, str) and "/art/" in p]:
        site.routes[path] = slow(site.routes[path], seconds)


def leftovers(client: redis.Redis) -> list[bytes]:
    """What a finished crawl should not leave in Redis: site locks, results, their room."""
    return sorted([*client.keys(f"{PREFIX}:site:*"), *client.keys(f"{PREFIX}:result:*")]) + (
        [b"results-pending"] if client.hlen(f"{PREFIX}:results-pending") else []
    )


def test_redis_restarted_with_its_append_only_file_leaves_no_lock_or_message_behind(
    tmp_path: Path,
    sample_web,
    sites_file: Path,
    single_machine: Path,  # noqa: F811
):
    """Redis killed mid-crawl and started again from its append-only file, which also brought
    back a site lock of a job that died with an earlier restart, bytes that are no message and a
    message of the wrong shape: every site is crawled, the orphan lock released (one line), the
    bad messages dead-lettered (one line each), nothing left in Redis."""
    server = RedisServer(tmp_path / "redis", appendonly=True)
    client = redis.Redis.from_url(server.url)
    client.set(site_key("qingshan-tz"), "0f1e2d3c", ex=7 * 3600)  # a job no one has any more
    namespace = f"{PREFIX}:dramatiq"
    client.hset(f"{namespace}:crawl.msgs", "garbage-1", b"\x00\xff not a message")
    client.rpush(f"{namespace}:crawl", "garbage-1")
    sender = make_broker(server.url)
    declare(sender).crawl.send({"job_id": "wrong-shape"})  # no sites, no registry
    sender.close()
    slow_articles(sample_web["yunxi-gov"], 1.0)
    sample_web["yunxi-gov"].clear_log()
    db, logs = tmp_path / "archive.db", tmp_path / "logs"
    logs.mkdir()
    writer = start("writer", "--broker", server.url, "--db", str(db), log=logs / "writer.out")
    worker = start("worker", "--broker", server.url, "--work-dir", str(tmp_path / "w"),
                   log=logs / "worker.out")  # fmt: skip
    scheduler = subprocess.Popen(
        [*scheduler_command(sites_file, db, *FAST), "--broker", server.url, "--once"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert wait_for(lambda: any("/art/" in p for p in sample_web["yunxi-gov"].paths_requested()),
                        90), every_log(logs, tmp_path)  # fmt: skip
        server.kill()
        server.start()
        output, _ = scheduler.communicate(timeout=180)
    finally:
        if scheduler.poll() is None:
            scheduler.kill()
        stop(worker, writer)
    try:
        said = output + every_log(logs, tmp_path)
        assert scheduler.returncode == 0, said
        assert "Traceback" not in output, output
        assert "its lock named job 0f1e2d3c" in output and "released" in output
        assert archive_contents(db) == archive_contents(single_machine)
        assert rows(db, "SELECT DISTINCT status FROM crawl_runs") == [{"status": "ok"}]
        worker_log = (logs / "worker.out").read_text() + (logs / "writer.out").read_text()
        assert worker_log.count("bad crawl message") == 2, worker_log
        assert client.zcard(f"{namespace}:crawl.XQ") == 2  # kept, dead-lettered
        assert not client.hlen(f"{namespace}:crawl.msgs")
        assert leftovers(client) == []
    finally:
        server.stop()


def test_redis_restarted_empty_the_result_kept_on_the_worker_is_sent_when_it_is_back(
    tmp_path: Path, sample_web, sites_file: Path
):
    """Redis killed while a worker crawls and down when the crawl ends, then started empty: the
    worker keeps its result on its disk and says where, the scheduler says in one line what it
    waits for; once Redis is back the result is sent and written, once."""
    local = tmp_path / "local.db"
    result = run_crawler("crawl", "--sites", str(sites_file), "--db", str(local), *FAST,
                         "yunxi-gov")  # fmt: skip
    assert result.returncode == 0, result.stderr
    slow_articles(sample_web["yunxi-gov"], 0.5)
    sample_web["yunxi-gov"].clear_log()
    server = RedisServer(tmp_path / "redis")
    db, logs = tmp_path / "archive.db", tmp_path / "logs"
    logs.mkdir()
    writer = start("writer", "--broker", server.url, "--db", str(db), log=logs / "writer.out")
    worker = start("worker", "--broker", server.url, "--work-dir", str(tmp_path / "w"),
                   log=logs / "worker.out")  # fmt: skip
    scheduler = subprocess.Popen(
        [*scheduler_command(sites_file, db, *FAST), "--broker", server.url, "--once",
         "yunxi-gov"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert wait_for(lambda: any("/art/" in p for p in sample_web["yunxi-gov"].paths_requested()),
                        90), every_log(logs, tmp_path)  # fmt: skip
        server.kill()
        assert wait_for(lambda: "it is kept in" in (logs / "worker.out").read_text(), 90), (
            every_log(logs, tmp_path)
        )
        server.start()  # empty: no lock, no job, no message of before
        output, _ = scheduler.communicate(timeout=180)
    finally:
        if scheduler.poll() is None:
            scheduler.kill()
        stop(worker, writer)
    client = redis.Redis.from_url(server.url)
    try:
        said = output + every_log(logs, tmp_path)
        assert scheduler.returncode == 0, said
        assert "Traceback" not in output, output
        assert output.count("waiting for the broker") == 1, output
        worker_log = (logs / "worker.out").read_text()
        assert "result.tar.gz and sent when the broker answers" in worker_log, worker_log
        assert "its result is sent" in worker_log
        assert archive_contents(db) == archive_contents(local)
        assert [r["status"] for r in rows(db, "SELECT status FROM crawl_runs")] == ["ok"]
        assert leftovers(client) == []
        assert not [p for p in (tmp_path / "w").iterdir() if p.is_dir()], "work dir cleaned"
    finally:
        server.stop()


def test_a_late_result_of_a_job_written_before_is_discarded_whole(
    tmp_path: Path, sample_web, sites_file: Path
):
    """A worker frozen past its heartbeat wakes after another crawled its job: its result adds
    no row and no WARC file; each try's log is kept."""
    from crawler.distributed.worker import _pack
    from crawler.distributed.writer import write_result

    results = []
    for attempt in ("w1", "w2"):
        folder = tmp_path / attempt
        (folder / "warc").mkdir(parents=True)
        (tmp_path / "state.json").write_text("{}", "utf-8")
        crawl = run_crawler(
            "crawl", "--sites", str(sites_file), "--db", str(tmp_path / "unused.db"), *FAST,
            "-s", f"ARCHIVE_JOURNAL={folder / 'journal.jsonl'}",
            "-s", f"ARCHIVE_STATE_FILE={tmp_path / 'state.json'}",
            "-s", f"ARCHIVE_WARC_DIR={folder / 'warc'}", "-s", f"ARCHIVE_WARC_PREFIX={attempt}",
            "-s", f"LOG_FILE={folder / 'crawl.log'}", "linjiang-news",
        )  # fmt: skip
        assert crawl.returncode == 0, crawl.stderr
        results.append(_pack(folder))
    db, warc, logs = tmp_path / "archive.db", tmp_path / "archive-warc", tmp_path / "logs"
    registry = sites_file.read_bytes()
    job = {"job_id": "j1", "site_ids": ["linjiang-news"], "started": "2026-12-01T00:00:00Z",
           "finished": "2026-12-01T00:01:00Z", "exit_code": 0}  # fmt: skip
    first = write_result(db, results[1], {**job, "worker": "host:2"}, registry, warc, logs)
    kept = sorted(p.name for p in warc.iterdir())
    state = rows(db, "SELECT url, warc_file FROM pages ORDER BY url")
    late = write_result(db, results[0], {**job, "worker": "host:1"}, registry, warc, logs)
    assert late == first
    assert sorted(p.name for p in warc.iterdir()) == kept, "no WARC file of the late result"
    assert all(name.startswith("w2") for name in kept)
    assert rows(db, "SELECT url, warc_file FROM pages ORDER BY url") == state
    assert len(rows(db, "SELECT id FROM crawl_runs")) == 1
    assert sorted(p.name for p in logs.iterdir()) == ["crawl-j1-host-1.log", "crawl-j1-host-2.log"]
    with tarfile.open(results[0]) as tar:  # the late one had WARC files to bring
        assert [n for n in tar.getnames() if n.startswith("warc/")]


def test_a_killed_workers_job_folders_are_removed_and_its_kept_results_sent(tmp_path: Path):
    """What a worker killed mid-crawl left in its --work-dir is removed by the next worker there;
    a result it kept for a broker that was away is handed on to be sent; folders of live
    workers are left alone."""
    import os
    import sys

    from crawler.distributed.messages import KEPT, OWNER, clear_dead_folders

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    work = tmp_path / "work"
    for name, pid in (("crawled-half", dead.pid), ("kept", dead.pid), ("live", os.getpid())):
        (work / name / "warc").mkdir(parents=True)
        (work / name / OWNER).write_text(str(pid))
        (work / name / "journal.jsonl").write_text("{}\n")
    (work / "kept" / "result.tar.gz").write_bytes(b"result")
    (work / "kept" / KEPT).write_text('{"job_id": "kept"}')
    kept = clear_dead_folders(work)
    assert [(result["job_id"], folder.name) for result, folder in kept] == [("kept", "kept")]
    assert sorted(p.name for p in work.iterdir()) == ["kept", "live"]
    assert (work / "kept" / OWNER).read_text() == str(os.getpid())  # this worker sends it now


def _sent(client: redis.Redis) -> bool:
    """A result is in Redis and its job's status says the worker sent it."""
    statuses = [client.get(key) for key in client.keys(f"{PREFIX}:status:*")]
    return bool(client.keys(f"{PREFIX}:result:*")) and any(
        status and json.loads(status)["phase"] == "sent" for status in statuses
    )


def test_redis_restarted_empty_with_a_result_unwritten_the_job_is_sent_again(
    tmp_path: Path, sample_web, sites_file: Path
):
    """The worker has sent its result, the writer is not running, and Redis loses everything:
    the scheduler finds its job gone (no worker, message or result), sends it again, and the
    archive gets the sites once."""
    local = tmp_path / "local.db"
    result = run_crawler("crawl", "--sites", str(sites_file), "--db", str(local), *FAST,
                         "linjiang-news")  # fmt: skip
    assert result.returncode == 0, result.stderr
    server = RedisServer(tmp_path / "redis")
    client = redis.Redis.from_url(server.url)
    db, logs = tmp_path / "archive.db", tmp_path / "logs"
    logs.mkdir()
    worker = start("worker", "--broker", server.url, "--work-dir", str(tmp_path / "w"),
                   log=logs / "worker.out")  # fmt: skip
    scheduler = subprocess.Popen(
        [*scheduler_command(sites_file, db, *FAST), "--broker", server.url, "--once",
         "linjiang-news"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    writer = None
    try:
        # the worker has sent its result and is done with it (a Redis lost between the result and
        # the job's "sent" is a send that failed: the worker sends the result again)
        assert wait_for(lambda: _sent(client), 120), every_log(logs, tmp_path)
        server.kill()
        server.start()  # empty: the result is gone
        writer = start("writer", "--broker", server.url, "--db", str(db), log=logs / "writer.out")
        output, _ = scheduler.communicate(timeout=180)
    finally:
        if scheduler.poll() is None:
            scheduler.kill()
        stop(worker, *([writer] if writer else []))
    try:
        assert scheduler.returncode == 0, output + every_log(logs, tmp_path)
        assert "was lost with Redis's data" in output and "sent again" in output, output
        assert "Traceback" not in output, output
        assert archive_contents(db) == archive_contents(local)
        assert [r["status"] for r in rows(db, "SELECT status FROM crawl_runs")] == ["ok"]
        assert (logs / "worker.out").read_text().count("crawling linjiang-news") == 2
        assert leftovers(client) == []
    finally:
        server.stop()
