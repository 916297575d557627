"""Publishing habits the first sample web does not show (crawler/demo/unseen.py): arrow-only and
parameter paging, frames, sitemaps, feeds. Each site hides one older summary that only its own
mechanism reaches; a first crawl finds all of them, and a re-crawl fetches no known article."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FAST, rows, run_crawler

from crawler.demo.unseen import build_unseen_web, finish_unseen_web

HOW = {
    "arrows": "link",
    "curpage": "link",
    "framed": "link",
    "sitemapped": "sitemap",
    "fed": "feed",
    "formpaged": "link",
    "postback": "link",
    "scripted": "api",
}
# the list page that led to each hidden summary was reached by its pager's own mechanism
PAGED_BY = {"formpaged": "form", "postback": "postback", "scripted": "api"}


@pytest.fixture
def unseen_web():
    web = finish_unseen_web(build_unseen_web().start())
    yield web
    web.stop()


def test_every_hidden_summary_is_found_and_a_recrawl_fetches_no_known_article(
    tmp_path: Path, unseen_web
):
    sites = tmp_path / "sites.toml"
    sites.write_text(unseen_web.sites_toml(), encoding="utf-8")
    db = tmp_path / "archive.db"
    result = run_crawler("crawl", "--sites", str(sites), "--db", str(db), *FAST)
    assert result.returncode == 0, result.stderr
    sighted = {r["url"]: r for r in rows(db, "SELECT url, site FROM sightings")}
    via = {r["url"]: r["via"] for r in rows(db, "SELECT url, via FROM pages")}
    for site in unseen_web.sites.values():
        url = site.url(site.hidden)
        assert url in sighted, f"{site.id}: the hidden summary was not found"
        assert via[url] == HOW[site.id], (site.id, via[url])
    framed = unseen_web["framed"]
    assert via[framed.url("/zwgk/list.asp?page=1")] == "frame"
    assert via[unseen_web["sitemapped"].url("/sitemap-2022.xml")] == "sitemap"
    assert via[unseen_web["fed"].url("/rss.xml")] == "feed"
    kinds = {r["via"] for r in rows(db, "SELECT via FROM pages WHERE kind = 'list'")}
    assert set(PAGED_BY.values()) <= kinds, kinds
    post = [e for e in unseen_web["postback"].requests if e.method == "POST"]
    assert post and all(e.status == 200 for e in post)
    assert rows(db, "SELECT count(*) AS n FROM documents")[0]["n"] == 5
    for site in unseen_web.sites.values():
        site.clear_log()
    again = run_crawler("crawl", "--sites", str(sites), "--db", str(db), *FAST)
    assert again.returncode == 0, again.stderr
    for site in unseen_web.sites.values():
        fetched = [p for p in site.paths_requested() if not p.startswith("/api/") and (
                   "content" in p or "show.asp" in p.lower() or "detail_" in p
                   or "/article." in p or "/article/" in p or "/tzgz/20" in p)]  # fmt: skip
        assert fetched == [], (site.id, fetched)


def test_check_site_says_how_each_column_was_read_and_flags_a_list_written_by_script(
    unseen_web,
):
    from crawler.demo.server import SampleSite, SampleWeb, loopback_hosts

    report = run_crawler("check-site", *FAST, unseen_web["postback"].base_url + "/")
    assert report.returncode == 0, report.stderr
    column = next(line for line in report.stdout.splitlines() if "List.aspx" in line)
    assert "postback" in column, column  # a POSTed page shares its URL's pages row
    assert "written by script" not in report.stdout
    blind = SampleSite("blind", "脚本站", "测试市", loopback_hosts(1)[0])
    blind.add("/", '<html><body><a href="/col/">统战工作</a></body></html>')
    blind.add(
        "/col/",
        '<html><head><script src="/js/list.min.js"></script></head><body><ul id="list"></ul>'
        "<div>共12条</div></body></html>",
    )
    with SampleWeb([blind]):
        flagged = run_crawler("check-site", *FAST, blind.base_url + "/")
    line = next(line for line in flagged.stdout.splitlines() if "/col/" in line)
    assert "scripts and no article links" in line, flagged.stdout


def _can_render() -> bool:
    import importlib.util
    import shutil

    return bool(importlib.util.find_spec("playwright") and shutil.which("chromium"))


@pytest.mark.skipif(not _can_render(), reason="needs playwright (.[test]) and Debian's chromium")
def test_a_list_only_a_browser_can_read_is_rendered_and_paged_through_its_api(tmp_path: Path):
    """Without a setting, a list page with scripts and no article links is rendered (the
    fallback); render = false reads it as served, and finds nothing."""
    from crawler.demo.server import SampleWeb, loopback_hosts
    from crawler.demo.unseen import rendered_site

    site = rendered_site(loopback_hosts(1)[0])
    with SampleWeb([site]) as web:
        sites = tmp_path / "sites.toml"
        db = tmp_path / "archive.db"
        # read as HTML alone (render = false: never in the browser), the column is blind
        sites.write_text(web.sites_toml({"rendered": {"render": "false"}}), encoding="utf-8")
        plain = run_crawler(
            "crawl", "--sites", str(sites), "--db", str(tmp_path / "plain.db"), *FAST
        )
        assert plain.returncode == 0, plain.stderr
        assert rows(tmp_path / "plain.db", "SELECT count(*) AS n FROM sightings")[0]["n"] == 0
        assert site.paths_requested().count("/js/list.js") == 0, "no browser asked for it"
        sites.write_text(web.sites_toml(), encoding="utf-8")  # no render key: the fallback
        result = run_crawler("crawl", "--sites", str(sites), "--db", str(db), *FAST)
        assert result.returncode == 0, result.stderr
        via = {r["url"]: r["via"] for r in rows(db, "SELECT url, via FROM pages")}
        assert via[site.url("/xxgk/list.html")] == "rendered"
        assert site.url(site.hidden) in via, "the summary on the API's second page"
        assert via[site.url("/open/items?page=2&size=2")] == "api"
        assert rows(db, "SELECT url FROM sightings") == [{"url": site.url(site.hidden)}]
        site.clear_log()
        again = run_crawler("crawl", "--sites", str(sites), "--db", str(db), *FAST)
        assert again.returncode == 0, again.stderr
        again = [(r.path, r.status) for r in site.requests if r.path.startswith("/xxgk/5")]
        assert site.hidden not in [path for path, _ in again], again
        # the rendered list links the short news items too (pages, not articles): revalidated
        assert all(status == 304 for _, status in again), again
