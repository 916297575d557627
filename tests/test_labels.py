"""A reader's say, through a real crawl, `crawler label`, `crawler reprocess`, a second crawl and
Datasette: a labelled text becomes, or stops being, a document; near-the-line texts wait in the
candidates view."""

from __future__ import annotations

import asyncio
from pathlib import Path

from click.testing import CliRunner
from conftest import FAST, rows, run_crawler
from datasette.app import Datasette

from crawler.archive.labels import labelled_texts
from crawler.cli import cli
from crawler.datasette.serve import metadata_for


def _label(*args: str):
    return CliRunner().invoke(cli, ["label", *args])


def _datasette_rows(db: Path, table: str) -> list[dict]:
    async def fetch():
        ds = Datasette([str(db)], metadata=metadata_for(str(db)))
        response = await ds.client.get(f"/{db.stem}/{table}.json?_shape=objects")
        assert response.status_code == 200, response.text
        return response.json()["rows"]

    return asyncio.run(fetch())


def test_a_reader_settles_candidates_through_label_reprocess_crawl_and_datasette(
    tmp_path: Path, sample_web
):
    # a wider margin than the default, so that the sample web has a text near the line
    sites = tmp_path / "sites.toml"
    sites.write_text("[classify]\nmargin = 4\n\n" + sample_web.sites_toml(), encoding="utf-8")
    db = tmp_path / "archive.db"
    crawl = run_crawler("crawl", "--sites", str(sites), "--db", str(db), *FAST)
    assert crawl.returncode == 0, crawl.stderr
    articles = rows(db, "SELECT * FROM pages WHERE kind = 'article'")
    assert all(page["score"] is not None for page in articles)
    near = {page["url"] for page in articles if page["near_line"]}
    candidates = _datasette_rows(db, "candidates")
    assert candidates and {c["url"] for c in candidates} == near
    assert all({"title", "site", "score", "why"} <= set(c) for c in candidates)
    assert all("near the line" in c["why"] for c in candidates)
    candidate = next(c for c in candidates if c["is_summary"])  # taken, but only just
    news = next(p for p in articles if not p["is_summary"] and p["url"] not in near)["url"]
    documents = len(rows(db, "SELECT id FROM documents"))

    said = run_crawler("label", news, "summary", "--who", "王编辑", "--db", str(db))
    assert said.returncode == 0, said.stderr
    assert "labelled summary by 王编辑" in said.stdout
    assert (
        run_crawler("label", candidate["url"], "not", "--who", "李", "--db", str(db)).returncode
        == 0
    )
    assert run_crawler("label", news, "maybe", "--db", str(db)).returncode != 0

    result = run_crawler("reprocess", "--db", str(db), "--sites", str(sites))
    assert result.returncode == 0, result.stderr
    page = rows(db, "SELECT * FROM pages WHERE url = ?", (news,))[0]
    assert page["is_summary"] == 1 and page["reason"].startswith("labelled summary by 王编辑 at ")
    assert "the rules said: not a summary" in page["reason"]
    sighting = rows(db, "SELECT document_id FROM sightings WHERE url = ?", (news,))
    assert sighting and sighting[0]["document_id"]
    assert len(rows(db, "SELECT id FROM documents")) == documents + 1
    assert rows(db, "SELECT is_summary FROM pages WHERE url = ?", (candidate["url"],)) == [
        {"is_summary": 0}
    ]
    changes = {r["url"]: r["change"] for r in rows(db, "SELECT url, change FROM reprocess_changes")}
    assert changes == {news: "new summary", candidate["url"]: "no longer a summary"}

    # the next crawl honours the labels too
    again = run_crawler("crawl", "--sites", str(sites), "--db", str(db), *FAST)
    assert again.returncode == 0, again.stderr
    assert rows(db, "SELECT is_summary FROM pages WHERE url = ?", (news,)) == [{"is_summary": 1}]
    assert rows(db, "SELECT is_summary FROM pages WHERE url = ?", (candidate["url"],)) == [
        {"is_summary": 0}
    ]

    # Datasette shows the labels with who and when; a settled text is no longer a candidate
    labels = {r["url"]: r for r in _datasette_rows(db, "labels")}
    assert (labels[news]["label"], labels[news]["who"]) == ("summary", "王编辑") and labels[news][
        "at"
    ]
    assert (labels[candidate["url"]]["label"], labels[candidate["url"]]["who"]) == ("not", "李")
    assert candidate["url"] not in {c["url"] for c in _datasette_rows(db, "candidates")}

    # and the labels feed the benchmark: the labelled texts the archive holds, with their labels
    texts = {item["id"]: item for item in labelled_texts(db)}
    assert texts[news]["label"] == "summary" and texts[news]["text"]
    assert texts[candidate["url"]]["label"] == "not" and texts[candidate["url"]]["text"]
