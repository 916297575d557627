"""A crawl's writes as a journal, for a crawl whose archive is on another machine.

A worker (crawler/distributed) crawls with ``ARCHIVE_JOURNAL`` set: the archive pipeline writes
to a :class:`Journal` instead of an :class:`~crawler.archive.Archive`. The journal has exactly the
Archive's write methods named in :data:`JOURNALED`, with the Archive's own signatures, and writes
each call as one JSON line (the method's name and its bound arguments); :func:`replay` makes the
same calls on the archive, in one transaction, once per job. A method and its replay cannot drift
apart: both are made from the one list and the one signature.
"""

from __future__ import annotations

import functools
import inspect
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

from crawler.archive.core import ArchiveError, utcnow
from crawler.archive.records import DocumentRecord, PageOutcome, PageRecord, SiteCounts, SiteState

JOURNAL_RUN_ID = 1  # a journal holds one run

# The Archive methods a crawl writes with. Every call of these by the archive pipeline goes into
# the journal, and the writer's replay calls them again with the same arguments. A write method
# the pipeline calls that is missing here fails the crawl into a journal at once (the Journal
# has no such attribute), and tests/test_journal.py checks the pipeline's calls against it.
JOURNALED = (
    "record_page",  # a fetched page (and its summary): pages, documents, sightings, WARC place
    "record_error",  # a failure: crawl_errors, its pages row, failed_urls with the backoff
    "touch_page",  # a 304 Not Modified
    "mark_column",  # a column's paging started or reached its end
    "note_aliases",  # other addresses of an archived article (its canonical URL)
    "finish_site",  # one site's own end (status, counts) in a crawl of many
    "finish_run",  # the run's end: status, per-site counts and outcomes, write time
)
# Done by the writer itself (the job's run, the registry), or nothing to replay (reads).
NOT_JOURNALED = ("register_sites", "check_writable", "start_run", "run", "close")
# The record types that travel in a journal line, tagged with their name.
RECORDS = {cls.__name__: cls for cls in (PageRecord, DocumentRecord, SiteCounts)}
# What a journaled call gives the pipeline back: what is new is known only at replay.
_RESULTS = {"record_page": PageOutcome}


