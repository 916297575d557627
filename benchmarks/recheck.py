"""What re-checking archived summaries costs (crawler/crawl/recheck.py), on the generated web
(crawler/demo/generated.py): RECHECK_SITES sites (default 10) of RECHECK_ARTICLES articles
(default 100, every fifth a summary), crawled with `crawler crawl` and the test politeness.

For each case it prints the requests of one re-crawl after the backfill (as the crawl counts
them, robots.txt and home pages included), how many were re-checks, the 304s, and the bytes of
page bodies the sites sent:

- no re-checks (recheck = "never"): the cost of a re-crawl before the policy;
- every summary due (recheck = "every crawl"): the most a re-crawl can cost, on sites that answer
  304 to an unchanged page, and on sites that never do;
- the default policy right after the backfill: the generated summaries are from 2023, re-checked
  yearly, so none is due yet.

Then, from the default policy alone, the re-checks a daily crawl costs in the long run for a site
that has published one summary a week for five years, and how many come due at once.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from crawler.demo.generated import GeneratedWeb
from crawler.registry.recheck import DEFAULT_POLICY, DEFAULT_RECHECK

SITES = int(os.environ.get("RECHECK_SITES", "10"))
ARTICLES = int(os.environ.get("RECHECK_ARTICLES", "100"))
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=ERROR"]


class Served:
    """A generated web served from an event loop in a thread of this process."""

    def __init__(self, answers_not_modified: bool):
        self.web = GeneratedWeb(SITES, ARTICLES, answers_not_modified)
        self.loop = asyncio.new_event_loop()
        self.up = threading.Event()
        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(self._run(),))
        self.thread.start()
        self.up.wait(30)

    async def _run(self) -> None:
        self.stop, ready = asyncio.Event(), asyncio.Event()
        task = asyncio.create_task(self.web.serve(ready, self.stop))
        await ready.wait()
        self.up.set()
        await task

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join()


def crawl(sites: Path, db: Path) -> dict:
    subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", "--sites", str(sites), "--db", str(db), *FAST],
        check=True,
        capture_output=True,
        env=dict(os.environ, PYTHONWARNINGS="ignore"),
    )
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return dict(conn.execute("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone())
    finally:
        conn.close()


def measure(answers_not_modified: bool, policies: list[tuple[str, str]]) -> None:
    served = Served(answers_not_modified)
    try:
        with tempfile.TemporaryDirectory() as folder:
            sites, db = Path(folder) / "sites.toml", Path(folder) / "archive.db"
            sites.write_text(served.web.registry(), encoding="utf-8")
            crawl(sites, db)  # the backfill
            for label, policy in policies:
                sites.write_text(served.web.registry(f'recheck = "{policy}"\n'), "utf-8")
                sent = served.web.bytes_sent
                run = crawl(sites, db)
                kib = (served.web.bytes_sent - sent) / 1024
                print(
                    f"{label:46} {run['requests']:>8} {run['rechecked']:>9} "
                    f"{run['not_modified']:>5} {run['changed']:>7} {kib:>10.0f}"
                )
    finally:
        served.close()


def long_run() -> None:
    """The default policy over a site with a summary a week for five years, crawled daily."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    ages = [timedelta(weeks=week) for week in range(5 * 52)]
    per_day = sum(
        1.0 if DEFAULT_POLICY.interval(age.total_seconds()) <= 86400 else
        86400 / DEFAULT_POLICY.interval(age.total_seconds())
        for age in ages
    )  # fmt: skip
    # Every summary fetched by one crawl (a backfill): how many fall due on each later day.
    articles = [
        (f"http://a.example/{n}.html", (now - age).strftime("%Y-%m-%d"), "2026-01-01T00:00:00Z")
        for n, age in enumerate(ages)
    ]
    firsts, seen = [], set()
    for day in range(1, 400):
        due = set(DEFAULT_POLICY.due(articles, now + timedelta(days=day), 2000)) - seen
        seen |= due
        firsts.append(len(due))
    print(
        f"default policy ({DEFAULT_RECHECK}), one summary a week for 5 years (260), daily "
        f"crawls: {per_day:.1f} re-checks per crawl in the long run; after a backfill of all "
        f"260, the most that come due on one day is {max(firsts)} (without the spread: "
        f"{_unspread(ages)})"
    )


def _unspread(ages: list[timedelta]) -> int:
    """How many share the single busiest due day if every interval were exact."""
    days: dict[float, int] = {}
    for age in ages:
        interval = DEFAULT_POLICY.interval(age.total_seconds()) or 0
        if interval > 86400:
            days[interval] = days.get(interval, 0) + 1
    return max(days.values())


def main() -> None:
    print(f"{SITES} sites of {ARTICLES} articles ({SITES * ARTICLES // 5} summaries)")
    print(f"{'re-crawl after the backfill':46} {'requests':>8} {'rechecked':>9} {'304':>5} {'changed':>7} {'KiB sent':>10}")  # fmt: skip
    measure(
        True,
        [
            ("no re-checks (never)", "never"),
            ("every summary due, site answers 304", "every crawl"),
            ("default policy", DEFAULT_RECHECK),
        ],
    )
    measure(False, [("every summary due, site never answers 304", "every crawl")])
    long_run()


if __name__ == "__main__":
    main()
