"""What keeping every response as WARC costs: bytes kept per article page (gzipped WARC, request
and response records) and the crawl's throughput with and without WARC, on a generated site of
WARC_ARTICLES articles (default 400) of about 3,000 characters each, served on loopback with the
politeness delays lifted."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from crawler.archive import Archive
from crawler.demo.server import SampleSite, SampleWeb, loopback_hosts

ARTICLES = int(os.environ.get("WARC_ARTICLES", "400"))
PER_PAGE = 20
FAST = [
    "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=ERROR",
    "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8", "-s", "ROBOTSTXT_OBEY=False",
]  # fmt: skip


def generated_site() -> SampleSite:
    site = SampleSite("bench", "基准站", "测试市", loopback_hosts(1)[0])
    pages = (ARTICLES + PER_PAGE - 1) // PER_PAGE
    paragraph = "今年以来，全县统一战线坚持大团结大联合，凝聚各方力量推动高质量发展，成效明显。"
    for page in range(pages):
        items = "".join(
            f'<li><a href="/news/2023/{n:04d}/content_{n}.html">第{n}篇</a></li>'
            for n in range(page * PER_PAGE, min(ARTICLES, (page + 1) * PER_PAGE))
        )
        following = f'<a href="/list_{page + 1}.html">下一页</a>' if page + 1 < pages else ""
        path = "/" if page == 0 else f"/list_{page}.html"
        site.add(
            path,
            f"<html><head><meta charset='utf-8'></head><body><ul>{items}</ul>{following}</body></html>",
        )
    for n in range(ARTICLES):
        body = "".join(f"<p>{paragraph}（{n}-{k}）</p>" for k in range(40))
        site.add(
            f"/news/2023/{n:04d}/content_{n}.html",
            f"<html><head><meta charset='utf-8'><title>第{n}篇_基准站</title></head><body>"
            f"<div class='nav'><a href='/'>首页</a></div><h1>第{n}篇</h1>"
            f"<div class='info'>发布时间：2023-03-01</div><div class='text'>{body}</div></body></html>",
        )
    return site


def crawl(sites: Path, db: Path, *extra: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "crawler",
            "crawl",
            "--sites",
            str(sites),
            "--db",
            str(db),
            *FAST,
            *extra,
        ],
        check=True,
        capture_output=True,
        env=dict(os.environ, PYTHONWARNINGS="ignore"),
    )
    return time.perf_counter() - started


def main() -> None:
    site = generated_site()
    with SampleWeb([site]) as web, tempfile.TemporaryDirectory() as folder:
        sites = Path(folder) / "sites.toml"
        sites.write_text(web.sites_toml({"bench": {"max_requests": "100000"}}), encoding="utf-8")
        print(
            f"{'crawl':24} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'WARC bytes':>11} {'bytes/article':>13}"
        )
        for label, extra in (("without WARC", ("--no-warc",)), ("with WARC", ())):
            db = Path(folder) / f"{label.replace(' ', '-')}.db"
            seconds = crawl(sites, db, *extra)
            with Archive(db) as archive:
                pages = archive.counts()["pages"]
            warc = db.with_name(f"{db.stem}-warc")
            size = sum(p.stat().st_size for p in warc.iterdir()) if warc.exists() else 0
            per_article = size / max(1, ARTICLES) if size else 0
            print(
                f"{label:24} {pages:>6} {seconds:>8.1f} {pages / seconds:>8.1f} {size:>11,} "
                f"{per_article:>13,.0f}"
            )
        html = sum(len(route.body) for path, route in site.routes.items() if "/news/" in path)
        print(
            f"generated article pages: {html / ARTICLES:,.0f} bytes of HTML each (repetitive text)"
        )
    real_pages()


def real_pages() -> None:
    """The WARC records of the real pages in ../shared/realpages, as a crawl would write them
    (served uncompressed): their size is what a real article costs to keep."""
    from scrapy import Request
    from scrapy.http import HtmlResponse

    from crawler.crawl.warc import exchange_records

    folder = Path(__file__).resolve().parent.parent.parent / "shared" / "realpages" / "pages"
    if not folder.exists():
        print(f"real pages: {folder} not found (it sits beside the checkout in CI)")
        return
    files = sorted(folder.glob("*.html"))
    exchanges = []
    for path in files:
        url = f"http://www.example.gov.cn/{path.name}"
        body = path.read_bytes()
        exchanges.append(
            (Request(url), HtmlResponse(url, body=body, headers={"Content-Type": "text/html"}))
        )
    raw = sum(len(response.body) for _, response in exchanges)
    print(f"real pages ({len(files)}): {raw / len(files):,.0f} bytes of HTML each; gzipped WARC "
          "(request + response) by ARCHIVE_WARC_GZIP_LEVEL, best of 5:")  # fmt: skip
    for level in ("fast", 1, 3, 6, 9):
        best, kept = float("inf"), 0
        for _ in range(5):
            began = time.process_time()
            kept = sum(len(exchange_records(r, s, level=level)) for r, s in exchanges)
            best = min(best, time.process_time() - began)
        print(f"  level {level}: {kept / len(files):,.0f} bytes each, "
              f"{best / len(files) * 1000:.2f} ms of CPU each")  # fmt: skip


if __name__ == "__main__":
    main()
