"""The real scheduler process against the sample web: schedules, overlap, failures, signals,
restarts. Every crawl it starts is a real `crawler crawl` subprocess."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from conftest import FAST, rows

from crawler.registry.schedules import cron_day_of_week, trigger_for

ROOT = Path(__file__).parent.parent


def wait_for(predicate, timeout: float, interval: float = 0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def runs(db: Path, where: str = "1") -> list[dict]:
    try:
        return rows(db, f"SELECT * FROM crawl_runs WHERE {where} ORDER BY id")
    except sqlite3.Error:
        return []


def site_runs(db: Path, site: str, where: str = "1") -> list[dict]:
    """The runs that crawled a site, each with the site's own outcome (a crawl has many sites)."""
    try:
        return rows(
            db,
            f"""SELECT * FROM (
                SELECT r.id, r.started, r.pid, r.log_path, r.exit_code,
                       COALESCE(s.finished, r.finished) AS finished,
                       COALESCE(s.status, r.status) AS status,
                       COALESCE(s.duration_s, r.duration_s) AS duration_s
                FROM crawl_runs r LEFT JOIN crawl_run_sites s ON s.run_id = r.id AND s.site = ?
                WHERE ' ' || r.sites || ' ' LIKE '% ' || ? || ' %') WHERE {where} ORDER BY id""",
            (site, site),
        )
    except sqlite3.Error:
        return []


def slow(route, seconds: float):
    def answer(method, path, payload):
        time.sleep(seconds)
        return route

    return answer


def start_scheduler(tmp_path: Path, sites_text: str, *args: str) -> tuple[subprocess.Popen, Path]:
    sites = tmp_path / "sites.toml"
    sites.write_text(sites_text, encoding="utf-8")
    db = tmp_path / "archive.db"
    command = scheduler_command(sites, db, "--jitter", "0", *FAST, *args)
    process = subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    return process, db


def scheduler_command(sites: Path, db: Path, *args: str) -> list[str]:
    return [
        sys.executable,
        str(ROOT / "scheduler.py"),
        "--sites",
        str(sites),
        "--db",
        str(db),
        *args,
    ]


def stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGUSR2)  # the service writes every thread's stack
        time.sleep(2)
        process.kill()
        output, _ = process.communicate()
        raise AssertionError(
            f"the scheduler did not stop within 90 s of SIGTERM:\n{output}"
        ) from None
    assert process.returncode == 0, output
    return output


def test_runs_on_schedule_without_overlap_and_a_failing_site_does_not_stop_the_others(
    tmp_path: Path, sample_web
):
    qingshan = sample_web["qingshan-tz"]
    qingshan.routes["/gzdt/"] = slow(
        qingshan.routes["/gzdt/"], 3
    )  # each crawl of this site takes > 3 s
    sites_text = sample_web.sites_toml(
        extra={
            "yunxi-gov": {"schedule": '"every 2s"'},
            "qingshan-tz": {"schedule": '"every 1s"'},
            "linjiang-news": {"enabled": "false"},
        }
    )
    sites_text += '\n[[site]]\nid = "gone"\nname = "已关闭的网站"\nregion = "R"\nstart_urls = ["http://127.0.0.1:9/"]\nschedule = "every 1s"\n'
    process, db = start_scheduler(tmp_path, sites_text, "--max-parallel", "3")
    try:
        assert wait_for(lambda: len(site_runs(db, "qingshan-tz", "finished IS NOT NULL")) >= 2, 120)
        log = tmp_path / "logs" / "scheduler.log"
        assert wait_for(
            lambda: (
                log.exists() and "site gone needs attention: unreachable" in log.read_text("utf-8")
            ),
            90,
        )
        assert wait_for(lambda: len(site_runs(db, "yunxi-gov", "finished IS NOT NULL")) >= 2, 60)
    finally:
        output = stop(process)
    slow_runs = site_runs(db, "qingshan-tz", "finished IS NOT NULL")
    for earlier, later in zip(slow_runs, slow_runs[1:], strict=False):
        assert later["started"] >= earlier["finished"], "two crawls of one site overlapped"
    assert all(run["duration_s"] >= 3 for run in slow_runs if run["status"] == "ok")
    completed = site_runs(
        db, "yunxi-gov", "status != 'interrupted'"
    )  # the last may be cut by the shutdown
    assert len(completed) >= 2
    assert all(run["status"] == "ok" and Path(run["log_path"]).exists() for run in completed)
    # the last crawl may have closed its run and then been stopped while exiting
    assert all(run["exit_code"] == 0 for run in completed[:-1])
    assert {run["pid"] for run in runs(db)}.isdisjoint({process.pid}), (
        "crawls run in their own processes"
    )
    health = {row["site"]: row for row in rows(db, "SELECT * FROM site_health")}
    assert health["gone"]["health"].startswith(
        "unreachable: the last run read no page of the site (connection_refused"
    )
    assert health["yunxi-gov"]["health"] == "ok"
    assert "site gone needs attention: unreachable" in output
    assert "crawl yunxi-gov: ok in" in output and "new documents" in output
    assert (tmp_path / "logs" / "scheduler.log").read_text("utf-8").count(
        "crawl yunxi-gov: ok in"
    ) >= 2


