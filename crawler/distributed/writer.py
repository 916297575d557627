"""`crawler writer`: the one process that writes archive.db when crawls run on workers. Each result
on the ``results`` queue is replayed in one transaction, once per job (a job crawled twice, or a
result sent twice, changes nothing the second time); its WARC files go into the archive's WARC
folder and its log into logs/workers/; then the sites' locks are given back and the scheduler
is told the job is done.

A result that cannot be written (a journal the archive rejects, a full disk) is tried ``tries``
times with a growing pause; then it is kept on disk (failed-jobs/<job id>/ beside the archive),
recorded in the failed_jobs table, its sites are released and the scheduler is told. `crawler
writer --replay FOLDER` writes it once the cause is fixed.
"""

from __future__ import annotations

import json
import logging
import shutil
import signal
import tarfile
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import dramatiq
from dramatiq.errors import Retry
from redis.exceptions import RedisError

from crawler.archive import Archive
from crawler.archive.journal import replay
from crawler.crawl.command import EXIT_INTERRUPTED
from crawler.distributed.defaults import DEFAULT_TRIES
from crawler.distributed.messages import check_result, dead_letter_garbage
from crawler.distributed.queue import (
    RESULTS_QUEUE,
    attempts_key,
    declare,
    done_key,
    drop_result,
    fetch_result,
    make_broker,
    registry_key,
    release_sites,
)
from crawler.registry.sites import load_sites, load_watches
from crawler.watches import tell_watches

logger = logging.getLogger("crawler.writer")

FIRST_PAUSE_S = 2.0  # before the second try; doubled for each try after it, at most MAX_PAUSE_S
MAX_PAUSE_S = 120.0
FAILED_FOLDER = "failed-jobs"
SWEEP_EVERY_S = 30.0  # how often the queues are looked through for bytes that are no message
# How a run ended, by the exit code of a worker's crawl that did not time out.
_END_BY_EXIT = {0: None, EXIT_INTERRUPTED: "interrupted"}


@dataclass
class WriterContext:
    broker: dramatiq.Broker
    db_path: Path
    warc_dir: Path
    log_dir: Path
    tries: int = DEFAULT_TRIES


_context: WriterContext | None = None


def write_result(
    db_path: Path, packed: Path, job: dict, registry_text: bytes | None, warc_dir: Path,
    log_dir: Path,
) -> tuple[int, str]:  # fmt: skip
    """Write one job's result (the worker's tar.gz) into the archive: WARC files, the log, then
    the journal's replay in one transaction. Returns (run id, status)."""
    job_id = job["job_id"]
    with tempfile.TemporaryDirectory(prefix="ingest-") as folder:
        with tarfile.open(packed, mode="r:gz") as tar:
            tar.extractall(folder, filter="data")
        folder = Path(folder)
        # Each try of a job keeps its own log (a job crawled twice, by a worker that froze and
        # one that took its job over, has two).
        worker = str(job.get("worker") or "worker").replace(":", "-").replace("/", "-")
        log_path = log_dir / f"crawl-{job_id}-{worker}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("wb") as log:
            for name in ("crawl.log", "crawl.out"):
                if (folder / name).exists():
                    log.write((folder / name).read_bytes())
        with Archive(db_path) as archive:
            written = archive.job_run(job_id)
        if written is not None:
            # A late result of a job written before (its worker froze past its heartbeat and
            # another crawled the job again): nothing of it is kept, WARC files included, as
            # no page of the archive points into them.
            if written["worker"] != job.get("worker"):
                logger.warning(
                    "job %s: a late result from %s discarded; the job was written as run %s "
                    "from %s (its log: %s)", job_id, job.get("worker"), written["id"],
                    written["worker"], log_path,
                )  # fmt: skip
            return written["id"], written["status"]
        warc_dir.mkdir(parents=True, exist_ok=True)
        for path in sorted((folder / "warc").glob("*.warc.gz")):
            shutil.copyfile(path, warc_dir / path.name)
        journal = folder / "journal.jsonl"
        lines = journal.read_text("utf-8").splitlines() if journal.exists() else []
        with Archive(db_path) as archive:
            if registry_text is not None:
                registry = folder / "sites.toml"
                registry.write_bytes(registry_text)
                wanted = set(job["site_ids"])
                archive.register_sites(s for s in load_sites(registry) if s.id in wanted)
                archive.register_watches(w.name for w in load_watches(registry))
            run_id = replay(
                archive,
                lines,
                {
                    "job_id": job_id, "worker": job["worker"],
                    "sites": " ".join(job["site_ids"]), "started": job["started"],
                    "finished": job["finished"], "log_path": str(log_path),
                    "exit_code": job["exit_code"],
                },
                end=job.get("end") or _END_BY_EXIT.get(job["exit_code"], "failed"),
            )  # fmt: skip
            return run_id, archive.run(run_id)["status"]


def ingest_result(result: dict) -> None:
    """The `ingest` actor's work: write one result, or after its tries keep it aside."""
    context = _context
    if context is None:
        raise RuntimeError("results are ingested by `crawler writer`")
    check_result(result)
    client = context.broker.client
    with tempfile.TemporaryDirectory(prefix="result-") as folder:
        packed = Path(folder) / "result.tar.gz"
        if not fetch_result(client, result["result_key"], packed):
            _lost(context, client, result)
            return
        _write(context, client, result, packed)


def _lost(context: WriterContext, client, result: dict) -> None:
    """A result that is not in Redis: written before (said again), kept aside before, or lost."""
    job_id = result["job_id"]
    with Archive(context.db_path) as archive:
        known = archive.job_run(job_id)
        failed = archive.failed_job(job_id)
    if known is not None:
        _done(client, result, {"run_id": known["id"], "status": known["status"]})
        return  # ingested before; said again
    if failed is not None:
        return  # kept aside before
    logger.error("job %s: its result is not in Redis (expired or lost); nothing to write", job_id)
    _done(client, result, {"run_id": None, "status": "failed", "error": "result lost"})


