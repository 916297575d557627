"""The archive in Datasette: metadata, ordering, facets, readable and escaped bodies."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from datasette.app import Datasette

from crawler.archive import Archive, DocumentRecord, PageRecord
from crawler.datasette.serve import metadata_for
from crawler.fingerprint import content_hash


def get(db: Path, path: str):
    async def fetch():
        datasette = Datasette([str(db)], metadata=metadata_for(db))
        return await datasette.client.get(path)

    return asyncio.run(fetch())


def test_documents_newest_first_with_facets(crawled: Path):
    response = get(crawled, "/archive/documents.json?_shape=objects")
    assert response.status_code == 200
    data = response.json()
    published = [row["published"] for row in data["rows"]]
    assert published == sorted(published, reverse=True)
    assert {"region", "site", "year", "source"} <= set(data["facet_results"])
    years = {item["value"]: item["count"] for item in data["facet_results"]["year"]["results"]}
    assert years == {2022: 4}


def test_tables_have_titles_and_descriptions(crawled: Path):
    page = get(crawled, "/archive/documents").text
    assert "工作综述 · Documents" in page
    assert "One row per distinct work summary" in page
    home = get(crawled, "/").text
    assert "地方工作综述档案" in home


def test_document_page_shows_paragraphs_and_the_site_label(crawled: Path):
    document = get(crawled, "/archive/documents.json?_shape=objects&_sort=id").json()["rows"][0]
    page = get(crawled, f"/archive/documents/{document['id']}").text
    assert '<div class="archive-body"><p>' in page
    first_paragraph = document["body"].splitlines()[0]
    assert f"<p>{first_paragraph}</p>" in page.replace("&#34;", '"').replace("&#39;", "'")
    site = get(crawled, "/archive/sites.json?_shape=objects").json()["rows"]
    assert {s["name"] for s in site} == {"临江新闻网", "青山统战网", "云溪区人民政府"}


def test_crawled_html_is_never_rendered_unescaped(tmp_path: Path):
    db = tmp_path / "archive.db"
    body = "第一段<script>alert('x')</script>\n第二段<img src=x onerror=alert(1)>"
    with Archive(db) as archive:
        archive.db["sites"].insert({"id": "evil", "name": "<b>evil</b>", "region": "R"})
        document = DocumentRecord(
            content_hash(body),
            "<i>标题</i>",
            body,
            "2023-01-01",
            2022,
            "src",
            "evil",
            "R",
            "http://x/1",
        )
        archive.record_page(
            None,
            PageRecord("http://x/1", "evil", "article", 200, True, "r", document.content_hash),
            document,
        )
    for path in ("/archive/documents/1", "/archive/documents", "/archive/sites"):
        page = get(db, path).text
        assert (
            "<script>alert" not in page
            and "<img src=x" not in page
            and "<i>标题</i>" not in page
            and "<b>evil</b>" not in page
        )
    assert "&lt;script&gt;" in get(db, "/archive/documents/1").text


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_crawler_serve_runs_datasette_on_loopback_and_sigterm_stops_everything(
    crawled: Path, tmp_path: Path
):
    port = free_port()
    temp = tmp_path / "temp"
    temp.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler", "serve", "--db", str(crawled), "--port", str(port)],
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, TMPDIR=str(temp)),
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/archive/documents.json?_shape=array", timeout=5
                ) as response:
                    documents = json.load(response)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.3)
        assert len(documents) == 4
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/-/settings.json", timeout=5
        ) as response:
            settings = json.load(response)
        assert settings["sql_time_limit_ms"] == 3000
        listening = (
            subprocess.run(["ss", "-ltn"], capture_output=True, text=True).stdout
            if Path("/usr/bin/ss").exists() or Path("/bin/ss").exists()
            else ""
        )
        if listening:
            assert f"127.0.0.1:{port}" in listening and f"0.0.0.0:{port}" not in listening
        datasette = children(process.pid)
        assert datasette and list(temp.iterdir()), "Datasette runs with its temporary folder"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in datasette) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(pid) for pid in datasette), "Datasette outlived `crawler serve`"
        assert list(temp.iterdir()) == [], "the temporary folder was left behind"
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_charts_page_draws_summaries_and_runs_and_escapes_labels(crawled: Path):
    page = get(crawled, "/-/charts")
    assert page.status_code == 200
    assert page.text.count('class="archive-chart"') == 2
    assert "临江市云溪区 · 2022: 2" in page.text  # a bar's tooltip: region, year, count
    assert "ok · " in page.text  # crawl runs by status
    import sqlite3

    conn = sqlite3.connect(crawled)
    conn.execute("UPDATE documents SET region = '<script>alert(1)</script>' WHERE id = 1")
    conn.commit()
    conn.close()
    page = get(crawled, "/-/charts").text
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def test_canned_queries(crawled: Path):
    latest = get(crawled, "/archive/latest_summaries.json?_shape=objects").json()["rows"]
    assert [r["published"] for r in latest] == sorted(
        (r["published"] for r in latest), reverse=True
    )
    by_region = get(crawled, "/archive/summaries_by_region_and_year.json?_shape=objects").json()[
        "rows"
    ]
    assert sum(r["summaries"] for r in by_region) == 4
    reposts = get(crawled, "/archive/reposts.json?id=&_shape=objects").json()["rows"]
    assert (
        len(reposts) == 2
        and reposts[0]["site"] == "临江新闻网"
        and reposts[0]["published"] < reposts[1]["published"]
    )
    health = get(crawled, "/archive/site_health.json?_shape=objects").json()["rows"]
    assert {r["site"] for r in health} == {"linjiang-news", "qingshan-tz", "yunxi-gov"}


def test_no_writable_canned_queries_and_sql_can_be_turned_off(crawled: Path, tmp_path: Path):
    metadata = metadata_for(crawled)
    assert not any(q.get("write") for q in metadata["databases"]["archive"]["queries"].values())
    from crawler.datasette.serve import datasette_command

    command = datasette_command(crawled, "127.0.0.1", 8001, tmp_path / "m.json", allow_sql=False)
    assert command[command.index("default_allow_sql") + 1] == "off"

    async def fetch():
        datasette = Datasette(
            [str(crawled)], metadata=metadata, settings={"default_allow_sql": False}
        )
        return await datasette.client.get("/archive.json?sql=select+1"), await datasette.client.get(
            "/archive/latest_summaries.json"
        )

    arbitrary, canned = asyncio.run(fetch())
    assert arbitrary.status_code == 403 and canned.status_code == 200


def test_datasette_reads_while_a_crawl_writes(crawled: Path, sites_file: Path):
    """No 'database is locked' for readers or the writer: Datasette queries the archive
    continuously while a crawl rewrites every page of it."""
    import threading

    from conftest import FAST, run_crawler

    stop, reading = threading.Event(), threading.Event()
    statuses: list[int] = []
    answered: list[float] = []  # when each read came back

    async def read_continuously():
        datasette = Datasette([str(crawled)], metadata=metadata_for(crawled))
        paths = [
            "/archive/documents.json?_search=统战",
            "/archive/pages.json?_sort_desc=last_fetched",
            "/archive/crawl_runs.json",
            "/archive/site_health.json",
        ]
        while not stop.is_set():
            for path in paths:
                statuses.append((await datasette.client.get(path)).status_code)
                answered.append(time.monotonic())
                reading.set()

    reader = threading.Thread(target=lambda: asyncio.run(read_continuously()))
    reader.start()
    try:
        assert reading.wait(60), "Datasette answers before the crawl starts"
        # a crawl of a few seconds (each site's requests 0.25 s apart), every page written again
        began = time.monotonic()
        result = run_crawler("crawl", "--sites", str(sites_file), "--db", str(crawled), *FAST,
                             "-s", "DOWNLOAD_DELAY=0.25", "--refresh")  # fmt: skip
        ended = time.monotonic()
    finally:
        stop.set()
        reader.join(timeout=60)
    assert result.returncode == 0, result.stderr
    assert "locked" not in result.stderr
    assert set(statuses) == {200}, set(statuses)
    # the reads went on all through the crawl: never kept waiting for the writer
    during = [began, *[at for at in answered if began < at < ended], ended]
    gaps = [later - earlier for earlier, later in zip(during, during[1:], strict=False)]
    assert len(during) - 2 >= 5 and max(gaps) < 5, (len(during) - 2, max(gaps), ended - began)
    assert (
        get(crawled, "/archive/crawl_runs.json?_shape=objects").json()["rows"][-1]["status"] == "ok"
    )


def test_search_all_page_searches_the_archive_in_chinese(crawled: Path):
    page = get(crawled, "/-/search?q=乡贤")
    assert page.status_code == 200
    assert (
        '"table": "documents"' in page.text
    )  # the page lists the archive's documents as searchable
    # the page fetches each searchable table's JSON with ?_search=, which the plugin segments
    data = get(crawled, "/archive/documents.json?_labels=on&_size=5&_search=乡贤").json()
    assert data["filtered_table_rows_count"] == 2


def test_the_archive_stylesheet_is_a_static_file_every_page_links(crawled: Path):
    page = get(crawled, "/archive/documents").text
    href = "/-/static-plugins/summary-archive/summary-archive.css"
    assert href in page
    css = get(crawled, href)
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]
    assert ".health-bad {" in css.text and "dl.record-fields {" in css.text


def test_charts_follow_the_databases_permissions(crawled: Path):
    async def fetch():
        metadata = metadata_for(crawled)
        metadata["databases"]["archive"]["allow"] = {"id": "editor"}
        datasette = Datasette([str(crawled)], metadata=metadata)
        anonymous = await datasette.client.get("/-/charts")
        cookies = {"ds_actor": datasette.sign({"a": {"id": "editor"}}, "actor")}
        editor = await datasette.client.get("/-/charts", cookies=cookies)
        return anonymous, editor

    anonymous, editor = asyncio.run(fetch())
    assert anonymous.status_code == 403 and "archive-chart" not in anonymous.text
    assert editor.status_code == 200 and editor.text.count('class="archive-chart"') == 2


def test_the_first_screens_show_a_researcher_the_archive_not_its_machinery(crawled: Path):
    home = get(crawled, "/").text
    start = home[home.index('class="archive-start"') :]
    assert start.index("/archive/documents") < start.index("/archive/sightings")
    assert "/archive/document_families" in start and "/-/charts" in start
    assert "/archive/search" in start
    assert "_sqlite_migrations" not in home and "shingle_counts" not in home
    # the documents table: column descriptions fold under one line, the rows come first
    table = get(crawled, "/archive/documents").text
    assert "column-descriptions-fold" in table and "What each column means" in table
    # a document page: its site by name, its family linked to the family's members
    document = get(crawled, "/archive/documents.json?_shape=objects&_sort=id").json()["rows"][0]
    page = get(crawled, f"/archive/documents/{document['id']}").text
    names = {s["id"]: s["name"] for s in get(crawled, "/archive/sites.json?_shape=objects").json()["rows"]}  # fmt: skip
    assert f'/archive/sites/{document["site"]}">{names[document["site"]]}</a>' in page
    assert f'/archive/documents?family_id={document["family_id"]}">家族 Family' in page
    assert "1 texts" not in page and "个文本" in page
    # reposts: the first publication said in words, the SQL out of the way
    reposts = get(crawled, "/archive/reposts?id=").text
    assert "首发 · first" in reposts
    assert ">show</a>)" in reposts, "the SQL is folded"
    rows = get(crawled, "/archive/reposts.json?id=&_shape=objects").json()["rows"]
    assert {row["first_publication"] for row in rows} <= {"首发 · first", ""}


def headings(page: str) -> list[str]:
    """The data-column of each heading of a page's table of rows, in order."""
    import re

    table = page[page.index('class="rows-and-columns archive-rows"') :]
    return re.findall(r'<th [^>]*data-column="([^"]+)"', table[: table.index("</thead>")])


