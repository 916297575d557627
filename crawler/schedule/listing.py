"""`crawler schedule --list`: each site's next crawl as the service will run it, said the way it
is known. A site never crawled into the archive is crawled as soon as the service starts; a time
the job state keeps is exact; an interval not yet started counts from the service's start, so
only a crontab time is known before then."""

from __future__ import annotations

from pathlib import Path

from apscheduler.triggers.interval import IntervalTrigger

from crawler.archive.state import sites_crawled_into
from crawler.registry.schedules import DEFAULT_SCHEDULE


def listing_lines(service, db_path: Path) -> list[str]:
    """One line per enabled site: its id, then when it is crawled next."""
    crawled = sites_crawled_into(db_path)
    by_id = {site.id: site for site in service.sites}
    lines = []
    for site_id, next_run, kept in service.next_runs():
        site = by_id[site_id]
        if kept:
            when = f"{next_run:%Y-%m-%d %H:%M:%S %Z}"
        elif isinstance(service.trigger(site), IntervalTrigger):
            when = f"{site.schedule or DEFAULT_SCHEDULE} from when the service starts"
        else:
            when = f"{next_run:%Y-%m-%d %H:%M:%S %Z} (by its schedule)"
        if site_id not in crawled:
            when = f"when the service starts (never crawled into {db_path.name}), then {when}"
        elif not kept:
            when += " (the service keeps no time for it yet)"
        lines.append(f"{site_id:24} {when}")
    return lines
