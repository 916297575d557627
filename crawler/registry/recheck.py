"""The re-check policy of sites.toml (``recheck``): how often an archived summary is asked for
again, by its age, so that an edit at its URL is seen without a full ``--refresh``.

A policy is a list of steps, youngest first; each says how often an article is asked again and
until which age::

    recheck = "every crawl until 7d, every 7d until 90d, every 30d until 365d, every 365d"

``every crawl`` asks at each crawl; a duration is ``N`` followed by s, m, h, d or w. A last step
without ``until`` holds for every later age; one with ``until`` means older articles are never
asked again. ``never`` switches re-checks off. An article's age counts from its publication date
(else from when the archive first saw it).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

# Re-checks never burst: each article's interval is shortened by up to SPREAD, by a fixed share
# drawn from its URL, so that articles archived by one crawl fall due over several crawls; and a
# crawl asks at most BUDGET_SHARE of the site's request budget again, the most overdue first.
SPREAD = 0.25
BUDGET_SHARE = 0.1
DEFAULT_RECHECK = "every crawl until 7d, every 7d until 90d, every 30d until 365d, every 365d"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_STEP = re.compile(
    r"^(?:every\s+)?(?:(?P<crawl>crawl)|(?P<n>\d+)\s*(?P<unit>[smhdw]))"
    r"(?:\s+until\s+(?P<age>\d+)\s*(?P<age_unit>[smhdw]))?$"
)


@dataclass(frozen=True)
class RecheckPolicy:
    """Steps of (until age in seconds, or None for ever; interval in seconds, 0 for every
    crawl); no steps: never re-checked."""

    steps: tuple[tuple[float | None, float], ...]
    text: str

    def interval(self, age_s: float) -> float | None:
        """How long an article of this age waits between two re-checks; None: never again."""
        for until, every in self.steps:
            if until is None or age_s < until:
                return every
        return None

    @property
    def enabled(self) -> bool:
        """False for ``never``: the site's summaries are not asked for again."""
        return bool(self.steps)

    def due(
        self, articles: Iterable[tuple[str, str, str]], now: datetime, max_requests: int
    ) -> list[str]:
        """Of ``articles`` as (url, born, checked) (born: a publication day, China time, or an
        ISO UTC time; checked: the last fetch, ISO UTC), the URLs to ask for again in a crawl at
        ``now`` (aware), the most overdue first, at most BUDGET_SHARE of ``max_requests``."""
        due: list[tuple[float, str]] = []
        for url, born_text, checked_text in articles if self.steps else ():
            born, checked = _moment(born_text), _moment(checked_text)
            if born is None or checked is None:
                continue
            interval = self.interval(max(0.0, (now - born).total_seconds()))
            if interval is None:
                continue
            wait = interval * (1 - SPREAD * _share(url))
            elapsed = (now - checked).total_seconds()
            if elapsed >= wait:
                due.append((elapsed / wait if wait else float("inf"), url))
        due.sort(key=lambda pair: (-pair[0], pair[1]))
        return [url for _overdue, url in due[: max(1, int(max_requests * BUDGET_SHARE))]]


def _moment(text: str | None) -> datetime | None:
    try:
        if text and len(text) == 10:
            return datetime.fromisoformat(text + "T00:00:00+08:00")
        return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
    except ValueError:
        return None


def _share(url: str) -> float:
    """A fixed share in [0, 1) for a URL, the same in every crawl and on every machine."""
    return int.from_bytes(hashlib.sha1(url.encode("utf-8")).digest()[:4], "big") / 2**32


def parse_recheck(text: str) -> RecheckPolicy:
    """A policy from its sites.toml text; ValueError saying what is wrong."""
    cleaned = " ".join(text.lower().split())
    if cleaned in ("never", "off"):
        return RecheckPolicy((), text)
    steps: list[tuple[float | None, float]] = []
    parts = [part.strip() for part in cleaned.split(",")]
    for position, part in enumerate(parts):
        found = _STEP.match(part)
        if not found:
            raise ValueError(
                f"step {part!r}: expected 'every crawl', 'every 7d' or 'every 7d until 90d' "
                f"(units s, m, h, d, w), steps separated by commas, or 'never'"
            )
        every = 0.0 if found["crawl"] else int(found["n"]) * _UNITS[found["unit"]]
        if not found["crawl"] and every <= 0:
            raise ValueError(f"step {part!r}: the interval must be more than 0")
        until = int(found["age"]) * _UNITS[found["age_unit"]] if found["age"] else None
        if until is None and position < len(parts) - 1:
            raise ValueError(f"step {part!r}: only the last step may go on for ever (no 'until')")
        if until is not None and steps and until <= (steps[-1][0] or 0):
            raise ValueError(f"step {part!r}: ages must grow from one step to the next")
        steps.append((until, float(every)))
    return RecheckPolicy(tuple(steps), text)


DEFAULT_POLICY = parse_recheck(DEFAULT_RECHECK)
