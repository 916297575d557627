"""The scheduler's side of crawling on workers: a crawl of due sites becomes a job on the queue,
and the crawl pool's slot stays taken until the writer says the job's result is in the archive."""

from __future__ import annotations

import json
import logging
import time
import uuid
from pathlib import Path

from crawler.archive import Archive, read_crawl_state
from crawler.crawljob import EXIT_BUSY, CrawlConfig, report_run, stopping
from crawler.distributed.queue import (
    declare,
    done_key,
    make_broker,
    put_registry,
    release_sites,
    site_key,
)

logger = logging.getLogger("crawler.scheduler")


class Dispatcher:
    """Sends crawls to workers through the broker at ``url``."""

    def __init__(self, url: str, dead_after: float):
        self.url = url
        self.dead_after = dead_after
        self.broker = make_broker(url, dead_after)
        self.actors = declare(self.broker)

    def __call__(self, site_ids: list[str], config: dict) -> int:
        """Send one crawl of the sites as a job and wait for its run in the archive; the run's
        exit code as `crawler crawl` would give it (0 ok, 1 not ok, 3 every site busy)."""
        crawl = CrawlConfig(**config)
        client = self.broker.client
        job_id = uuid.uuid4().hex
        # A site is in one job at a time, also across scheduler restarts: the lock lives past the
        # job's longest life (its time limit, a retry after its worker died) and is given back
        # by the writer.
        lock_for = int(crawl.time_limit + crawl.grace + 4 * self.dead_after + 3600)
        taken = [
            site_id for site_id in site_ids
            if client.set(site_key(site_id), job_id, nx=True, ex=lock_for)
        ]  # fmt: skip
        busy = [site_id for site_id in site_ids if site_id not in taken]
        if busy:
            logger.warning("crawl %s: skipped, a job on a worker has them", ", ".join(busy))
        if not taken:
            return EXIT_BUSY
        state = read_crawl_state(crawl.db_path, taken)
        job = {
            "job_id": job_id,
            "site_ids": taken,
            "registry": put_registry(client, Path(crawl.sites_path).read_text("utf-8")),
            "state": {site_id: site.as_json() for site_id, site in state.items()},
            "overrides": list(crawl.overrides),
            "time_limit": crawl.time_limit,
            "grace": crawl.grace,
        }
        self.actors.crawl.send(job)
        label = ", ".join(taken) if len(taken) <= 5 else f"{len(taken)} sites"
        logger.info("crawl %s: sent as job %s to %s", label, job_id, self.url)
        started = time.monotonic()
        deadline = started + lock_for
        while time.monotonic() < deadline:
            done = client.get(done_key(job_id))
            if done is not None:
                break
            if stopping.wait(1.0):
                # The job stays on the queue and its result is still ingested by the writer.
                logger.info("crawl %s: the scheduler stops; job %s goes on", label, job_id)
                return -1
        else:
            release_sites(client, taken, job_id)
            logger.error("crawl %s: job %s got no result in %.0f s", label, job_id, lock_for)
            return -1
        outcome = json.loads(done)
        with Archive(crawl.db_path) as archive:
            run = archive.run(outcome["run_id"])
            report_run(archive, run, time.monotonic() - started, run["exit_code"])
        return 0 if run["status"] == "ok" else 1
