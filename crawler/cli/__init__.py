"""Command line: `crawler crawl`, `schedule`, `check-site`, `serve`, `demo`, `extract`.

A thin click layer over the library; every command and option has help text. crawling.py holds
the commands that crawl (crawl, schedule, check-site), reading.py those that read an archive or a
page (serve, demo, extract). `python scheduler.py` is `crawler schedule`.
"""

from __future__ import annotations

from crawler.cli import crawling, reading
from crawler.cli.base import cli

__all__ = ["cli", "crawling", "main", "reading"]


def main() -> None:
    cli(prog_name="crawler")
