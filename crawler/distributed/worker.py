"""`crawler worker`: crawl the jobs on the ``crawl`` queue, each in a `crawler crawl` process of its
own writing a journal, and send each result back to the writer. Needs no shared disk: the job
brings the sites' state, the registry is in Redis, and the result goes back through Redis."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import tarfile
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import dramatiq
from dramatiq.errors import BrokerConnectionError
from redis.exceptions import RedisError

from crawler.archive.core import utcnow
from crawler.crawl.command import PARENT_ENV, crawl_args
from crawler.crawl.starter import ForkedCrawl, start_crawl
from crawler.crawl.warc import recover_open_files
from crawler.distributed.liveness import HEARTBEAT_EVERY_S, beat
from crawler.distributed.messages import (
    KEPT,
    OWNER,
    check_job,
    clear_dead_folders,
    dead_letter_garbage,
)
from crawler.distributed.queue import (
    CRAWL_QUEUE,
    RESULT_BUDGET,
    RESULT_TTL,
    declare,
    make_broker,
    put_result,
    registry_key,
    reserve_room,
    state_key,
    status_key,
    worker_name,
)
from crawler.schedule.crawljob import wait_or_stop

logger = logging.getLogger("crawler.worker")


@dataclass
class WorkerContext:
    broker: dramatiq.Broker
    actors: object
    work_dir: Path
    name: str
    stopping: threading.Event
    crawls: dict[str, subprocess.Popen | ForkedCrawl]
    lock: threading.Lock
    paused: threading.Event  # the worker takes no more jobs: handing one back is safe
    result_budget: int = RESULT_BUDGET  # bytes of results that may wait in Redis at once
    jobs: set[str] = field(default_factory=set)  # crawling, or a result held here: the heartbeat's


_context: WorkerContext | None = None


def crawl_job(job: dict) -> None:
    """Crawl one job's sites into a journal and send the result to the writer."""
    context = _context
    if context is None:
        raise RuntimeError("crawl jobs run in `crawler worker`")
    check_job(job)
    job_id = job["job_id"]
    if context.stopping.is_set():
        _hand_back(context, job, "the worker is stopping")
        return
    folder = context.work_dir / job_id
    shutil.rmtree(folder, ignore_errors=True)  # what a killed try of this job left here
    (folder / "warc").mkdir(parents=True)
    (folder / OWNER).write_text(str(os.getpid()), "utf-8")
    with context.lock:
        context.jobs.add(job_id)
    kept = False
    try:
        kept = _crawl_and_send(context, job, folder)
    finally:
        with context.lock:
            context.jobs.discard(job_id)
        if not kept:  # sent, handed back or failed: nothing of it is needed here
            shutil.rmtree(folder, ignore_errors=True)


def _crawl_and_send(context: WorkerContext, job: dict, folder: Path) -> bool:
    """Crawl the job in its folder and send its result; True when the result stays there."""
    job_id, site_ids = job["job_id"], job["site_ids"]
    client = context.broker.client
    registry = client.get(registry_key(job["registry"]))
    if registry is None:
        raise RuntimeError(f"job {job_id}: its registry {job['registry']} is not in Redis")
    (folder / "sites.toml").write_bytes(registry)
    state = client.get(state_key(job_id))
    if state is None:  # sent by an older scheduler, with the state in the message
        state = json.dumps(job.get("state", {}), ensure_ascii=False).encode("utf-8")
    (folder / "state.json").write_bytes(state)
    overrides = [
        "LOG_LEVEL=INFO", *job.get("overrides", []),
        f"LOG_FILE={folder / 'crawl.log'}",
        f"ARCHIVE_JOURNAL={folder / 'journal.jsonl'}",
        f"ARCHIVE_STATE_FILE={folder / 'state.json'}",
        f"ARCHIVE_WARC_DIR={folder / 'warc'}",
        f"ARCHIVE_WARC_PREFIX=crawl-{context.name.replace(':', '-')}",
    ]  # fmt: skip
    args = crawl_args(folder / "sites.toml", folder / "unused.db", overrides, site_ids)
    started = utcnow()
    logger.info("job %s: crawling %s", job_id, ", ".join(site_ids))
    try:
        _status(client, job_id, "crawling", context.name)
    except RedisError:
        pass  # the heartbeat names the job too; the broker is back before the result goes
    env = dict(os.environ, **{PARENT_ENV: str(os.getpid())})
    process = start_crawl(args, folder / "crawl.out", env)
    with context.lock:
        context.crawls[job_id] = process
    try:
        code, timed_out = wait_or_stop(process, job["time_limit"], job["grace"], f"job {job_id}")
    finally:
        with context.lock:
            context.crawls.pop(job_id, None)
    end = "timed out" if timed_out else None
    if context.stopping.is_set() and end is None:
        shutil.rmtree(folder, ignore_errors=True)
        _hand_back(context, job, "the worker stopped its crawl")
        return False
    recover_open_files(folder / "warc")
    packed = _pack(folder)
    result = {
        "job_id": job_id, "site_ids": site_ids, "registry": job["registry"],
        "worker": context.name, "started": started, "finished": utcnow(),
        "exit_code": code, "end": end,
    }  # fmt: skip
    (folder / KEPT).write_text(json.dumps(result), "utf-8")  # for a worker started later
    if not _send_result(context, result, packed):
        return True
    logger.info("job %s: crawled (exit %s), result sent", job_id, code)
    return False


