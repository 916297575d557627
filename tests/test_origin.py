"""A document stands for its earliest publication, whichever copy the crawl reached first."""

from __future__ import annotations

import urllib.request
from pathlib import Path

from conftest import FAST, rows, run_crawler

from crawler.extract import extract, read_page
from crawler.search import fts_query


def crawl(sites_file: Path, db: Path, *site_ids: str) -> None:
    result = run_crawler("crawl", "--sites", str(sites_file), "--db", str(db), *FAST, *site_ids)
    assert result.returncode == 0, result.stderr


def test_a_repost_found_first_gives_way_to_the_earlier_original(
    tmp_path: Path, sample_web, sites_file: Path
):
    db = tmp_path / "archive.db"
    crawl(sites_file, db, "qingshan-tz")  # the county site's repost of 2023-02-20 first
    before = {d["content_hash"]: d for d in rows(db, "SELECT * FROM documents")}
    crawl(sites_file, db, "linjiang-news")  # then the city paper's original of 2023-02-16
    documents = rows(db, "SELECT * FROM documents")
    for document in documents:
        sightings = rows(
            db, "SELECT * FROM sightings WHERE document_id = ? AND published IS NOT NULL",
            (document["id"],),
        )  # fmt: skip
        first = min(sightings, key=lambda s: (s["published"], s["first_seen"], s["id"]))
        assert (document["url"], document["site"], document["published"], document["title"]) == (
            first["url"], first["site"], first["published"], first["title"],
        )  # fmt: skip
    moved = [d for d in documents if d["content_hash"] in before and before[d["content_hash"]]["url"] != d["url"]]  # fmt: skip
    assert len(moved) == 1, "the summary reposted by the county site"
    original = moved[0]
    assert original["site"] == "linjiang-news" and original["region"].startswith("临江市")
    assert original["region"] != before[original["content_hash"]]["region"]
    # its text is the original's as the page reads, punctuation widths and all
    with urllib.request.urlopen(original["url"]) as answer:
        page = read_page(answer.read(), answer.headers.get("Content-Type"), None)
    assert original["body"] == extract(page, original["url"]).body
    # and the search finds it by the original's words
    found = rows(
        db, "SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?",
        (fts_query(original["title"][:8]),),
    )  # fmt: skip
    assert {"rowid": original["id"]} in found
    # reading the stored responses again keeps it so
    assert run_crawler("reprocess", "--db", str(db), "--sites", str(sites_file)).returncode == 0
    assert rows(db, "SELECT * FROM documents") == documents