def encode(value: Any) -> Any:
    """Plain JSON data for a method argument; records are tagged with their type."""
    if is_dataclass(value) and not isinstance(value, type):
        name = type(value).__name__
        if name not in RECORDS:
            raise TypeError(f"a {name} cannot go into a journal")
        return {
            "__record__": name,
            **{f.name: encode(getattr(value, f.name)) for f in fields(value)},
        }
    if isinstance(value, dict):
        return {str(key): encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [encode(item) for item in value]
    return value


def decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "__record__" in value:
            data = dict(value)
            return RECORDS[data.pop("__record__")](**data)
        return {key: decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode(item) for item in value]
    return value


def _signature(name: str) -> inspect.Signature:
    from crawler.archive import Archive

    return inspect.signature(getattr(Archive, name))


def _journaled(name: str):
    from crawler.archive import Archive

    method = getattr(Archive, name)

    @functools.wraps(method)
    def write(self: Journal, *args: Any, **kwargs: Any) -> Any:
        bound = _signature(name).bind(self, *args, **kwargs)
        bound.apply_defaults()
        arguments = dict(bound.arguments)
        del arguments["self"]
        self._write({"op": name, "args": encode(arguments)})
        self._seen(name, arguments)
        result = _RESULTS.get(name)
        return result() if result else None

    return write


class Journal:
    """The writes an Archive would get, appended to a file, one JSON object per line."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self._file = self.path.open("a", encoding="utf-8")
        except OSError as exc:
            raise ArchiveError(f"cannot open journal {self.path}: {exc}") from exc
        self._run: dict[str, Any] = {"id": JOURNAL_RUN_ID, "status": "running"}

    def _write(self, entry: dict) -> None:
        self._file.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._file.flush()

    def _seen(self, name: str, arguments: dict[str, Any]) -> None:
        if name == "finish_run":  # what the crawl logs as its run at the end
            self._run.update(
                status=arguments["status"], finished=utcnow(), message=arguments["message"]
            )
            for counts in arguments["per_site"].values():
                for key, value in counts.as_row().items():
                    self._run[key] = self._run.get(key, 0) + value

    # --- what is not journaled ---------------------------------------------------------------

    def register_sites(self, sites) -> None:
        pass  # the writer registers the sites of the job

    def check_writable(self) -> None:
        pass  # opening the file proved it

    def start_run(self, site_ids, log_path=None, skip_busy=False) -> int:
        return JOURNAL_RUN_ID  # the writer opens the job's run

    def run(self, run_id) -> dict[str, Any]:
        return dict(self._run)

    def close(self) -> None:
        self._file.close()


for _name in JOURNALED:
    setattr(Journal, _name, _journaled(_name))


def read_state_file(path: str | Path, site_ids: Iterable[str]) -> dict[str, SiteState]:
    """The sites' state as sent with a job (``{site id: SiteState.as_json()}``)."""
    data = json.loads(Path(path).read_text("utf-8"))
    return {site_id: SiteState.from_json(data.get(site_id, {})) for site_id in site_ids}


class JournalError(ArchiveError):
    """A journal line that names no journaled method or does not fit its signature."""


def _record(name: str, data: dict | None) -> dict | None:
    return None if data is None else {"__record__": name, **data}


# Journals written before JOURNALED (one op name of their own per write), so that results
# waiting in Redis when the writer is upgraded are still written.
_LEGACY = {
    "start": lambda e: (None, e),
    "page": lambda e: ("record_page", {"args": {
        "run_id": JOURNAL_RUN_ID, "page": _record("PageRecord", e["page"]),
        "document": _record("DocumentRecord", e.get("document"))}}),
    "error": lambda e: ("record_error", {"args": {
        "run_id": JOURNAL_RUN_ID, **{k: e.get(k) for k in (
            "site", "url", "kind", "message", "status", "backoff_days", "page_kind")},
        "page": _record("PageRecord", e.get("page"))}}),
    "touch": lambda e: ("touch_page", {"args": {"run_id": JOURNAL_RUN_ID, "url": e["url"]}}),
    "column": lambda e: ("mark_column", {"args": {"column_url": e["url"], "walked": e["walked"]}}),
    "site": lambda e: ("finish_site", {"args": {
        "run_id": JOURNAL_RUN_ID, "site_id": e["site"], "counts": _record("SiteCounts", e["counts"]),
        "status": e["status"], "finished": e["finished"]}}),
    "finish": lambda e: ("finish_run", {"args": {
        "run_id": JOURNAL_RUN_ID, "status": e["status"], "message": e.get("message"),
        "write_s": e.get("write_s"), "outcomes": e.get("outcomes") or {},
        "per_site": {s: _record("SiteCounts", c) for s, c in (e.get("counts") or {}).items()}}}),
}  # fmt: skip


def read_journal(lines: Iterable[str]) -> Iterable[tuple[str, dict[str, Any]]]:
    """(method, arguments) for each whole line; a line cut short ends the journal (the crawl was
    stopped while writing it)."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            return
        name = entry.get("op")
        if name in _LEGACY:
            name, entry = _LEGACY[name](entry)
            if name is None:
                continue
        if name not in JOURNALED:
            raise JournalError(f"journal line {number}: {name!r} is not a journaled write")
        try:
            arguments = decode(entry["args"])
            _signature(name).bind(None, **arguments)
        except (KeyError, TypeError) as exc:
            raise JournalError(f"journal line {number} ({name}): {exc}") from exc
        yield name, arguments


def replay(archive, lines: Iterable[str], run: dict[str, Any], end: str | None = None) -> int:
    """Write a journal into the archive as one run, in one transaction; returns the run id.

    ``run`` holds the crawl_runs columns known from the job (job_id, worker, sites, started,
    finished, log_path, exit_code). A job whose run is already there is not written again.
    ``end`` is the status of a run whose journal has no end (the crawl was stopped hard: 'timed
    out', 'failed'). New documents and sightings are counted here, where it is known what is new,
    and the run's end is written with those counts.
    """
    with archive.transaction():
        known = archive.job_run(run["job_id"])
        if known:
            return known["id"]
        run = dict(run)
        finished = run.pop("finished", None)
        run_id = archive.open_job_run(run)
        new = {"documents_new": Counter(), "sightings_new": Counter(), "changed": Counter()}
        finish: dict[str, Any] | None = None
        ended: dict[str, dict[str, Any]] = {}
        for name, arguments in read_journal(lines):
            if "run_id" in arguments:
                arguments["run_id"] = run_id
            if name == "finish_run":
                finish = arguments  # written last, with the counts of what was new here
                continue
            if name == "finish_site":
                ended[arguments["site_id"]] = arguments
            outcome = getattr(archive, name)(**arguments)
            if name == "record_page":
                site = arguments["page"].site
                new["documents_new"][site] += outcome.new_document
                new["sightings_new"][site] += outcome.new_sighting
                new["changed"][site] += outcome.changed
        status = finish["status"] if finish else (end or "failed")
        if finish is not None and end is not None and status != "ok":
            status = end  # the crawl closed itself when its time ran out
        counted = (finish or {}).get("per_site") or {s: e["counts"] for s, e in ended.items()}
        per_site = {}
        for site_id in (run.get("sites") or "").split():
            counts = counted.get(site_id) or SiteCounts()
            counts.documents_new = new["documents_new"][site_id]
            counts.sightings_new = new["sightings_new"][site_id]
            counts.changed = new["changed"][site_id]
            per_site[site_id] = counts
        told = (finish or {}).get("outcomes") or {}

        def outcome_of(site_id: str) -> tuple[str, str | None]:
            # 'ok' as the crawl said (at its end, or when the site ended); else the run's end
            site_end = told.get(site_id)
            if site_end is None and site_id in ended:
                site_end = (ended[site_id]["status"], ended[site_id]["finished"])
            return tuple(site_end) if site_end and site_end[0] == "ok" else (status, None)

        archive.finish_run(
            run_id,
            status,
            per_site,
            (finish or {}).get("message"),
            {site_id: outcome_of(site_id) for site_id in per_site},
            (finish or {}).get("write_s"),
        )
        if finished and run.get("started"):  # the crawl's own end, not the replay's
            archive.set_run_span(run_id, run["started"], finished)
    return run_id
