"""What was fetched is kept as WARC and can be read again without crawling: real crawls of the
sample web, the WARC files read back with warcio, `crawler reprocess` against the stored copies
with the sample web's request log proving that nothing was fetched."""

from __future__ import annotations

import gzip
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FAST, rows, run_crawler
from warcio.archiveiterator import ArchiveIterator

from crawler.crawl.warc import read_response
from crawler.demo.server import SampleSite, SampleWeb, loopback_hosts
from crawler.extract import extract_page
from crawler.fingerprint import content_hash


def warc_records(folder: Path) -> list[tuple[str, str, int | None]]:
    """(type, target URI, HTTP status) of every record of every file, read to the end."""
    found = []
    for path in sorted(folder.iterdir()):
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                status = record.http_headers.get_statuscode() if record.http_headers else None
                record.content_stream().read()  # the whole payload decodes
                found.append(
                    (
                        record.rec_type,
                        record.rec_headers.get_header("WARC-Target-URI"),
                        int(status) if status and record.rec_type != "request" else None,
                    )
                )
    return found


def test_every_fetched_page_is_one_response_record_that_reads_back_to_the_same_text(
    crawled: Path, sample_web
):
    assert_every_fetch_stored(crawled, sample_web)


@pytest.mark.own_sample_web
def test_pages_packed_in_threads_are_stored_as_those_packed_in_the_crawl(
    tmp_path: Path, sample_web, sites_file: Path
):
    """Large bodies are gzipped in the reactor's thread pool (ARCHIVE_WARC_THREAD_BYTES): with the
    threshold at 0 every response goes that way, and each is stored whole, once, where its pages
    row says (at gzip's level 9 rather than the default, fast)."""
    db = tmp_path / "archive.db"
    result = run_crawler(
        "crawl", "--sites", str(sites_file), "--db", str(db), *FAST,
        "-s", "ARCHIVE_WARC_THREAD_BYTES=0", "-s", "ARCHIVE_WARC_GZIP_LEVEL=9",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert_every_fetch_stored(db, sample_web)


def assert_every_fetch_stored(crawled: Path, sample_web) -> None:
    folder = crawled.with_name("archive-warc")
    files = sorted(folder.iterdir())
    assert files and all(p.name.endswith(".warc.gz") for p in files), "no file left open"
    records = warc_records(folder)
    served = sum(len(site.requests) for site in sample_web.sites.values())
    responses = [r for r in records if r[0] in ("response", "revisit")]
    assert len(responses) == served, "one response record per request the sample web answered"
    assert sum(1 for r in records if r[0] == "request") == served
    fetched = rows(crawled, "SELECT * FROM pages WHERE status = 200")
    assert fetched and all(page["warc_file"] for page in fetched)
    for page in fetched:
        stored = read_response(folder, page["warc_file"], page["warc_offset"])
        assert stored.url == page["url"] and stored.status == 200
        if page["kind"] == "article":
            extracted = extract_page(stored.body, page["url"], stored.content_type)
            assert content_hash(extracted.body) == page["content_hash"]
    # a document page links to its stored copies
    copies = rows(crawled, "SELECT * FROM url_versions")
    assert copies and all(copy["warc_file"] and copy["warc_offset"] is not None for copy in copies)


def test_the_warc_files_pass_warcio_check_and_index(crawled: Path):
    folder = crawled.with_name("archive-warc")
    files = [str(p) for p in sorted(folder.iterdir())]
    check = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", "-v", *files], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "digest pass" in check.stdout
    index = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "index", *files], capture_output=True, text=True
    )
    assert index.returncode == 0 and '"warc-type": "response"' in index.stdout