def test_the_pages_a_researcher_opens_read_in_chinese_title_first(crawled: Path):
    """Documents, search, a document, families, health and feeds: Chinese headings, the title
    first and linked, the body as a marked snippet, sightings listed, times in China time, rows
    named by numbers linked, no CREATE statement; Datasette's JSON, CSV and facets unchanged."""
    import re

    documents = get(crawled, "/archive/documents").text
    columns = headings(documents)
    assert columns[0] == "title" and "content_hash" not in columns and "id" not in columns
    assert columns[:4] == ["title", "published", "region", "site"]
    assert '标题 <span class="column-name">title</span>' in documents
    assert "发布日期 <span" in documents and "地区 <span" in documents
    ids = [r["id"] for r in get(crawled, "/archive/documents.json?_shape=objects").json()["rows"]]
    for document_id in ids:
        assert f'class="row-title" href="/archive/documents/{document_id}"' in documents
    assert "CREATE TABLE" not in documents and "View and edit SQL" in documents
    data = get(crawled, "/archive/documents.json?_facet=region").json()
    assert "content_hash" in data["columns"] and data["facet_results"]["region"]["results"]
    csv = get(crawled, "/archive/documents.csv")
    assert csv.status_code == 200 and "content_hash" in csv.text.splitlines()[0]
    # search: the passage around the word, the word marked
    searched = get(crawled, "/archive/documents?_search=统战").text
    snippets = re.findall(r'<span class="body-snippet">(.*?)</span>', searched, re.S)
    assert snippets and all("<mark>统战</mark>" in s for s in snippets)
    assert all(len(re.sub(r"<[^>]+>", "", s)) < 140 for s in snippets), "a snippet, not the body"
    # a document: its title as the heading, each place it was seen, the first marked
    family = get(crawled, "/archive/reposts.json?id=&_shape=objects").json()["rows"]
    reposted = family[0]["document"]
    page = get(crawled, f"/archive/documents/{reposted}").text
    title = family[0]["title"]
    assert f"<h1>{title}</h1>" in page and f"documents: {reposted}" not in page
    sightings = page[page.index("archive-sightings") :]
    assert sightings.count("<tr") == 1 + 2 and sightings.count("首发 · first published") == 1
    assert "临江新闻网</a>" in sightings and "青山统战网</a>" in sightings
    assert "北京时间" in page and not re.search(r">\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ<", page)
    assert "document_shingles" not in page
    # the ranked search: titles link to their documents
    ranked = get(crawled, "/archive/search?q=统战").text
    for row in get(crawled, "/archive/search.json?q=统战&_shape=objects").json()["rows"]:
        assert f'<a href="/archive/documents/{row["id"]}">{row["title"]}</a>' in ranked
    # reposts and families: numbers that name rows are links, a site by its name
    reposts = get(crawled, "/archive/reposts?id=").text
    assert f'href="/archive/documents/{reposted}">文档 {reposted}</a>' in reposts
    assert f'href="/archive/documents?family_id={family[0]["family"]}">家族' in reposts
    families = get(crawled, "/archive/document_families").text
    assert headings(families)[0] == "title" and "CREATE TABLE" not in families
    assert '/archive/sites/linjiang-news">临江新闻网</a>' in families
    assert re.search(r'/archive/documents\?family_id=\d+">1 个文本</a>', families)
    # site health: one page by one name, its verdict in Chinese first
    health = get(crawled, "/archive/site_health").text
    assert "CREATE VIEW" not in health and "View and edit SQL" in health
    assert '<span class="health-ok">正常</span>' in health
    assert headings(health)[:2] == ["site", "health"]
    assert get(crawled, "/archive/crawl_health").status_code == 404
    # the feeds view: the title first and linked, the feed's machinery left to the feed
    feed_page = get(crawled, "/archive/documents_feed").text
    feed_columns = headings(feed_page)
    assert feed_columns[0] == "title" and not any(c.startswith("atom_") for c in feed_columns)
    assert "CREATE VIEW" not in feed_page
    for document_id in ids:
        assert f'href="/archive/documents/{document_id}">' in feed_page
    assert "atom_id" in get(crawled, "/archive/documents_feed.json").json()["columns"]

    # the index: every link says what it holds
    home = get(crawled, "/").text
    lists = re.findall(r'<ul class="archive-(?:start|records)">(.*?)</ul>', home, re.S)
    items = [item for block in lists for item in re.findall(r"<li>(.*?)</li>", block, re.S)]
    assert len(items) >= 15
    for item in items:
        link, _, note = item.partition("</a> — ")
        assert note.strip(), f"no description: {item}"
        assert re.search(r"[\u4e00-\u9fff]", note), f"no Chinese: {item}"
    assert '/archive/site_health">站点健康 · Site health' in home and "crawl_health" not in home
    one = get(crawled, "/-/diff?family=1")  # every family of the sample web has one text
    assert one.status_code == 200 and "这个家族只有一个文本，无可比较" in one.text
