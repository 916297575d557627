"""Scheduler process memory and CPU: idle, and over 50 crawl cycles (crawls are subprocesses, so
the scheduler must not grow)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from crawler.demo.sites import build_sample_web

ROOT = Path(__file__).resolve().parent.parent
CYCLES = int(os.environ.get("SCHEDULER_CYCLES", "50"))
TICKS = os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def cpu_percent(pid: int, seconds: float) -> float:
    before = cpu_seconds(pid)
    time.sleep(seconds)
    return 100 * (cpu_seconds(pid) - before) / seconds


def finished_runs(db: Path) -> int:
    try:
        with sqlite3.connect(db) as conn:
            return conn.execute(
                "SELECT COUNT(*) FROM crawl_runs WHERE finished IS NOT NULL"
            ).fetchone()[0]
    except sqlite3.Error:
        return 0


def main() -> None:
    web = build_sample_web().start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            sites = Path(folder) / "sites.toml"
            extra = {
                "yunxi-gov": {"schedule": '"every 1s"'},
                "linjiang-news": {"enabled": "false"},
                "qingshan-tz": {"enabled": "false"},
            }
            sites.write_text(web.sites_toml(extra=extra), encoding="utf-8")
            db = Path(folder) / "archive.db"
            command = [sys.executable, str(ROOT / "scheduler.py"), "--sites", str(sites), "--db", str(db), "--jitter", "0",
                       "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]  # fmt: skip
            process = subprocess.Popen(
                command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            try:
                time.sleep(3)
                print(f"after start:        RSS {rss_mib(process.pid):6.1f} MiB")
                samples = {}
                started = time.monotonic()
                while (done := finished_runs(db)) < CYCLES:
                    for mark in (1, 10, 25):
                        if done >= mark and mark not in samples:
                            samples[mark] = rss_mib(process.pid)
                    time.sleep(0.5)
                elapsed = time.monotonic() - started
                for mark, value in sorted(samples.items()):
                    print(f"after {mark:3} crawls:   RSS {value:6.1f} MiB")
                print(
                    f"after {CYCLES:3} crawls:   RSS {rss_mib(process.pid):6.1f} MiB  ({elapsed:.0f} s, {elapsed / CYCLES:.1f} s a cycle)"
                )
                print(
                    f"scheduler CPU while crawls run: {cpu_percent(process.pid, 5):.1f} % of a core"
                )
                # idle: pause by editing nothing; measure with the site set to a far schedule
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=60)
                extra["yunxi-gov"]["schedule"] = '"0 3 1 1 *"'
                sites.write_text(web.sites_toml(extra=extra), encoding="utf-8")
                process = subprocess.Popen(
                    command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
                time.sleep(3)
                print(
                    f"idle scheduler:     RSS {rss_mib(process.pid):6.1f} MiB, CPU {cpu_percent(process.pid, 10):.2f} % of a core over 10 s"
                )
            finally:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=60)
    finally:
        web.stop()


if __name__ == "__main__":
    main()
