"""Discovery on the sites of crawler/demo/challenges.py (JS challenges, script-built addresses):
for each, the requests of a first crawl (the browser's among them) and of a re-crawl of the
unchanged site, and whether its hidden summary was found. Printed by
``python benchmarks/run.py discovery`` after the habits of crawler/demo/unseen.py.
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from discovery import crawl

from crawler.demo.challenges import MECHANISMS, build_challenge_web


def main() -> None:
    web = build_challenge_web(uses=6).start()  # a challenge cookie good for 6 requests
    try:
        with tempfile.TemporaryDirectory() as folder:
            sites = Path(folder) / "sites.toml"
            sites.write_text(web.sites_toml(), encoding="utf-8")
            print(f"{'site':12} {'mechanism':34} {'first: requests':>15} {'browser':>7} {'s':>5} "
                  f"{'re-crawl: requests':>18} {'s':>5} {'articles again':>14} {'hidden found':>12}")  # fmt: skip
            for site_id, site in web.sites.items():
                db = Path(folder) / f"{site_id}.db"
                site.clear_log()
                first = crawl(sites, db, site_id)
                first_requests = len(site.requests)
                site.clear_log()
                again = crawl(sites, db, site_id)
                with sqlite3.connect(db) as conn:
                    found = conn.execute(
                        "SELECT count(*) FROM sightings WHERE url = ?", [site.url(site.hidden)]
                    ).fetchone()[0]
                    known = {url for (url,) in conn.execute("SELECT url FROM sightings")}
                    browser = conn.execute(
                        "SELECT browser_requests FROM crawl_run_sites WHERE site = ? "
                        "ORDER BY run_id LIMIT 1", [site_id]
                    ).fetchone()[0]  # fmt: skip
                articles_again = sum(
                    1 for entry in site.requests if site.url(entry.path) in known
                )  # fmt: skip
                print(f"{site_id:12} {MECHANISMS[site_id]:34} {first_requests:>15} {browser:>7} "
                      f"{first:>5.1f} {len(site.requests):>18} {again:>5.1f} {articles_again:>14} "
                      f"{'yes' if found else 'NO':>12}")  # fmt: skip
    finally:
        web.stop()


if __name__ == "__main__":
    main()
