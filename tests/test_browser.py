"""A person's view: headless Chromium opens the served archive, types a 2-character word into
Datasette's search box, and sees the expected document. The screenshot is kept in
test-artifacts/ for a human to look at."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import copy_archive

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER),
    reason="needs Debian's chromium and chromium-driver (.ci/run installs them)",
)


def chromium(tmp_path: Path):
    """Debian's headless Chromium through its chromedriver, with a profile of its own."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", f"--user-data-dir={tmp_path / 'chromium'}", "--window-size=1280,900"):  # fmt: skip
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(DRIVER), options=options)


@contextmanager
def serving(db: Path):
    """`crawler serve` of an archive on a free port, once it answers; its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler", "serve", "--db", str(db), "--port", str(port)],
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/-/versions.json", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def served_archive(shared_crawl, tmp_path_factory: pytest.TempPathFactory):
    """A copy of the shared crawl of the sample web (conftest.shared_crawl), served once for the
    module's tests, which only read it; its URL and the archive."""
    db = copy_archive(shared_crawl.db, tmp_path_factory.mktemp("served"))
    with serving(db) as url:
        yield url, db


@pytest.fixture
def served(served_archive) -> str:
    return served_archive[0]


@pytest.fixture
def crawled(served_archive) -> Path:
    """The archive being served."""
    return served_archive[1]


def test_search_box_finds_a_two_character_word(served: str, crawled: Path, tmp_path: Path):
    import sqlite3

    with sqlite3.connect(crawled) as conn:
        expected = sorted(
            title
            for title, body in conn.execute("SELECT title, body FROM documents")
            if "乡贤" in title + body
        )
    assert "侨心汇聚添动能 同心筑梦启新程" in expected
    from selenium.webdriver.common.by import By

    driver = chromium(tmp_path)
    try:
        driver.get(f"{served}/archive/documents")
        box = driver.find_element(By.CSS_SELECTOR, "input[name=_search]")
        box.send_keys("乡贤")
        box.submit()
        deadline = time.monotonic() + 20
        while "_search=" not in driver.current_url and time.monotonic() < deadline:
            time.sleep(0.2)
        titles = [cell.text for cell in driver.find_elements(By.CSS_SELECTOR, "td.col-title")]
        ARTIFACTS.mkdir(exist_ok=True)
        driver.execute_script("document.querySelector('h3, .search-row')?.scrollIntoView()")
        driver.save_screenshot(str(ARTIFACTS / "search-xiangxian.png"))
        assert sorted(titles) == expected
        assert (
            driver.find_element(By.CSS_SELECTOR, "input[name=_search]").get_attribute("value")
            == "乡贤"
        )
        assert 'search matches "乡贤"' in driver.page_source
    finally:
        driver.quit()
    assert (ARTIFACTS / "search-xiangxian.png").stat().st_size > 10_000


def test_what_changed_reads_in_a_browser(tmp_path: Path):
    """A changed text and a repost against its original, as a reader sees them (screenshots in
    test-artifacts/)."""
    from selenium.webdriver.common.by import By
    from test_feeds import INTRO, PARAGRAPHS, SITES, publish

    from crawler.archive import Archive

    db = tmp_path / "archive.db"
    body = "\n".join([INTRO, *PARAGRAPHS])
    with Archive(db) as archive:
        archive.db["sites"].insert_all(SITES)
        publish(archive, "http://jx.example/1.html", "jx", "南昌市统战工作综述", body, "2023-01-05")
        publish(archive, "http://hn.example/2.html", "hn", "南昌市统战工作综述",
                "编者按：转载时有删节。\n" + "\n".join([INTRO, *PARAGRAPHS[:-1]]), "2023-01-09")  # fmt: skip
        publish(archive, "http://jx.example/1.html", "jx", "南昌市统战工作综述",
                body.replace("举办活动3场", "举办活动13场"), "2023-01-05")  # fmt: skip
        version = archive.db.execute("SELECT max(rowid) FROM url_versions").fetchone()[0]
    with serving(db) as base:
        driver = chromium(tmp_path)
        try:
            ARTIFACTS.mkdir(exist_ok=True)
            driver.get(f"{base}/-/diff?version={version}")
            inserted = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".diff-body ins")]
            assert "1" in inserted, inserted  # 3场 → 13场: one character added
            driver.save_screenshot(str(ARTIFACTS / "diff-changed-text.png"))
            driver.get(f"{base}/-/diff?family=1")
            added = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".diff-body ins")]
            assert "编者按：转载时有删节。" in added
            left_out = driver.find_elements(By.CSS_SELECTOR, ".diff-body p.deleted")
            assert left_out and left_out[0].is_displayed()
            driver.save_screenshot(str(ARTIFACTS / "diff-repost.png"))
        finally:
            driver.quit()
    assert (ARTIFACTS / "diff-repost.png").stat().st_size > 10_000


