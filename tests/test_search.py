"""Chinese full-text search: every document containing the query is found, for words of any
length, through Datasette's own search box and the ranked `search` query."""

from __future__ import annotations

import asyncio
import sqlite3
import unicodedata
from pathlib import Path

import pytest
from datasette.app import Datasette

from crawler.archive import Archive, DocumentRecord, PageRecord
from crawler.datasette.serve import metadata_for
from crawler.demo.sites import build_sample_web, load_articles
from crawler.fingerprint import content_hash
from crawler.search import fts_query, passage

EXTRA = [
    (
        "G20峰会期间的统战工作",
        "2016年G20峰会期间，全市统一战线积极参与服务保障。统一，一战到底的决心。",
    ),
    ("侨务", "侨"),
    ("全角标点的综述", "２０２２年，全市统一战线（含新的社会阶层人士）取得新成效。"),
]


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("search") / "archive.db"
    web = build_sample_web()
    texts = {
        (a.title, a.body.strip())
        for site in web.sites.values()
        for _c, items in site.columns.values()
        for a in items
    }
    texts |= {(a.title, a.body.strip()) for a in load_articles().values()} | set(EXTRA)
    with Archive(db) as archive:
        archive.db["sites"].insert({"id": "s", "name": "S", "region": "R"})
        for number, (title, body) in enumerate(sorted(texts)):
            url = f"http://example.cn/{number}.html"
            doc = DocumentRecord(
                content_hash(title + body), title, body, "2023-01-01", 2022, None, "s", "R", url
            )
            archive.record_page(
                None, PageRecord(url, "s", "article", 200, True, "r", doc.content_hash), doc
            )
    return db


def truth(db: Path, query: str) -> set[int]:
    """Brute force: documents whose title or body contains every word of the query."""
    conn = sqlite3.connect(db)
    found = set()
    for doc_id, title, body in conn.execute("SELECT id, title, body FROM documents"):
        text = unicodedata.normalize("NFKC", f"{title}\n{body}").lower()
        if all(unicodedata.normalize("NFKC", word).lower() in text for word in query.split()):
            found.add(doc_id)
    conn.close()
    return found


def datasette_get(db: Path, path: str):
    async def fetch():
        return await Datasette([str(db)], metadata=metadata_for(db)).client.get(path)

    return asyncio.run(fetch())


QUERIES = [
    "侨", "贤", "年",  # one character
    "统战", "乡贤", "侨务", "宗教", "成效",  # two: the words trigram cannot find
    "统战部", "新乡贤", "二十大",  # three
    "统一战线", "民族团结", "同心助企",  # four
    "全市统一战线坚持以习近平新时代中国特色社会主义思想为指导",  # a whole clause
    "G20峰会", "g20", "2022年",  # mixed Chinese and ASCII; case and width folded
    "乡贤 理事会", "统战 侨务 民族",  # several words: all must occur
    "统一战", "战线统一", "不存在的词语",  # substrings only, nothing across punctuation
]  # fmt: skip


@pytest.mark.parametrize("query", QUERIES)
def test_table_search_box_finds_exactly_the_documents_containing_the_query(
    archive: Path, query: str
):
    expected = truth(archive, query)
    response = datasette_get(
        archive, f"/archive/documents.json?_search={query}&_shape=objects&_col=id&_size=max"
    )
    assert response.status_code == 200
    assert {row["id"] for row in response.json()["rows"]} == expected
    if query in ("统战", "乡贤", "侨务", "统一战线"):
        assert expected, "the fixture must hold the word"


def test_across_punctuation_is_no_match(archive: Path):
    # the text has 统一，一战 but not 统一战
    assert truth(archive, "统一战") == {
        row["id"]
        for row in datasette_get(
            archive, "/archive/documents.json?_search=统一战&_shape=objects&_col=id"
        ).json()["rows"]
    }
    assert fts_query("统一战") == '"统一 一战"'


def test_ranked_search_query_shows_the_matching_passage(archive: Path):
    rows = datasette_get(archive, "/archive/search.json?q=乡贤&_shape=objects").json()["rows"]
    assert {row["id"] for row in rows} == truth(archive, "乡贤")
    assert all("【乡贤】" in row["passage"] for row in rows if "乡贤" in (row["passage"] or ""))
    assert any("【乡贤】" in row["passage"] for row in rows)
    # ranked by relevance: the text that is most about 乡贤 comes first
    conn = sqlite3.connect(archive)
    counts = {
        doc_id: body.count("乡贤") / len(body)
        for doc_id, body in conn.execute("SELECT id, body FROM documents")
    }
    assert rows[0]["id"] == max((r["id"] for r in rows), key=lambda i: counts[i])


def test_the_sqlite_pitfalls_this_replaces(tmp_path: Path):
    """On SQLite 3.40, a trigram FTS index finds nothing for 2-character words, and LIKE against a
    trigram FTS table finds nothing either: the reasons for the bigram index."""
    conn = sqlite3.connect(tmp_path / "t.db")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(body, tokenize='trigram')")
    conn.execute("INSERT INTO t VALUES ('全市统战工作取得新成效')")
    assert conn.execute("SELECT COUNT(*) FROM t WHERE t MATCH '统战工'").fetchone()[0] == 1
    assert conn.execute("SELECT COUNT(*) FROM t WHERE t MATCH '统战'").fetchone()[0] == 0
    if sqlite3.sqlite_version_info < (3, 42):
        assert conn.execute("SELECT COUNT(*) FROM t WHERE body LIKE '%统战%'").fetchone()[0] == 0


def test_index_is_written_with_the_document_and_migrated_into_old_archives(tmp_path: Path):
    import sqlite_utils

    from crawler.archive import migrations

    db = tmp_path / "old.db"
    old = sqlite_utils.Database(db)
    migrations.apply(old, stop_before="m004_search")
    old.execute("INSERT INTO sites (id, name) VALUES ('s', 'S')")
    old.execute(
        "INSERT INTO documents (content_hash, title, body, site, url, first_seen, last_seen) VALUES ('h', '旧档案', '新乡贤统战工作', 's', 'u', 'x', 'x')"
    )
    old.conn.commit()
    old.close()
    with Archive(db) as archive:  # opening migrates and indexes what is there
        found = archive.db.execute(
            "SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?", [fts_query("乡贤")]
        ).fetchall()
        assert found == [(1,)]


def test_passage_marks_the_word():
    assert (
        passage("一年来，全市统一战线坚持守正创新。", "统一战线")
        == "一年来，全市【统一战线】坚持守正创新。"
    )
    assert passage("ＡＢＣ统战", "abc").startswith("【abc】")
    assert passage(None, "x") is None
