"""Many sites on one machine: the real scheduler starts due sites together in a bounded number of
crawl processes, each crawling many sites side by side, with each site's outcome its own."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FAST, rows
from test_scheduler import ROOT, scheduler_command, slow

from crawler.demo.generated import SUMMARY_EVERY, loopback_addresses


@pytest.fixture
def generated_web(tmp_path: Path):
    """A generated web of 24 sites of 30 articles, served by its own process."""
    registry = tmp_path / "sites.toml"
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler", "sample-web", "--sites", "24", "--articles", "30",
         "--registry", str(registry)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    assert process.stdout.readline().startswith("ready"), "the generated web did not start"
    yield registry
    process.terminate()
    process.wait(30)


def test_due_sites_are_crawled_together_in_a_bounded_number_of_processes(
    tmp_path: Path, generated_web: Path
):
    db = tmp_path / "archive.db"
    polite_but_quick = ["-s", "DOWNLOAD_DELAY=0.1", "-s", "LOG_LEVEL=WARNING"]
    result = subprocess.run(
        [*scheduler_command(generated_web, db, *polite_but_quick), "--max-parallel", "2",
         "--sites-per-crawl", "10", "--once"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    crawls = rows(
        db, "SELECT id, sites, status, started, finished, pid FROM crawl_runs ORDER BY id"
    )
    # 24 due sites: crawls of 10, 10 and 4, never more than two processes at once
    assert sorted(len(run["sites"].split()) for run in crawls) == [4, 10, 10]
    assert len({run["pid"] for run in crawls}) == 3
    for run in crawls:
        at_once = [
            other for other in crawls
            if other["started"] <= run["started"] < other["finished"]
        ]  # fmt: skip
        assert len(at_once) <= 2, crawls
    outcomes = rows(db, "SELECT site, status, duration_s, articles FROM crawl_run_sites")
    assert len(outcomes) == 24
    assert all(row["status"] == "ok" and row["articles"] == 30 for row in outcomes), outcomes
    # every summary of every site found, each its own document
    summaries = rows(db, "SELECT site, COUNT(*) AS n FROM pages WHERE is_summary = 1 GROUP BY site")
    assert {row["n"] for row in summaries} == {30 // SUMMARY_EVERY} and len(summaries) == 24
    assert rows(db, "SELECT COUNT(*) AS n FROM documents")[0]["n"] == 24 * 30 // SUMMARY_EVERY
    # one line per site in the scheduler's log, as with one crawl per site
    assert result.stderr.count(": ok in ") >= 24


def test_a_slow_site_times_out_alone_in_a_crawl_of_many(tmp_path: Path, sample_web):
    yunxi = sample_web["yunxi-gov"]
    for path in [p for p in yunxi.routes if isinstance(p, str) and "/art/" in p]:
        yunxi.routes[path] = slow(yunxi.routes[path], 30)
    sites = tmp_path / "sites.toml"
    sites.write_text(sample_web.sites_toml(), encoding="utf-8")
    db = tmp_path / "archive.db"
    result = subprocess.run(
        [*scheduler_command(sites, db, *FAST), "--time-limit", "15", "--grace", "20", "--once"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1
    [run] = rows(db, "SELECT * FROM crawl_runs")
    assert sorted(run["sites"].split()) == ["linjiang-news", "qingshan-tz", "yunxi-gov"]
    assert run["status"] == "timed out"
    outcome = {row["site"]: row for row in rows(db, "SELECT * FROM crawl_run_sites")}
    assert (
        outcome["yunxi-gov"]["status"] == "timed out" and outcome["yunxi-gov"]["finished"] is None
    )
    for site in ("linjiang-news", "qingshan-tz"):
        assert outcome[site]["status"] == "ok" and outcome[site]["duration_s"] < 15
        assert outcome[site]["sightings_new"] > 0  # counted, though the crawl was killed
    assert "crawl yunxi-gov: timed out" in result.stderr
    assert "crawl linjiang-news: ok" in result.stderr


def test_a_site_another_crawl_has_is_left_out_not_the_whole_crawl(tmp_path: Path, sample_web):
    yunxi = sample_web["yunxi-gov"]
    for path in [p for p in yunxi.routes if isinstance(p, str) and "/art/" in p]:
        yunxi.routes[path] = slow(yunxi.routes[path], 2)
    sites = tmp_path / "sites.toml"
    sites.write_text(sample_web.sites_toml(), encoding="utf-8")
    db = tmp_path / "archive.db"
    crawl = [
        sys.executable,
        "-m",
        "crawler",
        "crawl",
        "--sites",
        str(sites),
        "--db",
        str(db),
        *FAST,
    ]
    first = subprocess.Popen([*crawl, "yunxi-gov"], stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(200):
            try:  # the archive's file appears a moment before its tables
                if db.exists() and rows(db, "SELECT 1 FROM crawl_runs WHERE status = 'running'"):
                    break
            except sqlite3.OperationalError:
                pass
            subprocess.run(["sleep", "0.1"])
        second = subprocess.run(
            [*crawl, "--skip-busy"], capture_output=True, text=True, timeout=120
        )
    finally:
        first.wait(120)
    assert second.returncode == 0, second.stderr
    assert "left out, another crawl has them: yunxi-gov" in second.stderr
    runs = rows(db, "SELECT sites, status FROM crawl_runs ORDER BY id")
    assert [run["sites"] for run in runs] == ["yunxi-gov", "linjiang-news qingshan-tz"]
    assert all(run["status"] == "ok" for run in runs)


def test_loopback_addresses_reach_past_one_octet():
    addresses = loopback_addresses(1000)
    assert len(set(addresses)) == 1000
    assert addresses[0] == "127.0.0.2" and all(
        0 < int(a.rsplit(".", 1)[1]) < 255 for a in addresses
    )