# The pages a researcher opens, as screenshots for docs/screenshots/ (copied from test-artifacts/
# after a run): name, path, the first column, where its link leads.
PAGES = [
    ("index", "/", None, None),
    ("documents", "/archive/documents", "title", "/archive/documents/"),
    ("search", "/archive/documents?_search=统战", "title", "/archive/documents/"),
    ("ranked-search", "/archive/search?q=统战", "title", "/archive/documents/"),
    ("reposts", "/archive/reposts?id=", "title", "/archive/documents/"),
    ("families", "/archive/document_families", "title", "/archive/document_families/"),
    ("health", "/archive/site_health", "site", "/archive/sites/"),
    ("feeds", "/archive/documents_feed", "title", "/archive/documents/"),
    ("versions", "/archive/versions", "title", "/archive/documents/"),
]


def test_a_researcher_reads_each_page_in_chinese_on_its_first_screen(served: str, tmp_path: Path):
    """Each page of the archive in a 1280×900 window: Chinese headings, the title column first
    with its first row on the first screen and linked, no CREATE statement anywhere; the document
    page with its title, fields and sightings. Screenshots go to test-artifacts/."""
    from selenium.webdriver.common.by import By

    ARTIFACTS.mkdir(exist_ok=True)
    driver = chromium(tmp_path)
    try:
        for name, path, lead, target in PAGES:
            driver.get(served + path)
            source = driver.page_source
            assert "CREATE TABLE" not in source and "CREATE VIEW" not in source, name
            driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))
            if lead is None:
                items = driver.find_elements(
                    By.CSS_SELECTOR, "ul.archive-start li, ul.archive-records li"
                )
                assert len(items) >= 15
                for item in items:
                    assert " — " in item.text, item.text
                continue
            headings = driver.find_elements(By.CSS_SELECTOR, "table.rows-and-columns thead th")
            assert headings[0].text.split()[0] in ("标题", "网站"), (name, headings[0].text)
            assert headings[0].text.split()[-1] == lead, (name, headings[0].text)
            first = driver.find_element(By.CSS_SELECTOR, "table.rows-and-columns tbody tr td")
            assert first.location["y"] + first.size["height"] / 2 < 900, (
                f"{name}: below the first screen"
            )
            link = first.find_element(By.TAG_NAME, "a")
            assert target in link.get_attribute("href"), name
            if name == "documents":  # Datasette's facets, named in Chinese, after the rows
                facets = [
                    f.text for f in driver.find_elements(By.CSS_SELECTOR, ".facet-info-name strong")
                ]
                assert any(f.startswith("地区 region") for f in facets), facets
                facet = driver.find_element(By.CSS_SELECTOR, ".facet-results")
                assert facet.location["y"] > first.location["y"]
            if name == "search":
                marks = driver.find_elements(By.CSS_SELECTOR, "td.col-body mark")
                assert marks and {m.text for m in marks} == {"统战"}
        # a document: opened from the documents table as a reader would
        driver.get(served + "/archive/documents")
        reposted = [
            a
            for a in driver.find_elements(By.CSS_SELECTOR, "a.row-title")
            if "统一战线工作综述" in a.text
        ]
        reposted[0].click()
        heading = driver.find_element(By.TAG_NAME, "h1")
        assert heading.text and heading.location["y"] < 200
        labels = [dt.text for dt in driver.find_elements(By.CSS_SELECTOR, "dl.record-fields dt")]
        assert labels[:3] == ["发布日期 published", "地区 region", "网站 site"], labels
        seen = driver.find_elements(By.CSS_SELECTOR, "table.archive-sightings tbody tr")
        assert len(seen) == 2 and "首发" in seen[0].text and "首发" not in seen[1].text
        assert "北京时间" in driver.page_source
        driver.save_screenshot(str(ARTIFACTS / "document.png"))
    finally:
        driver.quit()
    assert all((ARTIFACTS / f"{name}.png").stat().st_size > 10_000 for name, *_ in PAGES)
