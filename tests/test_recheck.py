"""Edits seen without being asked: the real scheduler re-checks archived summaries on their
site's policy, an unchanged one costs a 304, an edit becomes the summary's second version (one
summary, one "changed" message linking to its diff), and a withdrawn page is recorded as gone."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils
from conftest import FAST, rows, run_crawler
from datasette.app import Datasette
from test_scheduler import start_scheduler, stop, wait_for
from test_watches import Receiver

from crawler.archive import Archive, DocumentRecord, PageRecord
from crawler.archive.migrations import migrations
from crawler.datasette.serve import metadata_for
from crawler.demo.edits import EDIT_ADDED, build_edited_web
from crawler.fingerprint import content_hash
from crawler.registry.recheck import DEFAULT_POLICY, parse_recheck
from crawler.registry.sites import SitesError, parse_sites

INTERVAL = 3  # seconds: the test's re-check policy, "every 3s"


def registry(web, recheck: str, extra: str = "") -> str:
    return (
        web.sites_toml(
            extra={"linjiang-edits": {"schedule": '"every 1s"', "recheck": f'"{recheck}"'}}
        )
        + extra
    )


def get(db: Path, path: str):
    async def fetch():
        return await Datasette([str(db)], metadata=metadata_for(db)).client.get(path)

    return asyncio.run(fetch())


def test_the_scheduler_finds_an_edit_and_a_withdrawal_by_re_checks(tmp_path: Path):
    web = build_edited_web().start()
    site = web["linjiang-edits"]
    receiver = Receiver()
    watch = (
        f'\n[[watch]]\nname = "edits"\nnotify = "json://127.0.0.1:{receiver.port}/hook"\n'
        'changes = true\narchive_url = "http://archive.example"\n'
    )
    process, db = start_scheduler(tmp_path, registry(web, f"every {INTERVAL}s", watch))
    summary = site.path_of("lj-summary-2022")
    try:
        assert wait_for(lambda: receiver.received, 40), "the first crawl's new summaries"
        told = len(receiver.received)
        # edited after the first crawl: the next crawl the policy allows asks both summaries again
        body = load_body(site, "lj-summary-2022") + "\n" + EDIT_ADDED
        edited_at = time.monotonic()
        url = site.edit("lj-summary-2022", body)
        found = wait_for(lambda: _runs(db, "changed = 1"), 60)
        assert found, "the edit was found"
        assert found[0]["rechecked"] >= 1 and found[0]["documents_new"] == 0, found
        # re-checked within the policy's interval (plus the wait for the next crawl to start)
        before = [r for r in site.log_of(summary) if r.at < edited_at][-1]
        fetch = next(r for r in site.log_of(summary) if r.at > edited_at and r.status == 200)
        assert fetch.at - before.at <= INTERVAL + _longest_gap(db) + 3, "within the interval"

        # one summary, two versions: the old text kept, superseded by the new one at its URL
        texts = rows(
            db, "SELECT id, superseded_by, version_of, body FROM documents WHERE url = ?", (url,)
        )
        assert len(texts) == 2, texts
        old, new = sorted(texts, key=lambda t: t["id"])
        assert old["superseded_by"] == new["id"] and new["superseded_by"] is None
        assert new["version_of"] == old["id"] and EDIT_ADDED in new["body"]

        # the watch: one message, the edit once, under 改动 only, linking to its diff
        assert wait_for(lambda: len(receiver.received) > told, 20)
        assert len(receiver.received) == told + 1, receiver.received
        message = receiver.received[told]["message"]
        version = rows(db, "SELECT rowid FROM url_versions WHERE document_id = ?", (new["id"],))[0][
            "rowid"
        ]
        assert f"http://archive.example/-/diff?version={version}" in message
        assert "改动 · Changed" in message and "新综述" not in message
        assert message.count("\n- ") == 1, message

        # withdrawn: the page answers 404 to its next re-check; when is kept, the text stays
        site.withdraw("lj-summary-2022")
        assert wait_for(
            lambda: rows(
                db, "SELECT gone FROM sightings WHERE url = ? AND gone IS NOT NULL", (url,)
            ),
            60,
        )
        # the unchanged summary was asked again and cost a 304 each time; the news item never
        unchanged = site.log_of(site.path_of("lj-halfyear-2023"))[1:]
        assert unchanged and all(
            r.status == 304 and "If-None-Match" in r.headers for r in unchanged
        )
        assert len(site.log_of(site.path_of("lj-news-forum"))) == 1, "news is not re-checked"
    finally:
        output = stop(process)
        receiver.stop()
        web.stop()
    assert "scheduler: stopped" in output
    assert len(rows(db, "SELECT id FROM documents WHERE url = ?", (url,))) == 2, "texts kept"

    # Datasette: the summary once in the documents table and its counts, both versions reachable
    listed = get(db, "/archive/documents.json?_shape=objects").json()
    assert sorted(r["id"] for r in listed["rows"]) == sorted([new["id"], _other(db, url)])
    every = get(db, "/archive/documents.json?_shape=objects&_versions=all").json()["rows"]
    assert len(every) == 3
    page = get(db, f"/archive/documents/{new['id']}").text
    assert "gone since" in page and "HTTP 404" in page, "the withdrawal on the document page"
    assert "2 versions: what changed" in page
    old_page = get(db, f"/archive/documents/{old['id']}").text
    assert "replaced by" in old_page and f"/archive/documents/{new['id']}" in old_page
    by_year = get(db, "/archive/summaries_by_region_and_year.json?_shape=objects").json()["rows"]
    assert sum(r["summaries"] for r in by_year) == 2


def load_body(site, key: str) -> str:
    return next(a for _t, items in site.columns.values() for a in items if a.key == key).body


def _longest_gap(db: Path) -> float:
    """The longest wait, in seconds, from one crawl's start to the next one's."""
    starts = [
        datetime.fromisoformat(r["started"].replace("Z", "+00:00"))
        for r in rows(db, "SELECT started FROM crawl_runs ORDER BY id")
    ]
    return max((b - a).total_seconds() for a, b in zip(starts, starts[1:], strict=False))


def _runs(db: Path, where: str) -> list[dict]:
    try:
        return rows(db, f"SELECT * FROM crawl_run_sites WHERE {where} ORDER BY run_id")
    except Exception:  # noqa: BLE001 - the archive is not made yet
        return []


def _other(db: Path, url: str) -> int:
    return rows(db, "SELECT id FROM documents WHERE url != ?", (url,))[0]["id"]


def test_a_site_that_never_answers_304_is_re_checked_with_whole_pages(tmp_path: Path):
    web = build_edited_web(answers_not_modified=False).start()
    site = web["linjiang-edits"]
    sites, db = tmp_path / "sites.toml", tmp_path / "archive.db"
    sites.write_text(registry(web, "every crawl"), encoding="utf-8")
    try:
        for _ in range(2):
            result = run_crawler("crawl", "--sites", str(sites), "--db", str(db), *FAST)
            assert result.returncode == 0, result.stderr
    finally:
        web.stop()
    last = rows(db, "SELECT * FROM crawl_run_sites ORDER BY run_id DESC LIMIT 1")[0]
    assert (last["rechecked"], last["changed"], last["documents_new"]) == (2, 0, 0)
    assert {r.status for r in site.log_of(site.path_of("lj-summary-2022"))} == {200}
    assert len(rows(db, "SELECT id FROM documents")) == 2, "the same texts: nothing new"


def test_policy_text_is_checked_and_read_by_age():
    assert DEFAULT_POLICY.interval(3600) == 0, "every crawl in the first week"
    assert DEFAULT_POLICY.interval(30 * 86400) == 7 * 86400
    assert DEFAULT_POLICY.interval(200 * 86400) == 30 * 86400
    assert DEFAULT_POLICY.interval(5 * 365 * 86400) == 365 * 86400
    assert parse_recheck("never").interval(0) is None
    assert parse_recheck("every 1d until 30d").interval(31 * 86400) is None
    text = '[defaults]\nrecheck = "every 2d"\n[[site]]\nid = "a"\nname = "A"\nregion = "R"\nstart_urls = ["http://a.example/"]\n'
    assert parse_sites(text)[0].recheck.interval(10**9) == 2 * 86400
    with pytest.raises(SitesError, match=r"site #1 'a': key 'recheck': step 'every week'"):
        parse_sites(text + 'recheck = "every week"\n')


def test_re_checks_are_spread_over_crawls_and_bounded_per_crawl():
    """1000 old summaries archived by one crawl fall due over several crawls, and no crawl asks
    for more than a tenth of the site's budget."""
    policy = parse_recheck("every 10d")
    checked = datetime(2026, 1, 1, tzinfo=UTC)
    articles = [
        (f"http://a.example/{n}.html", "2020-01-01", "2026-01-01T00:00:00Z") for n in range(1000)
    ]
    assert policy.due(articles, checked + timedelta(days=7), 2000) == []
    partly = policy.due(articles, checked + timedelta(days=9), 100000)
    assert 250 < len(partly) < 750, "due over the last quarter of the interval, by URL"
    assert len(policy.due(articles, checked + timedelta(days=10), 2000)) == 200
    assert len(policy.due(articles, checked + timedelta(days=10), 100000)) == 1000