def _write(context: WriterContext, client, result: dict, packed: Path) -> None:
    job_id = result["job_id"]
    registry_text = client.get(registry_key(result["registry"]))
    try:
        run_id, status = write_result(
            context.db_path, packed, result, registry_text, context.warc_dir, context.log_dir
        )
    except Exception as exc:  # noqa: BLE001 - whatever it is, the result is kept, not lost
        error = f"{type(exc).__name__}: {exc}"
        tries = client.incr(attempts_key(job_id))
        client.expire(attempts_key(job_id), 30 * 24 * 3600)
        if tries < context.tries:
            pause = min(FIRST_PAUSE_S * 2 ** (tries - 1), MAX_PAUSE_S)
            logger.error(
                "job %s: cannot write its result (try %d of %d): %s; trying again in %.0f s",
                job_id, tries, context.tries, error, pause,
            )  # fmt: skip
            raise Retry(error, delay=int(pause * 1000)) from exc
        kept = keep_aside(context.db_path, packed, result, registry_text)
        with Archive(context.db_path) as archive:
            archive.record_failed_job(result, tries, error, str(kept))
        logger.error(
            "job %s: not written after %d tries (%s); kept in %s, sites %s released; "
            "`crawler writer --replay %s --db %s` writes it once the cause is fixed",
            job_id, tries, error, kept, ", ".join(result["site_ids"]), kept, context.db_path,
        )  # fmt: skip
        _done(client, result, {"run_id": None, "status": "failed", "error": error,
                               "kept": str(kept)})  # fmt: skip
        drop_result(client, job_id)
        client.delete(attempts_key(job_id))
        return
    _done(client, result, {"run_id": run_id, "status": status})
    drop_result(client, job_id)
    client.delete(attempts_key(job_id))
    logger.info("job %s: run %s %s from %s", job_id, run_id, status, result["worker"])
    with Archive(context.db_path) as archive:  # the WAL emptied after each result
        archive.checkpoint()
    if registry_text is not None:  # the watches of the registry the job was crawled with
        with tempfile.TemporaryDirectory(prefix="watches-") as folder:
            registry = Path(folder) / "sites.toml"
            registry.write_bytes(registry_text)
            tell_watches(registry, context.db_path)


def keep_aside(db_path: Path, packed: Path, job: dict, registry_text: bytes | None) -> Path:
    """A result the writer could not write, on disk beside the archive: the worker's tar.gz, the
    job's message and the registry it was crawled with."""
    folder = db_path.parent / FAILED_FOLDER / job["job_id"]
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(packed, folder / "result.tar.gz")
    (folder / "job.json").write_text(json.dumps(job, ensure_ascii=False, indent=1), "utf-8")
    if registry_text is not None:
        (folder / "sites.toml").write_bytes(registry_text)
    return folder


def replay_kept(folder: Path, db_path: Path, warc_dir: Path, log_dir: Path) -> tuple[int, str]:
    """Write a result kept aside by :func:`keep_aside` (crawler writer --replay)."""
    job = json.loads((folder / "job.json").read_text("utf-8"))
    registry = folder / "sites.toml"
    run_id, status = write_result(
        db_path,
        folder / "result.tar.gz",
        job,
        registry.read_bytes() if registry.exists() else None,
        warc_dir,
        log_dir,
    )
    with Archive(db_path) as archive:
        archive.mark_job_replayed(job["job_id"], run_id)
    return run_id, status


def _done(client, result: dict, outcome: dict) -> None:
    release_sites(client, result["site_ids"], result["job_id"])
    client.set(done_key(result["job_id"]), json.dumps(outcome), ex=24 * 3600)


def writer_folders(db_path: str, warc_dir: str | None, log_dir: str | None) -> tuple[Path, ...]:
    """The archive, its WARC folder and the workers' log folder, as the writer uses them."""
    from crawler.crawl.warc import warc_dir_for

    db = Path(db_path).resolve()
    return (
        db,
        Path(warc_dir) if warc_dir else warc_dir_for(db),
        Path(log_dir) if log_dir else db.parent / "logs" / "workers",
    )


def run_writer(
    broker_url: str, db_path: str, warc_dir: str | None, log_dir: str | None, dead_after: float,
    tries: int = DEFAULT_TRIES,
) -> int:  # pragma: no cover - run as a process by the tests  # fmt: skip
    """Ingest results until SIGTERM/SIGINT; the exit code."""
    global _context
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    db, warc, logs = writer_folders(db_path, warc_dir, log_dir)
    with Archive(db):  # created or migrated, and proved a usable archive, before any job
        pass
    broker = make_broker(broker_url, dead_after)
    declare(broker, ingest=ingest_result)
    _context = WriterContext(broker, db, warc, logs, tries)
    # One thread: archive.db has one writer, and results are written in the order they come.
    worker = dramatiq.Worker(broker, queues={RESULTS_QUEUE}, worker_threads=1)
    worker.start()
    logger.info("writer: results from %s into %s", broker_url, db)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    swept = 0.0
    while not done.wait(1.0):
        if time.monotonic() - swept >= SWEEP_EVERY_S:  # bytes on the queues that are no message
            swept = time.monotonic()
            try:
                dead_letter_garbage(broker.client)
            except RedisError:
                pass  # the broker is away; Dramatiq's consumer says so
    worker.stop(timeout=60_000)
    broker.close()
    return 0
