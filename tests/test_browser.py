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


@pytest.fixture
def served(crawled: Path):
    with serving(crawled) as url:
        yield url


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
