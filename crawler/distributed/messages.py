"""Messages that cannot be worked on, and what a killed worker leaves on its disk.

A message of the wrong shape (a key missing, a value of the wrong kind) is refused at once and
dead-lettered by Dramatiq (:class:`BadMessage` is in the actors' ``throws``), with one line
naming it; bytes that are no message at all cannot reach an actor (Dramatiq fails to decode them
and they would come back after every restart), so :func:`dead_letter_garbage` moves them to the
dead-letter queue, one line each."""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from pathlib import Path

import redis

from crawler.distributed.queue import CRAWL_QUEUE, PREFIX, RESULTS_QUEUE, BadMessage
from crawler.processes import pid_exists

logger = logging.getLogger("crawler.distributed")

OWNER = "owner.pid"  # in a job's folder on a worker: the worker process that crawls it
KEPT = "result.json"  # beside a result kept on a worker's disk: what the writer needs with it

_JOB = {"job_id": str, "site_ids": list, "registry": str, "time_limit": (int, float),
        "grace": (int, float)}  # fmt: skip
_RESULT = {"job_id": str, "site_ids": list, "registry": str, "worker": str, "started": str,
           "finished": str, "result_key": str}  # fmt: skip


def _check(kind: str, message, fields: dict) -> None:
    if not isinstance(message, dict):
        problem = f"not an object but {type(message).__name__}"
    else:
        missing = [key for key in fields if key not in message]
        wrong = [k for k, t in fields.items() if k in message and not isinstance(message[k], t)]
        problem = (
            f"missing {', '.join(missing)}" if missing
            else f"wrong kind of {', '.join(wrong)}" if wrong else None
        )  # fmt: skip
    if problem:
        shown = json.dumps(message, ensure_ascii=False, default=str)[:200]
        logger.error("bad %s message dead-lettered (%s): %s", kind, problem, shown)
        raise BadMessage(f"bad {kind} message: {problem}")


def check_job(job) -> None:
    """BadMessage (after one line naming it) unless ``job`` is a crawl job's message."""
    _check("crawl", job, _JOB)


def check_result(result) -> None:
    """BadMessage (after one line naming it) unless ``result`` is a result's message."""
    _check("results", result, _RESULT)


def _undecodable(data: bytes) -> str | None:
    """Why a queued message's bytes are not a Dramatiq message, or None."""
    try:
        message = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        return f"not JSON: {exc}"
    if not isinstance(message, dict) or not {"actor_name", "args", "message_id"} <= set(message):
        return "not a Dramatiq message"
    return None


def dead_letter_garbage(client: redis.Redis) -> int:
    """Move the queued messages that cannot be decoded to their queue's dead-letter queue (kept
    there, as Dramatiq keeps failed messages); one line each. Returns how many."""
    namespace = f"{PREFIX}:dramatiq"
    moved = 0
    for queue in (CRAWL_QUEUE, RESULTS_QUEUE):
        full = f"{namespace}:{queue}"
        for message_id, data in client.hgetall(f"{full}.msgs").items():
            why = _undecodable(data)
            if why is None:
                continue
            if not client.hdel(f"{full}.msgs", message_id):
                continue  # moved meanwhile by another process
            client.zadd(f"{namespace}:{queue}.XQ", {message_id: time.time() * 1000})
            client.hset(f"{namespace}:{queue}.XQ.msgs", message_id, data)
            client.lrem(full, 0, message_id)
            for acks in client.scan_iter(match=f"{namespace}:__acks__.*.{queue}"):
                client.srem(acks, message_id)
            moved += 1
            logger.error(
                "bad %s message %s dead-lettered (%s): %r", queue,
                message_id.decode(errors="replace"), why, data[:80],
            )  # fmt: skip
    return moved


def dead_folders(work_dir: Path) -> list[Path]:
    """The job folders of worker processes that no longer live (killed mid-crawl)."""
    found = []
    for folder in sorted(p for p in work_dir.iterdir() if p.is_dir()):
        try:
            pid = int((folder / OWNER).read_text("utf-8"))
        except (OSError, ValueError):
            continue
        if not pid_exists(pid):
            found.append(folder)
    return found


def clear_dead_folders(work_dir: Path) -> list[tuple[dict, Path]]:
    """Remove what killed workers left in ``work_dir``, except the results they kept for a broker
    that was away: those are returned (the result's message, its file) to be sent now."""
    kept = []
    for folder in dead_folders(work_dir):
        if (folder / KEPT).exists() and (folder / "result.tar.gz").exists():
            try:
                kept.append((json.loads((folder / KEPT).read_text("utf-8")), folder))
                (folder / OWNER).write_text(str(os.getpid()), "utf-8")
                continue
            except ValueError:
                pass
        shutil.rmtree(folder, ignore_errors=True)
        logger.info("removed %s, left by a worker that was killed", folder)
    return kept
