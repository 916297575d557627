"""The journal a worker's crawl writes and the writer's replay of it: one list of journaled writes,
each with the Archive's own signature, and a replay that writes what the archive itself would."""

from __future__ import annotations

import ast
import inspect
import json
from pathlib import Path

import pytest
from conftest import comparable_rows

import crawler.crawl.pipelines
from crawler.archive import Archive, DocumentRecord, PageRecord, SiteCounts
from crawler.archive.journal import (
    JOURNALED,
    NOT_JOURNALED,
    Journal,
    JournalError,
    replay,
)
from crawler.registry.sites import Site

SITES = [
    Site(
        id="a",
        name="甲站",
        region="甲市",
        start_urls=("http://127.0.0.9/",),
        allowed_domains=("127.0.0.9",),
    ),
    Site(
        id="b",
        name="乙站",
        region="乙县",
        start_urls=("http://127.0.0.10/",),
        allowed_domains=("127.0.0.10",),
    ),
]
BODY = "2022年，全市统战工作紧紧围绕中心大局。\n一年来，我们坚持团结奋斗，取得新成效。" * 3


def archive_calls(pipeline_source: str) -> set[str]:
    """The names of the methods the archive pipeline calls on ``self.archive``."""
    return {
        node.func.attr
        for node in ast.walk(ast.parse(pipeline_source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "archive"
    }


def test_the_journal_has_each_write_the_pipeline_makes_with_the_archives_signature():
    called = archive_calls(Path(crawler.crawl.pipelines.__file__).read_text("utf-8"))
    assert called - set(JOURNALED) - set(NOT_JOURNALED) == set(), "a write the journal lacks"
    assert set(JOURNALED) <= called, "a journaled write the crawl no longer makes"
    for name in JOURNALED:
        assert inspect.signature(getattr(Journal, name)) == inspect.signature(
            getattr(Archive, name)
        ), name


def writes(run_id: int) -> list[tuple[str, tuple, dict]]:
    """One of every write a crawl makes, as the pipeline makes them (errors with and without a
    page row, with the backoff and without, an attachment, a 304, a column, each site's end)."""
    page = PageRecord("http://127.0.0.9/a/1.html", "a", "article", 200, True, "summary: 综述",
                      "h1", "2022年工作综述", "2023-01-05", "utf-8", warc_file="x.warc.gz",
                      warc_offset=120)  # fmt: skip
    document = DocumentRecord("h1", "2022年工作综述", BODY, "2023-01-05", 2022, "甲报", "a",
                              "甲市", page.url)  # fmt: skip
    repost = PageRecord("http://127.0.0.10/b/9.html", "b", "article", 200, True, "summary",
                        "h1", "2022年工作综述", "2023-01-02", "gbk")  # fmt: skip
    column = PageRecord("http://127.0.0.9/list/", "a", "list", 200, etag='"e1"',
                        links=[["http://127.0.0.9/a/1.html", "article"]])  # fmt: skip
    backoff = (1.0, 32.0)
    counts = SiteCounts(requests=5, list_pages=1, articles=2, errors=3, robots_forbidden=1,
                        blocked=1, cut=1, deferred=1)  # fmt: skip
    return [
        ("record_page", (run_id, column), {}),
        ("mark_column", (column.url, False), {}),
        ("record_page", (run_id, page, document), {}),
        ("record_page", (run_id, repost, DocumentRecord("h1", "2022年工作综述", BODY, "2023-01-02",
                                                        2022, None, "b", "乙县", repost.url)), {}),
        # the text at a/1.html edited: a new version of its summary; the repost taken down
        ("record_page", (run_id, page, DocumentRecord("h2", "2022年工作综述", BODY + "\n补记。",
                                                      "2023-01-05", 2022, "甲报", "a", "甲市",
                                                      page.url)), {}),
        ("record_error", (run_id, "b", repost.url, "http", "HTTP 410", 410,
                          PageRecord(repost.url, "b", "article", 410, reason="http: HTTP 410")),
         {"backoff_days": backoff, "page_kind": "article"}),
        ("record_error", (run_id, "a", "http://127.0.0.9/a/2.html", "http", "HTTP 404", 404,
                          PageRecord("http://127.0.0.9/a/2.html", "a", "article", 404,
                                     reason="http: HTTP 404")),
         {"backoff_days": backoff, "page_kind": "article"}),
        ("record_error", (run_id, "a", "http://127.0.0.9/a/3.html", "timeout", "no answer", None,
                          None), {"backoff_days": backoff, "page_kind": "article"}),
        ("record_error", (run_id, "b", "http://127.0.0.10/f.pdf", "attachment", "not fetched",
                          None, PageRecord("http://127.0.0.10/f.pdf", "b", "attachment", None)),
         {"backoff_days": backoff, "page_kind": "attachment"}),
        ("record_error", (run_id, None, "http://127.0.0.11/", "dns", "no such host"), {}),
        ("touch_page", (run_id, column.url), {}),
        ("mark_column", (column.url, True), {}),
        ("finish_site", (run_id, "b", SiteCounts(requests=1, articles=1), "ok",
                         "2026-11-29T00:00:01Z"), {}),
        ("finish_run", (run_id, "ok", {"a": counts, "b": SiteCounts(requests=1, articles=1)}),
         {"message": None, "outcomes": {"a": ("ok", None), "b": ("ok", "2026-11-29T00:00:01Z")},
          "write_s": 0.25}),
    ]  # fmt: skip


def test_a_replayed_journal_writes_every_row_the_archive_writes_itself(tmp_path: Path):
    direct = tmp_path / "direct.db"
    with Archive(direct) as archive:
        archive.register_sites(SITES)
        run_id = archive.start_run(["a", "b"])
        for name, args, kwargs in writes(run_id):
            getattr(archive, name)(*args, **kwargs)
        # what is new is counted where it is known: here, by the pipeline
        archive.db.execute(
            "UPDATE crawl_run_sites SET documents_new = (site = 'a'), sightings_new = 1, "
            "changed = (site = 'a')"
        )
        archive.db.execute(
            "UPDATE crawl_runs SET documents_new = 1, sightings_new = 2, changed = 1"
        )
        archive.db.conn.commit()
    journal = Journal(tmp_path / "journal.jsonl")
    for name, args, kwargs in writes(1):
        getattr(journal, name)(*args, **kwargs)
    journal.close()
    replayed = tmp_path / "replayed.db"
    with Archive(replayed) as archive:
        archive.register_sites(SITES)
        lines = (tmp_path / "journal.jsonl").read_text("utf-8").splitlines()
        replay(archive, lines, {"job_id": "j1", "sites": "a b", "started": "2026-11-29T00:00:00Z"})
    assert comparable_rows(replayed) == comparable_rows(direct)
    assert comparable_rows(direct)["failed_urls"], "the backoff of failing URLs is compared"
    superseded = [dict(row)["superseded_by"] for row in comparable_rows(direct)["documents"]]
    assert sorted(superseded) == ["'h2'", "None"], "the edit is compared"


def test_a_journal_line_that_fits_no_write_is_refused_and_nothing_is_written(tmp_path: Path):
    db = tmp_path / "archive.db"
    good = json.dumps({"op": "touch_page", "args": {"run_id": 1, "url": "http://x/"}})
    for bad, said in (
        ({"op": "drop_table", "args": {}}, "not a journaled write"),
        ({"op": "record_error", "args": {"run_id": 1, "nonsense": 1}}, "record_error"),
    ):
        with Archive(db) as archive, pytest.raises(JournalError, match=said):
            replay(archive, [good, json.dumps(bad)], {"job_id": "j", "sites": "a", "started": "x"})
        with Archive(db) as archive:
            assert archive.job_run("j") is None, "the job's run was rolled back with it"


def test_a_journal_written_before_the_list_of_writes_still_replays(tmp_path: Path):
    """Results waiting in Redis when the writer is upgraded: the older one-op-per-write lines."""
    page = {"url": "http://127.0.0.9/a/1.html", "site": "a", "kind": "article", "status": 200,
            "is_summary": False, "reason": "not", "content_hash": None, "title": "t",
            "published": None, "encoding": "utf-8", "etag": None, "last_modified": None,
            "links": None, "warc_file": None, "warc_offset": None}  # fmt: skip
    lines = [
        {"op": "start", "sites": ["a"], "at": "2026-11-29T00:00:00Z"},
        {"op": "page", "page": page, "document": None},
        {"op": "error", "site": "a", "url": "http://127.0.0.9/a/2.html", "kind": "timeout",
         "message": "no answer", "status": None, "page": None, "backoff_days": [1, 32],
         "page_kind": "article"},
        {"op": "finish", "status": "ok", "message": None, "write_s": 0.1,
         "counts": {"a": {"requests": 2, "articles": 1, "errors": 1}}, "outcomes": {}},
    ]  # fmt: skip
    with Archive(tmp_path / "archive.db") as archive:
        archive.register_sites(SITES[:1])
        run_id = replay(archive, [json.dumps(line) for line in lines],
                        {"job_id": "old", "sites": "a", "started": "2026-11-29T00:00:00Z"})  # fmt: skip
        run = archive.run(run_id)
        assert (run["status"], run["requests"], run["errors"]) == ("ok", 2, 1)
        assert archive.db["crawl_errors"].count == 1 and archive.db["failed_urls"].count == 1