def test_a_rule_change_then_reprocess_finds_the_summaries_without_a_single_request(
    tmp_path: Path, sample_web
):
    strict = tmp_path / "strict.toml"
    strict.write_text("[classify]\nthreshold = 99\n\n" + sample_web.sites_toml(), encoding="utf-8")
    db = tmp_path / "archive.db"
    result = run_crawler("crawl", "--sites", str(strict), "--db", str(db), *FAST)
    assert result.returncode == 0, result.stderr
    assert rows(db, "SELECT COUNT(*) AS n FROM documents")[0]["n"] == 0
    served = sum(len(site.requests) for site in sample_web.sites.values())

    default = tmp_path / "sites.toml"
    default.write_text(sample_web.sites_toml(), encoding="utf-8")
    result = run_crawler("reprocess", "--db", str(db), "--sites", str(default))
    assert result.returncode == 0, result.stderr
    assert sum(len(site.requests) for site in sample_web.sites.values()) == served, "no request"
    documents = rows(db, "SELECT * FROM documents")
    assert len(documents) == 4  # the four summaries of the sample web, the repost deduplicated
    run = rows(db, "SELECT * FROM reprocess_runs")[0]
    assert run["new_summaries"] == 5 and run["finished"]  # five pages, one a repost
    changes = rows(db, "SELECT change, document_id FROM reprocess_changes")
    assert {c["change"] for c in changes} == {"new summary"} and all(
        c["document_id"] for c in changes
    )
    assert "5 new summaries" in result.stderr

    again = run_crawler("reprocess", "--db", str(db), "--sites", str(default))
    assert again.returncode == 0, again.stderr
    second = rows(db, "SELECT * FROM reprocess_runs ORDER BY id")[1]
    assert (second["new_summaries"], second["no_longer_summaries"], second["texts_changed"]) == (
        0,
        0,
        0,
    )
    assert len(rows(db, "SELECT * FROM documents")) == 4
    assert len(rows(db, "SELECT * FROM reprocess_changes")) == len(changes)

    # and back: a stricter rule does not delete anything
    result = run_crawler("reprocess", "--db", str(db), "--sites", str(strict))
    assert "5 no longer summaries" in result.stderr
    assert len(rows(db, "SELECT * FROM documents")) == 4
    assert rows(db, "SELECT SUM(is_summary) AS n FROM pages")[0]["n"] == 0


def test_a_crawl_killed_mid_way_leaves_warc_files_that_read_to_the_end(tmp_path: Path):
    host = loopback_hosts(1)[0]
    site = SampleSite("slow", "慢站", "测试市", host)
    links = "".join(f'<li><a href="/news/{n}/content_{n}.html">第{n}篇</a></li>' for n in range(40))
    site.add("/", f'<html><head><meta charset="utf-8"></head><body><ul>{links}</ul></body></html>')
    text = "".join(
        f"<p>今年以来，全县统一战线凝心聚力，第{n}段工作取得成效。</p>" for n in range(30)
    )
    for n in range(40):
        site.add(
            f"/news/{n}/content_{n}.html",
            f"<html><head><meta charset='utf-8'><title>第{n}篇</title></head><body><h1>第{n}篇</h1>"
            f"<div class='text'>{text}</div></body></html>",
            delay=0.2,
        )
    with SampleWeb([site]) as web:
        sites = tmp_path / "sites.toml"
        sites.write_text(web.sites_toml(), encoding="utf-8")
        db = tmp_path / "archive.db"
        process = subprocess.Popen(
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
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=dict(os.environ, PYTHONWARNINGS="ignore"),
        )
        folder = tmp_path / "archive-warc"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(site.requests) < 20:  # ~12 answered
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        left = sorted(folder.iterdir())
        assert any(p.name.endswith(".open") for p in left), "the killed crawl's file is still open"
        records = warc_records(folder)  # reads every record of every file to its end
        assert len([r for r in records if r[0] == "response"]) >= 3
        # the next crawl into the folder closes the dead crawl's file under its final name
        result = run_crawler("crawl", "--sites", str(sites), "--db", str(db), *FAST)
        assert result.returncode == 0, result.stderr
    assert not [p for p in folder.iterdir() if p.name.endswith(".open")]
    assert warc_records(folder)


