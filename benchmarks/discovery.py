"""Discovery on the publishing habits of crawler/demo/unseen.py: for each sample site, the
requests and seconds of a first crawl and of a re-crawl of the unchanged site, and whether its
hidden summary was found. Politeness lifted (the sites are on this machine).

    python benchmarks/run.py discovery
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from crawler.demo.unseen import build_unseen_web, finish_unseen_web

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=ERROR"]


def crawl(sites: Path, db: Path, site_id: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", "--sites", str(sites), "--db", str(db),
         *FAST, site_id],
        check=True, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - started


def main() -> None:
    web = finish_unseen_web(build_unseen_web().start())
    try:
        with tempfile.TemporaryDirectory() as folder:
            sites = Path(folder) / "sites.toml"
            sites.write_text(web.sites_toml(), encoding="utf-8")
            print(f"{'site':12} {'mechanism':30} {'first: requests':>15} {'s':>5} "
                  f"{'re-crawl: requests':>18} {'s':>5} {'articles again':>14} {'hidden found':>12}")  # fmt: skip
            mechanisms = {
                "arrows": "arrows, column-index-N.shtml", "curpage": "?cur_page=N, 下页",
                "framed": "iframe list.asp?page=N", "sitemapped": "robots.txt sitemaps",
                "fed": "RSS feed (list by script)", "formpaged": "GET form, goPage(n)",
                "postback": "ASP.NET __doPostBack", "scripted": "JSON API ($.ajax)",
            }  # fmt: skip
            for site_id, site in web.sites.items():
                db = Path(folder) / f"{site_id}.db"
                site.clear_log()
                first = crawl(sites, db, site_id)
                first_requests = len(site.requests)
                site.clear_log()
                again = crawl(sites, db, site_id)
                articles_again = sum(
                    1 for entry in site.requests
                    if entry.status == 200 and any(part in entry.path for part in (
                        "content", "Show.aspx", "show.asp", "detail_", "/article", "/tzgz/20"))
                )  # fmt: skip
                with sqlite3.connect(db) as conn:
                    found = conn.execute(
                        "SELECT count(*) FROM sightings WHERE url = ?", [site.url(site.hidden)]
                    ).fetchone()[0]
                print(f"{site_id:12} {mechanisms.get(site_id, ''):30} {first_requests:>15} "
                      f"{first:>5.1f} {len(site.requests):>18} {again:>5.1f} {articles_again:>14} "
                      f"{'yes' if found else 'NO':>12}")  # fmt: skip
    finally:
        web.stop()
    import discovery_challenges  # JS challenges and script-built addresses (demo/challenges.py)

    discovery_challenges.main()
    print()
    import discovery_habits  # the habits of crawler/demo/habits.py

    discovery_habits.main()


if __name__ == "__main__":
    main()
