"""Many sites on one machine: `scheduler.py --once` over a generated web of N sites of 30
articles each (crawler/demo/generated.py, its own process), with the default politeness (one
request at a time per site, 2 s apart ±50 %, AutoThrottle, robots.txt).

For each N (SCALE_SITES, default 100,300,1000) it prints the wall time, sites/hour, pages/s, the
crawl's CPU (scheduler and crawl processes) and the web server's, the peak RSS of all crawl
processes together, the archive's write time per page, whether every summary was found, and
which resource ran out first. SCALE_ARGS adds scheduler options (e.g. "--sites-per-crawl 200").
"""

from __future__ import annotations

import os
import resource
import shlex
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from crawler.demo.generated import SUMMARY_EVERY

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = 30
TICKS = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1


def _children(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        kids = []
        for task in Path(f"/proc/{parent}/task").glob("*"):  # children hang off the thread
            try:
                kids += (task / "children").read_text().split()
            except OSError:
                continue
        found += [int(kid) for kid in kids]
        todo += [int(kid) for kid in kids]
    return found


def _rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def measure(count: int, extra: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        registry, db = Path(folder) / "sites.toml", Path(folder) / "archive.db"
        server = subprocess.Popen(
            [sys.executable, "-m", "crawler", "sample-web", "--sites", str(count),
             "--articles", str(ARTICLES), "--registry", str(registry)],
            stdout=subprocess.PIPE, text=True, cwd=ROOT,
        )  # fmt: skip
        try:
            assert server.stdout.readline().startswith("ready")
            server_cpu = _cpu_seconds(server.pid)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            scheduler = subprocess.Popen(
                [sys.executable, str(ROOT / "scheduler.py"), "--sites", str(registry),
                 "--db", str(db), *extra, "--once"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=folder,
            )  # fmt: skip
            peak_rss, peak_processes = 0.0, 0
            while scheduler.poll() is None:
                crawls = _children(scheduler.pid)
                peak_rss = max(peak_rss, sum(_rss_mib(pid) for pid in crawls))
                peak_processes = max(peak_processes, len(crawls))
                time.sleep(0.5)
            wall = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            server_cpu = _cpu_seconds(server.pid) - server_cpu
        finally:
            server.terminate()
            server.wait(30)
        crawl_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        with sqlite3.connect(db) as conn:
            requests, write_s, pages = conn.execute(
                "SELECT SUM(requests), SUM(write_s), SUM(list_pages + articles) FROM crawl_runs"
            ).fetchone()
            ok_sites = conn.execute(
                "SELECT COUNT(DISTINCT site) FROM crawl_run_sites WHERE status = 'ok'"
            ).fetchone()[0]
            summaries = conn.execute("SELECT COUNT(*) FROM pages WHERE is_summary = 1").fetchone()[
                0
            ]
            crawls = conn.execute("SELECT COUNT(*) FROM crawl_runs").fetchone()[0]
    return {
        "sites": count,
        "wall": wall,
        "sites_hour": count / wall * 3600,
        "pages_s": (requests or 0) / wall,
        "crawl_cpu": 100 * crawl_cpu / wall / CORES,
        "server_cpu": 100 * server_cpu / wall / CORES,
        "rss": peak_rss,
        "processes": peak_processes,
        "write_ms": 1000 * (write_s or 0) / max(1, pages or 0),
        "ok": ok_sites,
        "summaries": summaries,
        "expected": count * len(range(0, ARTICLES, SUMMARY_EVERY)),
        "crawls": crawls,
    }


def verdict(row: dict) -> str:
    busy = row["crawl_cpu"] + row["server_cpu"]
    if busy >= 85:
        return f"CPU ({busy:.0f} % of {CORES} cores)"
    return f"politeness: each site waits on its own delay (CPU {busy:.0f} %)"


def main() -> None:
    counts = [int(n) for n in os.environ.get("SCALE_SITES", "100,300,1000").split(",")]
    extra = shlex.split(os.environ.get("SCALE_ARGS", ""))
    print(f"scheduler.py --once {' '.join(extra)}; {ARTICLES} articles per site; {CORES} cores")
    header = (
        f"{'sites':>5} {'wall s':>7} {'sites/h':>8} {'pages/s':>7} {'crawl CPU':>9} "
        f"{'web CPU':>7} {'RSS MiB':>7} {'procs':>5} {'write ms/page':>13} {'ok':>5} "
        f"{'summaries':>11} {'crawls':>6}  first to run out"
    )
    print(header)
    for count in counts:
        row = measure(count, extra)
        print(
            f"{row['sites']:>5} {row['wall']:>7.0f} {row['sites_hour']:>8.0f} {row['pages_s']:>7.1f} "
            f"{row['crawl_cpu']:>8.0f}% {row['server_cpu']:>6.0f}% {row['rss']:>7.0f} "
            f"{row['processes']:>5} {row['write_ms']:>13.2f} {row['ok']:>5} "
            f"{row['summaries']:>5}/{row['expected']:<5} {row['crawls']:>6}  {verdict(row)}",
            flush=True,
        )


if __name__ == "__main__":
    main()
