"""The scheduler's side of crawling on workers: a crawl of due sites becomes a job on the queue,
and the crawl pool's slot stays taken until the writer says the job's result is in the archive."""

from __future__ import annotations

import json
import logging
import time
import uuid
from pathlib import Path

from dramatiq.errors import BrokerConnectionError
from redis.exceptions import RedisError

from crawler.archive import Archive, read_crawl_state
from crawler.distributed.liveness import lost, release_orphans, worker_key
from crawler.distributed.queue import (
    declare,
    done_key,
    make_broker,
    put_registry,
    release_sites,
    site_key,
    state_key,
    status_key,
)
from crawler.schedule.crawljob import EXIT_BUSY, CrawlConfig, report_run, stopping

logger = logging.getLogger("crawler.scheduler")


REPORT_EVERY_S = 60.0  # while the scheduler waits for a job, it says what for this often
ALIVE_CHECK_S = 10.0  # how often the scheduler looks whether Redis still has its job
MAX_PAUSE_S = 30.0  # the longest pause between tries at a broker that does not answer


class Dispatcher:
    """Sends crawls to workers through the broker at ``url``."""

    def __init__(self, url: str, dead_after: float, result_wait: float = 600.0):
        self.url = url
        self.dead_after = dead_after
        self.result_wait = result_wait
        self.broker = make_broker(url, dead_after, quiet_retries=False)
        self.actors = declare(self.broker)

    def __call__(self, site_ids: list[str], config: dict) -> int:
        """Send one crawl of the sites as a job and wait for its run in the archive; the run's
        exit code as `crawler crawl` would give it (0 ok, 1 not ok or not written, 3 every site
        busy). While Redis cannot be reached it waits for it (one line), and a job Redis lost
        with its data (restarted empty) is sent again."""
        crawl = CrawlConfig(**config)
        label = ", ".join(site_ids) if len(site_ids) <= 5 else f"{len(site_ids)} sites"
        job_id = uuid.uuid4().hex
        # A site is in one job at a time, also across scheduler restarts: the lock lives past the
        # job's longest life (its time limit, a retry after its worker died) and is given back
        # by the writer.
        lock_for = int(crawl.time_limit + crawl.grace + 4 * self.dead_after + 3600)
        taken = self._reachable(label, lambda: self._take(site_ids, job_id, lock_for))
        if not taken:
            return EXIT_BUSY if taken is not None else -1
        label = ", ".join(taken) if len(taken) <= 5 else f"{len(taken)} sites"
        state = read_crawl_state(crawl.db_path, taken)
        job = {
            "job_id": job_id,
            "site_ids": taken,
            "registry": "",
            "overrides": list(crawl.overrides),
            "time_limit": crawl.time_limit,
            "grace": crawl.grace,
        }
        state_text = json.dumps({site_id: site.as_json() for site_id, site in state.items()})
        if self._reachable(label, lambda: self._send(job, crawl, state_text, lock_for)) is None:
            return -1
        logger.info("crawl %s: sent as job %s to %s", label, job_id, self.url)
        started = time.monotonic()
        limits = {
            # no worker took it: the site lock's life, after which another job may take the sites
            "queued": lock_for,
            # a worker crawls it: its time limit, and a dead worker's job moving to another
            "crawling": crawl.time_limit + crawl.grace + 4 * self.dead_after,
            "sent": self.result_wait,  # crawled: the writer should write it within this
            "held": self.result_wait,  # crawled, kept on the worker until Redis has room
        }
        phase, phase_status, phase_since, reported = "queued", None, started, started
        silent: float | None = None  # when the crawling worker was found without a heartbeat
        checked = started
        while True:
            try:
                done = self.broker.client.get(done_key(job_id))
                if done is not None:
                    break
                status = self.broker.client.get(status_key(job_id))
                if time.monotonic() - checked >= ALIVE_CHECK_S:
                    checked = time.monotonic()
                    if lost(self.broker.client, job_id):
                        logger.warning(
                            "crawl %s: job %s was lost with Redis's data (no worker has it, no "
                            "message, no result); sent again", label, job_id,
                        )  # fmt: skip
                        self._send(job, crawl, state_text, lock_for)
                        # on the queue again: no worker has it yet
                        phase, phase_status, phase_since = "queued", None, time.monotonic()
                        continue
            except (RedisError, BrokerConnectionError):
                if self._reachable(label, self.broker.client.ping) is None:
                    return -1
                checked = 0.0  # Redis may have come back without the job: look at once
                continue
            if status != phase_status:  # a worker took it, sent it, or another took it over
                phase_status, phase_since = status, time.monotonic()
                phase = json.loads(status)["phase"] if status else "queued"
                silent = None
            now = time.monotonic()
            if phase == "crawling" and silent is None and self._worker_silent(phase_status):
                silent = now  # said once per worker and job
                logger.warning("crawl %s: %s", label, self._waiting_for(
                    job_id, phase, phase_status, now - phase_since, crawl))  # fmt: skip
            waiting = self._waiting_for(job_id, phase, phase_status, now - phase_since, crawl)
            if now - phase_since > limits[phase]:
                release_sites(self.broker.client, taken, job_id)
                logger.error("crawl %s: given up after %.0f s: %s; sites released",
                             label, now - started, waiting)  # fmt: skip
                return 1
            if now - reported >= min(REPORT_EVERY_S, max(limits[phase] / 4, 1.0)):
                if silent is not None:  # said in full once (above): not named again and again
                    waiting = (f"job {job_id}: its worker stopped answering {now - silent:.0f} s "
                               "ago; the job goes to another worker when its message comes back")  # fmt: skip
                logger.info("crawl %s: waiting: %s", label, waiting)
                reported = now
            if stopping.wait(1.0):
                # The job stays on the queue and its result is still ingested by the writer.
                logger.info("crawl %s: the scheduler stops; job %s goes on", label, job_id)
                return -1
        outcome = json.loads(done)
        if outcome.get("run_id") is None:
            kept = outcome.get("kept")
            logger.error(
                "crawl %s: job %s was crawled but not written: %s%s", label, job_id,
                outcome.get("error"),
                f"; kept in {kept} (`crawler writer --replay {kept} --db {crawl.db_path}`)"
                if kept else "",
            )  # fmt: skip
            return 1
        with Archive(crawl.db_path) as archive:
            run = archive.run(outcome["run_id"])
            report_run(archive, run, time.monotonic() - started, run["exit_code"])
        return 0 if run["status"] == "ok" else 1

    def _take(self, site_ids: list[str], job_id: str, lock_for: int) -> list[str]:
        """The sites' locks for a job; a lock whose job is over (see liveness.py) is released
        first, one line each."""
        client = self.broker.client

        def free() -> list[str]:
            return [s for s in site_ids if client.set(site_key(s), job_id, nx=True, ex=lock_for)]

        taken = free()
        busy = [site_id for site_id in site_ids if site_id not in taken]
        if busy:
            for site_id, holder in release_orphans(client, busy):
                logger.warning(
                    "crawl %s: its lock named job %s, which no worker has, whose message is gone "
                    "and whose result is not waiting; released", site_id, holder,
                )  # fmt: skip
            taken += free()
            busy = [site_id for site_id in site_ids if site_id not in taken]
        if busy:
            logger.warning("crawl %s: skipped, a job on a worker has them", ", ".join(busy))
        return [site_id for site_id in site_ids if site_id in taken]

    def _send(self, job: dict, crawl: CrawlConfig, state_text: str, lock_for: int) -> bool:
        """Put the job, its state and its registry in Redis and its message on the queue (again,
        for a job Redis lost: its locks are taken again where free)."""
        client = self.broker.client
        for site_id in job["site_ids"]:
            client.set(site_key(site_id), job["job_id"], nx=True, ex=lock_for)
        job["registry"] = put_registry(client, Path(crawl.sites_path).read_text("utf-8"))
        client.set(state_key(job["job_id"]), state_text, ex=lock_for)
        self.actors.crawl.send(job)
        return True

    def _reachable(self, label: str, action):
        """``action()``'s value once Redis answers; while it does not, one line says what the
        scheduler waits for, and it tries again with growing pauses. None when the scheduler
        stops meanwhile."""
        pause, said = 1.0, False
        while True:
            try:
                value = action()
            except (RedisError, BrokerConnectionError) as exc:
                if not said:
                    logger.warning(
                        "crawl %s: waiting for the broker %s (%s); trying again with pauses of up "
                        "to %.0f s", label, self.url, str(exc).splitlines()[0], MAX_PAUSE_S,
                    )  # fmt: skip
                    said = True
                if stopping.wait(pause):
                    return None
                pause = min(pause * 2, MAX_PAUSE_S)
                continue
            if said:
                logger.info("crawl %s: the broker %s answers again", label, self.url)
            return value

    def _worker_silent(self, status: bytes | None) -> bool:
        """The worker a job's status names has no heartbeat: it died or lost Redis."""
        if not status:
            return False
        try:
            return not self.broker.client.exists(worker_key(json.loads(status)["worker"]))
        except (RedisError, BrokerConnectionError):
            return False

    def _waiting_for(self, job_id: str, phase: str, status: bytes | None, took: float,
                     crawl: CrawlConfig) -> str:  # fmt: skip
        """What a job waits for, in words."""
        if phase == "queued":
            return (
                f"job {job_id} has waited {took:.0f} s on the queue for a worker (is `crawler "
                f"worker --broker {self.url}` running?)"
            )
        worker = json.loads(status)["worker"]
        if phase == "crawling" and self._worker_silent(status):
            return (
                f"job {job_id} was crawling on worker {worker}, which has stopped answering (no "
                f"heartbeat for {self.dead_after:.0f} s: it died or lost its connection); the job "
                "goes to another worker when its message comes back"
            )
        if phase == "crawling":
            return f"job {job_id} has been crawling on worker {worker} for {took:.0f} s"
        if phase == "held":
            return (
                f"job {job_id} was crawled by {worker}; its result has waited {took:.0f} s there "
                "for room in Redis, which holds as many results as the workers' --result-budget "
                f"(is `crawler writer --broker {self.url} --db {crawl.db_path}` running?)"
            )
        return (
            f"job {job_id} was crawled by {worker}; its result has waited {took:.0f} s for the "
            f"writer (is `crawler writer --broker {self.url} --db {crawl.db_path}` running?)"
        )
