"""The real scheduler process: crawls on the schedule, each in its own subprocess; SIGTERM stops it."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import FAST, rows

from crawler.scheduling import cron_day_of_week, trigger_for

ROOT = Path(__file__).parent.parent


def wait_for(predicate, timeout: float, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def finished_runs(db: Path) -> list[dict]:
    if not db.exists():
        return []
    try:
        return rows(db, "SELECT * FROM crawl_runs WHERE finished IS NOT NULL ORDER BY id")
    except Exception:
        return []


def test_scheduler_runs_crawls_on_schedule_and_stops_on_sigterm(tmp_path: Path, sample_web):
    sites = tmp_path / "sites.toml"
    sites.write_text(
        sample_web.sites_toml(
            extra={
                "yunxi-gov": {"schedule": '"every 2s"'},
                "linjiang-news": {"enabled": "false"},
                "qingshan-tz": {"schedule": '"0 3 1 1 *"'},
            }
        ),
        encoding="utf-8",
    )
    db = tmp_path / "archive.db"
    command = [
        sys.executable,
        str(ROOT / "scheduler.py"),
        "--sites",
        str(sites),
        "--db",
        str(db),
        "--jitter",
        "0",
        *FAST,
    ]
    process = subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        runs = wait_for(lambda: len(finished_runs(db)) >= 2 and finished_runs(db), timeout=90)
        assert runs, "the scheduler did not run two crawls"
        assert {run["sites"] for run in runs} == {"yunxi-gov"}, "only the site due every 2s runs"
        assert all(run["status"] == "ok" for run in runs)
        # each crawl is its own process, not the scheduler's
        assert len({run["pid"] for run in runs}) == len(runs) and process.pid not in {
            run["pid"] for run in runs
        }
        assert len(rows(db, "SELECT id FROM documents")) == 2
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert "no new crawls" in output


def test_scheduler_list_shows_next_runs(tmp_path: Path, sample_web):
    sites = tmp_path / "sites.toml"
    sites.write_text(
        sample_web.sites_toml(extra={"yunxi-gov": {"schedule": '"30 2 * * 1-5"'}}), encoding="utf-8"
    )
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scheduler.py"),
            "--sites",
            str(sites),
            "--list",
            "--jitter",
            "0",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines()}
    assert set(lines) == set(sample_web.sites)
    assert "02:30:00 CST" in lines["yunxi-gov"]
    assert "03:00:00 CST" in lines["linjiang-news"]  # the default schedule


def test_scheduler_refuses_a_bad_registry(tmp_path: Path):
    sites = tmp_path / "sites.toml"
    sites.write_text(
        '[[site]]\nid = "a"\nname = "A"\nregion = "R"\nstart_urls = ["http://127.0.0.1/"]\nschedule = "sometimes"\n',
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, str(ROOT / "scheduler.py"), "--sites", str(sites)],
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
    from datetime import datetime
    from zoneinfo import ZoneInfo

    next_run = trigger.get_next_fire_time(
        None, datetime(2026, 11, 22, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    )
    assert next_run.weekday() == 6 and next_run.hour == 3  # a Sunday, 03:00
