"""Command line: `crawler crawl`, `schedule`, `check-site`, `reprocess`, `serve`, `demo`, `extract`,
`classify`, `label`, `sample-web`, `worker`, `writer`.

A thin click layer over the library; every command and option has help text. crawling.py holds
the commands that crawl (crawl, schedule, check-site, reprocess), reading.py those that read an
archive, a page or a text (serve, demo, extract, classify) and the benchmarks' generated web (sample-web),
distributed.py those of crawling on many machines (worker, writer). `python scheduler.py` is
`crawler schedule`. labelling.py holds `label`, a reader's say on a text.
"""

from __future__ import annotations

from crawler.cli import crawling, distributed, labelling, reading
from crawler.cli.base import cli

__all__ = ["cli", "crawling", "distributed", "labelling", "main", "reading"]


def main() -> None:
    cli(prog_name="crawler")
