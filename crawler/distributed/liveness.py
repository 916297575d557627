"""Whether a job named by a site lock is still alive, after the faults Redis meets: restarted from
its append-only file (locks of jobs that died with the restart survive it), or restarted empty
(jobs, results and locks gone). A job is alive while its message waits on the queue or is being
worked on, while a worker's heartbeat names it (crawling it, or holding its result on disk), or
while its result waits for the writer. A lock of a job that is none of these is an orphan: it is
released, and a job of the scheduler's own that was lost is sent again."""

from __future__ import annotations

import json
import time

import redis

from crawler.distributed.queue import (
    CRAWL_QUEUE,
    PREFIX,
    done_key,
    pending_key,
    result_key,
    site_key,
)

HEARTBEAT_EVERY_S = 1.0  # how often a worker says it lives, and which jobs it has


def worker_key(name: str) -> str:
    """A worker's heartbeat: the jobs it has (crawling, or a result held on its disk); it expires
    when the worker stops saying it lives."""
    return f"{PREFIX}:worker:{name}"


def beat(client: redis.Redis, name: str, jobs: list[str], dead_after: float) -> None:
    """A worker's heartbeat, with the jobs it has now."""
    client.set(worker_key(name), json.dumps(sorted(jobs)), px=int(max(dead_after, 2.0) * 1000))


def _message_waits(client: redis.Redis, job_id: str) -> bool:
    """A message of the job is on the crawl queue, delayed for a retry, or taken and not acked.
    (Dramatiq gives each try its own id in Redis, so the messages are looked through for the
    job's id.)"""
    namespace = f"{PREFIX}:dramatiq"
    needle = job_id.encode()
    for queue in (CRAWL_QUEUE, f"{CRAWL_QUEUE}.DQ"):
        for _message_id, data in client.hscan_iter(f"{namespace}:{queue}.msgs", count=500):
            if needle not in data:
                continue
            try:
                args = json.loads(data).get("args") or [{}]
            except (ValueError, AttributeError):
                continue
            if isinstance(args[0], dict) and args[0].get("job_id") == job_id:
                return True
    return False


def _workers_jobs(client: redis.Redis) -> set[str]:
    jobs: set[str] = set()
    for key in client.scan_iter(match=worker_key("*"), count=500):
        try:
            jobs.update(json.loads(client.get(key) or "[]"))
        except ValueError:
            continue
    return jobs


def job_alive(client: redis.Redis, job_id: str) -> str | None:
    """What keeps a job alive, in words, or None when nothing does."""
    if client.exists(done_key(job_id)):
        return None  # written (or kept aside) by the writer: its locks are over
    if client.exists(result_key(job_id)) or client.hexists(pending_key(), job_id):
        return "its result waits for the writer"
    if job_id in _workers_jobs(client):
        return "a worker has it"
    if _message_waits(client, job_id):
        return "its message is on the queue"
    return None


_RELEASE_ORPHAN = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


def release_orphans(client: redis.Redis, site_ids: list[str]) -> list[tuple[str, str]]:
    """Release the locks of these sites held by jobs no longer alive; (site, job) of each."""
    released = []
    release = client.register_script(_RELEASE_ORPHAN)
    for site_id in site_ids:
        holder = client.get(site_key(site_id))
        if holder is None:
            continue
        holder = holder.decode() if isinstance(holder, bytes) else holder
        if job_alive(client, holder) is None and release(keys=[site_key(site_id)], args=[holder]):
            released.append((site_id, holder))
    return released


def lost(client: redis.Redis, job_id: str, confirm_after: float = 3 * HEARTBEAT_EVERY_S) -> bool:
    """True when a job is not alive now, nor ``confirm_after`` seconds later (a worker's
    heartbeat comes back within that after Redis does)."""
    if job_alive(client, job_id) is not None or client.exists(done_key(job_id)):
        return False
    time.sleep(confirm_after)
    return job_alive(client, job_id) is None and not client.exists(done_key(job_id))
