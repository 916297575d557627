"""End to end: the real `crawler crawl` in a subprocess against the sample web on loopback."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from conftest import FAST, copy_archive, placed_articles, rows, run_crawler

from crawler.crawl.command import crawl_command
from crawler.demo.sites import load_articles
from crawler.fingerprint import content_hash, normalise

ARTICLES = load_articles()
ARTICLES = {key: a for key, a in ARTICLES.items() if not a.later}  # those on the sample web
SUMMARIES = {a.title: a for a in ARTICLES.values() if a.kind == "summary"}


def test_one_document_per_distinct_summary(crawled: Path):
    documents = rows(crawled, "SELECT * FROM documents ORDER BY published")
    assert sorted(d["title"] for d in documents) == sorted(SUMMARIES)
    for document in documents:
        article = SUMMARIES[document["title"]]
        assert document["content_hash"] == content_hash(article.body)
        # Either copy of a repost may be met first; they differ only in punctuation width.
        assert [normalise(line) for line in document["body"].splitlines()] == [
            normalise(p) for p in article.paragraphs
        ]
        assert document["year"] == article.year
        assert document["source"] == article.source
        assert document["published"] == article.published


def test_a_repost_with_other_punctuation_and_template_is_a_sighting(crawled: Path):
    repost = rows(
        crawled,
        """SELECT d.id, d.site, d.region, COUNT(s.id) AS n, GROUP_CONCAT(s.site) AS sites, MIN(s.published) AS first
           FROM documents d JOIN sightings s ON s.document_id = d.id WHERE d.title LIKE '%临江市统一战线工作综述' GROUP BY d.id""",
    )
    assert len(repost) == 1
    assert repost[0]["n"] == 2
    assert sorted(repost[0]["sites"].split(",")) == ["linjiang-news", "qingshan-tz"]
    # The document keeps the earliest publication date of its sightings.
    assert (
        rows(crawled, "SELECT published FROM documents WHERE id = ?", (repost[0]["id"],))[0][
            "published"
        ]
        == "2023-02-16"
    )
    sightings = rows(
        crawled,
        "SELECT url, site, published FROM sightings WHERE document_id = ? ORDER BY published",
        (repost[0]["id"],),
    )
    assert [s["published"] for s in sightings] == ["2023-02-16", "2023-02-20"]
    assert "/tszs/202302/t20230220_" in sightings[1]["url"]
    assert rows(crawled, "SELECT COUNT(*) AS n FROM sightings")[0]["n"] == len(SUMMARIES) + 1


def test_every_fetched_page_is_recorded_with_its_reason(crawled: Path, sample_web):
    pages = {p["title"]: p for p in rows(crawled, "SELECT * FROM pages WHERE kind = 'article'")}
    assert set(pages) == {a.title for a in placed_articles(sample_web)}
    plan = pages["2023年全市统一战线工作要点"]
    assert plan["is_summary"] == 0 and "要点" in plan["reason"]
    notice = pages["关于做好2022年度统战工作总结考核的通知"]
    assert notice["is_summary"] == 0 and "通知" in notice["reason"]
    news = pages["市委统战部召开新的社会阶层人士座谈会"]
    assert news["is_summary"] == 0 and "news item" in news["reason"]
    slogan = pages["侨心汇聚添动能 同心筑梦启新程"]
    assert slogan["is_summary"] == 1 and slogan["reason"].startswith("summary:")
    # GBK pages were decoded as GB18030, and the page without any charset was detected.
    gbk = [p for p in pages.values() if p["site"] == "qingshan-tz"]
    assert gbk and all(p["encoding"].startswith("gb18030") for p in gbk)
    assert any("no charset declared" in p["encoding"] for p in gbk)
    kinds = {(p["site"], p["kind"]) for p in rows(crawled, "SELECT site, kind FROM pages")}
    assert ("yunxi-gov", "list") in kinds and ("qingshan-tz", "list") in kinds


def test_all_list_pages_are_walked(crawled: Path):
    urls = {
        p["url"].split("/", 3)[3]
        for p in rows(crawled, "SELECT url FROM pages WHERE kind = 'list'")
    }
    assert {
        "tongzhan/list.html",
        "tongzhan/list_2.html",
        "gzdt/",
        "gzdt/index_1.html",
        "col/col4467/index.html",
    } <= urls


def test_the_crawl_stays_polite_and_on_site(crawled: Path, sample_web):
    linjiang = sample_web["linjiang-news"]
    requested = linjiang.paths_requested()
    assert requested[0] == "/robots.txt"
    assert not any(p.startswith("/search/") for p in requested), "robots.txt disallows /search/"
    # the refusals are counted with the run, not recorded as errors
    saved = rows(
        crawled, "SELECT robots_forbidden FROM crawl_run_sites WHERE site = 'linjiang-news'"
    )
    assert saved[0]["robots_forbidden"] >= 1
    assert not rows(crawled, "SELECT * FROM crawl_errors WHERE url LIKE '%/search/%'")
    yunxi = sample_web["yunxi-gov"]
    assert "/attach/2023/guide.pdf" not in yunxi.paths_requested(), "attachments are not fetched"
    user_agents = {
        r.headers.get("User-Agent") for site in sample_web.sites.values() for r in site.requests
    }
    assert len(user_agents) == 1 and "summary-archive" in user_agents.pop()
    # each page once: a TRS folder and its index.html are the same page
    for site in sample_web.sites.values():
        paths = site.paths_requested()
        assert len(paths) == len(set(paths)), f"{site.id} fetched a page twice"
    qingshan = sample_web["qingshan-tz"].paths_requested()
    assert not ("/gzdt/" in qingshan and "/gzdt/index.html" in qingshan)


def test_the_run_is_recorded_with_counts(crawled: Path, sample_web):
    run = rows(crawled, "SELECT * FROM crawl_runs")
    assert len(run) == 1
    run = run[0]
    assert run["status"] == "ok" and run["finished"] is not None
    assert run["documents_new"] == len(SUMMARIES)
    assert run["sightings_new"] == len(SUMMARIES) + 1
    assert run["articles"] == len(placed_articles(sample_web))
    served = sum(len(site.requests) for site in sample_web.sites.values())
    assert run["requests"] == served
    per_site = {r["site"]: r for r in rows(crawled, "SELECT * FROM crawl_run_sites")}
    assert set(per_site) == set(sample_web.sites)
    # The shared summary is new on whichever site the crawl met it first, never on both.
    assert sum(r["documents_new"] for r in per_site.values()) == len(SUMMARIES)
    assert (
        per_site["qingshan-tz"]["sightings_new"] == 2
        and per_site["linjiang-news"]["sightings_new"] == 1
    )


def test_a_second_crawl_adds_no_duplicates(crawled: Path, sites_file: Path):
    before = rows(crawled, "SELECT id, content_hash, first_seen FROM documents ORDER BY id")
    result = run_crawler("crawl", "--sites", str(sites_file), "--db", str(crawled), *FAST)
    assert result.returncode == 0, result.stderr
    after = rows(crawled, "SELECT id, content_hash, first_seen FROM documents ORDER BY id")
    assert after == before
    assert rows(crawled, "SELECT COUNT(*) AS n FROM sightings")[0]["n"] == len(SUMMARIES) + 1
    assert [
        r["documents_new"]
        for r in rows(crawled, "SELECT documents_new FROM crawl_runs ORDER BY id")
    ] == [len(SUMMARIES), 0]


def test_crawl_named_sites_only(tmp_path: Path, sample_web, sites_file: Path):
    db = tmp_path / "one.db"
    result = run_crawler("crawl", "--sites", str(sites_file), "--db", str(db), *FAST, "yunxi-gov")
    assert result.returncode == 0, result.stderr
    assert {r["site"] for r in rows(db, "SELECT DISTINCT site FROM pages")} == {"yunxi-gov"}
    assert sample_web["linjiang-news"].requests == []
    assert "run 1 ok" in result.stderr


def test_the_archive_is_in_wal_mode(crawled: Path):
    conn = sqlite3.connect(crawled)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


# --- exit codes -------------------------------------------------------------------------------


def test_bad_sites_file_exits_2_naming_file_site_and_key(tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[site]]\nid = "a"\nname = "A"\nregion = "R"\nstart_urls = ["http://127.0.0.1/"]\nspeed = 3\n',
        encoding="utf-8",
    )
    db = tmp_path / "archive.db"
    result = run_crawler("crawl", "--sites", str(bad), "--db", str(db))
    assert result.returncode == 2
    assert (
        result.stderr.strip().splitlines()[-1]
        == f"error: {bad}: site #1 'a': key 'speed': unknown key (allowed: id, name, region, start_urls, allowed_domains, schedule, enabled, max_requests, max_depth, download_delay, encoding, article_patterns, list_patterns, ignore_patterns, private_network, render, attachments, recheck, classify)"
    )
    assert not db.exists(), "a bad registry leaves the archive untouched"


def test_missing_sites_file_exits_2(tmp_path: Path):
    result = run_crawler("crawl", "--db", str(tmp_path / "a.db"), cwd=tmp_path)
    assert result.returncode == 2
    assert "sites.toml: no such file" in result.stderr


def test_unknown_site_id_exits_2(tmp_path: Path, sites_file: Path):
    result = run_crawler(
        "crawl", "--sites", str(sites_file), "--db", str(tmp_path / "a.db"), "no-such-site"
    )
    assert result.returncode == 2
    assert "unknown site id 'no-such-site'" in result.stderr


def test_unwritable_archive_exits_2(tmp_path: Path, sites_file: Path, crawled: Path):
    result = run_crawler(
        "crawl", "--sites", str(sites_file), "--db", str(tmp_path / "missing-folder" / "a.db")
    )
    assert result.returncode == 2
    assert "does not exist" in result.stderr
    if os.geteuid() != 0:  # root may write a read-only file
        crawled.chmod(0o444)
        result = run_crawler("crawl", "--sites", str(sites_file), "--db", str(crawled))
        assert result.returncode == 2
        assert "cannot write archive" in result.stderr


def test_not_a_database_exits_2(tmp_path: Path, sites_file: Path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database at all" * 100)
    result = run_crawler("crawl", "--sites", str(sites_file), "--db", str(junk))
    assert result.returncode == 2
    assert "cannot open archive" in result.stderr
    assert junk.read_bytes() == b"this is not a database at all" * 100


def test_failed_pages_are_recorded_and_the_crawl_still_exits_0(
    tmp_path: Path, sample_web, sites_file: Path
):
    site = sample_web["linjiang-news"]
    site.add(
        "/",
        '<html><head><meta charset="utf-8"></head><body><a href="/tongzhan/list.html">统战之窗</a>'
        '<a href="/tongzhan/2023-01/01/content_9999.html">已删除的文章</a>'
        '<a href="/tongzhan/2023-01/02/content_9998.html">出错的文章</a></body></html>',
    )
    site.add("/tongzhan/2023-01/02/content_9998.html", "<h1>Internal Server Error</h1>", status=500)
    db = tmp_path / "archive.db"
    result = run_crawler(
        "crawl",
        "--sites",
        str(sites_file),
        "--db",
        str(db),
        *FAST,
        "-s",
        "RETRY_TIMES=1",
        "linjiang-news",
    )
    assert result.returncode == 0, result.stderr
    errors = {e["url"].rsplit("/", 1)[1]: e for e in rows(db, "SELECT * FROM crawl_errors")}
    assert errors["content_9999.html"]["kind"] == "http_404"
    assert errors["content_9998.html"]["kind"] == "http_500"
    assert site.paths_requested().count("/tongzhan/2023-01/02/content_9998.html") == 2, (
        "a 500 is retried"
    )
    run = rows(db, "SELECT * FROM crawl_runs")[0]
    assert run["status"] == "ok" and run["errors"] == 2
    assert (
        rows(db, "SELECT status FROM pages WHERE url LIKE '%content_9999.html'")[0]["status"] == 404
    )
    assert len(rows(db, "SELECT id FROM documents")) == 1, "the rest of the site was still archived"


def test_plain_scrapy_crawl_from_the_project_folder(tmp_path: Path, sample_web, sites_file: Path):
    import subprocess
    import sys

    root = Path(__file__).parent.parent
    db = tmp_path / "scrapy.db"
    command = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "municipal",
        "-a",
        f"sites={sites_file}",
        "-a",
        "site_ids=yunxi-gov",
        "-s",
        f"ARCHIVE_DB={db}",
        *FAST,
    ]
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    assert len(rows(db, "SELECT id FROM documents")) == 2
    assert rows(db, "SELECT status, sites FROM crawl_runs") == [
        {"status": "ok", "sites": "yunxi-gov"}
    ]


def test_two_crawls_at_once_on_one_archive_both_complete(
    tmp_path: Path, sample_web, sites_file: Path
):
    """Regression: a deferred write transaction that read first failed with 'database is locked'
    when another crawl had written meanwhile; writes now take the lock up front and wait."""
    import subprocess

    # An archive with one crawl in it, copied for each attempt (crawled once, not four times).
    seeded = tmp_path / "seeded" / "archive.db"
    seeded.parent.mkdir()
    result = run_crawler(
        "crawl", "--sites", str(sites_file), "--db", str(seeded), *FAST, "yunxi-gov"
    )
    assert result.returncode == 0, result.stderr
    for attempt in range(4):
        db = copy_archive(seeded, tmp_path / f"attempt-{attempt}")
        command = crawl_command(sites_file, db, [arg for arg in FAST if arg != "-s"])
        processes = [
            subprocess.Popen([*command, site], stderr=subprocess.PIPE, text=True)
            for site in ("linjiang-news", "qingshan-tz")
        ]
        for process in processes:
            _, stderr = process.communicate(timeout=180)
            assert process.returncode == 0 and "locked" not in stderr, stderr
        assert [r["status"] for r in rows(db, "SELECT status FROM crawl_runs ORDER BY id")] == [
            "ok",
            "ok",
            "ok",
        ]
        assert len(rows(db, "SELECT id FROM documents")) == 4
        assert len(rows(db, "SELECT id FROM sightings")) == 5
