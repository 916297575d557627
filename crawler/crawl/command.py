"""What starts a crawl and what its exit says, for the processes that start crawls (the scheduler,
the worker, the demo): nothing here imports Scrapy."""

from __future__ import annotations

import sys
from pathlib import Path

# `crawler crawl` exit status when another crawl already has one of the sites.
EXIT_BUSY = 3
# `crawler crawl` exit status when the crawl was stopped (Ctrl-C, SIGTERM) before it ended: what it
# fetched is archived, and the next crawl completes the rest. 128 + SIGINT, as shells do.
EXIT_INTERRUPTED = 130
# Set by the scheduler and the worker to the pid of the crawl's parent: the crawl ends when that
# process dies.
PARENT_ENV = "SUMMARY_ARCHIVE_PARENT_PID"


def crawl_command(
    sites_path: str | Path,
    db_path: str | Path,
    overrides: list[str],
    site_ids: list[str] | tuple[str, ...] = (),
) -> list[str]:
    """The `crawler crawl` command line that runs one crawl in a process of its own."""
    return [sys.executable, "-m", "crawler", *crawl_args(sites_path, db_path, overrides, site_ids)]


def crawl_args(
    sites_path: str | Path,
    db_path: str | Path,
    overrides: list[str],
    site_ids: list[str] | tuple[str, ...] = (),
) -> list[str]:
    """The arguments of `python -m crawler` for one crawl."""
    args = ["crawl", "--sites", str(sites_path), "--db", str(db_path)]
    for pair in overrides:
        args += ["-s", pair]
    return args + list(site_ids)


def parse_overrides(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``NAME=VALUE`` pairs as given to ``-s``; ValueError for a pair without '='."""
    overrides = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"-s expects NAME=VALUE, got {pair!r}")
        overrides[name.strip()] = value
    return overrides


def check_setting_values(overrides: dict[str, str]) -> None:
    """ValueError for an override whose value the setting's type cannot take (DOWNLOAD_DELAY=abc):
    found before the crawl starts, instead of as a traceback inside Scrapy."""
    if not overrides:
        return
    from scrapy.settings import Settings  # half a second: only when there are values to check

    if "ARCHIVE_WARC_GZIP_LEVEL" in overrides:
        from crawler.crawl.warc import gzip_level

        value = overrides["ARCHIVE_WARC_GZIP_LEVEL"]
        try:
            gzip_level(value)
        except ValueError:
            raise ValueError(
                f"-s ARCHIVE_WARC_GZIP_LEVEL={value}: expected fast or one of gzip's levels, 1 to 9"
            ) from None
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    for name, value in overrides.items():
        default = settings.get(name)
        # An int default may be read as a float (DOWNLOAD_TIMEOUT = 30 takes 1.5): check a number.
        readers = {bool: "getbool", int: "getfloat", float: "getfloat"}
        reader = readers.get(type(default))
        if reader is None and isinstance(default, list | tuple):
            reader = "getlist"
        elif reader is None and isinstance(default, dict):
            reader = "getdict"
        if reader is None:
            continue
        try:
            getattr(Settings({name: value}), reader)(name)
        except (TypeError, ValueError):
            kind = {bool: "True or False", int: "a number", float: "a number"}.get(
                type(default), "a JSON value"
            )
            raise ValueError(f"-s {name}={value}: expected {kind}") from None
