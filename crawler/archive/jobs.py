"""Runs crawled by workers on other machines (crawler/distributed): a job's run is written once,
by its job id, and a job whose result could not be written is kept as a failed job."""

from __future__ import annotations

from typing import Any

from crawler.archive.core import seconds_since, utcnow


class Jobs:
    """The jobs part of :class:`crawler.archive.Archive`."""

    def job_run(self, job_id: str) -> dict[str, Any] | None:
        """The run a job's result was written as, or None."""
        rows = list(self.db.query("SELECT * FROM crawl_runs WHERE job_id = ?", [job_id]))
        return rows[0] if rows else None

    def open_job_run(self, run: dict[str, Any]) -> int:
        """A run for a job's result (``run``: job_id, worker, sites, started, log_path, ...)."""
        with self.transaction():
            return self.db["crawl_runs"].insert({"status": "running", "pid": None, **run}).last_pk

    def set_run_span(self, run_id: int, started: str, finished: str) -> None:
        """The crawl's own start and end, where the run was written later (by the writer)."""
        with self.transaction():
            self.db["crawl_runs"].update(
                run_id,
                {
                    "started": started,
                    "finished": finished,
                    "duration_s": seconds_since(started, finished),
                },
            )

    def record_failed_job(self, job: dict[str, Any], tries: int, error: str, kept: str) -> None:
        """A job whose result could not be written: where it is kept and why."""
        with self.transaction():
            self.db["failed_jobs"].upsert(
                {
                    "job_id": job["job_id"],
                    "sites": " ".join(job.get("site_ids") or ()),
                    "worker": job.get("worker"),
                    "started": job.get("started"),
                    "finished": job.get("finished"),
                    "tries": tries,
                    "error": error,
                    "kept": kept,
                    "failed_at": utcnow(),
                    "replayed_at": None,
                    "run_id": None,
                },
                pk="job_id",
            )

    def failed_job(self, job_id: str) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM failed_jobs WHERE job_id = ?", [job_id]))
        return rows[0] if rows else None

    def mark_job_replayed(self, job_id: str, run_id: int) -> None:
        """A failed job's result was written after all (crawler writer --replay)."""
        with self.transaction():
            self.db.execute(
                "UPDATE failed_jobs SET replayed_at = ?, run_id = ? WHERE job_id = ?",
                [utcnow(), run_id, job_id],
            )
