"""What a new user and an attacker tried: each ends in a clear answer, and nothing is damaged."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FAST, rows, run_crawler
from datasette.app import Datasette
from test_scheduler import ROOT, runs, scheduler_command, slow, start_scheduler, stop, wait_for

from crawler.datasette.serve import metadata_for
from crawler.demo.server import SampleSite, SampleWeb, loopback_hosts
from crawler.demo.sites import load_articles

ARTICLES = load_articles()


def users_db(path: Path) -> bytes:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO users (name) VALUES ('a')")
    conn.commit()
    conn.close()
    return path.read_bytes()


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


# --- new user -----------------------------------------------------------------------------------


def test_a_clone_without_the_shared_folder_skips_only_the_tests_that_need_it(tmp_path: Path):
    clone = tmp_path / "clone"
    shutil.copytree(ROOT / "tests", clone / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    # (the exhaustive stock-line test, 20 s of CPU, reads nothing of ../shared: the suite runs it)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
         "tests/test_classify.py", "tests/test_families.py",
         "-k", "not crawl and not every_stock_line"],
        cwd=clone, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]
    assert "error" not in result.stdout.lower().splitlines()[-1], result.stdout[-2000:]
    skipped = [line for line in result.stdout.splitlines() if line.startswith("SKIPPED")]
    assert len(skipped) == 6 and all("shared" in line for line in skipped), skipped
    assert " passed" in result.stdout.splitlines()[-1]


def test_the_demo_counts_errors_once_with_one_meaning(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "crawler", "demo", "--no-serve", "--db", "demo.db"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    run_line = next(line for line in result.stderr.splitlines() if line.startswith("run "))
    archive_line = next(line for line in result.stderr.splitlines() if line.startswith("Archive:"))
    run_errors = int(run_line.split(" errors")[0].rsplit(", ", 1)[1])
    archive_errors = int(archive_line.split(" errors")[0].rsplit(", ", 1)[1])
    assert run_errors == archive_errors == 0, (run_line, archive_line)
    assert "1 linked attachments (recorded, not fetched)" in archive_line


def test_serve_refuses_what_is_not_an_archive(tmp_path: Path):
    random_file = tmp_path / "random.db"
    random_file.write_bytes(os.urandom(4096))
    users = tmp_path / "users.db"
    before = users_db(users)
    for path, expected in (
        (random_file, "file is not a database"),
        (users, "not an archive"),
        (tmp_path / "missing.db", "no archive at"),
    ):
        line = one_line_error(run_crawler("serve", "--db", str(path), "--port", "1"))
        assert expected in line and str(path) in line, line
    assert users.read_bytes() == before


def test_commands_refuse_an_sqlite_file_of_something_else_and_leave_it_untouched(
    tmp_path: Path, sites_file: Path
):
    users = tmp_path / "users.db"
    before = users_db(users)
    line = one_line_error(run_crawler("crawl", "--sites", str(sites_file), "--db", str(users)))
    assert "not an archive" in line and "users" in line
    result = subprocess.run(
        scheduler_command(sites_file, users, "--once"), capture_output=True, text=True, timeout=60
    )
    assert "not an archive" in one_line_error(result)
    assert users.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sites.toml", "users.db"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--timezone", "Bogus/Zone"], "unknown time zone 'Bogus/Zone'"),
        (["--max-parallel", "0"], "--max-parallel must be at least 1"),
        (["--time-limit", "0"], "--time-limit must be more than 0"),
        (["-s", "DOWNLOAD_DELAY=abc"], "-s DOWNLOAD_DELAY=abc: expected a number"),
    ],
)
def test_scheduler_options_are_checked_before_anything_is_opened(
    tmp_path: Path, sites_file: Path, args: list[str], expected: str
):
    db = tmp_path / "archive.db"
    result = subprocess.run(
        scheduler_command(sites_file, db, *args), capture_output=True, text=True, timeout=60
    )
    assert expected in one_line_error(result)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sites.toml"]


def test_a_bad_setting_value_is_refused_before_the_run_opens(tmp_path: Path, sites_file: Path):
    db = tmp_path / "archive.db"
    assert run_crawler("crawl", "--sites", str(sites_file), "--db", str(db), *FAST).returncode == 0
    before = rows(db, "SELECT id, status FROM crawl_runs")
    for bad in ("DOWNLOAD_DELAY=abc", "AUTOTHROTTLE_ENABLED=maybe", "RETRY_TIMES=x",
                "ARCHIVE_WARC_GZIP_LEVEL=10", "ARCHIVE_WARC_GZIP_LEVEL=fastest"):  # fmt: skip
        result = run_crawler("crawl", "--sites", str(sites_file), "--db", str(db), "-s", bad)
        assert f"-s {bad}: expected" in one_line_error(result)
    assert rows(db, "SELECT id, status FROM crawl_runs") == before


# --- schedules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        ("99 99 * * *", "higher than the maximum"),
        ("a b c d e", "Invalid month name"),
        ("*/0 * * * *", "Increment must be higher than 0"),
        ("0 3 * * 9", "days are 0-7"),
        ("every 0s", "at least 1 second"),
        ("0 3 31 2 *", "never fires"),
        ("hourly", "crontab line of 5 fields"),
    ],
)
def test_a_schedule_the_scheduler_cannot_run_is_refused_by_every_command(
    tmp_path: Path, sample_web, schedule: str, expected: str
):
    sites = tmp_path / "sites.toml"
    sites.write_text(
        sample_web.sites_toml(extra={"yunxi-gov": {"schedule": f'"{schedule}"'}}), "utf-8"
    )
    db = tmp_path / "archive.db"
    for result in (
        run_crawler("crawl", "--sites", str(sites), "--db", str(db), *FAST),
        subprocess.run(
            scheduler_command(sites, db, "--list"), capture_output=True, text=True, timeout=60
        ),
    ):
        line = one_line_error(result)
        assert f"{sites}: site #3 'yunxi-gov': key 'schedule'" in line and expected in line, line
    assert not db.exists()


def slow_articles(site: SampleSite, seconds: float) -> dict:
    """Make the site's articles slow; returns the routes as they were."""
    before = dict(site.routes)
    for path in [p for p in site.routes if isinstance(p, str) and "/art/" in p]:
        site.routes[path] = slow(site.routes[path], seconds)
    return before


