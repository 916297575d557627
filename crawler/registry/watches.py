"""The registry's [[watch]] tables: who is told what is new (crawler/watches.py sends it)."""

from __future__ import annotations

import re
from dataclasses import dataclass

WATCH_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")


@dataclass(frozen=True)
class Watch:
    name: str
    notify: tuple[str, ...]
    region: str | None = None
    sites: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    match_all: bool = False
    changes: bool = False
    archive_url: str | None = None  # where the archive is served: a change links to its diff

    def wants(self, item: dict) -> bool:
        """Whether a document (or changed text) is this watch's business."""
        if self.region and not (item.get("region") or "").startswith(self.region):
            return False
        if self.sites and item.get("site") not in self.sites:
            return False
        if self.keywords:
            text = (item.get("title") or "") + "\n" + (item.get("body") or "")
            found = [keyword in text for keyword in self.keywords]
            return all(found) if self.match_all else any(found)
        return True


def parse_watches(entries, check, site_ids: set[str]) -> list[Watch]:
    """The [[watch]] tables, checked; ``check.fail(where, key, problem)`` names file, watch, key."""
    if not isinstance(entries, list):
        raise check.fail("top level", "watch", "expected [[watch]] tables")
    known = {"name", "notify", "region", "sites", "keywords", "match", "changes", "archive_url"}
    watches, names = [], set()
    for number, entry in enumerate(entries, 1):
        name = entry.get("name") if isinstance(entry, dict) else None
        where = f"watch #{number}" + (f" {name!r}" if isinstance(name, str) else "")
        if not isinstance(entry, dict):
            raise check.fail(where, "watch", "expected a table")
        unknown = sorted(set(entry) - known)
        if unknown:
            raise check.fail(
                where, unknown[0], f"unknown key (allowed: {', '.join(sorted(known))})"
            )
        if not isinstance(name, str) or not WATCH_NAME.match(name) or name in names:
            raise check.fail(where, "name", "expected a unique name of letters, digits, - and _")
        names.add(name)
        notify = entry.get("notify")
        notify = [notify] if isinstance(notify, str) else notify
        if not notify or not all(isinstance(url, str) for url in notify):
            raise check.fail(where, "notify", "expected one or more Apprise URLs")
        for url in notify:
            if not _apprise_accepts(url):
                raise check.fail(where, "notify", f"{url!r} is not an Apprise URL Apprise knows")
        sites = entry.get("sites", [])
        if not isinstance(sites, list) or not all(isinstance(s, str) for s in sites):
            raise check.fail(where, "sites", "expected a list of site ids")
        for site_id in sites:
            if site_id not in site_ids:
                raise check.fail(where, "sites", f"unknown site id {site_id!r}")
        keywords = entry.get("keywords", [])
        if not isinstance(keywords, list) or not all(isinstance(k, str) and k for k in keywords):
            raise check.fail(where, "keywords", "expected a list of words")
        match = entry.get("match", "any")
        if match not in ("any", "all"):
            raise check.fail(where, "match", "expected 'any' or 'all'")
        region, changes = entry.get("region"), entry.get("changes", False)
        if region is not None and not isinstance(region, str):
            raise check.fail(where, "region", "expected a string such as '江西省'")
        if not isinstance(changes, bool):
            raise check.fail(where, "changes", "expected true or false")
        archive_url = entry.get("archive_url")
        if archive_url is not None and not (
            isinstance(archive_url, str) and archive_url.startswith(("http://", "https://"))
        ):
            raise check.fail(where, "archive_url", "expected the archive's http(s) address")
        watches.append(
            Watch(
                name,
                tuple(notify),
                region,
                tuple(sites),
                tuple(keywords),
                match == "all",
                changes,
                archive_url,
            )
        )
    return watches


def _apprise_accepts(url: str) -> bool:
    import apprise

    return bool(apprise.Apprise().add(url))
