"""CPU per page against what bare Scrapy costs, on one generated web (crawler sample-web: CPU_SITES
sites of CPU_ARTICLES articles, every fifth a summary), politeness lifted, one crawl after
another:

- a bare Scrapy spider that walks the columns and fetches the articles without reading them (the
  floor for this work);
- a Scrapy CrawlSpider following every on-site link;
- this project's `crawler crawl` (extraction, classification, fingerprints, archive, WARC).

Prints wall time, pages/s, CPU ms per page (the crawl process's user + system time) and the ratio
to the bare spider; with CPU_PROFILE=1 and py-spy installed, the top functions of this project's
crawl by their own time.

    python benchmarks/run.py cpu          # CPU_SITES=20 CPU_ARTICLES=250 by default
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SITES = int(os.environ.get("CPU_SITES", "20"))
ARTICLES = int(os.environ.get("CPU_ARTICLES", "250"))
LIFTED = {
    "DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "ROBOTSTXT_OBEY": "True",
    "CONCURRENT_REQUESTS": "64", "CONCURRENT_REQUESTS_PER_DOMAIN": "4", "LOG_LEVEL": "ERROR",
    "TELNETCONSOLE_ENABLED": "False", "REMOTE_CONTROL_ENABLED": "False",
}  # fmt: skip

BARE = """
import re, sys, tomllib, scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.linkextractors import LinkExtractor

SITES = tomllib.load(open(sys.argv[1], "rb"))["site"]
SETTINGS = dict(arg.split("=", 1) for arg in sys.argv[3:])

class Bare(scrapy.Spider):
    name = "bare"
    async def start(self):
        for site in SITES:
            yield scrapy.Request(site["start_urls"][0])
    def parse(self, response):
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href)
            if re.search(r"/\\d{4}/\\d{2}/|content_|art_|t\\d{8}_", url):
                yield scrapy.Request(url, callback=self.article)
            else:
                yield scrapy.Request(url)
    def article(self, response):
        self.crawler.stats.inc_value("pages/articles")

class Crawl(scrapy.spiders.CrawlSpider):
    name = "crawl"
    rules = [scrapy.spiders.Rule(LinkExtractor(), follow=True)]
    start_urls = [site["start_urls"][0] for site in SITES]

process = CrawlerProcess(SETTINGS)
process.crawl(Bare if sys.argv[2] == "bare" else Crawl)
process.start()
"""


def run(command: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        registry = folder / "sites.toml"
        web = subprocess.Popen(
            [sys.executable, "-m", "crawler", "sample-web", "--sites", str(SITES), "--articles",
             str(ARTICLES), "--registry", str(registry)],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert web.stdout.readline().startswith("ready")
            pages = SITES * (ARTICLES + ARTICLES // 20 + 3)
            script = folder / "bare.py"
            script.write_text(BARE, "utf-8")
            settings = [f"{k}={v}" for k, v in LIFTED.items()]
            rows = []
            for name, command in (
                ("bare Scrapy spider (no reading)", [sys.executable, str(script), str(registry), "bare", *settings]),
                ("Scrapy CrawlSpider (every link)", [sys.executable, str(script), str(registry), "crawl", *settings]),
                ("this project (crawler crawl)", [sys.executable, "-m", "crawler", "crawl", "--sites", str(registry),
                 "--db", str(folder / "archive.db"), *[x for s in settings for x in ("-s", s)]]),
            ):  # fmt: skip
                wall, cpu = run(command)
                rows.append((name, wall, cpu))
            floor = rows[0][1]
            print(f"{SITES} sites x {ARTICLES} articles (about {pages} pages); politeness lifted")
            print(
                f"{'tool':34} {'wall':>7} {'pages/s':>8} {'CPU ms/page':>11} {'x bare pages/s':>14}"
            )
            for name, wall, cpu in rows:
                print(f"{name:34} {wall:>6.1f}s {pages / wall:>8.0f} {cpu / pages * 1000:>11.2f} "
                      f"{floor / wall:>14.2f}")  # fmt: skip
            if os.environ.get("CPU_PROFILE") and shutil.which("py-spy"):
                _profile(registry, folder, settings)
        finally:
            web.terminate()
            web.wait(10)


def _profile(registry: Path, folder: Path, settings: list[str]) -> None:
    out = folder / "profile.txt"
    subprocess.run(
        ["py-spy", "record", "--format", "raw", "--output", str(out), "--subprocesses", "--",
         sys.executable, "-m", "crawler", "crawl", "--sites", str(registry), "--db",
         str(folder / "profiled.db"), *[x for s in settings for x in ("-s", s)]],
        check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    own: dict[str, int] = {}
    total = 0
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        total += int(count)
        leaf = stack.split(";")[-1]
        own[leaf] = own.get(leaf, 0) + int(count)
    print("profile of this project's crawl, own time (py-spy):")
    for leaf, count in sorted(own.items(), key=lambda kv: -kv[1])[:15]:
        print(f"  {count / total:6.1%}  {leaf[:110]}")


if __name__ == "__main__":
    main()