def only_yunxi(sample_web, schedule: str) -> str:
    return sample_web.sites_toml(
        extra={
            "yunxi-gov": {"schedule": f'"{schedule}"'},
            "linjiang-news": {"enabled": "false"},
            "qingshan-tz": {"enabled": "false"},
        }
    )


def crawling(site: SampleSite):
    return lambda: any(path.startswith("/art/") for path in site.paths_requested())


def process_gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return True
    return state == "Z"


def test_after_the_scheduler_group_is_killed_the_next_start_settles_and_recrawls(
    tmp_path: Path, sample_web
):
    yunxi = sample_web["yunxi-gov"]
    fast_routes = slow_articles(yunxi, 1.0)
    sites = tmp_path / "sites.toml"
    sites.write_text(only_yunxi(sample_web, "0 3 * * *"), "utf-8")  # not due for hours
    db = tmp_path / "archive.db"
    killed = subprocess.Popen(
        scheduler_command(sites, db, "--jitter", "0", *FAST, "--once", "yunxi-gov"),
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    assert wait_for(crawling(yunxi), 60)
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait()
    assert [r["status"] for r in runs(db)] == ["running"]
    yunxi.routes.update(fast_routes)
    yunxi.clear_log()
    process, db = start_scheduler(tmp_path, only_yunxi(sample_web, "0 3 * * *"))
    try:
        assert wait_for(lambda: len(runs(db, "status = 'ok' AND exit_code IS NOT NULL")) == 1, 90)
    finally:
        output = stop(process)
    first, second = runs(db)[:2]
    assert first["status"] == "interrupted" and "ended without closing its run" in first["message"]
    assert second["status"] == "ok" and second["exit_code"] == 0
    assert (
        "crawled now (never crawled, or left unfinished by an earlier scheduler): yunxi-gov"
        in output
    )


def test_a_crawl_does_not_outlive_its_scheduler(tmp_path: Path, sample_web):
    yunxi = sample_web["yunxi-gov"]
    slow_articles(yunxi, 1.0)
    sites = tmp_path / "sites.toml"
    sites.write_text(only_yunxi(sample_web, "every 6h"), "utf-8")
    db = tmp_path / "archive.db"
    scheduler = subprocess.Popen(
        scheduler_command(sites, db, "--jitter", "0", *FAST, "--once", "yunxi-gov"),
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    assert wait_for(crawling(yunxi), 60)
    crawl_pid = runs(db)[-1]["pid"]
    scheduler.kill()  # the scheduler alone; its crawl is told by the kernel
    scheduler.wait()
    assert wait_for(lambda: process_gone(crawl_pid), 30), "the crawl outlived its scheduler"
    run = runs(db)[-1]
    assert run["status"] == "interrupted", run
    assert run["log_path"] and Path(run["log_path"]).exists() and run["exit_code"] is None


def test_a_long_crawl_on_a_short_interval_is_logged_once(tmp_path: Path, sample_web):
    yunxi = sample_web["yunxi-gov"]
    slow_articles(yunxi, 0.7)
    process, db = start_scheduler(tmp_path, only_yunxi(sample_web, "every 1s"))
    try:
        assert wait_for(lambda: len(runs(db, "status = 'ok'")) >= 1, 90)
        time.sleep(2)
    finally:
        output = stop(process)
    started = output.count("crawl yunxi-gov: started")
    assert "maximum number of running instances" not in output
    assert 1 <= output.count("still running at its next scheduled time") <= started
    assert "None requests" not in output


# --- serving ------------------------------------------------------------------------------------


def test_the_search_functions_are_bounded_whatever_a_visitor_passes(crawled: Path):
    ds = Datasette(
        [str(crawled)], metadata=metadata_for(crawled), settings={"sql_time_limit_ms": 3000}
    )
    # about 6 MB of text, made by SQLite itself: '统战 ' 700,000 times
    huge = "replace(hex(zeroblob(700000)), '00', '统战 ')"
    sql = f"SELECT length(search_passage({huge}, {huge})) AS a, length(search_query({huge})) AS b"

    async def run() -> list:
        return await asyncio.gather(
            *[
                ds.client.get("/archive.json", params={"sql": sql, "_shape": "array"})
                for _ in range(3)
            ]
        )

    for response in asyncio.run(run()):
        assert response.status_code == 200, response.text[:300]
        assert response.json()[0]["a"] < 200
    # The bounds, seen from SQL: a word beyond the first 200,000 characters of a body is not
    # looked for, nor a 17th word of a query.
    far = "replace(hex(zeroblob(150000)), '00', '统战 ') || '侨务'"
    many = "'" + " ".join(["乡贤"] * 16) + " 统战'"
    sql = f"SELECT search_passage({far}, '侨务') AS far, search_passage('统战工作', {many}) AS many"
    found = asyncio.run(ds.client.get("/archive.json", params={"sql": sql, "_shape": "array"}))
    assert found.json() == [{"far": "统战 " * 40 + "…", "many": "统战工作"}]


def test_scrapy_remote_control_is_off_and_leaves_no_job_files(tmp_path: Path, sites_file: Path):
    home = tmp_path / "home"
    home.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", "--sites", str(sites_file),
         "--db", str(tmp_path / "archive.db"), *FAST, "-s", "LOG_LEVEL=INFO"],
        capture_output=True, text=True, timeout=180,
        env=dict(os.environ, HOME=str(home), XDG_STATE_HOME=str(home / ".local" / "state")),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "RemoteControl" not in result.stderr.split("Enabled extensions:")[1].split("]")[0]
    assert not (home / ".local" / "state" / "scrapy").exists()


# --- re-crawls ----------------------------------------------------------------------------------


def plain_page(title: str, body: str) -> str:
    paragraphs = "".join(f"<p>{line}</p>" for line in body.strip().splitlines())
    return (
        f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>'
        f'<h1>{title}</h1><div class="content">{paragraphs}</div></body></html>'
    )


@pytest.fixture
def plain_site(tmp_path: Path):
    (host,) = loopback_hosts(1)
    site = SampleSite("plain", "普通新闻网", "测试市", host)
    web = SampleWeb([site]).start()
    sites = tmp_path / "sites.toml"
    sites.write_text(
        f'[[site]]\nid = "plain"\nname = "普通新闻网"\nregion = "测试市"\n'
        f'start_urls = ["{site.base_url}/"]\n',
        "utf-8",
    )
    yield site, sites
    web.stop()


def test_articles_whose_urls_say_nothing_are_not_fetched_again(tmp_path: Path, plain_site):
    site, sites = plain_site
    texts = [text for text in ARTICLES.values() if len(text.body) > 250][:8]
    paths = [f"/news/szyw/202302/2023020710{n}.html" for n in range(len(texts))]
    for path, text in zip(paths, texts, strict=True):
        site.add(path, plain_page(text.title, text.body))
    links = "".join(
        f'<li><a href="{p}">{t.title}</a></li>' for p, t in zip(paths, texts, strict=True)
    )
    site.add(
        "/news/szyw/",
        f'<html><head><meta charset="utf-8"></head><body><ul>{links}</ul></body></html>',
    )
    site.add("/", '<html><body><a href="/news/szyw/">时政要闻</a></body></html>')
    # Known articles only: the re-checks of young summaries (every crawl in their first week,
    # tests/test_recheck.py) are switched off.
    sites.write_text(sites.read_text("utf-8") + 'recheck = "never"\n', "utf-8")
    db = tmp_path / "archive.db"
    for _ in range(2):
        site.clear_log()
        result = run_crawler("crawl", "--sites", str(sites), "--db", str(db), *FAST)
        assert result.returncode == 0, result.stderr
    assert [p for p in site.paths_requested() if p in paths] == [], "known articles fetched again"
    second = rows(db, "SELECT * FROM crawl_run_sites ORDER BY run_id DESC LIMIT 1")[0]
    assert second["not_modified"] >= 1 and second["skipped_known"] == len(paths) >= 6


def test_a_failing_url_is_asked_for_again_after_growing_waits(tmp_path: Path, plain_site):
    site, sites = plain_site
    good, bad = ARTICLES["lj-summary-2022"], "/news/2023-02/01/content_500.html"
    site.add("/news/2023-02/01/content_1.html", plain_page(good.title, good.body))
    site.add(bad, "<h1>500</h1>", status=500)
    site.add(
        "/",
        '<html><body><a href="/news/2023-02/01/content_1.html">一</a>'
        f'<a href="{bad}">二</a></body></html>',
    )
    db = tmp_path / "archive.db"
    settings = [*FAST, "-s", "RETRY_TIMES=0"]

    def crawl() -> dict:
        site.clear_log()
        result = run_crawler("crawl", "--sites", str(sites), "--db", str(db), *settings)
        assert result.returncode == 0, result.stderr
        return rows(db, "SELECT * FROM crawl_run_sites ORDER BY run_id DESC LIMIT 1")[0]

    def failed() -> list[dict]:
        return rows(db, "SELECT url, error, failures, last_failed, retry_after FROM failed_urls")

    def days_until_retry(row: dict) -> float:
        from datetime import datetime

        def parse(value: str) -> datetime:
            return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")

        return (parse(row["retry_after"]) - parse(row["last_failed"])).total_seconds() / 86400

    crawl()
    (row,) = failed()
    assert row["url"].endswith(bad) and row["error"] == "http_500" and row["failures"] == 1
    assert round(days_until_retry(row), 2) == round(1 - 1 / 24, 2)
    # The next crawl leaves it alone and says so.
    assert crawl()["deferred"] == 1
    assert bad not in site.paths_requested()
    # When its time has come, it is asked for again; a second failure doubles the wait.
    conn = sqlite3.connect(db)
    conn.execute("UPDATE failed_urls SET retry_after = '2000-01-01T00:00:00Z'")
    conn.commit()
    crawl()
    assert site.paths_requested().count(bad) == 1
    (row,) = failed()
    assert row["failures"] == 2 and round(days_until_retry(row), 2) == round(2 - 1 / 24, 2)
    # Datasette shows it with its description.
    ds = Datasette([str(db)], metadata=metadata_for(db))
    page = asyncio.run(ds.client.get("/archive/failed_urls"))
    assert page.status_code == 200 and "Failing URLs" in page.text and "content_500" in page.text
    # Once it answers, it is archived and no longer failing.
    site.add(bad, plain_page(good.title, good.body + "\n补充一段。"))
    conn.execute("UPDATE failed_urls SET retry_after = '2000-01-01T00:00:00Z'")
    conn.commit()
    conn.close()
    crawl()
    assert failed() == []
    assert rows(db, "SELECT status FROM pages WHERE url LIKE '%content_500%'") == [{"status": 200}]


def test_a_refresh_crawl_ignores_the_backoff(tmp_path: Path, plain_site):
    site, sites = plain_site
    bad = "/news/2023-02/01/content_500.html"
    site.add(bad, "<h1>500</h1>", status=500)
    site.add("/", f'<html><body><a href="{bad}">二</a></body></html>')
    db = tmp_path / "archive.db"
    for extra in ([], ["--refresh"]):
        site.clear_log()
        result = run_crawler(
            "crawl", "--sites", str(sites), "--db", str(db), *FAST, "-s", "RETRY_TIMES=0", *extra
        )
        assert result.returncode == 0, result.stderr
        assert site.paths_requested().count(bad) == 1
    assert rows(db, "SELECT failures FROM failed_urls") == [{"failures": 2}]


def test_the_scheduler_list_reads_an_archive_it_may_not_write(tmp_path: Path, sites_file: Path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "scheduler.py"), "--sites", str(sites_file), "--list"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sites.toml"]
