"""Requests and article fetches for a first crawl, an unchanged re-crawl, and a re-crawl after two
new articles are published (one a repost of an archived summary), on the bundled sample web."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from crawler.archive import Archive
from crawler.demo.sites import build_sample_web, load_articles

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=ERROR"]


def crawl(sites: Path, db: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", "--sites", str(sites), "--db", str(db), *FAST],
        check=True,
        capture_output=True,
        env=dict(os.environ, PYTHONWARNINGS="ignore"),
    )
    return time.perf_counter() - started


def main() -> None:
    articles = load_articles()
    web = build_sample_web().start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            sites = Path(folder) / "sites.toml"
            sites.write_text(web.sites_toml(), encoding="utf-8")
            db = Path(folder) / "archive.db"
            print(
                f"{'crawl':34} {'site':14} {'columns':>7} {'requests':>8} {'304':>4} {'articles':>8} {'new docs':>8} {'new sightings':>13}"
            )
            for label, prepare in (
                ("first crawl (backfill)", None),
                ("unchanged re-crawl", None),
                (
                    "after 2 new articles (1 repost)",
                    lambda: (
                        web["linjiang-news"].publish("tongzhan", articles["lj-halfyear-2023"]),
                        web["yunxi-gov"].publish("4467", articles["qs-summary-2022"]),
                    ),
                ),
            ):
                if prepare:
                    prepare()
                seconds = crawl(sites, db)
                with Archive(db) as archive:
                    run_id = archive.db.execute("SELECT MAX(id) FROM crawl_runs").fetchone()[0]
                    for row in archive.db.query(
                        "SELECT * FROM crawl_run_sites WHERE run_id = ? ORDER BY site", [run_id]
                    ):
                        columns = len(web[row["site"]].columns)
                        print(
                            f"{label:34} {row['site']:14} {columns:>7} {row['requests']:>8} {row['not_modified']:>4} {row['articles']:>8} {row['documents_new']:>8} {row['sightings_new']:>13}"
                        )
                print(
                    f"{'':34} {'(wall time ' + format(seconds, '.1f') + ' s, including process start)'}"
                )
    finally:
        web.stop()
    print(
        "requests include robots.txt and the home page; target for an unchanged re-crawl: 0 articles, robots.txt + 1 per column (+ home)"
    )


if __name__ == "__main__":
    main()
