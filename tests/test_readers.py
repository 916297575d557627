"""Article pages read in reader processes beside the crawl (crawler/crawl/readers.py): the same
archive as pages read in the crawl's own process, a reader killed mid-crawl costing nothing, and
no reader left behind by a crawl killed with kill -9."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from conftest import FAST, comparable_rows, run_crawler
from test_datasette import alive
from test_scheduler import slow, wait_for

from crawler.classify import Decision, classify, default_rules, parse_rules
from crawler.crawl.items import Judged, PageItem
from crawler.crawl.pipelines import ClassifyPipeline, FingerprintPipeline
from crawler.demo.server import Route
from crawler.fingerprint import content_hash

# every article page read aside (ARCHIVE_READ_ASIDE_BYTES=0; the first ones wait for the readers
# to start), with the stats written at the end
ASIDE = [
    *FAST, "-s", "ARCHIVE_READ_ASIDE_BYTES=0", "-s", "ARCHIVE_READERS_WAIT=True",
    "-s", "LOG_LEVEL=INFO",
]  # fmt: skip


def read_aside(stderr: str) -> int:
    """The pages a crawl's readers read, as its stats say."""
    found = re.search(r"'readers/pages': (\d+)", stderr)
    return int(found.group(1)) if found else 0


def children(pid: int) -> list[int]:
    """A process's children, whichever of its threads started them."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += map(int, (task / "children").read_text().split())
    return found


def descendants(pid: int) -> list[int]:
    return [d for child in children(pid) for d in (child, *descendants(child))]


def readers_of(pid: int) -> list[int]:
    """The reader processes of a crawl: the children of its fork server (its other child is
    multiprocessing's resource tracker)."""
    for child in children(pid):
        with contextlib.suppress(OSError):
            if b"forkserver" in Path(f"/proc/{child}/cmdline").read_bytes():
                return children(child)
    return []


def crawl(sites_file: Path, db: Path, *settings: str) -> subprocess.Popen:
    """A crawl in a process of its own that the test can watch and kill."""
    return subprocess.Popen(
        [sys.executable, "-m", "crawler", "crawl", "--sites", str(sites_file), "--db", str(db),
         *settings],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, PYTHONWARNINGS="ignore"),
    )  # fmt: skip


def crawled_inline(sites_file: Path, db: Path) -> None:
    """The sites crawled with every page read in the crawl's own process: what to compare with."""
    inline = run_crawler(
        "crawl", "--sites", str(sites_file), "--db", str(db), *FAST, "-s", "ARCHIVE_READERS=0"
    )
    assert inline.returncode == 0, inline.stderr


def slow_pages(sample_web, seconds: float) -> None:
    """Every page of the sample web answers after ``seconds``: the readers start at the first
    article, beside the crawl, and a slowed crawl lasts until they are up."""
    for site in sample_web.sites.values():
        for path, route in list(site.routes.items()):
            if isinstance(route, Route):
                site.routes[path] = slow(route, seconds)


def gated(route, gate: threading.Event):
    def answer(method, path, payload):
        gate.wait(60)
        return route

    return answer


def test_articles_read_aside_are_archived_as_those_read_in_the_crawl(
    tmp_path: Path, sample_web, sites_file: Path
):
    crawled_inline(sites_file, tmp_path / "inline.db")
    aside = run_crawler(
        "crawl", "--sites", str(sites_file), "--db", str(tmp_path / "aside.db"), *ASIDE
    )
    assert aside.returncode == 0, aside.stderr
    with sqlite3.connect(tmp_path / "aside.db") as db:
        (articles,) = db.execute("select sum(articles) from crawl_runs").fetchone()
    assert articles >= 5
    assert read_aside(aside.stderr) == articles, "every article was read by a reader"
    # which site's run first found a reposted document depends on which page was read first
    same = ("documents_new",)
    assert comparable_rows(tmp_path / "aside.db", same) == comparable_rows(
        tmp_path / "inline.db", same
    )


