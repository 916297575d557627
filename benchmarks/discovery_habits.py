"""Discovery on the habits of crawler/demo/habits.py (articles in pieces, oldest-first columns,
one article at many addresses, traps, 429s): for each sample site the requests of a first crawl
and of a re-crawl, how many known articles the re-crawl asked for again, and whether every
summary was found with its whole text. Printed by ``python benchmarks/run.py discovery`` after
the publishing habits of crawler/demo/unseen.py.
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from discovery import crawl

from crawler.demo.habits import build_habits_web

HABITS = {
    "pieces": "article over _2/_3 and ?page=2 pages",
    "oldest": "oldest first, new on the last page",
    "aliases": "3 addresses, rel=canonical",
    "trapped": "pager to 999 (200 页面不存在), calendar",
    "throttled": "429 Retry-After when too fast",
}


def _whole(db: Path, site) -> bool:
    """Every summary found, and each split one with every paragraph."""
    with sqlite3.connect(db) as conn:
        bodies = dict(conn.execute("SELECT url, body FROM documents"))
    return all(site.url(path) in bodies for path in site.summaries) and all(
        all(line in bodies[site.url(path)] for line in lines)
        for path, lines in site.full_texts.items()
    )


def main() -> None:
    web = build_habits_web().start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            sites = Path(folder) / "sites.toml"
            sites.write_text(web.sites_toml(), encoding="utf-8")
            print(f"{'site':10} {'habit':40} {'first: requests':>15} {'s':>5} "
                  f"{'re-crawl: requests':>18} {'articles again':>14} {'summaries whole':>15}")  # fmt: skip
            for site_id, habit in HABITS.items():
                site = web[site_id]
                db = Path(folder) / f"{site_id}.db"
                site.clear_log()
                first = crawl(sites, db, site_id)
                first_requests = len(site.requests)
                site.clear_log()
                crawl(sites, db, site_id)
                again = sum(1 for e in site.requests if e.path in set(site.article_paths))
                print(f"{site_id:10} {habit:40} {first_requests:>15} {first:>5.1f} "
                      f"{len(site.requests):>18} {again:>14} "
                      f"{'yes' if _whole(db, site) else 'NO':>15}")  # fmt: skip
    finally:
        web.stop()


if __name__ == "__main__":
    main()
