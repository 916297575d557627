"""Sites that fight back or hide their text in scripts (crawler/demo/challenges.py): JS challenges
solved in a real Chromium without a setting, said in one line without one; list API addresses
built by concatenation and articles whose text is JSON, read without a browser. Each site hides
one older summary: found with its full text, no false document, and a re-crawl fetches no known
article again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FAST, rows, run_crawler

from crawler.crawl.challenge import COOKIE_SCRIPT, EXTERNAL_SCRIPT, challenge_kind
from crawler.demo.challenges import build_challenge_web
from crawler.demo.server import SampleWeb

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="needs Debian's chromium (.ci/run installs it) and playwright (.[test])",
)
NO_BROWSER = ["-s", "ARCHIVE_BROWSER=off"]


def _crawl(
    web: SampleWeb, folder: Path, db: Path, *ids: str, extra: tuple[str, ...] = (), toml=None
):
    sites = folder / "sites.toml"
    sites.write_text(web.sites_toml(toml), encoding="utf-8")
    result = run_crawler("crawl", "--sites", str(sites), "--db", str(db), *FAST, *extra, *ids)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def _found_in_full(db: Path, web: SampleWeb, site_id: str) -> None:
    """The site's hidden summary is its one document, with every paragraph of its text."""
    site = web[site_id]
    documents = rows(db, "SELECT url, body FROM documents WHERE site = ?", (site_id,))
    assert [d["url"] for d in documents] == [site.url(site.hidden)], documents
    for paragraph in site.summary.paragraphs:
        assert paragraph in documents[0]["body"], paragraph


def _header(entry, name: str) -> str:
    return {k.lower(): v for k, v in entry.headers.items()}.get(name, "")


def test_a_challenge_is_told_from_a_refusal_by_what_the_answer_is():
    web = build_challenge_web()
    jsl, rs = web["jsl"], web["rs"]
    inline = jsl.challenge({}, "agent")
    external = rs.challenge({}, "agent")
    assert challenge_kind(inline.status, inline.body, "text/html") == COOKIE_SCRIPT
    assert challenge_kind(external.status, external.body, "text/html") == EXTERNAL_SCRIPT
    refusal = b"<html><body><h1>403 Forbidden</h1><p>nginx</p></body></html>"
    assert challenge_kind(403, refusal, "text/html") is None
    article = jsl.routes[jsl.hidden].body
    assert challenge_kind(200, article + b"<script>document.cookie='a=1'</script>") is None
    assert challenge_kind(429, inline.body, "text/html") is None


def test_without_a_browser_a_challenged_site_says_what_to_install_once(tmp_path: Path):
    with build_challenge_web() as web:
        db = tmp_path / "archive.db"
        _crawl(web, tmp_path, db, "jsl", "rs", extra=tuple(NO_BROWSER))
        errors = rows(db, "SELECT site, kind, message FROM crawl_errors ORDER BY site")
        assert [(e["site"], e["kind"]) for e in errors] == [
            ("jsl", "js_challenge"),
            ("rs", "js_challenge"),
        ], errors
        assert "加速乐" in errors[0]["message"] and "瑞数" in errors[1]["message"]
        assert all("apt-get install chromium" in e["message"] for e in errors)
        # no loop: robots.txt and the home page, and nothing more
        assert len(web["jsl"].requests) <= 3 and len(web["rs"].requests) <= 3
        health = {r["site"]: r["health"] for r in rows(db, "SELECT site, health FROM site_health")}
        assert health["jsl"].startswith("behind a JS challenge"), health
        assert "apt-get install chromium" in health["rs"]
        check = run_crawler("check-site", "--sites", str(tmp_path / "sites.toml"), *FAST,
                            *NO_BROWSER, "jsl")  # fmt: skip
        assert "behind a JS challenge" in check.stdout, check.stdout
        assert (
            "JS challenge: HTTP 521, a page whose inline script sets a cookie and reloads "
            "(加速乐 style): not got through: install a browser" in check.stdout
        ), check.stdout


def test_script_built_addresses_are_read_without_a_browser(tmp_path: Path):
    """A list API concatenated from the script's variables, and article shells whose text is
    JSON: every summary found in full, at the address the list gives; a re-crawl fetches no
    article (nor its JSON) again."""
    with build_challenge_web() as web:
        db = tmp_path / "archive.db"
        _crawl(web, tmp_path, db, "jsonshell", "concat", extra=tuple(NO_BROWSER))
        concat, shell = web["concat"], web["jsonshell"]
        assert "/api/content/list?channelId=1024&pageNo=2&pageSize=3" in concat.paths_requested()
        for site_id in ("jsonshell", "concat"):
            _found_in_full(db, web, site_id)
        pages = {r["url"]: r for r in rows(db, "SELECT url, kind FROM pages")}
        assert pages[shell.url(shell.hidden)]["kind"] == "article"
        assert not [u for u in pages if "/api/content?" in u], "the JSON is the shell's text"
        assert rows(db, "SELECT count(*) AS n FROM crawl_errors")[0]["n"] == 0
        concat.clear_log()
        shell.clear_log()
        _crawl(web, tmp_path, db, "jsonshell", "concat", extra=tuple(NO_BROWSER))
        again = concat.paths_requested() + shell.paths_requested()
        articles = ("/zwgk/content/", "/xwzx/detail/", "/api/content?id=")
        assert not [p for p in again if p.startswith(articles)], again