def test_texts_changed_before_the_upgrade_become_versions_of_one_summary(tmp_path: Path):
    """An archive whose URL already showed two texts: after m023 the later one is current, the
    earlier one superseded by it, and a repost of the earlier text keeps its sighting."""
    db_path = tmp_path / "archive.db"
    db = sqlite_utils.Database(db_path)
    migrations.apply(db, stop_before="m023_versions")
    for n, seen in ((1, "2026-01-01T00:00:00Z"), (2, "2026-02-01T00:00:00Z")):
        db["documents"].insert(
            {
                "id": n,
                "content_hash": f"h{n}",
                "body": f"正文{n}",
                "url": "http://a/1.html",
                "first_seen": seen,
                "last_seen": seen,
            }  # fmt: skip
        )
        db["url_versions"].insert(
            {"url": "http://a/1.html", "document_id": n, "first_seen": seen, "last_seen": seen}
        )
    now = "2026-02-01T00:00:00Z"
    for url, document in (("http://a/1.html", 2), ("http://b/9.html", 1)):
        db["sightings"].insert(
            {"document_id": document, "url": url, "first_seen": now, "last_seen": now}
        )
    db.close()
    Archive(db_path).close()
    found = rows(db_path, "SELECT id, superseded_by, version_of FROM documents ORDER BY id")
    assert found == [
        {"id": 1, "superseded_by": 2, "version_of": None},
        {"id": 2, "superseded_by": None, "version_of": 1},
    ]
    assert rows(db_path, "SELECT document_id FROM sightings WHERE url = 'http://b/9.html'") == [
        {"document_id": 1}
    ]


