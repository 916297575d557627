"""Serving the archive with Datasette: metadata, safe defaults, one command line."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from importlib import resources
from pathlib import Path

import yaml

from crawler.processes import end_with_parent

# Datasette settings chosen for a server that may face a network: a time limit on every query,
# and page sizes that keep long Chinese bodies readable.
DATASETTE_SETTINGS = {
    "sql_time_limit_ms": "3000",
    "default_page_size": "50",
    "truncate_cells_html": "300",
    "facet_time_limit_ms": "500",
    "allow_download": "on",
}


def metadata_for(db_path: str | Path) -> dict:
    """The packaged metadata with the archive's block under the served database's name."""
    text = resources.files("crawler.datasette").joinpath("metadata.yml").read_text("utf-8")
    metadata = yaml.safe_load(text)
    database = metadata.pop("archive")
    name = Path(db_path).stem
    metadata["databases"] = {name: database}
    metadata["description_html"] += start_here(name)
    return metadata


# The index's links: path under the database, label, one line on what it holds.
START_PAGES = [
    ("documents", "工作综述 · Documents", "每篇综述一行，可按地区、年度、体裁、网站筛选并全文检索 · one row per summary: facets, search"),
    ("search", "全文检索 · Search", "按相关度排序，显示命中段落 · ranked by relevance, with the matching passage"),
    ("sightings", "出现记录 · Sightings", "综述出现过的每个网址 · every URL where a summary appeared"),
    ("document_families", "同源转载家族 · Families of reposts", "同一篇综述的各种转载版本，及其首发网站和日期 · near-identical reposts of one summary, where and when it appeared first"),
    ("reposts", "转载情况 · Reposts", "一篇综述出现过的所有网址，首发在前 · where a summary appeared, first publication first"),
    ("versions", "版本历史 · Versions", "每个网址上正文的各个版本 · every text seen at each URL, numbered"),
    ("changed_after_publication", "发布后改动 · Changed after publication", "同一网址上正文改动过的文章，可逐字比较 · texts changed at their URL, compared character by character"),
    ("latest_summaries", "最新综述 · Latest summaries", "最近发布的100篇综述 · the 100 most recently published summaries"),
    ("documents_feed", "订阅 · Feeds", "新综述与正文改动的 Atom 订阅，可按地区、网站、关键词筛选 · Atom feeds of new summaries (and of changed texts), filtered as you like"),
]  # fmt: skip
RECORD_PAGES = [
    ("site_health", "站点健康 · Site health", "各站最近几次抓取是否正常、是否无法访问 · each site judged by its last runs"),
    ("crawl_runs", "抓取记录 · Crawl runs", "每次抓取一行，含状态与计数 · one row per crawl, its status and counts"),
    ("crawl_errors", "抓取错误 · Crawl errors", "未能抓取或读取的网址及原因 · URLs that could not be fetched or read, and why"),
    ("failed_urls", "失败网址 · Failing URLs", "屡次失败、稍后重试的网址 · URLs put off after failing, and when they are tried again"),
    ("failed_jobs", "未能写入的任务 · Results not written", "多机抓取时未能写入的结果 · workers' results the writer could not write"),
    ("pages", "抓取页面 · Pages", "抓取过的每个网址及判断理由 · every URL fetched, its kind and why it was or was not a summary"),
    ("sites", "网站 · Sites", "站点登记表 · the site registry as last crawled"),
]  # fmt: skip


def start_here(name: str) -> str:
    """The index page's list of the archive's own pages, first; the crawl's records after them,
    each link with a line on what it holds. (In the metadata rather than an index.html of our
    own, which another plugin's would race.)"""

    def items(pages: list[tuple[str, str, str]]) -> str:
        return "".join(
            f'<li><a href="/{name}/{path}">{label}</a> — {note}</li>' for path, label, note in pages
        )

    charts = '<li><a href="/-/charts">图表 · Charts</a> — 按年度、地区的综述数，每日抓取 · summaries per year and region, crawls per day</li>'
    return (
        f'<ul class="archive-start">{items(START_PAGES)}{charts}</ul>'
        f'<p class="archive-records-title">抓取记录 · Crawl records</p>'
        f'<ul class="archive-records">{items(RECORD_PAGES)}</ul>'
    )


def datasette_command(
    db_path: str | Path, host: str, port: int, metadata_path: str | Path, allow_sql: bool = True
) -> list[str]:
    args = [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        str(db_path),
        "--host",
        host,
        "--port",
        str(port),
        "--metadata",
        str(metadata_path),
    ]
    for name, value in DATASETTE_SETTINGS.items():
        args += ["--setting", name, value]
    if not allow_sql:
        # Canned queries and table pages keep working; arbitrary SQL is refused.
        args += ["--setting", "default_allow_sql", "off"]
    return args


def write_metadata(db_path: str | Path, folder: str | Path) -> Path:
    path = Path(folder) / "datasette-metadata.json"
    path.write_text(
        json.dumps(metadata_for(db_path), ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return path


class _Stop(Exception):
    """SIGTERM reached the serving process."""


def _raise_stop(signum, frame) -> None:
    raise _Stop


def serve(
    db_path: str | Path, host: str, port: int, workdir: str | Path, allow_sql: bool = True
) -> int:
    """Run Datasette in the foreground until interrupted (Ctrl-C or SIGTERM, which stop Datasette
    too, so that the caller can remove ``workdir``); returns Datasette's exit code, 0 when stopped."""
    metadata_path = write_metadata(db_path, workdir)
    previous = signal.signal(signal.SIGTERM, _raise_stop)
    try:
        process = subprocess.Popen(
            datasette_command(db_path, host, port, metadata_path, allow_sql),
            preexec_fn=end_with_parent,
        )
        try:
            return process.wait()
        except (KeyboardInterrupt, _Stop):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
