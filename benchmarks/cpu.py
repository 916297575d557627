"""CPU per page against what bare Scrapy costs, on webs of CPU_SITES sites of CPU_ARTICLES articles
(crawler/demo/generated.py) served by nginx when it is installed (benchmarks/static_web.py; else
the generated web by the crawler's own sample server), politeness lifted, one crawl after another,
CPU_ROUNDS rounds (default 3; the medians are printed):

- a bare Scrapy spider that walks the columns and fetches the articles without reading them (the
  floor for this work);
- a Scrapy CrawlSpider following every on-site link;
- this project's `crawler crawl` (extraction, classification, fingerprints, archive, WARC).

Prints wall time, pages/s, CPU ms per page (the crawl process's user + system time) and the ratio
to the bare spider; with CPU_PROFILE=1 and py-spy installed, the top functions of this project's
crawl by their own time; with CPU_COMPARE_PYTHON=<another checkout's .venv/bin/python>, that
checkout's crawler too, in the same rounds (before and after a change, in one run).

Three webs (CPU_WEBS=0,1,2 picks): generated with one summary in 50, generated with one in 5, and
pages the size of real ones (../shared/realpages as the news articles, one generated summary in
50; nginx needed). The CrawlSpider is left out on the real-size web: it would follow the real
pages' own links, all 404s here.

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

from extraction import REALPAGES, load_realpages
from static_web import StaticWeb, nginx_binary

SITES = int(os.environ.get("CPU_SITES", "20"))
ROUNDS = int(os.environ.get("CPU_ROUNDS", "3"))
# One article in 50 a summary, as on the web the issue measured (100 of 5,000); the sample
# server's web has one in five (CPU_SUMMARY_EVERY=5 for that: each new summary is looked up
# among the others for its family).
SUMMARY_EVERY = int(os.environ.get("CPU_SUMMARY_EVERY", "50"))
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
    # on-site links only (real pages link their own sites, which are not here)
    allowed_domains = sorted({url.split("/")[2].split(":")[0] for url in start_urls})

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


# The webs measured: (name, one article in N a summary, real pages for the news).
WEBS = [
    ("generated, 1 summary in 50", 50, False),
    ("generated, 1 summary in 5", 5, False),
    ("real-size pages, 1 summary in 50", 50, True),
]


def main() -> None:
    chosen = os.environ.get("CPU_WEBS")  # e.g. CPU_WEBS=0,2 for the first and the third
    webs = [WEBS[int(i)] for i in chosen.split(",")] if chosen else WEBS
    if SUMMARY_EVERY != 50:  # the figure named by CPU_SUMMARY_EVERY, alone
        webs = [(f"generated, 1 summary in {SUMMARY_EVERY}", SUMMARY_EVERY, False)]
    print(
        f"{SITES} sites x {ARTICLES} articles each (about {SITES * (ARTICLES + ARTICLES // 20 + 3)} "
        f"pages a web); politeness lifted; median of {ROUNDS} rounds, the tools one after "
        "another in each round"
    )
    for name, every, real in webs:
        if real and not (REALPAGES / "gold.jsonl").exists():
            print(f"-- {name}: {REALPAGES} not found (it sits beside the checkout in CI)")
            continue
        if real and not nginx_binary():
            print(f"-- {name}: needs nginx (apt-get install nginx-light)")
            continue
        measure_web(name, every, real)


def measure_web(title: str, every: int, real: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        registry = folder / "sites.toml"
        web, server = _serve(folder, registry, every, real)
        try:
            pages = SITES * (ARTICLES + ARTICLES // 20 + 3)
            script = folder / "bare.py"
            script.write_text(BARE, "utf-8")
            settings = [f"{k}={v}" for k, v in LIFTED.items()]
            tools = [
                ("bare Scrapy spider (no reading)", [sys.executable, str(script), str(registry), "bare", *settings]),
                ("Scrapy CrawlSpider (every link)", [sys.executable, str(script), str(registry), "crawl", *settings]),
                ("this project (crawler crawl)", [sys.executable, "-m", "crawler", "crawl", "--sites", str(registry),
                 "--db", str(folder / "archive.db"), *[x for s in settings for x in ("-s", s)]]),
            ]  # fmt: skip
            if real:  # a CrawlSpider would follow the real pages' own links: 404s on this web
                del tools[1]
            other = os.environ.get("CPU_COMPARE_PYTHON")  # another checkout's crawler, same rounds
            if other:
                tools.append(("other checkout (crawler crawl)", [other, *tools[-1][1][1:]]))
            measured: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in tools}
            for _ in range(ROUNDS):  # one after another, round by round: the machine's drift
                for name, command in tools:  # touches every tool alike
                    (folder / "archive.db").unlink(missing_ok=True)
                    shutil.rmtree(folder / "archive-warc", ignore_errors=True)
                    measured[name].append(run(command))
            rows = [(name, *_median(runs)) for name, runs in measured.items()]
            floor = rows[0][1]
            if server != "nginx":
                title = f"{title.split(',')[0]}, 1 summary in 5"  # the Python server's web
            print(f"-- {title}, served by {server}")
            print(
                f"{'tool':34} {'wall':>7} {'pages/s':>8} {'CPU ms/page':>11} {'x bare pages/s':>14}"
            )
            for name, wall, cpu in rows:
                print(f"{name:34} {wall:>6.1f}s {pages / wall:>8.0f} {cpu / pages * 1000:>11.2f} "
                      f"{floor / wall:>14.2f}")  # fmt: skip
            if os.environ.get("CPU_PROFILE"):
                _profile(registry, folder, settings)
        finally:
            web.stop() if hasattr(web, "stop") else (web.terminate(), web.wait(10))


def _median(runs: list[tuple[float, float]]) -> tuple[float, float]:
    walls = sorted(wall for wall, _ in runs)
    cpus = sorted(cpu for _, cpu in runs)
    return walls[len(walls) // 2], cpus[len(cpus) // 2]


def _serve(folder: Path, registry: Path, every: int, real: bool):
    """The generated web, from nginx when it is installed (CPU_SERVER=python for the crawler's
    own server, which takes CPU from the crawl on a small machine)."""
    if real or (os.environ.get("CPU_SERVER", "nginx") == "nginx" and nginx_binary()):
        pages = tuple((p.title, p.raw) for p in load_realpages()) if real else ()
        web = StaticWeb(folder / "web", SITES, ARTICLES, every, pages).start()
        registry.write_text(web.registry(), "utf-8")
        return web, "nginx"
    web = subprocess.Popen(
        [sys.executable, "-m", "crawler", "sample-web", "--sites", str(SITES), "--articles",
         str(ARTICLES), "--registry", str(registry)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert web.stdout.readline().startswith("ready")
    return web, "the crawler's Python sample server"


def _profile(registry: Path, folder: Path, settings: list[str]) -> None:
    spy = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    if spy is None:
        print("CPU_PROFILE needs py-spy: pip install -e '.[bench]'")
        return
    out = folder / "profile.txt"
    subprocess.run(
        [spy, "record", "--format", "raw", "--output", str(out), "--subprocesses", "--",
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
