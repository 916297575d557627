"""A reader's say, through a real crawl, `crawler label`, `crawler reprocess`, a second crawl and
Datasette: a labelled text becomes, or stops being, a document; near-the-line texts wait in the
candidates view."""

from __future__ import annotations

import asyncio
from pathlib import Path

from conftest import FAST, rows, run_crawler
from datasette.app import Datasette

from crawler.datasette.serve import metadata_for


def _datasette_rows(db: Path, table: str) -> list[dict]:
    async def fetch():
        ds = Datasette([str(db)], metadata=metadata_for(str(db)))
        response = await ds.client.get(f"/{db.stem}/{table}.json?_shape=objects")
        assert response.status_code == 200, response.text
        return response.json()["rows"]

    return asyncio.run(fetch())


def test_a_label_turns_a_text_into_a_document_and_back_through_reprocess_and_crawl(
    crawled: Path, sites_file: Path
):
    news = rows(crawled, "SELECT url FROM pages WHERE kind = 'article' AND is_summary = 0")[0][
        "url"
    ]
    summary = rows(crawled, "SELECT url FROM pages WHERE is_summary = 1")[0]["url"]
    documents = len(rows(crawled, "SELECT id FROM documents"))
    assert all(
        r["score"] is not None
        for r in rows(crawled, "SELECT score FROM pages WHERE kind = 'article'")
    )

    said = run_crawler("label", news, "summary", "--who", "王编辑", "--db", str(crawled))
    assert said.returncode == 0, said.stderr
    assert "labelled summary by 王编辑" in said.stdout
    assert (
        run_crawler("label", summary, "not", "--who", "王编辑", "--db", str(crawled)).returncode
        == 0
    )
    assert run_crawler("label", news, "maybe", "--db", str(crawled)).returncode != 0

    result = run_crawler("reprocess", "--db", str(crawled), "--sites", str(sites_file))
    assert result.returncode == 0, result.stderr
    page = rows(crawled, "SELECT * FROM pages WHERE url = ?", (news,))[0]
    assert page["is_summary"] == 1 and page["reason"].startswith("labelled summary by 王编辑 at ")
    assert "the rules said: not a summary" in page["reason"]
    sighting = rows(crawled, "SELECT document_id FROM sightings WHERE url = ?", (news,))
    assert sighting and sighting[0]["document_id"]
    assert len(rows(crawled, "SELECT id FROM documents")) == documents + 1
    assert (
        rows(crawled, "SELECT is_summary FROM pages WHERE url = ?", (summary,))[0]["is_summary"]
        == 0
    )
    changes = {
        r["url"]: r["change"] for r in rows(crawled, "SELECT url, change FROM reprocess_changes")
    }
    assert changes == {news: "new summary", summary: "no longer a summary"}

    # the next crawl honours the labels too
    again = run_crawler("crawl", "--sites", str(sites_file), "--db", str(crawled), *FAST)
    assert again.returncode == 0, again.stderr
    assert (
        rows(crawled, "SELECT is_summary FROM pages WHERE url = ?", (news,))[0]["is_summary"] == 1
    )
    assert (
        rows(crawled, "SELECT is_summary FROM pages WHERE url = ?", (summary,))[0]["is_summary"]
        == 0
    )

    # Datasette shows the labels with who and when, and no labelled text among the candidates
    labels = {r["url"]: r for r in _datasette_rows(crawled, "labels")}
    assert (
        labels[news]["label"] == "summary"
        and labels[news]["who"] == "王编辑"
        and labels[news]["at"]
    )
    assert labels[summary]["label"] == "not"
    candidates = _datasette_rows(crawled, "candidates")
    near = rows(
        crawled, "SELECT url FROM pages WHERE near_line = 1 AND url NOT IN (SELECT url FROM labels)"
    )
    assert {c["url"] for c in candidates} == {r["url"] for r in near}
    assert all({"title", "site", "score", "why"} <= set(c) for c in candidates)
