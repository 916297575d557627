"""The browser stays on the site (crawler/crawl/browser_guard.py): rendering and challenge solving
never reach hosts the crawler would refuse. A canary server on another private address counts
what reaches it while a real Chromium renders a page, and solves a challenge, that reach for it
by every way a page can; nothing gets through, and the pages' own content is still read."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from conftest import FAST, rows, run_crawler

from crawler.crawl.browser_guard import Guard
from crawler.demo.challenges import JslSite, leaky_site, reach_for
from crawler.demo.cms import filler_news, load_articles
from crawler.demo.server import SampleSite, SampleWeb, loopback_hosts
from crawler.registry.sites import Site

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _site(start: str, domain: str) -> Site:
    return Site(id="s", name="s", region="r", start_urls=(start,), allowed_domains=(domain,))


def _decide(site: Site, url: str, kind: str, navigation: bool = False) -> str | None:
    return asyncio.run(Guard(site).refusal(url, kind, navigation))


def test_the_guard_decides_by_the_crawlers_own_rules():
    public = _site("http://8.8.8.8/", "8.8.8.8")
    assert _decide(public, "http://8.8.8.8/list.html", "document", navigation=True) is None
    assert _decide(public, "http://1.1.1.1/jquery.min.js", "script") is None, "a CDN's script"
    refused = {
        "off-site navigation": ("http://1.1.1.1/", "document", True),
        "off-site fetch": ("http://1.1.1.1/api/list", "fetch", False),
        "off-site frame": ("http://1.1.1.1/frame.html", "document", True),
        "metadata service": ("http://169.254.169.254/latest/meta-data/", "script", False),
        "intranet": ("http://10.0.0.5/app.js", "script", False),
        "file": ("file:///etc/passwd", "document", True),
        "data": ("data:text/html,<b>x</b>", "document", True),
        "websocket": ("ws://8.8.8.8/socket", "websocket", False),
        # a host name is decided on the address it resolves to (DNS rebinding)
        "name resolving to loopback": ("http://localhost:8080/x.js", "script", False),
    }
    for what, (url, kind, navigation) in refused.items():
        assert _decide(public, url, kind, navigation) is not None, what
    assert "resolves to the private address 127.0.0.1" in _decide(
        _site("http://localhost/", "localhost"), "http://localhost/list.html", "document", True
    )
    # a site on a private address may use its own host, and no other
    private = _site("http://127.0.0.2:8000/", "127.0.0.2")
    assert _decide(private, "http://127.0.0.2:8000/list.html", "xhr") is None
    assert _decide(private, "http://127.0.0.3:8000/x.js", "script") is not None


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium and playwright (.[test])")
def test_a_rendered_page_and_a_challenge_page_reach_nothing_off_the_site(tmp_path: Path):
    """Script tag, iframe, fetch, XHR, WebSocket, form post, meta refresh and ``location =`` to a
    canary on another private address, from a page rendered with render = true and from a JS
    challenge page: the canary records no request; both sites' summaries are still read."""
    leaky_host, jsl_host, canary_host = loopback_hosts(3)
    if len({leaky_host, jsl_host, canary_host}) < 3:
        pytest.skip("needs three loopback addresses (127.0.0.2-4) for three hosts")
    canary = SampleSite("canary", "canary", "-", canary_host)
    with SampleWeb([canary]):
        leaky = leaky_site(leaky_host, canary.base_url)
        articles = load_articles()
        jsl = JslSite("jsl", "加速乐测试网", "测试市", jsl_host)
        jsl.extra_head = reach_for(canary.base_url)
        jsl.hidden, jsl.summary = "/tzgz/202212/t20221230_1.html", articles["qs-summary-2022"]
        news = filler_news("g", "测试市", 1)[0]
        jsl.add("/", f'<html><body><a href="{jsl.hidden}">{jsl.summary.title}</a>'
                     f'<a href="/tzgz/202301/t20230101_2.html">{news.title}</a></body></html>')  # fmt: skip
        jsl.articles([(jsl.hidden, jsl.summary), ("/tzgz/202301/t20230101_2.html", news)])
        with SampleWeb([leaky, jsl]) as web:
            sites = tmp_path / "sites.toml"
            sites.write_text(web.sites_toml({"leaky": {"render": "true"}}), encoding="utf-8")
            db = tmp_path / "archive.db"
            result = run_crawler("crawl", "--sites", str(sites), "--db", str(db), *FAST)
            assert result.returncode == 0, result.stderr[-3000:]
            assert canary.requests == [], [(r.method, r.path) for r in canary.requests]
            documents = rows(db, "SELECT site, url, body FROM documents ORDER BY site, url")
            assert [(d["site"], d["url"]) for d in documents] == [
                ("jsl", jsl.url(jsl.hidden)),
                ("leaky", leaky.url(leaky.hidden)),
                ("leaky", leaky.url(leaky.scripted[0])),  # no text without its script: rendered
            ]
            summaries = (jsl.summary, leaky.summary, leaky.scripted[1])
            for document, summary in zip(documents, summaries, strict=True):
                assert summary.paragraphs[-1] in document["body"]
            counts = {r["site"]: r for r in rows(db, "SELECT * FROM crawl_run_sites")}
            assert counts["jsl"]["challenges_solved"] == 1
            assert counts["leaky"]["rendered"] == 3, "home and list (render = true), an article"
            for site_id in ("jsl", "leaky"):
                # script, frame, fetch, XHR, socket, form, refresh, location: each refused
                assert counts[site_id]["browser_refused"] >= 5, counts[site_id]
                assert counts[site_id]["browser_requests"] >= 1
            report = run_crawler("check-site", "--sites", str(sites), *FAST, "leaky")
            assert canary.requests == []
            assert "refused by the site's rules" in report.stdout, report.stdout
            assert f"{canary.base_url}/script.js" in report.stdout
            needed = report.stdout.split("pages that needed the browser")[1].split("browser:")[0]
            assert leaky.url("/news/list.html") in needed, report.stdout
