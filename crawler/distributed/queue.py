"""The broker, the two actors and the Redis keys every part of the distributed crawl shares."""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker

PREFIX = "summary-archive"
CRAWL_QUEUE = "crawl"
RESULTS_QUEUE = "results"
DEFAULT_DEAD_AFTER = 60.0  # seconds without a heartbeat after which a worker's jobs go elsewhere
RESULT_TTL = 7 * 24 * 3600  # a result blob waits this long for the writer
# The crawl keeps its own time limit (--time-limit); Dramatiq's is only a last resort.
ACTOR_TIME_LIMIT_MS = 7 * 24 * 3600 * 1000


class BrokerError(RuntimeError):
    """Redis cannot be reached or answered badly."""


def make_broker(url: str, dead_after: float = DEFAULT_DEAD_AFTER) -> RedisBroker:
    """A Dramatiq broker on Redis; BrokerError (one line) when Redis does not answer."""
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=10, health_check_interval=30)
        client.ping()
    except (redis.RedisError, ValueError) as exc:
        raise BrokerError(f"cannot reach the broker {url}: {exc}") from exc
    # Maintenance (handing the jobs of dead workers to others) runs on 1 in 20 broker calls
    # rather than 1 in 1,000: a few thousand jobs a day make that cheap, and a dead worker's job
    # moves on within seconds of --dead-after.
    return RedisBroker(
        client=client,
        namespace=f"{PREFIX}:dramatiq",
        heartbeat_timeout=int(dead_after * 1000),
        maintenance_chance=50_000,
    )


@dataclass
class Actors:
    crawl: dramatiq.Actor
    ingest: dramatiq.Actor


def _elsewhere(*_args) -> None:
    raise RuntimeError("this actor's messages are processed by another command")


def declare(
    broker: RedisBroker,
    crawl: Callable[[dict], None] = _elsewhere,
    ingest: Callable[[dict], None] = _elsewhere,
) -> Actors:
    """The two actors on this process's broker. A process that only sends an actor's messages
    (the scheduler sends crawls, a worker sends results) declares it without its work;
    `crawler worker` gives the crawl's (worker.py), `crawler writer` the ingest's (writer.py)."""
    return Actors(
        dramatiq.actor(
            crawl, broker=broker, actor_name="crawl", queue_name=CRAWL_QUEUE,
            max_retries=3, time_limit=ACTOR_TIME_LIMIT_MS,
        ),
        dramatiq.actor(
            ingest, broker=broker, actor_name="ingest", queue_name=RESULTS_QUEUE,
            # the writer counts its own tries and keeps a result aside after them (writer.py)
            max_retries=1000, time_limit=ACTOR_TIME_LIMIT_MS,
        ),
    )  # fmt: skip


def site_key(site_id: str) -> str:
    return f"{PREFIX}:site:{site_id}"


def result_key(job_id: str) -> str:
    return f"{PREFIX}:result:{job_id}"


def state_key(job_id: str) -> str:
    """The sites' state a job crawls from: kept in Redis beside the job, so that the message (and
    any log line that names it) stays a few hundred bytes."""
    return f"{PREFIX}:state:{job_id}"


def status_key(job_id: str) -> str:
    """Where a job is: taken by a worker, crawled and sent; the scheduler says so while it waits."""
    return f"{PREFIX}:status:{job_id}"


def attempts_key(job_id: str) -> str:
    """How many times the writer tried to write a job's result."""
    return f"{PREFIX}:attempts:{job_id}"


def done_key(job_id: str) -> str:
    return f"{PREFIX}:done:{job_id}"


def registry_key(digest: str) -> str:
    return f"{PREFIX}:registry:{digest}"


def put_registry(client: redis.Redis, text: str) -> str:
    """Keep the registry's text in Redis under its hash (jobs name the hash); returns it."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
    client.set(registry_key(digest), text.encode("utf-8"), ex=30 * 24 * 3600)
    return digest


_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


def release_sites(client: redis.Redis, site_ids: list[str], job_id: str) -> None:
    """Give back the sites' locks, where this job still holds them."""
    release = client.register_script(_RELEASE)
    for site_id in site_ids:
        release(keys=[site_key(site_id)], args=[job_id])


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"
