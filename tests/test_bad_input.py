"""Bad input from real web servers: every case is recorded with a clear reason in crawl_errors,
none stops the crawl of the other pages or sites, and none damages what is archived."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import FAST, HOSTILE_SETTINGS, copy_archive, rows, run_crawler

from crawler.demo.badfiles import BAD_FILE_KINDS
from crawler.demo.hostile import (
    ARTICLE,
    ARTICLES,
    HostileSite,
    page,
    site_block,
    start_hostile_web,
)
from crawler.demo.server import SampleSite, SampleWeb, loopback_hosts


@pytest.fixture(scope="module")
def hostile_web():
    """The hostile web, and the registry of its sites, started once for the module."""
    web, site, other, registry = start_hostile_web()
    yield site, other, registry
    web.stop()


@pytest.fixture(scope="module")
def first_crawl(hostile_web, tmp_path_factory: pytest.TempPathFactory):
    """One crawl of the hostile web, shared by the tests that read what it left: its archive, its
    result and the requests it made (copied, so that a later crawl's requests are not mixed in)."""
    site, other, registry = hostile_web
    folder = tmp_path_factory.mktemp("hostile")
    sites = folder / "sites.toml"
    sites.write_text(registry, encoding="utf-8")
    db = folder / "archive.db"
    result = run_crawler("crawl", "--sites", str(sites), "--db", str(db), *HOSTILE_SETTINGS)
    return db, result, list(site.requests), list(other.requests)


@pytest.fixture
def hostile(hostile_web, tmp_path: Path):
    """The hostile web (crawled once already), with this test's own copy of the registry."""
    site, other, registry = hostile_web
    sites = tmp_path / "sites.toml"
    sites.write_text(registry, encoding="utf-8")
    return site, other, sites


@pytest.fixture
def hostile_crawl(hostile, first_crawl, tmp_path: Path):
    """The first crawl of the hostile web, with this test's own copy of its archive, and the
    sites as they were right after it (their request logs as that crawl left them)."""
    site, other, _sites = hostile
    archive, result, site_requests, other_requests = first_crawl
    db = copy_archive(archive, tmp_path)
    for web_site, requests in ((site, site_requests), (other, other_requests)):
        web_site.clear_log()
        web_site.requests.extend(requests)
    return site, other, db, result


def errors_by_case(site: HostileSite, db: Path) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for error in rows(db, "SELECT * FROM crawl_errors ORDER BY id"):
        path = unquote("/" + error["url"].split("/", 3)[-1])
        found.setdefault(site.cases.get(path, path), []).append(error)
    return found


def test_the_crawl_completes_and_every_bad_page_has_its_reason(hostile_crawl):
    site, _other, db, result = hostile_crawl
    assert result.returncode == 0, result.stderr
    errors = errors_by_case(site, db)
    expected = {
        "404": "http_404",
        "410": "http_410",
        "500": "http_500",
        "403": "blocked",
        "412": "blocked",
        "521": "blocked",
        "slow": "timeout",
        "loop": "redirect_loop",
        "away": "offsite",
        "file": "offsite",
        "huge": "too_large",
        "huge_streamed": "too_large",
        "binary": "not_html",
        "pdf": "corrupt_file",  # an article URL that answers with a damaged PDF
        "empty": "empty",
        "nav_only": "no_text",
        "/files/2022年工作总结.pdf": "http_404",  # a summary's attachment, gone
        **{f"/files/bad/{name}": kind for name, kind in BAD_FILE_KINDS.items()},
    }
    assert {case: [e["kind"] for e in errors.get(case, [])] for case in expected} == {
        case: [kind] for case, kind in expected.items()
    }
    for case in ("good", "truncated", "wrong_charset", "no_charset", "flaky"):
        assert case not in errors, errors.get(case)
    refused = rows(db, "SELECT kind, message FROM crawl_errors WHERE site = 'refused'")
    assert [e["kind"] for e in refused] == ["connection_refused"]
    assert "refused" in refused[0]["message"].lower()
    runs = rows(db, "SELECT status FROM crawl_runs")
    assert runs == [{"status": "ok"}]


def test_messages_say_what_happened(hostile_crawl):
    site, _other, db, _ = hostile_crawl
    errors = errors_by_case(site, db)
    message = {case: found[0]["message"] for case, found in errors.items()}
    assert "404" in message["404"] and "not found" in message["404"]
    assert "gone" in message["410"]
    assert "refused the crawler" in message["403"]
    assert "larger than download max size (1048576)" in message["huge"]
    assert "size limit of 1048576 bytes" in message["huge"]
    assert "1048576" in message["huge_streamed"]
    assert message["loop"].startswith("gave up after 5 redirects")
    assert "outside site 'hostile'" in message["away"]
    assert "redirect to file:///etc/passwd, which is not an http(s) page" in message["file"]
    assert message["pdf"].startswith("damaged PDF")
    assert "404" in message["/files/2022年工作总结.pdf"]
    assert "decompression bomb" in message["/files/bad/bomb.docx"]


def test_the_good_and_the_damaged_pages_are_archived_correctly(hostile_crawl):
    site, _other, db, _ = hostile_crawl
    documents = {d["title"]: d for d in rows(db, "SELECT * FROM documents")}
    for key in (
        "lj-summary-2022",
        "qs-summary-2022",
        "yx-review-2022",
        "lj-halfyear-2023",
        "yx-slogan-2022",
    ):
        article = ARTICLES[key]
        assert article.title in documents, f"{key} not archived"
        assert documents[article.title]["body"] == "\n".join(article.paragraphs)
    for document in documents.values():
        assert "\ufffd" not in document["body"] and "锟" not in document["body"]
    encodings = {
        p["url"].split("/")[-1]: p["encoding"] for p in rows(db, "SELECT url, encoding FROM pages")
    }
    assert "gb18030" in encodings["content_1011.html"].lower()
    assert "gb18030" in encodings["content_1012.html"].lower()


def test_server_errors_are_retried_with_backoff_and_anti_bot_answers_are_not(hostile_crawl):
    site, _other, _db, _ = hostile_crawl
    server_error = site.log_of(ARTICLE.format(500 % 28 + 1, 1500))
    assert len(server_error) == 3, "a 500 is tried 1 + RETRY_TIMES times, then given up"
    gaps = [b.at - a.at for a, b in zip(server_error, server_error[1:], strict=False)]
    assert gaps[0] >= 0.3 and gaps[1] >= 0.6, f"retries wait 0.3 s, then 0.6 s: {gaps}"
    for status in (403, 412, 521):
        assert len(site.log_of(ARTICLE.format(status % 28 + 1, 1000 + status))) == 1
    assert len(site.log_of(ARTICLE.format(16, 1015))) == 2, "the flaky page recovered on retry"
    assert site.paths_requested().count("/files/2022年工作总结.pdf") == 0


def test_the_redirect_to_another_host_is_not_followed(hostile_crawl):
    _site, other, _db, _ = hostile_crawl
    assert other.paths_requested() == []


def test_a_second_crawl_does_not_ask_for_gone_pages_or_attachments_again(hostile_crawl, hostile):
    site, _other, db, _ = hostile_crawl
    _, _, sites = hostile
    site.clear_log()
    result = run_crawler(
        "crawl", "--sites", str(sites), "--db", str(db), *HOSTILE_SETTINGS, "hostile"
    )
    assert result.returncode == 0, result.stderr
    asked = site.paths_requested()
    for case in ("404", "410", "good"):
        path = next(p for p, name in site.cases.items() if name == case)
        assert path not in asked
    assert [
        e["kind"]
        for e in rows(db, "SELECT kind FROM crawl_errors WHERE run_id = 2 AND kind = 'attachment'")
    ] == []


def test_a_site_that_keeps_refusing_is_left_alone(tmp_path: Path):
    host = loopback_hosts(1)[0]
    site = SampleSite("walled", "防火墙站", "测试市", host)
    links = "".join(
        f'<li><a href="{ARTICLE.format(n % 28 + 1, 2000 + n)}">第{n}篇</a></li>' for n in range(20)
    )
    site.add("/", f'<html><head><meta charset="utf-8"></head><body><ul>{links}</ul></body></html>')
    for n in range(20):
        site.add(ARTICLE.format(n % 28 + 1, 2000 + n), "<h1>Forbidden</h1>", status=403)
    with SampleWeb([site]):
        sites = tmp_path / "sites.toml"
        sites.write_text(site_block(site), encoding="utf-8")
        db = tmp_path / "archive.db"
        result = run_crawler(
            "crawl", "--sites", str(sites), "--db", str(db), *FAST, "-s", "CONCURRENT_REQUESTS=2"
        )
        assert result.returncode == 0, result.stderr
        article_requests = [p for p in site.paths_requested() if p.startswith("/news/")]
    # Requests already handed to the downloader still go out (at most CONCURRENT_REQUESTS).
    assert 3 <= len(article_requests) <= 5, "the default ARCHIVE_BLOCKED_LIMIT is 3"
    kinds = [e["kind"] for e in rows(db, "SELECT kind FROM crawl_errors ORDER BY id")]
    # three refusals and one line that the site is left alone; that line may come before the
    # error of an answer already read when the third refusal arrived
    assert sorted(kinds) == ["blocked", "blocked", "blocked", "site_blocked"]
    run = rows(db, "SELECT cut, errors, blocked FROM crawl_run_sites")[0]
    assert run["cut"] == 17
    # every anti-bot answer is counted and saved, also those dropped unread after the limit
    assert run["blocked"] == len(article_requests)


def test_a_host_name_that_resolves_to_a_private_address_is_not_read(tmp_path: Path):
    """A site given by host name (localhost here) that turns out to live on a private or loopback
    address: refused, unless the registry says the site is on a private network."""
    site = SampleSite("named", "内网站", "测试市", "127.0.0.1")
    article = ARTICLES["lj-summary-2022"]
    site.add(
        "/",
        '<html><head><meta charset="utf-8"></head><body><a href="/news/2023-02/01/content_1.html">综述</a></body></html>',
    )
    site.add("/news/2023-02/01/content_1.html", page(article.title, article.body))
    with SampleWeb([site]):
        for private, expected in ((False, 0), (True, 1)):
            sites = tmp_path / f"sites-{private}.toml"
            sites.write_text(
                f'[[site]]\nid = "named"\nname = "内网站"\nregion = "测试市"\n'
                f'start_urls = ["http://localhost:{site.port}/"]\n'
                + ("private_network = true\n" if private else ""),
                encoding="utf-8",
            )
            db = tmp_path / f"archive-{private}.db"
            result = run_crawler("crawl", "--sites", str(sites), "--db", str(db), *FAST)
            assert result.returncode == 0, result.stderr
            assert len(rows(db, "SELECT id FROM documents")) == expected
            if not private:
                errors = rows(db, "SELECT kind, message FROM crawl_errors")
                assert errors[0]["kind"] == "private_address"
                assert "private_network = true" in errors[0]["message"]


@pytest.mark.parametrize(
    "change,expected",
    [
        (("region = ", "region = 3 #"), "key 'region'"),
        (("[[site]]", '[[site]]\nid = "hostile"\nname = "x"\nregion = "y"\nstart_urls = ["http://127.0.0.1/"]\n\n[[site]]'), "duplicate id"),
        (('start_urls = ["', 'start_urls = ["gopher://'), "key 'start_urls'"),
        (("[[site]]\n", "[[site]]\ncolour = 'red'\n"), "key 'colour': unknown key"),
    ],
)  # fmt: skip
def test_a_malformed_registry_leaves_the_archive_untouched(
    hostile_crawl, hostile, change, expected
):
    _site, _other, db, _ = hostile_crawl
    _, _, sites = hostile
    before = {path.name: path.read_bytes() for path in db.parent.glob("archive.db*")}
    sites.write_text(sites.read_text("utf-8").replace(*change, 1), encoding="utf-8")
    result = run_crawler("crawl", "--sites", str(sites), "--db", str(db), *FAST)
    assert result.returncode == 2
    assert str(sites) in result.stderr and expected in result.stderr
    assert {path.name: path.read_bytes() for path in db.parent.glob("archive.db*")} == before


def test_an_overlong_url_is_not_asked_for(tmp_path: Path):
    """A trap's ever-growing URLs (or a broken link) past URLLENGTH_LIMIT are left alone: the
    spider refuses them itself (Scrapy's UrlLengthMiddleware is off: benchmarks/cpu.py)."""
    site = SampleSite("longurl", "长网址站", "测试市", loopback_hosts(1)[0])
    long_path = "/news/" + "a" * 300 + ".html"
    site.add(
        "/",
        '<html><head><meta charset="utf-8"></head><body>'
        f'<a href="{long_path}">很长的链接</a><a href="/news/short.html">短链接</a></body></html>',
    )
    site.add("/news/short.html", page("短链接", "正文。"))
    with SampleWeb([site]).start():
        sites = tmp_path / "sites.toml"
        sites.write_text(site_block(site), encoding="utf-8")
        result = run_crawler(
            "crawl", "--sites", str(sites), "--db", str(tmp_path / "a.db"), *FAST,
            "-s", "URLLENGTH_LIMIT=200",
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert "/news/short.html" in site.paths_requested()
        assert long_path not in site.paths_requested()
