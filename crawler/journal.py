"""A crawl's writes as a journal, for a crawl whose archive is on another machine.

A worker (crawler/distributed) crawls with ``ARCHIVE_JOURNAL`` set: the archive pipeline writes
to a :class:`Journal` instead of an :class:`~crawler.archive.Archive`, one JSON line per write
(pages, summaries, errors, 304s, column walks, each site's end, the run's end), and the crawl
reads the sites' state from ``ARCHIVE_STATE_FILE`` (sent with the job) instead of the archive.
The writer replays the journal into archive.db with the archive's own methods (:func:`replay`),
in one transaction, once per job: the same rows a crawl on that machine would have written.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from crawler.archive import Archive, ArchiveError
from crawler.archive.core import seconds_since, utcnow
from crawler.archive.records import DocumentRecord, PageOutcome, PageRecord, SiteCounts, SiteState

JOURNAL_RUN_ID = 1  # a journal holds one run


class Journal:
    """The writes an Archive would get, appended to a file, one JSON object per line."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self._file = self.path.open("a", encoding="utf-8")
        except OSError as exc:
            raise ArchiveError(f"cannot open journal {self.path}: {exc}") from exc
        self._run: dict[str, Any] = {"id": JOURNAL_RUN_ID, "status": "running"}

    def _write(self, op: str, **data: Any) -> None:
        self._file.write(json.dumps({"op": op, **data}, ensure_ascii=False) + "\n")
        self._file.flush()

    # --- what the archive pipeline calls ---------------------------------------------------

    def register_sites(self, sites) -> None:
        pass  # the writer registers the sites of the job

    def check_writable(self) -> None:
        pass  # opening the file proved it

    def start_run(self, site_ids, log_path=None, skip_busy=False) -> int:
        self._write("start", sites=list(site_ids), at=utcnow())
        return JOURNAL_RUN_ID

    def record_page(self, run_id, page: PageRecord, document: DocumentRecord | None = None):
        self._write("page", page=asdict(page), document=asdict(document) if document else None)
        return PageOutcome()  # new or not is decided where the journal is replayed

    def record_error(self, run_id, site, url, kind, message, status=None, page=None,
                     backoff_days=None, page_kind=None) -> None:  # fmt: skip
        self._write(
            "error", site=site, url=url, kind=kind, message=message, status=status,
            page=asdict(page) if page else None,
            backoff_days=list(backoff_days) if backoff_days else None, page_kind=page_kind,
        )  # fmt: skip

    def touch_page(self, run_id, url: str) -> None:
        self._write("touch", url=url)

    def mark_column(self, column_url: str, walked: bool) -> None:
        self._write("column", url=column_url, walked=walked)

    def finish_site(self, run_id, site_id, counts: SiteCounts, status, finished) -> None:
        self._write("site", site=site_id, counts=asdict(counts), status=status, finished=finished)

    def finish_run(self, run_id, status, per_site, message=None, outcomes=None, write_s=None):
        self._write(
            "finish", status=status, message=message, write_s=write_s,
            counts={site: asdict(counts) for site, counts in per_site.items()},
            outcomes={site: list(outcome) for site, outcome in (outcomes or {}).items()},
        )  # fmt: skip
        self._run.update(status=status, finished=utcnow(), message=message)
        for site_counts in per_site.values():
            for key, value in asdict(site_counts).items():
                self._run[key] = self._run.get(key, 0) + value

    def run(self, run_id) -> dict[str, Any]:
        return dict(self._run)

    def close(self) -> None:
        self._file.close()


def read_state_file(path: str | Path, site_ids: Iterable[str]) -> dict[str, SiteState]:
    """The sites' state as sent with a job (``{site id: SiteState.as_json()}``)."""
    data = json.loads(Path(path).read_text("utf-8"))
    return {site_id: SiteState.from_json(data.get(site_id, {})) for site_id in site_ids}


def replay(
    archive: Archive,
    lines: Iterable[str],
    run: dict[str, Any],
    end: str | None = None,
) -> int:
    """Write a journal into the archive as one run, in one transaction; returns the run id.

    ``run`` holds the crawl_runs columns known from the job (job_id, worker, sites, started,
    log_path, exit_code). A job whose run is already there is not written again. ``end`` is the
    status of a run whose journal has no end (the crawl was stopped hard: 'timed out', 'failed').
    New documents and sightings are counted here, where it is known what is new.
    """
    with archive.transaction():
        found = archive.db.execute(
            "SELECT id FROM crawl_runs WHERE job_id = ?", [run["job_id"]]
        ).fetchone()
        if found:
            return found[0]
        row = {"status": "running", "pid": None, **run}
        run_id = archive.db["crawl_runs"].insert(row).last_pk
        new = {"documents_new": Counter(), "sightings_new": Counter()}
        finish = None
        ended: dict[str, dict] = {}
        for line in lines:
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                break  # the last line of a crawl stopped mid-write
            op = entry.pop("op")
            if op == "page":
                page = PageRecord(**entry["page"])
                document = DocumentRecord(**entry["document"]) if entry["document"] else None
                outcome = archive.record_page(run_id, page, document)
                new["documents_new"][page.site] += outcome.new_document
                new["sightings_new"][page.site] += outcome.new_sighting
            elif op == "error":
                page = PageRecord(**entry.pop("page")) if entry.get("page") else None
                backoff = tuple(entry.pop("backoff_days") or ()) or None
                archive.record_error(run_id, page=page, backoff_days=backoff, **entry)
            elif op == "touch":
                archive.touch_page(run_id, entry["url"])
            elif op == "column":
                archive.mark_column(entry["url"], entry["walked"])
            elif op == "site":
                ended[entry["site"]] = entry
            elif op == "finish":
                finish = entry
        status = finish["status"] if finish else (end or "failed")
        if finish is not None and end is not None and status != "ok":
            status = end  # the crawl closed itself when its time ran out
        counts_of = (finish or {}).get("counts") or {s: e["counts"] for s, e in ended.items()}
        per_site = {}
        for site_id in (run.get("sites") or "").split():
            counts = SiteCounts(**counts_of.get(site_id, {}))
            counts.documents_new = new["documents_new"][site_id]
            counts.sightings_new = new["sightings_new"][site_id]
            per_site[site_id] = counts
        told = (finish or {}).get("outcomes") or {}

        def outcome(site_id: str) -> tuple[str, str | None]:
            # 'ok' as the crawl said (at its end, or when the site ended); else the run's end
            site_end = told.get(site_id) or [
                ended.get(site_id, {}).get(k) for k in ("status", "finished")
            ]
            return tuple(site_end) if site_end[0] == "ok" else (status, None)

        outcomes = {site_id: outcome(site_id) for site_id in per_site}
        archive.finish_run(
            run_id, status, per_site, (finish or {}).get("message"), outcomes,
            (finish or {}).get("write_s"),
        )  # fmt: skip
        if run.get("finished") and run.get("started"):  # the crawl's own end, not the replay's
            archive.db["crawl_runs"].update(
                run_id,
                {
                    "finished": run["finished"],
                    "duration_s": seconds_since(run["started"], run["finished"]),
                },
            )
    return run_id