def test_sigterm_mid_crawl_leaves_a_consistent_archive_and_an_interrupted_run(
    tmp_path: Path, sample_web
):
    yunxi = sample_web["yunxi-gov"]
    for path in [p for p in yunxi.routes if isinstance(p, str) and "/art/" in p]:
        yunxi.routes[path] = slow(yunxi.routes[path], 1.5)
    sites_text = sample_web.sites_toml(
        extra={
            "yunxi-gov": {"schedule": '"every 1s"'},
            "linjiang-news": {"enabled": "false"},
            "qingshan-tz": {"enabled": "false"},
        }
    )
    process, db = start_scheduler(tmp_path, sites_text)
    try:
        assert wait_for(
            lambda: any(
                r["path"].startswith("/art/")
                for r in [{"path": p} for p in yunxi.paths_requested()]
            ),
            60,
        )
        time.sleep(1)
    finally:
        output = stop(process)
    run = runs(db)[-1]
    assert run["status"] == "interrupted", run
    assert run["finished"] is not None
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert (
        conn.execute(
            "SELECT COUNT(*) FROM sightings WHERE document_id NOT IN (SELECT id FROM documents)"
        ).fetchone()[0]
        == 0
    )
    conn.close()
    assert "no new crawls" in output


def test_a_crawl_that_starts_as_the_service_stops_is_stopped_too(
    tmp_path: Path, sample_web, monkeypatch
):
    """SIGTERM may reach the service after a crawl's process has started and before it is among
    the running crawls that are passed SIGTERM: that crawl stops at once too, rather than running
    on unsignalled (up to its time limit, 6 h by default) and holding the shutdown."""
    from crawler.archive import Archive
    from crawler.registry.sites import load_sites
    from crawler.schedule import crawljob

    yunxi = sample_web["yunxi-gov"]
    articles = [p for p in yunxi.routes if isinstance(p, str) and "/art/" in p]
    for path in articles:
        yunxi.routes[path] = slow(yunxi.routes[path], 2.0)
    sites = tmp_path / "sites.toml"
    sites.write_text(sample_web.sites_toml(), encoding="utf-8")
    with Archive(tmp_path / "archive.db") as archive:
        archive.register_sites(load_sites(sites))  # as the service does as it starts
    config = crawljob.CrawlConfig(
        str(sites), str(tmp_path / "archive.db"), str(tmp_path / "logs"),
        ["DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False"], time_limit=600, grace=30,
    )  # fmt: skip
    started = crawljob.start_crawl

    def started_as_sigterm_arrives(*args, **kwargs):
        process = started(*args, **kwargs)
        assert wait_for(lambda: any("/art/" in p for p in yunxi.paths_requested()), 60)
        crawljob.stop_crawls(grace=30)  # what the service's shutdown does: this crawl is not listed
        return process

    monkeypatch.setattr(crawljob, "start_crawl", started_as_sigterm_arrives)
    try:
        began = time.monotonic()
        code = crawljob.run_crawl_process(["yunxi-gov"], asdict(config))
        took = time.monotonic() - began
    finally:
        crawljob.stopping.clear()
        crawljob.swept.clear()
    # stopped as a crawl is stopped (exit 130, its run closed as interrupted), not run to its end
    assert code == 130, (code, took)
    run = runs(tmp_path / "archive.db")[-1]
    assert run["status"] == "interrupted" and run["finished"] is not None, run


