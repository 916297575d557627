"""Each site's own outcome in a crawl of many sites; runs written by workers."""

from __future__ import annotations

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    # A crawl process crawls many sites at once: each site's own outcome ('ok' when its work ended
    # before the process did, else the run's end: 'timed out', 'interrupted', 'failed') and when
    # its last page was answered. NULL in runs of one site before this migration: the run's status.
    db.execute("ALTER TABLE crawl_run_sites ADD COLUMN status TEXT")
    db.execute("ALTER TABLE crawl_run_sites ADD COLUMN finished TEXT")
    db.execute("ALTER TABLE crawl_run_sites ADD COLUMN duration_s REAL")
    # Seconds the crawl spent writing the archive; and, for a crawl run by a worker on another
    # machine (crawler worker), its job and the worker, by which its result is ingested once.
    db.execute("ALTER TABLE crawl_runs ADD COLUMN write_s REAL")
    db.execute("ALTER TABLE crawl_runs ADD COLUMN job_id TEXT")
    db.execute("ALTER TABLE crawl_runs ADD COLUMN worker TEXT")
    db.execute("CREATE UNIQUE INDEX crawl_runs_job ON crawl_runs(job_id) WHERE job_id IS NOT NULL")
    # site_health judges each site by its own outcome: crawler/archive/views.py.
