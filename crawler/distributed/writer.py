"""`crawler writer`: the one process that writes archive.db when crawls run on workers. Each result
on the ``results`` queue is replayed in one transaction, once per job (a job crawled twice, or a
result sent twice, changes nothing the second time); its WARC files go into the archive's WARC
folder and its log into logs/workers/; then the sites' locks are given back and the scheduler
is told the job is done."""

from __future__ import annotations

import io
import json
import logging
import shutil
import signal
import tarfile
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import dramatiq

from crawler.archive import Archive
from crawler.distributed.queue import (
    RESULTS_QUEUE,
    declare,
    done_key,
    make_broker,
    registry_key,
    release_sites,
)
from crawler.journal import replay
from crawler.sites import load_sites

logger = logging.getLogger("crawler.writer")


@dataclass
class WriterContext:
    broker: dramatiq.Broker
    db_path: Path
    warc_dir: Path
    log_dir: Path


_context: WriterContext | None = None


def ingest_result(result: dict) -> None:
    context = _context
    if context is None:
        raise RuntimeError("results are ingested by `crawler writer`")
    client = context.broker.client
    job_id = result["job_id"]
    blob = client.get(result["result_key"])
    if blob is None:
        with Archive(context.db_path) as archive:
            known = archive.db.execute(
                "SELECT id, status FROM crawl_runs WHERE job_id = ?", [job_id]
            ).fetchone()
        if known is None:
            raise RuntimeError(f"job {job_id}: its result is not in Redis (expired or lost)")
        _done(client, result, known[0], known[1])  # ingested before; said again
        return
    with tempfile.TemporaryDirectory(prefix="ingest-") as folder:
        with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
            tar.extractall(folder, filter="data")
        folder = Path(folder)
        context.warc_dir.mkdir(parents=True, exist_ok=True)
        for path in sorted((folder / "warc").glob("*.warc.gz")):
            shutil.copyfile(path, context.warc_dir / path.name)
        log_path = context.log_dir / f"crawl-{job_id}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("wb") as log:
            for name in ("crawl.log", "crawl.out"):
                if (folder / name).exists():
                    log.write((folder / name).read_bytes())
        journal = folder / "journal.jsonl"
        lines = journal.read_text("utf-8").splitlines() if journal.exists() else []
        registry_text = client.get(registry_key(result["registry"]))
        with Archive(context.db_path) as archive:
            if registry_text is not None:
                registry = folder / "sites.toml"
                registry.write_bytes(registry_text)
                wanted = set(result["site_ids"])
                archive.register_sites(s for s in load_sites(registry) if s.id in wanted)
            run_id = replay(
                archive,
                lines,
                {
                    "job_id": job_id, "worker": result["worker"],
                    "sites": " ".join(result["site_ids"]), "started": result["started"],
                    "finished": result["finished"], "log_path": str(log_path),
                    "exit_code": result["exit_code"],
                },
                end=result.get("end") or (None if result["exit_code"] == 0 else "failed"),
            )  # fmt: skip
            status = archive.run(run_id)["status"]
    _done(client, result, run_id, status)
    client.delete(result["result_key"])
    logger.info("job %s: run %s %s from %s", job_id, run_id, status, result["worker"])


def _done(client, result: dict, run_id: int, status: str) -> None:
    release_sites(client, result["site_ids"], result["job_id"])
    client.set(
        done_key(result["job_id"]),
        json.dumps({"run_id": run_id, "status": status}),
        ex=24 * 3600,
    )


def run_writer(
    broker_url: str, db_path: str, warc_dir: str | None, log_dir: str | None, dead_after: float
) -> int:  # pragma: no cover - run as a process by the tests
    """Ingest results until SIGTERM/SIGINT; the exit code."""
    global _context
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    from crawler.warc import warc_dir_for

    db = Path(db_path).resolve()
    with Archive(db):  # created or migrated, and proved a usable archive, before any job
        pass
    broker = make_broker(broker_url, dead_after)
    declare(broker)
    _context = WriterContext(
        broker,
        db,
        Path(warc_dir) if warc_dir else warc_dir_for(db),
        Path(log_dir) if log_dir else db.parent / "logs" / "workers",
    )
    # One thread: archive.db has one writer, and results are written in the order they come.
    worker = dramatiq.Worker(broker, queues={RESULTS_QUEUE}, worker_threads=1)
    worker.start()
    logger.info("writer: results from %s into %s", broker_url, db)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    while not done.wait(1.0):
        pass
    worker.stop(timeout=60_000)
    broker.close()
    return 0
