"""Run the crawls on the schedules in sites.toml, as a long-running service.

    python scheduler.py [--sites sites.toml] [--db archive.db] [--list] [--once [SITE_ID ...]]

The same command as `crawler schedule` (see `python scheduler.py --help`, crawler/schedule/service.py
and the README section "Running as a service").
"""

from crawler.cli.crawling import schedule

if __name__ == "__main__":
    schedule(prog_name="scheduler.py")
