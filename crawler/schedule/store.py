"""The service's own state and log, made to outlive the faults a year of service meets: a full
disk must not stop the scheduler (its job store keeps unsaved next runs in memory and saves them
when it can; its log says once that it cannot write), and a clean exit prints no traceback."""

from __future__ import annotations

import logging
import logging.handlers
import sys
import threading
from datetime import datetime, timedelta

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_RUNNING
from sqlalchemy.exc import SQLAlchemyError

logger = logging.getLogger("crawler.scheduler")

RETRY_SAVE_S = 30.0  # how soon the scheduler looks again while next runs wait to be saved


class QuietScheduler(BackgroundScheduler):
    """A BackgroundScheduler that starts nothing unless it is running: a wakeup that comes as it
    pauses or shuts down (a job falling due at SIGTERM, the end of ``--once``) would hand the job
    to an executor already shut down (``RuntimeError: cannot schedule new futures after
    shutdown``, with a traceback per due job)."""

    def _process_jobs(self):
        # shutdown() sets the state first and then takes this lock to stop the executors, so a
        # pass that sees "running" here submits before the executors stop.
        with self._jobstores_lock:
            if self.state != STATE_RUNNING:
                return None
            return super()._process_jobs()


class TolerantJobStore(SQLAlchemyJobStore):
    """The job store in its SQLite file; a job's next run that cannot be written (a full disk,
    a read-only file) is kept in memory, used as if saved, and written at a later pass; one line
    says so, one line says when it is saved again."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._unsaved: dict = {}
        self._unsaved_lock = threading.Lock()

    def update_job(self, job) -> None:
        try:
            super().update_job(job)
        except SQLAlchemyError as exc:
            with self._unsaved_lock:
                first = not self._unsaved
                self._unsaved[job.id] = job
            if first:
                logger.error(
                    "cannot save the schedule in %s (%s); next runs are kept in memory and "
                    "saved when it can be written", self.engine.url.database,
                    str(exc.orig if getattr(exc, "orig", None) else exc).splitlines()[0],
                )  # fmt: skip
        else:
            with self._unsaved_lock:
                self._unsaved.pop(job.id, None)

    def _save_unsaved(self) -> None:
        with self._unsaved_lock:
            waiting = list(self._unsaved.values())
        if not waiting:
            return
        try:
            for job in waiting:
                super().update_job(job)
        except SQLAlchemyError:
            return
        with self._unsaved_lock:
            for job in waiting:
                if self._unsaved.get(job.id) is job:
                    del self._unsaved[job.id]
        logger.info("the schedule is saved again in %s", self.engine.url.database)

    def get_due_jobs(self, now: datetime) -> list:
        self._save_unsaved()
        with self._unsaved_lock:
            unsaved = dict(self._unsaved)
        jobs = [unsaved.get(job.id, job) for job in super().get_due_jobs(now)]
        seen = {job.id for job in jobs}
        jobs += [job for job in unsaved.values() if job.id not in seen]
        return [job for job in jobs if job.next_run_time and job.next_run_time <= now]

    def get_next_run_time(self):
        with self._unsaved_lock:
            unsaved = dict(self._unsaved)
        if not unsaved:
            return super().get_next_run_time()
        try:
            times = [unsaved.get(job.id, job).next_run_time for job in super().get_all_jobs()] + [
                job.next_run_time for job in unsaved.values()
            ]
        except SQLAlchemyError:
            times = []
        found = min((t for t in times if t is not None), default=None)
        # Unsaved next runs are tried again soon, whenever the first run falls.
        retry = datetime.now().astimezone() + timedelta(seconds=RETRY_SAVE_S)
        return retry if found is None or found > retry else found


class LogFile(logging.handlers.RotatingFileHandler):
    """The service's log file; a line that cannot be written (a full disk) is said once on
    stderr, not as a traceback per line, and writing resumes when it can."""

    failing = False  # the last line could not be written
    _erred = False

    def emit(self, record: logging.LogRecord) -> None:
        self._erred = False
        super().emit(record)
        if not self._erred:
            self.failing = False

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        self._erred = True
        if not self.failing:
            self.failing = True
            error = sys.exc_info()[1]
            print(f"cannot write the log {self.baseFilename}: {error}", file=sys.stderr)
