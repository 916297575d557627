"""Schedules of sites.toml ('every 6h' or a 5-field crontab line) as APScheduler triggers.

The registry validates a schedule by building its trigger here and asking it for a next fire time,
so whatever the registry accepts the scheduler can run, and a schedule that never fires
(`0 3 31 2 *`) is refused before anything starts.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_SCHEDULE = "0 3 * * *"  # nightly, when municipal servers are quiet
DEFAULT_TIMEZONE = "Asia/Shanghai"  # the sites' own clock
SCHEDULE_INTERVAL = re.compile(r"^every\s+(\d+)\s*(s|m|h|d)$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_CRON_HELP = (
    "expected a crontab line of 5 fields (e.g. '0 3 * * *') or an interval such as 'every 6h'"
)


class ScheduleError(ValueError):
    """A schedule that cannot be run; the message says what is wrong with it."""


def timezone_named(name: str) -> ZoneInfo:
    """The IANA time zone ``name``; ScheduleError for an unknown one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            f"unknown time zone {name!r} (expected a name such as 'Asia/Shanghai')"
        ) from None


def cron_day_of_week(field: str) -> str:
    """crontab numbers days from Sunday = 0 (or 7); APScheduler from Monday = 0. Numbers are
    rewritten as day names, ranges expanded, so '1-5' means Monday to Friday as in crontab."""
    parts = []
    for part in field.split(","):
        body, _, step = part.partition("/")
        numbers = (
            [int(x) for x in re.findall(r"\d+", body)] if re.fullmatch(r"\d+(-\d+)?", body) else []
        )
        if any(n > 7 for n in numbers):
            raise ScheduleError(f"day of week {part!r}: days are 0-7 (0 and 7 are Sunday)")
        if len(numbers) == 2:
            days = list(range(numbers[0], numbers[1] + 1))[:: int(step) if step else 1]
            if not days:
                raise ScheduleError(f"day of week {part!r}: an empty range")
            parts.extend(_DAY_NAMES[d] for d in days)
        elif len(numbers) == 1 and not step:
            parts.append(_DAY_NAMES[numbers[0]])
        else:
            parts.append(part)
    return ",".join(dict.fromkeys(parts))


def trigger_for(schedule: str, jitter: int | None = None, timezone: str = DEFAULT_TIMEZONE):
    """The APScheduler trigger of a schedule; ScheduleError when it is malformed or never fires."""
    # APScheduler is imported here, not with the module: a crawl reads the registry through this
    # module, and needs APScheduler only for a site with a schedule (75 ms of every crawl process).
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    zone = timezone_named(timezone)
    text = schedule.strip()
    match = SCHEDULE_INTERVAL.match(text)
    if match:
        amount, unit = int(match.group(1)), _UNITS[match.group(2)]
        if amount < 1:
            raise ScheduleError(f"{schedule!r}: an interval must be at least 1 {unit[:-1]}")
        seconds = timedelta(**{unit: amount}).total_seconds()
        # Spread sites that share an interval by up to a tenth of it (at most 5 minutes).
        spread = jitter if jitter is not None else int(min(seconds / 10, 300))
        return IntervalTrigger(**{unit: amount}, jitter=spread or None, timezone=zone)
    fields = text.split()
    if len(fields) != 5:
        raise ScheduleError(f"{schedule!r}: {_CRON_HELP}")
    minute, hour, day, month, day_of_week = fields
    try:
        trigger = CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=cron_day_of_week(day_of_week),
            jitter=jitter if jitter is not None else 300,
            timezone=zone,
        )
    except ScheduleError as exc:
        raise ScheduleError(f"{schedule!r}: {exc}") from None
    except (ValueError, KeyError, IndexError) as exc:
        raise ScheduleError(f"{schedule!r}: {exc} ({_CRON_HELP})") from None
    # A date that does not exist (31 February) is valid field by field and never fires.
    if trigger.get_next_fire_time(None, datetime.now(zone)) is None:
        raise ScheduleError(f"{schedule!r}: never fires (no such date)")
    return trigger
