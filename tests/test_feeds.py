"""Following the archive: Atom feeds of new summaries and of changed texts (datasette-atom over
the documents_feed and changed_texts_feed views), and the page that shows what changed."""

from __future__ import annotations

from pathlib import Path

import feedparser
from test_datasette import get

from crawler.archive import Archive, DocumentRecord, PageRecord
from crawler.datasette.diff import diff_html
from crawler.fingerprint import content_hash

SITES = [
    {"id": "jx", "name": "江西统战", "region": "江西省南昌市"},
    {"id": "hn", "name": "湖南统战", "region": "湖南省长沙市"},
]
INTRO = "2022年，全市统一战线坚持围绕中心、服务大局，各项工作取得新成效。"
PARAGRAPHS = [f"第{n}项工作扎实推进，举办活动{n}场，服务群众{n * 100}人次。" for n in range(1, 7)]


def publish(archive: Archive, url: str, site: str, title: str, body: str, published: str) -> None:
    region = next(s["region"] for s in SITES if s["id"] == site)
    document = DocumentRecord(content_hash(body), title, body, published, 2022, "来源", site,
                              region, url, "综述")  # fmt: skip
    page = PageRecord(url, site, "article", 200, True, "summary", document.content_hash, title)
    archive.record_page(None, page, document)


def feed(db: Path, path: str):
    response = get(db, path)
    assert response.status_code == 200, response.text[:500]
    # a reader resolves the entries' relative links against the feed's own address
    parsed = feedparser.parse(
        response.content,
        response_headers={
            "content-location": f"http://archive.test{path}",
            "content-type": response.headers["content-type"],
        },
    )
    assert not parsed.bozo, parsed.bozo_exception
    return parsed


def test_feeds_hold_exactly_the_new_summaries_and_changed_texts(tmp_path: Path):
    db = tmp_path / "archive.db"
    body = "\n".join([INTRO, *PARAGRAPHS])
    with Archive(db) as archive:
        archive.db["sites"].insert_all(SITES)
        publish(archive, "http://jx.example/1.html", "jx", "南昌市统战工作综述", body, "2023-01-05")
    first = feed(db, "/archive/documents_feed.atom")
    assert [e.title for e in first.entries] == ["南昌市统战工作综述"]
    entry_id = first.entries[0].id
    assert entry_id.startswith("tag:summary-archive,2026:document/")
    assert first.entries[0].link.endswith("/archive/documents/1")
    # a new day: a new summary elsewhere, and the first text edited at its URL
    edited = body.replace("举办活动3场", "举办活动13场").replace(PARAGRAPHS[5], "")
    with Archive(db) as archive:
        publish(archive, "http://hn.example/9.html", "hn", "长沙市乡贤工作<回眸>",
                INTRO + "\n乡贤理事会新建12个。\n" + "\n".join(PARAGRAPHS), "2023-01-20")  # fmt: skip
        publish(
            archive, "http://jx.example/1.html", "jx", "南昌市统战工作综述", edited, "2023-01-05"
        )
    now = feed(db, "/archive/documents_feed.atom")
    # the edit is not a new entry: the summary keeps its entry, now with its current text
    assert len(now.entries) == 2 and entry_id in {e.id for e in now.entries}, "ids are stable"
    edited_entry = next(e for e in now.entries if e.id == entry_id)
    assert edited_entry.link.endswith("/archive/documents/3") and "13场" in edited_entry.summary
    assert "长沙市乡贤工作<回眸>" in {e.title for e in now.entries}, "titles are escaped, not lost"
    only = feed(db, "/archive/documents_feed.atom?region__startswith=湖南省")
    assert [e.title for e in only.entries] == ["长沙市乡贤工作<回眸>"]
    searched = feed(db, "/archive/documents_feed.atom?_search=乡贤")
    assert [e.title for e in searched.entries] == ["长沙市乡贤工作<回眸>"]
    changed = feed(db, "/archive/changed_texts_feed.atom")
    assert len(changed.entries) == 1 and changed.entries[0].title.startswith("改动")
    link = changed.entries[0].link
    assert "/-/diff?version=" in link
    page = get(db, link[link.index("/-/diff") :]).text
    assert "<del>" in page and "<ins>1</ins>3场" in page.replace("<ins>13</ins>", "<ins>1</ins>3")
    assert "未改动" in page, "unchanged paragraphs folded"
    assert "北京时间 → " in page and "Z → " not in page, "when, in China time"
    document = get(db, "/archive/documents/1").text
    assert "/-/diff?url=http%3A%2F%2Fjx.example%2F1.html" in document, "linked from the document"
    every = get(db, "/-/diff?url=http%3A%2F%2Fjx.example%2F1.html").text
    assert every.count('class="diff"') == 1 and "<ins>1</ins>" in every


def test_a_family_page_shows_what_a_repost_added_or_left_out(tmp_path: Path):
    db = tmp_path / "archive.db"
    body = "\n".join([INTRO, *PARAGRAPHS])
    repost = "编者按：转载时有删节。\n" + "\n".join([INTRO, *PARAGRAPHS[:-1]])
    with Archive(db) as archive:
        archive.db["sites"].insert_all(SITES)
        publish(archive, "http://jx.example/1.html", "jx", "统战工作综述", body, "2023-01-05")
        publish(archive, "http://hn.example/2.html", "hn", "统战工作综述", repost, "2023-01-09")
        family = archive.db.execute("SELECT family_id FROM documents WHERE id = 2").fetchone()[0]
    assert family == archive_family(db, 1), "the repost joined the original's family"
    page = get(db, f"/-/diff?family={family}").text
    assert "<ins>编者按：转载时有删节。</ins>" in page
    assert f"<del>{PARAGRAPHS[-1]}</del>" in page
    document = get(db, "/archive/documents/1").text
    assert f"/-/diff?family={family}" in document


def archive_family(db: Path, doc_id: int) -> int:
    with Archive(db) as archive:
        return archive.db.execute("SELECT family_id FROM documents WHERE id = ?", [doc_id]).fetchone()[0]  # fmt: skip


def test_chinese_texts_differ_by_character():
    html = str(diff_html("今年举办活动12场。\n同上。", "今年举办培训12期。\n同上。"))
    assert "<del>活动</del><ins>培训</ins>12<del>场</del><ins>期</ins>" in html
    assert "<p>同上。</p>" in html
    assert "&lt;" in str(diff_html("<b>", "<i>")), "texts are escaped"


def test_a_feed_nothing_matches_yet_is_an_empty_feed_named_in_words(tmp_path: Path):
    """A reader subscribed before the first match gets a valid empty feed, named by the view's
    title and its filter, never an error or the SQL behind it."""
    db = tmp_path / "archive.db"
    with Archive(db) as archive:
        archive.db["sites"].insert_all(SITES)
        publish(archive, "http://hn.example/1.html", "hn", "长沙市统战工作综述",
                "\n".join([INTRO, *PARAGRAPHS]), "2023-01-05")  # fmt: skip
    empty = feed(db, "/archive/documents_feed.atom?region__startswith=江西省")
    assert empty.entries == []
    assert empty.feed.title.startswith(
        "订阅新综述 · Feed of new summaries — where region starts with"
    )
    assert "江西省" in empty.feed.title and "select" not in empty.feed.title.lower()
    assert feed(db, "/archive/changed_texts_feed.atom").entries == [], "no text changed yet"
    full = feed(db, "/archive/documents_feed.atom")
    assert (
        full.feed.title == "订阅新综述 · Feed of new summaries · 地方工作综述档案 · summary-archive"
    )
    assert [e.title for e in full.entries] == ["长沙市统战工作综述"]
