"""Scheduled crawls forked from a fork server that has the crawl's code imported
(crawler/crawl/starter.py): the archive they make is the one plain `python -m crawler crawl`
processes make, each crawl is a process of its own with its log and exit code, and the fork
server leaves with the scheduler."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from conftest import FAST, comparable_rows
from test_hardening import process_gone
from test_readers import children
from test_scheduler import scheduler_command, slow, wait_for

from crawler.crawl.starter import COLD_ENV

# every article read by the crawl's readers (a fork server the forked crawl starts of its own)
ASIDE = [
    "-s",
    "ARCHIVE_READ_ASIDE_BYTES=0",
    "-s",
    "ARCHIVE_READERS_WAIT=True",
    "-s",
    "LOG_LEVEL=INFO",
]


def scheduled_once(sites_file: Path, db: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*scheduler_command(sites_file, db, "--jitter", "0", *FAST, *ASIDE, "--once",
                            "--sites-per-crawl", "1")],
        cwd=db.parent, capture_output=True, text=True, timeout=180, env=dict(os.environ, **env),
    )  # fmt: skip


def test_forked_crawls_archive_what_cold_crawls_do(tmp_path: Path, sample_web, sites_file: Path):
    (tmp_path / "forked").mkdir()
    (tmp_path / "cold").mkdir()
    forked = scheduled_once(sites_file, tmp_path / "forked" / "archive.db")
    assert forked.returncode == 0, forked.stderr
    cold = scheduled_once(sites_file, tmp_path / "cold" / "archive.db", **{COLD_ENV: "1"})
    assert cold.returncode == 0, cold.stderr
    # one crawl process a site, each with its own log that ends with its run's summary
    for side in ("forked", "cold"):
        logs = sorted((tmp_path / side / "logs").glob("crawl-*.log"))
        assert len(logs) == len(sample_web.sites), logs
        for log in logs:
            text = log.read_text("utf-8")
            assert re.search(r"INFO: archive .*: run \d+ ok ", text), log
            assert int(re.search(r"'readers/pages': (\d+)", text).group(1)) > 0, log
    same = ("documents_new",)  # which site's run first found a repost: the order sites ran in
    assert comparable_rows(tmp_path / "forked" / "archive.db", same) == comparable_rows(
        tmp_path / "cold" / "archive.db", same
    )


def test_a_forked_crawl_is_the_fork_servers_child_and_both_leave_with_the_scheduler(
    tmp_path: Path, sample_web, sites_file: Path
):
    yunxi = sample_web["yunxi-gov"]
    for path in [p for p in yunxi.routes if isinstance(p, str) and "/art/" in p]:
        yunxi.routes[path] = slow(yunxi.routes[path], 1.0)
    scheduler = subprocess.Popen(
        scheduler_command(sites_file, tmp_path / "archive.db", "--jitter", "0", *FAST, "--once",
                          "yunxi-gov"),
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert wait_for(lambda: any("/art/" in p for p in yunxi.paths_requested()), 60)
        server = next(
            pid for pid in children(scheduler.pid)
            if b"forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes()
        )  # fmt: skip
        crawls = children(server)
        assert len(crawls) == 1, "the crawl was forked from the fork server"
    finally:
        scheduler.kill()
        scheduler.wait()
    gone = [server, *crawls]
    assert wait_for(lambda: all(process_gone(pid) for pid in gone), 30), (
        "the fork server and its crawl left with the scheduler"
    )