def test_a_restart_keeps_the_schedule_and_listing_writes_nothing(tmp_path: Path, sample_web):
    sites_text = sample_web.sites_toml(
        extra={site: {"schedule": '"every 1h"'} for site in sample_web.sites}
    )

    def listing() -> dict[str, str]:
        result = subprocess.run(
            [sys.executable, str(ROOT / "scheduler.py"), "--sites", "sites.toml", "--db", "archive.db", "--list", "--jitter", "0"],
            cwd=tmp_path, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        return dict(line.split(None, 1) for line in result.stdout.splitlines())

    process, _db = start_scheduler(tmp_path, sites_text)
    assert wait_for(lambda: (tmp_path / "scheduler-state.db").exists(), 30)
    time.sleep(1)
    # a service that seems stuck says what each thread waits for, and goes on
    process.send_signal(signal.SIGUSR2)
    time.sleep(1)
    assert process.poll() is None
    said = stop(process)
    assert "most recent call first" in said and 'service.py", line' in said, said
    state_bytes = (tmp_path / "scheduler-state.db").read_bytes()
    archive_bytes = (tmp_path / "archive.db").read_bytes()
    first = listing()
    time.sleep(1.5)
    assert listing() == first, "next run times survive a restart"
    # --list only reads: the job state and the archive stay as they were
    assert (tmp_path / "scheduler-state.db").read_bytes() == state_bytes
    assert (tmp_path / "archive.db").read_bytes() == archive_bytes
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / "sites.toml").write_text(sites_text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scheduler.py"), "--list"],
        cwd=fresh, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == len(sample_web.sites)
    assert sorted(p.name for p in fresh.iterdir()) == ["sites.toml"], "listing created files"
    # a changed schedule is taken up
    (tmp_path / "sites.toml").write_text(
        sites_text.replace('"every 1h"', '"0 4 * * *"', 1), encoding="utf-8"
    )
    changed = listing()
    assert changed != first and "04:00:00" in next(iter(changed.values()))


def test_missed_runs_fire_once_after_a_restart(tmp_path: Path, sample_web):
    sites_text = sample_web.sites_toml(
        extra={
            "yunxi-gov": {"schedule": '"every 2s"'},
            "linjiang-news": {"enabled": "false"},
            "qingshan-tz": {"enabled": "false"},
        }
    )
    process, db = start_scheduler(tmp_path, sites_text)
    assert wait_for(lambda: len(runs(db, "finished IS NOT NULL")) >= 1, 60)
    stop(process)
    before = len(runs(db))
    time.sleep(7)  # three runs missed while the service is down
    process, db = start_scheduler(tmp_path, sites_text)
    # The catch-up run starts as soon as the scheduler is up; the next regular one 2 s later.
    assert wait_for(lambda: len(runs(db)) > before, 60)
    stop(process)
    assert len(runs(db)) - before == 1, "missed runs collapse into one"


def test_once_runs_due_or_named_sites_and_exits(tmp_path: Path, sample_web):
    sites = tmp_path / "sites.toml"
    sites.write_text(sample_web.sites_toml(), encoding="utf-8")
    base = scheduler_command(sites, tmp_path / "archive.db", *FAST)
    result = subprocess.run(
        [*base, "--once", "yunxi-gov"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    # the other sites (never crawled, so due now) are not handed to a scheduler shutting down
    assert "Traceback" not in result.stderr, result.stderr
    assert [run["sites"] for run in runs(tmp_path / "archive.db")] == ["yunxi-gov"]
    result = subprocess.run([*base, "--once"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    # the sites never crawled are due, and fall due together: one crawl process takes both;
    # yunxi-gov was just crawled and its next run is tomorrow
    assert [sorted(run["sites"].split()) for run in runs(tmp_path / "archive.db")[1:]] == [
        ["linjiang-news", "qingshan-tz"]
    ]
    outcomes = rows(tmp_path / "archive.db", "SELECT site, status FROM crawl_run_sites")
    assert sorted((row["site"], row["status"]) for row in outcomes) == [
        ("linjiang-news", "ok"),
        ("qingshan-tz", "ok"),
        ("yunxi-gov", "ok"),
    ]
    result = subprocess.run([*base, "--once"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and len(runs(tmp_path / "archive.db")) == 2, (
        "nothing is due any more"
    )
    assert "no site is due" in result.stderr
    # a clean exit leaves the archive one file: no -wal or -shm beside it
    assert sorted(p.name for p in tmp_path.glob("archive.db*")) == [
        "archive.db",
        "archive.db.scheduler.lock",
    ]


def test_a_crawl_over_its_time_limit_is_stopped_and_marked(tmp_path: Path, sample_web):
    yunxi = sample_web["yunxi-gov"]
    yunxi.routes["/"] = slow(yunxi.routes["/"], 20)
    sites = tmp_path / "sites.toml"
    sites.write_text(sample_web.sites_toml(), encoding="utf-8")
    command = [
        *scheduler_command(sites, tmp_path / "archive.db", *FAST),
        "--time-limit",
        "3",
        "--grace",
        "10",
        "--once",
        "yunxi-gov",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    run = runs(tmp_path / "archive.db")[-1]
    assert run["status"] == "timed out" and run["finished"] is not None
    assert "over its time limit" in result.stderr


def test_scheduler_refuses_a_bad_registry(tmp_path: Path):
    sites = tmp_path / "sites.toml"
    sites.write_text(
        '[[site]]\nid = "a"\nname = "A"\nregion = "R"\nstart_urls = ["http://127.0.0.1/"]\nschedule = "sometimes"\n',
        encoding="utf-8",
    )
    result = subprocess.run(
        scheduler_command(sites, tmp_path / "a.db"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "key 'schedule'" in result.stderr


def test_crontab_days_of_week_mean_what_crontab_means():
    assert cron_day_of_week("1-5") == "mon,tue,wed,thu,fri"
    assert cron_day_of_week("0") == cron_day_of_week("7") == "sun"
    trigger = trigger_for("0 3 * * 0", jitter=0)
    next_run = trigger.get_next_fire_time(
        None, datetime(2026, 11, 22, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    )
    assert next_run.weekday() == 6 and next_run.hour == 3  # a Sunday, 03:00 China time


def test_a_site_that_ended_is_free_for_its_next_run_while_its_process_crawls_on(
    tmp_path: Path, sample_web
):
    yunxi = sample_web["yunxi-gov"]
    for path in [p for p in yunxi.routes if isinstance(p, str) and "/art/" in p]:
        yunxi.routes[path] = slow(yunxi.routes[path], 6.0)  # its crawl takes ~40 s
    sites_text = sample_web.sites_toml(
        extra={
            "linjiang-news": {"schedule": '"every 3s"'},
            "yunxi-gov": {"schedule": '"every 3s"'},
            "qingshan-tz": {"enabled": "false"},
        }
    )
    process, db = start_scheduler(tmp_path, sites_text, "--sites-per-crawl", "2")
    try:
        # both fall due together and start in one process; the news site's crawl ends first
        assert wait_for(lambda: len(site_runs(db, "yunxi-gov")) >= 1, 60)
        assert wait_for(lambda: len(site_runs(db, "linjiang-news", "status = 'ok'")) >= 3, 60), (
            site_runs(db, "linjiang-news")
        )
        still = site_runs(db, "yunxi-gov")
    finally:
        stop(process)
    assert still[0]["finished"] is None or len(still) == 1, (
        "the slow site was still on its first crawl"
    )
    first = runs(db)[0]
    assert set(first["sites"].split()) == {"linjiang-news", "yunxi-gov"}


def test_a_site_never_crawled_is_crawled_soon_after_start_and_after_the_registry_changes(
    tmp_path: Path, sample_web
):
    daily = '"0 3 * * *"'  # its first scheduled time is hours away
    process, db = start_scheduler(
        tmp_path,
        sample_web.sites_toml(
            extra={"yunxi-gov": {"schedule": daily}, "qingshan-tz": {"enabled": "false"},
                   "linjiang-news": {"enabled": "false"}}
        ),
    )  # fmt: skip
    try:
        assert wait_for(lambda: site_runs(db, "yunxi-gov", "status = 'ok'"), 60)
        sites = tmp_path / "sites.toml"
        # a mistake in the registry is not taken; the service goes on
        sites.write_text(sites.read_text("utf-8") + "\n[[site]]\nid = 'Bad Id'\n", "utf-8")
        log = tmp_path / "logs" / "scheduler.log"
        assert wait_for(lambda: "registry changed but not taken" in log.read_text("utf-8"), 30)
        # a site added while the service runs is crawled at once, not at 03:00
        sites.write_text(
            sample_web.sites_toml(
                extra={"yunxi-gov": {"schedule": daily}, "qingshan-tz": {"schedule": daily},
                       "linjiang-news": {"enabled": "false"}}
            ),
            "utf-8",
        )  # fmt: skip
        assert wait_for(lambda: site_runs(db, "qingshan-tz", "status = 'ok'"), 60)
    finally:
        output = stop(process)
    assert len(site_runs(db, "yunxi-gov")) == 1, "the site crawled at start is not crawled again"
    assert "registry reloaded" in output and "crawled now: qingshan-tz" in output


def test_a_second_scheduler_on_one_archive_is_refused_with_the_first_ones_pid(
    tmp_path: Path, sample_web
):
    process, db = start_scheduler(tmp_path, sample_web.sites_toml())
    try:
        assert wait_for(lambda: runs(db), 60)
        second = subprocess.run(
            scheduler_command(tmp_path / "sites.toml", db, *FAST),
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        listing = subprocess.run(
            [*scheduler_command(tmp_path / "sites.toml", db), "--list"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    finally:
        stop(process)
    assert second.returncode == 3, second.stderr
    assert f"another scheduler (pid {process.pid}) is running" in second.stderr
    assert listing.returncode == 0, "listing the next runs reads only and is never refused"
    # once the first has stopped, a scheduler starts again
    again = subprocess.run(
        [*scheduler_command(tmp_path / "sites.toml", db, *FAST), "--once", "yunxi-gov"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
