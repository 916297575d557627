"""Command line: `crawler crawl`, `schedule`, `check-site`, `reprocess`, `serve`, `demo`, `extract`,
`classify`, `label`, `sample-web`, `worker`, `writer`.

A thin click layer over the library; every command and option has help text. crawling.py holds
the commands that crawl (crawl, schedule, check-site, reprocess), reading.py those that read an
archive, a page or a text (serve, demo, extract, classify) and the benchmarks' generated web (sample-web),
distributed.py those of crawling on many machines (worker, writer). `python scheduler.py` is
`crawler schedule`. labelling.py holds `label`, a reader's say on a text.
"""

from __future__ import annotations

import gc

from crawler.cli import crawling, distributed, labelling, reading
from crawler.cli.base import cli

__all__ = ["cli", "crawling", "distributed", "labelling", "main", "reading"]


def main() -> None:
    try:
        cli(prog_name="crawler")
    finally:
        # On its way out the interpreter collects garbage over every object still alive (Scrapy,
        # Twisted, lxml and the rest), more than once: ~0.3 s of CPU at the end of each command,
        # and the scheduler starts one crawl process per crawl. What is garbage now is collected,
        # and finalised, once here; what is left is freed as the modules are torn down, without
        # being walked again.
        gc.collect()
        gc.freeze()