@needs_chromium
def test_js_challenges_are_solved_in_chromium_and_the_crawl_goes_on_plainly(tmp_path: Path):
    """加速乐 (521, inline script) and 瑞数 (412, external script), with cookies good for four
    requests: each solved in the browser, solved again when it comes back, robots.txt read
    behind it and obeyed; the later requests go out plainly with the browser's cookies and
    User-Agent; the re-crawl fetches no known article again."""
    with build_challenge_web(uses=4) as web:
        db = tmp_path / "archive.db"
        _crawl(web, tmp_path, db, "jsl", "rs", toml={"jsl": {"download_delay": "0.4"}})
        jsl, rs = web["jsl"], web["rs"]
        for site_id in ("jsl", "rs"):
            _found_in_full(db, web, site_id)
        assert "/private/a.html" not in jsl.paths_requested(), "robots.txt behind the challenge"
        # the browser's requests are the site's: spaced by its delay like the plain ones
        asked = sorted(jsl.requests, key=lambda entry: entry.at)
        gaps = [
            (round(later.at - earlier.at, 3), *(
                f"{entry.path} ({'browser' if _header(entry, 'sec-ch-ua') else 'plain'})"
                for entry in (earlier, later)
            ))
            for earlier, later in zip(asked, asked[1:], strict=False)
        ]  # fmt: skip
        assert min(gap for gap, *_ in gaps) >= 0.35, [g for g in gaps if g[0] < 0.35]
        counts = {r["site"]: r for r in rows(db, "SELECT * FROM crawl_run_sites")}
        for site in (jsl, rs):
            assert counts[site.id]["challenges_solved"] >= 2, "solved, and again when it expired"
            assert counts[site.id]["blocked"] == 0
            passed = [r for r in site.requests if r.status == 200 and r.path != "/rs/c.js"]
            assert all("HeadlessChrome" in _header(r, "user-agent") for r in passed)
            # the browser's requests say what browser they are; the crawl's plain ones do not
            plain = [r.path for r in passed if not _header(r, "sec-ch-ua")]
            assert len(plain) >= 5, plain
        assert rows(db, "SELECT count(*) AS n FROM crawl_errors")[0]["n"] == 0
        jsl.clear_log()
        rs.clear_log()
        _crawl(web, tmp_path, db, "jsl", "rs")
        again = jsl.paths_requested() + rs.paths_requested()
        assert not [p for p in again if "/t20" in p], again


@needs_chromium
def test_robots_txt_the_browser_cannot_get_through_forbids_the_site_for_the_run(tmp_path: Path):
    """A challenge in front of robots.txt that never lets the browser through: tried twice, then
    read as "Disallow: /" (an unreachable robots.txt forbids all), said in one line; no page of
    the site is asked for, rather than crawled by rules never read."""
    with build_challenge_web() as web:
        jsl = web["jsl"]
        jsl.passes = lambda cookies, agent: False  # the challenge comes back, whatever is sent
        db = tmp_path / "archive.db"
        result = _crawl(web, tmp_path, db, "jsl",
                        extra=("-s", "ARCHIVE_BROWSER_PAGE_TIMEOUT=2", "-s", "LOG_LEVEL=INFO"))  # fmt: skip
        assert set(jsl.paths_requested()) == {"/robots.txt"}, jsl.paths_requested()
        said = [line for line in result.stderr.splitlines() if "read as Disallow: /" in line]
        assert len(said) == 1 and "robots.txt is behind a JS challenge" in said[0], said
        assert "trying again" in result.stderr
        assert rows(db, "SELECT count(*) AS n FROM documents")[0]["n"] == 0
        site = rows(db, "SELECT * FROM crawl_run_sites WHERE site = 'jsl'")[0]
        assert site["challenges_solved"] == 0 and site["robots_forbidden"] >= 1, site


def test_render_true_without_a_browser_is_refused_before_the_crawl(tmp_path: Path):
    with build_challenge_web() as web:
        sites = tmp_path / "sites.toml"
        sites.write_text(web.sites_toml({"concat": {"render": "true"}}), encoding="utf-8")
        result = run_crawler("crawl", "--sites", str(sites), "--db", str(tmp_path / "a.db"),
                             *FAST, *NO_BROWSER, "concat")  # fmt: skip
        assert result.returncode == 2
        assert "site 'concat' has render = true, and no browser to render with" in result.stderr
        assert "apt-get install chromium" in result.stderr
        assert web["concat"].requests == []
