"""Habits of real sites that cost texts or requests (crawler/demo/habits.py), crawled by the real
crawler: articles in pieces, oldest-first columns, one article at many addresses, traps, and
429s with Retry-After. Every summary is found with its full text, no false document is made, a
re-crawl fetches no known article again, and check-site names what it met."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FAST, rows, run_crawler

from crawler.demo.habits import build_habits_web
from crawler.demo.server import Route, SampleSite, SampleWeb, loopback_hosts


@pytest.fixture
def habits(tmp_path: Path):
    web = build_habits_web().start()
    (tmp_path / "sites.toml").write_text(web.sites_toml(), encoding="utf-8")
    yield web
    web.stop()


def crawl(tmp_path: Path, site_id: str, *extra: str) -> None:
    result = run_crawler(
        "crawl", "--sites", str(tmp_path / "sites.toml"), "--db", str(tmp_path / "a.db"),
        *FAST, *extra, site_id,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def articles_fetched(site, paths, parts: tuple[str, ...] = ()) -> list[str]:
    """The requests for these articles (and for paths containing any of ``parts``)."""
    return [
        p for p in site.paths_requested() if p in set(paths) or any(part in p for part in parts)
    ]


def check_site(site) -> str:
    report = run_crawler("check-site", *FAST, site.base_url + "/")
    assert report.returncode == 0, report.stderr
    return report.stdout


def test_an_article_in_pieces_is_one_page_row_with_its_whole_text(tmp_path: Path, habits):
    site = habits["pieces"]
    crawl(tmp_path, "pieces")
    db = tmp_path / "a.db"
    documents = {r["url"]: r["body"] for r in rows(db, "SELECT url, body FROM documents")}
    assert set(documents) == {site.url(path) for path in site.summaries}
    for path, paragraphs in site.full_texts.items():
        body = documents[site.url(path)]
        assert body.splitlines() == paragraphs, path  # every part, in order, no pager line
    articles = rows(db, "SELECT url FROM pages WHERE kind = 'article'")
    assert len(articles) == len(site.article_paths)  # one row per article, none per part
    assert rows(db, "SELECT articles, parts_joined FROM crawl_runs")[0] == {
        "articles": 4, "parts_joined": 3,
    }  # fmt: skip
    # read again from the stored responses, the parts too: the text stays whole
    again = run_crawler("reprocess", "--db", str(db), "--sites", str(tmp_path / "sites.toml"))
    assert again.returncode == 0 and "0 texts changed, 0 unreadable" in again.stderr, again.stderr
    site.clear_log()
    crawl(tmp_path, "pieces")
    assert articles_fetched(site, site.article_paths, ("page=2", "_2.", "_3.")) == []
    assert "3 article parts joined" in check_site(site)


def test_an_oldest_first_column_is_read_at_its_end_on_a_recrawl(tmp_path: Path, habits):
    from crawler.demo.cms import load_articles

    site = habits["oldest"]
    crawl(tmp_path, "oldest")
    db = tmp_path / "a.db"
    assert len(rows(db, "SELECT url FROM sightings")) == 1
    # a new summary appended on the last page; every page's item count changes
    new = site.append(load_articles()["lj-halfyear-2023"])
    known = list(site.article_paths[:-1])
    site.clear_log()
    crawl(tmp_path, "oldest")
    assert site.url(new) in {r["url"] for r in rows(db, "SELECT url FROM sightings")}
    assert articles_fetched(site, known) == []
    # unchanged: the first and the last page, each answered 304
    site.clear_log()
    crawl(tmp_path, "oldest")
    lists = [e for e in site.requests if "/tzgg/list" in e.path]
    assert [(e.path, e.status) for e in lists] == [
        ("/tzgg/list.html", 304), ("/tzgg/list_3.html", 304),
    ]  # fmt: skip
    # the page it was appended to filled up: the next new item opens a page of its own
    site.append(load_articles()["lj-news-forum"])
    newest = site.append(load_articles()["qs-summary-2022"])
    crawl(tmp_path, "oldest")
    assert site.url(newest) in {r["url"] for r in rows(db, "SELECT url FROM sightings")}


def test_one_article_at_three_addresses_is_one_row_one_sighting_one_document(
    tmp_path: Path, habits
):
    site = habits["aliases"]
    crawl(tmp_path, "aliases")
    db = tmp_path / "a.db"
    folded = site.article_paths[:-1]  # the last names a canonical on another host
    pages = {r["url"]: r for r in rows(db, "SELECT url, links FROM pages WHERE kind='article'")}
    for path in folded:
        assert site.url(path) in pages, path
        number = path.split("/")[-1].split(".")[0]
        assert site.url(f"/show.aspx?id={number}") not in pages
        assert site.url(f"/show.aspx?id={number}") in pages[site.url(path)]["links"]
    assert not [url for url in pages if "from=" in url or "spm=" in url]
    documents = [r["url"] for r in rows(db, "SELECT url FROM documents")]
    assert sorted(documents) == sorted(site.url(p) for p in site.summaries)
    assert len(rows(db, "SELECT id FROM sightings")) == len(site.summaries)
    # no address with tracking parameters asked for; each article once at /a/N.html
    requested = site.paths_requested()
    assert not [p for p in requested if "from=" in p or "spm=" in p]
    assert all(requested.count(p) == 1 for p in site.article_paths)
    # the fold taught how /show.aspx?id=N names /a/N.html: a rule later crawls use
    assert rows(db, "SELECT url FROM pages WHERE kind = 'alias_rule'")
    # a new article at both addresses is fetched once, at its canonical address; no known one
    body = site.routes["/a/101.html"].body.replace(b"/a/101.html", b"/a/110.html")
    site.add("/a/110.html", body)
    site.add("/show.aspx?id=110", body)
    for path, link in (("/news/", "/a/110.html"), ("/zt/", "/show.aspx?id=110")):
        listed = site.routes[path].body.replace(
            b"</ul>", f'<li><a href="{link}">新</a></li></ul>'.encode()
        )
        site.add(path, listed)
    site.clear_log()
    crawl(tmp_path, "aliases")
    fetched = [p for p in site.paths_requested() if "/a/" in p or "show.aspx" in p]
    assert fetched == ["/a/110.html"], fetched
    assert "canonical aliases folded" in check_site(site)


def test_traps_are_bounded_and_not_walked_again(tmp_path: Path, habits):
    site = habits["trapped"]
    # deep enough for the calendar to lead back to 1990 month by month
    registry = habits.sites_toml({"trapped": {"max_depth": "8"}})
    (tmp_path / "sites.toml").write_text(registry, encoding="utf-8")
    crawl(tmp_path, "trapped")
    db = tmp_path / "a.db"
    assert len(site.requests) < 60, len(site.requests)
    fetched = {r["url"] for r in rows(db, "SELECT url FROM pages WHERE kind='article'")}
    assert {site.url(p) for p in site.article_paths} <= fetched
    documents = {r["url"] for r in rows(db, "SELECT url FROM documents")}
    assert documents == {site.url(p) for p in site.summaries}  # none from 页面不存在 pages
    asked = site.paths_requested()
    assert "/news/list_999.html" not in asked and "/zcwj/list.jsp?page=50" not in asked
    traps = rows(db, "SELECT links FROM pages WHERE kind = 'trap'")
    assert len(traps) == 2 and "day.jsp" in str(traps) and "month.jsp" in str(traps)
    assert rows(db, "SELECT trap_cut FROM crawl_runs")[0]["trap_cut"] > 0
    site.clear_log()
    crawl(tmp_path, "trapped")
    again = site.paths_requested()
    assert not [p for p in again if "/rili/" in p], again
    assert articles_fetched(site, site.article_paths) == []
    assert len(again) <= 8, again
    report = check_site(site)
    assert "pages cut as traps" in report and "trap: " in report and "day.jsp" in report


def test_429_with_retry_after_is_waited_out_and_the_site_slowed_down(tmp_path: Path, habits):
    site = habits["throttled"]
    crawl(tmp_path, "throttled")
    db = tmp_path / "a.db"
    assert site.refused >= 1  # it did push back
    fetched = {r["url"] for r in rows(db, "SELECT url FROM pages WHERE kind='article'")}
    assert fetched == {site.url(p) for p in site.article_paths}
    assert {r["url"] for r in rows(db, "SELECT url FROM documents")} == {
        site.url(p) for p in site.summaries
    }
    run = rows(db, "SELECT refusals_waited, blocked FROM crawl_runs")[0]
    assert run["refusals_waited"] >= 1 and run["blocked"] == 0
    # after the first wait the site was asked at its pace: at most the one refusal per wait
    assert site.refused == run["refusals_waited"]
    assert "429s waited (Retry-After)" in check_site(site)


def test_retry_after_is_read_in_seconds_or_as_a_date():
    from email.utils import formatdate

    from crawler.crawl.guards import retry_after_seconds

    assert retry_after_seconds("2") == 2.0
    assert retry_after_seconds(formatdate(1_000_030, usegmt=True), now=1_000_000) == 30.0
    assert retry_after_seconds("") is None and retry_after_seconds("soon") is None


def test_a_site_that_refuses_every_time_is_dropped_after_its_waits_and_says_so(tmp_path: Path):
    site = SampleSite("always", "总是限流", "测试市", loopback_hosts(1)[0])
    links = "".join(f'<a href="/a/{n}.html">第{n}篇</a>' for n in range(1, 6))
    site.add("/", f"<html><body>{links}</body></html>")
    for n in range(1, 6):
        site.routes[f"/a/{n}.html"] = lambda *_: Route(
            b"busy", status=429, headers={"Retry-After": "0"}
        )
    with SampleWeb([site]) as web:
        (tmp_path / "sites.toml").write_text(web.sites_toml(), encoding="utf-8")
        crawl(tmp_path, "always")
    db = tmp_path / "a.db"
    refused = [e.path for e in site.requests if e.path.startswith("/a/")]
    # an article asked for again 3 times (3 waits) before it counts as refused; the site dropped
    # after 3 such refusals (the others in flight then are not asked for again)
    assert max(refused.count(path) for path in refused) == 4
    assert sum(1 for path in set(refused) if refused.count(path) == 4) >= 3
    errors = rows(db, "SELECT kind, message FROM crawl_errors")
    assert [e["kind"] for e in errors].count("blocked") == 3
    (dropped,) = [e["message"] for e in errors if e["kind"] == "site_blocked"]
    assert "HTTP 429" in dropped and "Retry-After" in dropped, dropped
    assert rows(db, "SELECT refusals_waited FROM crawl_runs")[0]["refusals_waited"] >= 9


def test_tracking_parameters_and_canonical_addresses():
    from lxml import html

    from crawler.discovery.urls import canonical_url, clean_url

    assert clean_url("http://a.cn/a/1.html?from=index&spm=a2c4.1.0&t=1701234567890") == (
        "http://a.cn/a/1.html"
    )
    assert clean_url("http://a.cn/show.aspx?id=12&utm_source=wx&share=1") == (
        "http://a.cn/show.aspx?id=12"
    )
    kept = "http://a.cn/list.jsp?channel=7&page=2&t=2"
    assert clean_url(kept) == kept  # not a time stamp: kept, unchanged
    owns = lambda url: url.startswith("http://a.cn/")  # noqa: E731
    doc = html.fromstring(
        '<html><head><link rel="canonical" href="/a/12.html?spm=1"></head></html>'
    )
    assert canonical_url(doc, "http://a.cn/show.aspx?id=12", owns) == "http://a.cn/a/12.html"
    assert canonical_url(doc, "http://a.cn/a/12.html?from=x", owns) is None  # itself
    away = html.fromstring(
        '<html><head><link rel="canonical" href="http://b.cn/a/1.html"></head></html>'
    )
    assert canonical_url(away, "http://a.cn/a/1.html", owns) is None


def test_article_parts_and_soft_404_pages_are_told_apart():
    from crawler.discovery.parts import part_number
    from crawler.discovery.traps import says_not_found, url_shape
    from crawler.spiders.parts import joined

    first = "http://a.cn/xwzx/2023-02/content_501.html"
    assert part_number("http://a.cn/xwzx/2023-02/content_501_3.html", first) == 3
    assert part_number("http://a.cn/xwzx/2023-02/content_502.html", first) is None
    assert part_number("http://a.cn/other/content_501_2.html", first) is None
    assert part_number("http://a.cn/show.php?id=77&page=2", "http://a.cn/show.php?id=77") == 2
    assert part_number("http://a.cn/show.php?id=78&page=2", "http://a.cn/show.php?id=77") is None
    assert joined(["一段。\n共3页 上一页 1 2 3 下一页", "二段。"]) == "一段。\n二段。"
    assert says_not_found("对不起，您访问的页面不存在或已被删除。")
    assert not says_not_found("今年以来，" * 20 + "个别页面不存在问题已整改。")
    assert url_shape("http://a.cn/rili/day.jsp?date=2026-11-03") == "a.cn/rili/day.jsp?date=N-N-N"


def test_a_list_api_whose_items_have_no_article_shape_is_paged_to_its_end(tmp_path: Path):
    """The paging stop counts an index's items of unknown shape as its articles: an API column
    whose item URLs say nothing is still read to its last page."""
    import json
    from urllib.parse import parse_qsl, urlsplit

    from crawler.demo.cms import load_articles

    summary = load_articles()["qs-summary-2022"]
    site = SampleSite("api", "接口网", "测试市", loopback_hosts(1)[0])
    items = [f"/info?n={n}" for n in range(1, 6)]  # the summary is the last, on page 3
    for path in items:
        site.add(path, f"<html><body><h1>{summary.title}</h1><p>{summary.body}</p></body></html>")
    script = (
        '<script>function load(pageNo){$.ajax({url: "/api/list", type: "GET", '
        "data: {channelId: 9, pageNo: pageNo, pageSize: 2}});} load(1);</script>"
    )
    site.add("/", f'<html><body><ul id="list"></ul>{script}</body></html>')

    def api(method: str, path: str, payload: bytes) -> Route:
        number = int(dict(parse_qsl(urlsplit(path).query)).get("pageNo", "1"))
        chosen = items[(number - 1) * 2 : number * 2]
        answer = {"total": len(items), "pageNo": number, "pageSize": 2,
                  "list": [{"title": "第篇", "url": p} for p in chosen]}  # fmt: skip
        return Route(json.dumps(answer).encode(), "application/json")

    site.routes["/api/list"] = api
    with SampleWeb([site]) as web:
        (tmp_path / "sites.toml").write_text(web.sites_toml(), encoding="utf-8")
        crawl(tmp_path, "api")
    assert "/info?n=5" in site.paths_requested(), site.paths_requested()
