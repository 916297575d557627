"""Discovery from home pages and incremental re-crawls, against the sample web on loopback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import FAST, rows, run_crawler

from crawler.demo.sites import load_articles

ARTICLE_PATH = re.compile(r"(content_\d+|/t\d{8}_\d+|/art_\d+_\d+)\.html$")
COLUMNS = {"linjiang-news": 2, "qingshan-tz": 2, "yunxi-gov": 2}


def crawl(sites_file: Path, db: Path, *args: str) -> None:
    result = run_crawler("crawl", "--sites", str(sites_file), "--db", str(db), *FAST, *args)
    assert result.returncode == 0, result.stderr


def run_sites(db: Path, run_id: int) -> dict[str, dict]:
    return {
        r["site"]: r for r in rows(db, "SELECT * FROM crawl_run_sites WHERE run_id = ?", (run_id,))
    }


def article_paths(site) -> set[str]:
    return {path for path in site.routes if isinstance(path, str) and ARTICLE_PATH.search(path)}


def test_first_crawl_finds_every_article_of_every_cms_from_the_home_page(crawled: Path, sample_web):
    for site in sample_web.sites.values():
        requested = set(site.paths_requested())
        missing = article_paths(site) - requested
        assert not missing, f"{site.id}: articles not found: {missing}"
    yunxi = sample_web["yunxi-gov"]
    proxy_posts = [r for r in yunxi.requests if r.method == "POST" and "dataproxy.jsp" in r.path]
    assert [re.search(r"startrecord=\d+", r.path).group(0) for r in proxy_posts] == [
        "startrecord=3",
        "startrecord=5",
    ]
    linjiang = sample_web["linjiang-news"].paths_requested()
    assert "/szyw/index.php?page=2" in linjiang and "/tongzhan/list_2.html" in linjiang


def test_unchanged_recrawl_fetches_no_article_and_one_request_per_column(
    crawled: Path, sample_web, sites_file: Path
):
    for site in sample_web.sites.values():
        site.clear_log()
    crawl(sites_file, crawled)
    per_site = run_sites(crawled, 2)
    for site in sample_web.sites.values():
        requested = site.paths_requested()
        assert not article_paths(site) & set(requested), f"{site.id} fetched an article again"
        # robots.txt, the home page, and the first page of each column: nothing else
        assert len(requested) == 2 + COLUMNS[site.id], f"{site.id}: {requested}"
        assert per_site[site.id]["requests"] == len(requested)
        assert per_site[site.id]["not_modified"] == 1 + COLUMNS[site.id]
        assert per_site[site.id]["articles"] == 0
        assert all("If-None-Match" in r.headers for r in site.requests if r.path != "/robots.txt")
    run = rows(crawled, "SELECT * FROM crawl_runs WHERE id = 2")[0]
    assert run["status"] == "ok" and run["documents_new"] == 0 and run["sightings_new"] == 0


@pytest.mark.own_sample_web  # it publishes two articles on the web
def test_recrawl_after_two_new_articles_fetches_just_those(
    crawled: Path, sample_web, sites_file: Path
):
    articles = load_articles()
    linjiang, yunxi = sample_web["linjiang-news"], sample_web["yunxi-gov"]
    linjiang.publish(
        "tongzhan", articles["lj-halfyear-2023"]
    )  # a new summary, pushing older items to page 2
    yunxi.publish("4467", articles["qs-summary-2022"])  # a repost of a summary already archived
    for site in sample_web.sites.values():
        site.clear_log()
    crawl(sites_file, crawled)
    fetched = {
        site.id: article_paths(site) & set(site.paths_requested())
        for site in sample_web.sites.values()
    }
    assert {k: len(v) for k, v in fetched.items()} == {
        "linjiang-news": 1,
        "qingshan-tz": 0,
        "yunxi-gov": 1,
    }
    run = rows(crawled, "SELECT * FROM crawl_runs WHERE id = 2")[0]
    assert (run["articles"], run["documents_new"], run["sightings_new"]) == (2, 1, 2)
    # paging went one page further on the changed columns, and stopped there
    assert "/tongzhan/list_2.html" in linjiang.paths_requested()
    repost = rows(
        crawled,
        "SELECT COUNT(*) AS n FROM sightings s JOIN documents d ON d.id = s.document_id WHERE d.title = '青山县委统战部2022年工作总结'",
    )
    assert repost[0]["n"] == 2


def test_refresh_fetches_everything_again(crawled: Path, sample_web, sites_file: Path):
    for site in sample_web.sites.values():
        site.clear_log()
    crawl(sites_file, crawled, "--refresh")
    for site in sample_web.sites.values():
        assert article_paths(site) <= set(site.paths_requested())
        assert not any("If-None-Match" in r.headers for r in site.requests)
    assert (
        rows(crawled, "SELECT documents_new FROM crawl_runs WHERE id = 2")[0]["documents_new"] == 0
    )


def test_a_redirect_to_another_host_is_not_followed(tmp_path: Path, sample_web):
    linjiang, qingshan = sample_web["linjiang-news"], sample_web["qingshan-tz"]
    linjiang.add_extra(
        "/go/partner.html", b"", status=302, headers={"Location": qingshan.url("/gzdt/")}
    )
    linjiang.add_extra(
        "/",
        '<html><body><a href="/go/partner.html">合作网站</a><a href="/tongzhan/list.html">统战之窗</a></body></html>',
    )
    sites = tmp_path / "sites.toml"
    sites.write_text(sample_web.sites_toml(), encoding="utf-8")
    db = tmp_path / "a.db"
    crawl(sites, db, "linjiang-news")
    assert qingshan.requests == []
    error = rows(db, "SELECT kind, message FROM crawl_errors")
    assert error == [
        {
            "kind": "offsite",
            "message": f"not followed: {qingshan.url('/gzdt/')} is outside site 'linjiang-news' (redirected from {linjiang.url('/go/partner.html')})",
        }
    ]


@pytest.mark.parametrize("budget", [3, 6])
def test_request_budget_stops_a_runaway_site_and_is_recorded(
    tmp_path: Path, sample_web, budget: int
):
    sites = tmp_path / "sites.toml"
    sites.write_text(
        sample_web.sites_toml(extra={"yunxi-gov": {"max_requests": str(budget)}}), encoding="utf-8"
    )
    db = tmp_path / "a.db"
    crawl(sites, db, "yunxi-gov")
    served = sample_web["yunxi-gov"].paths_requested()
    assert len(served) == budget + 1  # robots.txt is the server's rule, not a page of the budget
    assert run_sites(db, 1)["yunxi-gov"]["cut"] > 0


def test_depth_limit_is_recorded(tmp_path: Path, sample_web):
    sites = tmp_path / "sites.toml"
    sites.write_text(
        sample_web.sites_toml(extra={"qingshan-tz": {"max_depth": "0"}}), encoding="utf-8"
    )
    db = tmp_path / "a.db"
    crawl(sites, db, "qingshan-tz")
    assert sample_web["qingshan-tz"].paths_requested() == ["/robots.txt", "/"]
    assert run_sites(db, 1)["qingshan-tz"]["depth_cut"] == 3  # 工作动态, 他山之石, 在线访谈


def test_an_archive_from_before_the_incremental_columns_is_migrated(
    tmp_path: Path, sample_web, sites_file: Path
):
    import sqlite3

    db = tmp_path / "old.db"
    import sqlite_utils

    from crawler.archive import migrations

    old = sqlite_utils.Database(db)
    migrations.apply(old, stop_before="m002_incremental")
    old.close()
    conn = sqlite3.connect(db)
    assert "links" not in {row[1] for row in conn.execute("PRAGMA table_info(pages)")}
    conn.close()
    crawl(sites_file, db)
    conn = sqlite3.connect(db)
    assert "links" in {row[1] for row in conn.execute("PRAGMA table_info(pages)")}
    assert conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 4
    conn.close()
