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


def start_here(name: str) -> str:
    """The index page's list of the archive's own pages, first; the crawl's records after them.
    (In the metadata rather than an index.html of our own, which another plugin's would race.)"""
    pages = [
        ("documents", "工作综述 · Documents", "每篇综述一行，可按地区、年度、体裁、网站筛选并全文检索 · one row per summary: facets, search"),
        ("search", "全文检索 · Search", "按相关度排序，显示命中段落 · ranked, with the matching passage"),
        ("sightings", "出现记录 · Sightings", "综述出现过的每个网址 · every URL where a summary appeared"),
        ("document_families", "同源转载家族 · Families of reposts", ""),
        ("reposts", "转载情况 · Reposts", "一篇综述出现过的所有网址，首发在前 · where a summary appeared, first publication first"),
        ("versions", "版本历史 · Versions", ""),
        ("changed_after_publication", "发布后改动 · Changed after publication", ""),
        ("latest_summaries", "最新综述 · Latest summaries", ""),
        ("documents_feed", "订阅 · Feeds", "新综述与正文改动的 Atom 订阅，可按地区、网站、关键词筛选 · Atom feeds of new summaries (and of changed texts), filtered as you like"),
    ]  # fmt: skip
    items = "".join(
        f'<li><a href="/{name}/{path}">{label}</a>{" — " + note if note else ""}</li>'
        for path, label, note in pages
    )
    records = ", ".join(
        f'<a href="/{name}/{path}">{label}</a>'
        for path, label in (
            ("crawl_health", "各站健康 · site health"), ("crawl_runs", "crawl_runs"),
            ("crawl_errors", "crawl_errors"), ("failed_urls", "failed_urls"),
            ("failed_jobs", "failed_jobs"), ("pages", "pages"), ("sites", "sites"),
        )
    )  # fmt: skip
    return (
        f'<ul class="archive-start">{items}<li><a href="/-/charts">图表 · Charts</a></li></ul>'
        f'<p class="archive-records">抓取记录 · Crawl records: {records}</p>'
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
