"""The broker, the two actors and the Redis keys every part of the distributed crawl shares."""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from redis.backoff import NoBackoff
from redis.retry import Retry

from crawler.distributed.defaults import DEFAULT_DEAD_AFTER

PREFIX = "summary-archive"
CRAWL_QUEUE = "crawl"
RESULTS_QUEUE = "results"
RESULT_TTL = 7 * 24 * 3600  # a result waits this long for the writer
# Results travel through Redis in chunks of this size, and at most RESULT_BUDGET bytes of them wait
# there at once: a worker whose result would pass the budget keeps it on its disk until the writer
# has taken enough (a writer that is down, or slower than the workers, costs the workers' disks,
# not Redis's memory). One result larger than the budget goes alone.
RESULT_CHUNK = 4 * 1024 * 1024
RESULT_BUDGET = 256 * 1024 * 1024
# The crawl keeps its own time limit (--time-limit); Dramatiq's is only a last resort.
ACTOR_TIME_LIMIT_MS = 7 * 24 * 3600 * 1000


class BadMessage(ValueError):
    """A message that no try can work on: dead-lettered at once, not retried (messages.py)."""


class BrokerError(RuntimeError):
    """Redis cannot be reached or answered badly."""


def make_broker(
    url: str, dead_after: float = DEFAULT_DEAD_AFTER, quiet_retries: bool = True
) -> RedisBroker:
    """A Dramatiq broker on Redis; BrokerError (one line) when Redis does not answer. Without
    ``quiet_retries`` a lost connection is raised at once rather than tried again for seconds
    unsaid (the scheduler waits for the broker itself, and says so)."""
    retry = {} if quiet_retries else {"retry": Retry(NoBackoff(), 0)}
    try:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=10, health_check_interval=30, **retry
        )
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
            max_retries=3, time_limit=ACTOR_TIME_LIMIT_MS, throws=(BadMessage,),
        ),
        dramatiq.actor(
            ingest, broker=broker, actor_name="ingest", queue_name=RESULTS_QUEUE,
            # the writer counts its own tries and keeps a result aside after them (writer.py)
            max_retries=1000, time_limit=ACTOR_TIME_LIMIT_MS, throws=(BadMessage,),
        ),
    )  # fmt: skip


def site_key(site_id: str) -> str:
    return f"{PREFIX}:site:{site_id}"


def result_key(job_id: str) -> str:
    return f"{PREFIX}:result:{job_id}"


def pending_key() -> str:
    """A hash of the results waiting in Redis for the writer: job id → bytes."""
    return f"{PREFIX}:results-pending"


def reserved_key(job_id: str) -> str:
    """Room in the budget taken by a result being sent."""
    return f"{PREFIX}:result-reserved:{job_id}"


# Take room for a result when the results waiting (those still in Redis or being sent) leave
# enough of the budget, or when none wait; -1 when taken, else the bytes waiting. Atomic, so that
# workers sending at once cannot pass the budget together.
_RESERVE = """
local total = 0
local entries = redis.call('hgetall', KEYS[1])
for i = 1, #entries, 2 do
  local job = entries[i]
  if redis.call('exists', ARGV[4] .. job) == 1 or redis.call('exists', ARGV[5] .. job) == 1 then
    total = total + tonumber(entries[i + 1])
  else
    redis.call('hdel', KEYS[1], job)
  end
end
if total == 0 or total + tonumber(ARGV[2]) <= tonumber(ARGV[3]) then
  redis.call('hset', KEYS[1], ARGV[1], ARGV[2])
  redis.call('set', ARGV[5] .. ARGV[1], '1', 'EX', 3600)
  return -1
end
return total
"""


def reserve_room(client: redis.Redis, job_id: str, size: int, budget: int) -> int | None:
    """Take ``size`` bytes of the results budget for a job: None when taken, else the bytes of
    results waiting now."""
    reserve = client.register_script(_RESERVE)
    waiting = reserve(
        keys=[pending_key()],
        args=[job_id, size, budget, result_key(""), reserved_key("")],
    )
    return None if int(waiting) < 0 else int(waiting)


def put_result(client: redis.Redis, job_id: str, path: Path) -> str:
    """Send a result file to Redis in chunks (a list) once room is taken for it; its key."""
    key = result_key(job_id)
    client.delete(key)
    with path.open("rb") as stream:
        while chunk := stream.read(RESULT_CHUNK):
            client.rpush(key, chunk)
    client.expire(key, RESULT_TTL)
    client.hset(pending_key(), job_id, path.stat().st_size)
    client.delete(reserved_key(job_id))
    return key


def fetch_result(client: redis.Redis, key: str, target: Path) -> bool:
    """Write a result from Redis to ``target``, a chunk at a time; False when it is not there.
    (A result sent by an older worker is one string.)"""
    kind = client.type(key)
    kind = kind.decode() if isinstance(kind, bytes) else kind
    if kind == "none":
        return False
    with target.open("wb") as out:
        if kind == "string":
            out.write(client.get(key) or b"")
            return True
        for index in range(client.llen(key)):
            out.write(client.lindex(key, index) or b"")
    return True


def drop_result(client: redis.Redis, job_id: str) -> None:
    """The writer has the result: its chunks and its room in the budget are freed."""
    client.delete(result_key(job_id), reserved_key(job_id))
    client.hdel(pending_key(), job_id)


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