def _send_result(context: WorkerContext, result: dict, packed: Path) -> bool:
    """Send a result through Redis; while Redis cannot be reached the result stays on this
    machine (one line says where) and is sent when it answers again. False when the worker
    stops first: the result is left where the line said."""
    client, job_id = context.broker.client, result["job_id"]
    pause, said = 1.0, False
    while True:
        try:
            _wait_for_room(context, client, job_id, packed.stat().st_size)
            key = put_result(client, job_id, packed)
            context.actors.ingest.send({**result, "result_key": key})
            _status(client, job_id, "sent", context.name)
            if said:
                logger.info("job %s: the broker answers again; its result is sent", job_id)
            return True
        except (RedisError, BrokerConnectionError) as exc:
            if not said:
                logger.warning(
                    "job %s: cannot send its result to the broker (%s); it is kept in %s and "
                    "sent when the broker answers", job_id, str(exc).splitlines()[0], packed,
                )  # fmt: skip
                said = True
            if context.stopping.wait(pause):
                logger.warning("job %s: the worker stops; its result stays in %s", job_id, packed)
                return False
            pause = min(pause * 2, 30.0)


def _send_kept(context: WorkerContext, result: dict, folder: Path) -> None:
    """Send a result an earlier worker kept in ``folder`` (Redis was away when it ended)."""
    logger.info("job %s: sending the result kept in %s", result["job_id"], folder)
    try:
        if _send_result(context, result, folder / "result.tar.gz"):
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        with context.lock:
            context.jobs.discard(result["job_id"])


def _hand_back(context: WorkerContext, job: dict, why: str) -> None:
    """Put a job back on the queue at once for another worker (the message this worker took is
    done with): one line, not an error."""
    context.paused.wait(15)
    context.actors.crawl.send(job)
    context.broker.client.delete(status_key(job["job_id"]))
    logger.info("job %s: handed back to the queue (%s)", job["job_id"], why)


def _status(client, job_id: str, phase: str, worker: str) -> None:
    client.set(
        status_key(job_id),
        json.dumps({"phase": phase, "worker": worker, "since": time.time()}),
        ex=RESULT_TTL,
    )


def _wait_for_room(context: WorkerContext, client, job_id: str, size: int) -> None:
    """Hold a result on this machine until the results waiting in Redis leave room for it in
    the budget (a stopping worker sends it at once: there are at most as many as its threads)."""
    said = False
    while not context.stopping.is_set():
        waiting = reserve_room(client, job_id, size, context.result_budget)
        if waiting is None:
            return
        if not said:
            logger.info(
                "job %s: its result (%.1f MB) waits here for room in Redis: %.1f MB of results "
                "wait for the writer (budget %.0f MB)",
                job_id, size / 1e6, waiting / 1e6, context.result_budget / 1e6,
            )  # fmt: skip
            _status(client, job_id, "held", context.name)
            said = True
        context.stopping.wait(2.0)


def _pack(folder: Path) -> Path:
    """The journal, the crawl's log and its WARC files, as one gzipped tar on disk."""
    target = folder / "result.tar.gz"
    with tarfile.open(target, mode="w:gz") as tar:
        for name in ("journal.jsonl", "crawl.log", "crawl.out"):
            if (folder / name).exists():
                tar.add(folder / name, arcname=name)
        for path in sorted((folder / "warc").glob("*.warc.gz")):
            tar.add(path, arcname=f"warc/{path.name}")
    return target


def run_worker(
    broker_url: str,
    threads: int,
    work_dir: str | None,
    dead_after: float,
    result_budget: int = RESULT_BUDGET,
) -> int:  # pragma: no cover - run as a process by the tests
    """Serve crawl jobs until SIGTERM/SIGINT; the exit code."""
    global _context
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    broker = make_broker(broker_url, dead_after)
    actors = declare(broker, crawl=crawl_job)
    folder = Path(work_dir) if work_dir else Path(tempfile.gettempdir()) / "summary-archive-worker"
    folder.mkdir(parents=True, exist_ok=True)
    kept = clear_dead_folders(folder)
    stopping = threading.Event()
    _context = WorkerContext(
        broker,
        actors,
        folder,
        worker_name(),
        stopping,
        {},
        threading.Lock(),
        threading.Event(),
        result_budget,
    )
    dead_letter_garbage(broker.client)
    for result, job_folder in kept:  # results a killed worker kept here while Redis was away
        _context.jobs.add(result["job_id"])
        threading.Thread(
            target=_send_kept, args=(_context, result, job_folder), daemon=True
        ).start()
    worker = dramatiq.Worker(broker, queues={CRAWL_QUEUE}, worker_threads=threads)
    # A job is minutes of crawling: a worker takes only what it crawls now, so that a job waits
    # for the first free worker anywhere instead of behind this one's running jobs.
    worker.queue_prefetch = threads
    worker.start()
    logger.info("worker %s: %d crawls at once, jobs from %s", _context.name, threads, broker_url)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    while not done.wait(HEARTBEAT_EVERY_S):
        with _context.lock:
            jobs = list(_context.jobs)
        try:
            beat(broker.client, _context.name, jobs, dead_after)
        except RedisError:
            pass  # the broker is away: said by what waits for it
    logger.info("worker %s: stopping; running crawls go back on the queue", _context.name)
    stopping.set()
    with _context.lock:
        running = list(_context.crawls.values())
    for process in running:
        process.send_signal(signal.SIGTERM)
    # Take no more jobs before handing any back, so that they go to another worker, not here.
    for consumer in worker.consumers.values():
        consumer.pause()
    for consumer in worker.consumers.values():
        consumer.paused_event.wait(10)
    _context.paused.set()
    deadline = time.monotonic() + 60
    while any(p.poll() is None for p in running) and time.monotonic() < deadline:
        time.sleep(0.2)
    worker.stop(timeout=30_000)
    broker.close()
    return 0
