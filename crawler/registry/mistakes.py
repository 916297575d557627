"""Checking a registry file: every mistake in it found in one reading, each named by the file,
the site and the key, with the nearest allowed key for one that is misspelt.

parse_sites (sites.py) reads each table with a Checker; a check that fails is recorded and the
reading goes on with the next key or site, so that a file with four mistakes is fixed in one go
rather than in four runs.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

# A file with more mistakes than this is probably not a registry; the rest are counted.
MOST_SHOWN = 20


class SitesError(ValueError):
    """sites.toml is unreadable or invalid; the message names the file, the site and the key
    (one line per mistake when there are several)."""


def did_you_mean(key: str, allowed: Iterable[str]) -> str:
    """`` (did you mean 'start_urls'?)`` for a key close to an allowed one, else nothing."""
    close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def meant(key: str, allowed: Iterable[str]) -> str | None:
    """The allowed key a misspelt one stands for, if one is close enough."""
    close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
    return close[0] if close else None


class Checker:
    """Checks the values of one registry file and keeps every mistake found."""

    def __init__(self, path: str):
        self.path = path
        self.mistakes: list[str] = []

    def fail(self, where: str, key: str | None, message: str) -> SitesError:
        location = f"{self.path}: {where}"
        if key:
            location += f": key '{key}'"
        return SitesError(f"{location}: {message}")

    def unknown(self, where: str, key: str, allowed: Iterable[str], listing: str) -> SitesError:
        """A key no table of this kind takes: the nearest allowed key, or the list of them."""
        hint = did_you_mean(key, allowed)
        return self.fail(where, key, f"unknown key{hint or ' (' + listing + ')'}")

    @contextmanager
    def collecting(self) -> Iterator[None]:
        """Record a mistake raised inside and go on after the block."""
        try:
            yield
        except SitesError as exc:
            self.mistakes.append(str(exc))

    def count(self) -> int:
        return len(self.mistakes)

    def raise_all(self) -> None:
        """One mistake as its own line; several as a count and one line each."""
        if not self.mistakes:
            return
        if len(self.mistakes) == 1:
            raise SitesError(self.mistakes[0])
        shown = self.mistakes[:MOST_SHOWN]
        more = len(self.mistakes) - len(shown)
        lines = [f"{self.path}: {len(self.mistakes)} mistakes:", *shown]
        if more:
            lines.append(f"… and {more} more")
        raise SitesError("\n".join(lines))

    def value(self, where: str, key: str, raw: Any, expected: type | tuple[type, ...]) -> Any:
        """``raw`` checked against the key's type and its own rules; a pattern list compiled."""
        if isinstance(raw, bool) and bool not in (
            expected if isinstance(expected, tuple) else (expected,)
        ):
            raise self.fail(where, key, f"expected {type_name(expected)}, got a boolean")
        if not isinstance(raw, expected):
            raise self.fail(where, key, f"expected {type_name(expected)}, got {type(raw).__name__}")
        if key == "max_requests" and raw < 1:
            raise self.fail(where, key, "must be at least 1")
        if key in ("max_depth", "download_delay") and raw < 0:
            raise self.fail(where, key, "must not be negative")
        if key == "allowed_domains":
            if not raw or not all(isinstance(d, str) and d and "/" not in d for d in raw):
                raise self.fail(
                    where, key, "expected a non-empty list of host names such as 'jjxw.cn'"
                )
            return tuple(d.lower().lstrip(".") for d in raw)
        if key.endswith("_patterns"):
            return tuple(self._pattern(where, key, pattern) for pattern in raw)
        if key == "encoding":
            import codecs

            try:
                codecs.lookup(raw)
            except LookupError:
                raise self.fail(where, key, f"unknown encoding {raw!r}") from None
        if key == "download_delay":
            return float(raw)
        return raw

    def _pattern(self, where: str, key: str, pattern: Any) -> re.Pattern:
        if not isinstance(pattern, str):
            raise self.fail(where, key, "expected a list of regular expressions (strings)")
        try:
            return re.compile(pattern)
        except re.error as exc:
            raise self.fail(where, key, f"invalid regular expression {pattern!r}: {exc}") from None


def type_name(expected: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
             list: "a list"}  # fmt: skip
    if isinstance(expected, tuple):
        return " or ".join(names.get(t, t.__name__) for t in expected)
    return names.get(expected, expected.__name__)