def test_an_edit_supersedes_the_old_text_only_at_its_url_and_a_text_that_comes_back_is_current(
    tmp_path: Path,
):
    def seen(archive, url: str, site: str, body: str):
        document = DocumentRecord(content_hash(body), "2022年工作综述", body, "2023-01-05", 2022,
                                  None, site, "甲市", url)  # fmt: skip
        page = PageRecord(url, site, "article", 200, True, "summary", document.content_hash)
        return archive.record_page(None, page, document)

    first, edited = "一年来，全市统战工作取得新成效。" * 5, "一年来，全市统战工作取得新的成效。" * 5
    with Archive(tmp_path / "archive.db") as archive:
        archive.db["sites"].insert_all([{"id": "a", "name": "甲"}, {"id": "b", "name": "乙"}])
        seen(archive, "http://a/1.html", "a", first)
        seen(archive, "http://b/9.html", "b", first)  # a repost
        outcome = seen(archive, "http://a/1.html", "a", edited)
        assert (outcome.changed, outcome.new_document) == (True, False)
        assert archive.counts()["documents"] == 1, "one summary"
        texts = {r["content_hash"]: r for r in archive.db["documents"].rows}
        old, new = texts[content_hash(first)], texts[content_hash(edited)]
        assert (old["superseded_by"], new["version_of"]) == (new["id"], old["id"])
        repost = archive.db.execute(
            "SELECT document_id FROM sightings WHERE url = 'http://b/9.html'"
        )
        assert repost.fetchone()[0] == old["id"], "the repost keeps its sighting of the old text"
        seen(archive, "http://a/1.html", "a", first)  # the edit undone
        current = archive.db.execute("SELECT id FROM documents WHERE superseded_by IS NULL")
        assert [row[0] for row in current] == [old["id"]]