def test_no_warc_writes_none(tmp_path: Path, sample_web, sites_file: Path):
    db = tmp_path / "plain.db"
    result = run_crawler("crawl", "--sites", str(sites_file), "--db", str(db), "--no-warc", *FAST)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "plain-warc").exists()
    assert rows(db, "SELECT COUNT(*) AS n FROM pages WHERE warc_file IS NOT NULL")[0]["n"] == 0


def test_a_document_page_links_to_its_stored_copies(crawled: Path):
    import asyncio

    from datasette.app import Datasette
    from test_datasette import metadata_for

    async def fetch():
        datasette = Datasette([str(crawled)], metadata=metadata_for(crawled))
        page = await datasette.client.get("/archive/documents/1")
        copies = await datasette.client.get(
            "/archive/url_versions.json?document_id=1&_shape=objects"
        )
        return page, copies

    page, copies = asyncio.run(fetch())
    assert page.status_code == 200 and "url_versions?document_id=1" in page.text
    rows_ = copies.json()["rows"]
    assert rows_ and all(r["warc_file"].endswith(".warc.gz") for r in rows_)
    assert all(r["url"] and r["last_seen"] and r["warc_offset"] is not None for r in rows_)


def test_a_dead_crawls_open_file_is_cut_to_its_last_whole_record_and_closed(tmp_path: Path):
    from scrapy import Request
    from scrapy.http import HtmlResponse

    from crawler.crawl.warc import exchange_records, recover_open_files

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a pid no process has now
    path = tmp_path / f"crawl-20260101000000-{dead.pid}-00001.warc.gz.open"
    pages = [
        exchange_records(
            Request(f"http://x.example/{n}"),
            HtmlResponse(f"http://x.example/{n}", body=b"<p>" * 500),
        )
        for n in range(3)
    ]
    path.write_bytes(pages[0] + pages[1] + pages[2][:60])  # killed while writing the third
    assert recover_open_files(tmp_path) == [tmp_path / path.name.removesuffix(".open")]
    assert [r[1] for r in warc_records(tmp_path) if r[0] == "response"] == [
        "http://x.example/0",
        "http://x.example/1",
    ]
    assert (tmp_path / path.name.removesuffix(".open")).stat().st_size == len(pages[0] + pages[1])


def test_each_gzip_level_stores_the_same_exchange_and_a_higher_one_packs_it_smaller(
    tmp_path: Path,
):
    """zlib's levels and the default "fast" (ISA-L) write records any gzip reader reads back,
    their digests right."""
    from scrapy import Request
    from scrapy.http import HtmlResponse

    from crawler.crawl.warc import exchange_records

    url = "http://x.example/a.html"
    words = ["统一战线", "凝聚力量", "高质量发展", "民营经济", "乡村振兴", "协商议事", "同心"]
    chosen = random.Random(7).choices(words, k=6000)  # text as varied as a page's, repeatably
    body = "".join(f"<p>{'，'.join(chosen[n : n + 12])}。</p>" for n in range(0, 6000, 12))
    response = HtmlResponse(url, body=body.encode("utf-8"), headers={"Content-Type": "text/html"})
    sizes = {}
    for level in ("fast", 1, 3, 9):
        data = exchange_records(Request(url), response, level=level)
        (tmp_path / f"l{level}.warc.gz").write_bytes(data)
        stored = read_response(tmp_path, f"l{level}.warc.gz", 0)
        assert (stored.url, stored.status, stored.body) == (url, 200, response.body)
        with gzip.open(tmp_path / f"l{level}.warc.gz") as unpacked:  # Python's own reader too
            assert response.body in unpacked.read()
        with open(tmp_path / f"l{level}.warc.gz", "rb") as stream:  # block and payload digests
            for record in ArchiveIterator(stream, check_digests="raise"):
                record.content_stream().read()
        sizes[level] = len(data)
    assert sizes[9] < sizes[1]
    assert sizes["fast"] < len(response.body) / 2