def test_a_reader_killed_mid_crawl_costs_no_page(tmp_path: Path, sample_web, sites_file: Path):
    crawled_inline(sites_file, tmp_path / "fault-free.db")
    # yunxi-gov's articles wait until a reader was killed: pages certainly come after the kill
    killed = threading.Event()
    yunxi = sample_web["yunxi-gov"]
    for path in [p for p in yunxi.routes if isinstance(p, str) and "/art/" in p]:
        yunxi.routes[path] = gated(yunxi.routes[path], killed)
    process = crawl(sites_file, tmp_path / "archive.db", *ASIDE)
    try:
        # the fork server's two readers, once they are up (the other sites' articles start them)
        readers = wait_for(lambda: len(r := readers_of(process.pid)) >= 2 and r, 60)
        assert readers, "readers started"
        os.kill(readers[0], signal.SIGKILL)
        killed.set()
        out, err = process.communicate(timeout=120)
    finally:
        killed.set()
        process.kill()
    assert process.returncode == 0, err
    assert err.count("a page reader stopped") == 1, err
    assert "from now on" in err
    same = ("documents_new",)  # which site's run first found a repost: the order pages were read
    assert comparable_rows(tmp_path / "archive.db", same) == comparable_rows(
        tmp_path / "fault-free.db", same
    )


def test_no_reader_outlives_a_crawl_killed_with_kill_9(
    tmp_path: Path, sample_web, sites_file: Path
):
    slow_pages(sample_web, 0.5)
    process = crawl(sites_file, tmp_path / "archive.db", *ASIDE)
    started: list[int] = []
    try:
        started = wait_for(lambda: len(d := descendants(process.pid)) >= 3 and d, 60)
        assert started, "readers started"
        os.kill(process.pid, signal.SIGKILL)  # the crawl alone, not its group
        process.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(alive(pid) for pid in started):
            time.sleep(0.2)
        assert not [pid for pid in started if alive(pid)], "the fork server and readers left"
    finally:
        for pid in [process.pid, *started]:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        process.communicate(timeout=30)  # they held its output pipes


def test_the_pipelines_take_a_readers_decision_only_for_its_text_and_the_default_rules():
    title = "2023年县委统战部工作总结"
    body = "2023年以来，县委统战部围绕中心、服务大局，各项工作取得新成效。\n" * 20
    decided = Decision(True, 9.0, "what the reader said")

    def judged_item(**changed) -> PageItem:
        item = PageItem(
            url="http://127.0.0.2/a.html", site="yunxi", region="云溪县", kind="article",
            status=200, title=title, body=body,
            judged=Judged(title, body, decided, "hash the reader took"),
        )  # fmt: skip
        for name, value in changed.items():
            setattr(item, name, value)
        return item

    def through(item: PageItem, rules: dict) -> PageItem:
        classify_pipeline = ClassifyPipeline()
        classify_pipeline.rules = rules
        return FingerprintPipeline().process_item(classify_pipeline.process_item(item))

    item = through(judged_item(), {})
    assert (item.reason, item.score, item.content_hash) == (
        "what the reader said",
        9.0,
        "hash the reader took",
    )
    # an article joined from its parts has another body: classified and hashed here; a site
    # with rules of its own is classified with them (the text's hash is the reader's)
    joined = body + "第二页的文字。\n"
    strict = parse_rules({"threshold": 100.0}, default_rules())
    cases = [
        (judged_item(body=joined), {}, content_hash(joined)),
        (judged_item(), {"yunxi": strict}, "hash the reader took"),
    ]
    for item, rules, hashed in cases:
        text = item.body
        item = through(item, rules)
        expected = classify(title, text, rules.get("yunxi"))
        assert (item.is_summary, item.reason) == (expected.is_summary, expected.reason)
        assert item.content_hash == hashed
    assert not through(judged_item(), {"yunxi": strict}).is_summary  # the site's own threshold
    assert through(judged_item(), {}).is_summary
