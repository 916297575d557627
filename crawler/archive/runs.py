"""The run lifecycle: a crawl opens a run for its sites, records per-site counts when it ends, and
the scheduler settles the run of a process that died before it could. A site is crawled by one
live process at a time."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from crawler.archive.core import SiteBusy, seconds_since, utcnow
from crawler.archive.records import SiteCounts
from crawler.processes import process_alive
from crawler.sites import Site


class Runs:
    """The runs part of :class:`crawler.archive.Archive`."""

    def register_sites(self, sites: Iterable[Site]) -> None:
        now = utcnow()
        with self.transaction():
            for site in sites:
                row = site.as_row() | {"updated": now}
                self.db["sites"].upsert(row, pk="id")

    def close_dead_runs(self) -> set[str]:
        """Close as interrupted the runs left 'running' by a crawl process that no longer exists
        (killed, machine restarted); returns the sites those runs were crawling."""
        with self.transaction():
            return self._close_dead_runs()

    def _close_dead_runs(self) -> set[str]:
        sites: set[str] = set()
        for run_id, pid, run_sites in self.db.execute(
            "SELECT id, pid, sites FROM crawl_runs WHERE status = 'running'"
        ).fetchall():
            if pid is not None and (pid == os.getpid() or process_alive(pid)):
                continue
            self.db["crawl_runs"].update(
                run_id,
                {
                    "status": "interrupted",
                    "finished": utcnow(),
                    "message": f"the crawl process (pid {pid}) ended without closing its run",
                },
            )
            sites.update((run_sites or "").split())
        return sites

    def start_run(self, site_ids: list[str], log_path: str | None = None) -> int:
        """Open a run for the sites; SiteBusy when a live crawl process already has one of them.

        Runs left 'running' by a process that no longer exists are closed as interrupted first.
        The check and the new row are one transaction, so of two crawls of a site started at the
        same moment exactly one goes ahead.
        """
        wanted = set(site_ids)
        with self.transaction():
            self._close_dead_runs()
            for run_id, pid, sites, started in self.db.execute(
                "SELECT id, pid, sites, started FROM crawl_runs WHERE status = 'running' AND pid != ?",
                [os.getpid()],
            ).fetchall():
                busy = wanted & set((sites or "").split())
                if busy:
                    raise SiteBusy(
                        f"site '{sorted(busy)[0]}' is already being crawled into {self.path} "
                        f"by run {run_id} (pid {pid}, started {started}); not starting another"
                    )
            cursor = self.db.execute(
                "INSERT INTO crawl_runs (started, sites, status, pid, log_path) VALUES (?, ?, 'running', ?, ?)",
                [utcnow(), " ".join(site_ids), os.getpid(), log_path],
            )
        return cursor.lastrowid

    def finish_run(
        self, run_id: int, status: str, per_site: dict[str, SiteCounts], message: str | None = None
    ) -> None:
        totals = SiteCounts()
        for counts in per_site.values():
            for key, value in counts.as_row().items():
                setattr(totals, key, getattr(totals, key) + value)
        with self.transaction():
            duration = seconds_since(self.run(run_id)["started"])
            self.db["crawl_runs"].update(
                run_id,
                {
                    "finished": utcnow(),
                    "status": status,
                    "message": message,
                    "duration_s": duration,
                    **totals.as_row(),
                },
            )
            for site_id, counts in per_site.items():
                self.db["crawl_run_sites"].upsert(
                    {"run_id": run_id, "site": site_id, **counts.as_row()}, pk=("run_id", "site")
                )

    def settle_run(
        self,
        pid: int,
        site_id: str,
        exit_code: int,
        log_path: str | None,
        status: str | None,
        message: str | None,
        unfinished: str = "failed",
    ) -> dict[str, Any]:
        """After a crawl process has ended: record its exit code and log file, and make sure its run
        says how it ended, also when the process died before it could say so itself. Returns the
        run row. ``status`` overrides the run's own status ('timed out'); ``unfinished`` is the status
        of a run the process left open."""
        now = utcnow()
        with self.transaction():
            row = self.db.execute(
                "SELECT id, status FROM crawl_runs WHERE pid = ? ORDER BY id DESC LIMIT 1", [pid]
            ).fetchone()
            if row is None:
                # The crawl never opened its run: it refused its configuration or died at start.
                cursor = self.db.execute(
                    "INSERT INTO crawl_runs (started, finished, sites, status, pid, message) VALUES (?, ?, ?, ?, ?, ?)",
                    [now, now, site_id, status or unfinished, pid, message],
                )
                run_id, current = cursor.lastrowid, status or unfinished
            else:
                run_id, current = row
            if status is None:
                status = unfinished if current == "running" else current
            changes = {"status": status, "exit_code": exit_code, "log_path": log_path}
            if current == "running" or row is None:
                changes["finished"] = now
                changes["message"] = message
                changes["duration_s"] = seconds_since(self.run(run_id)["started"])
            self.db["crawl_runs"].update(run_id, changes)
            self.db.execute(
                "INSERT OR IGNORE INTO crawl_run_sites (run_id, site, requests, not_modified, list_pages, articles, documents_new, sightings_new, errors, cut) VALUES (?, ?, 0, 0, 0, 0, 0, 0, 0, 0)",
                [run_id, site_id],
            )
        return self.run(run_id)

    def site_health(self, site_id: str) -> str | None:
        """What is wrong with a site by its last runs, or None when nothing is."""
        row = self.db.execute("SELECT health FROM site_health WHERE site = ?", [site_id]).fetchone()
        return row[0] if row and row[0] != "ok" else None

    def run(self, run_id: int) -> dict[str, Any]:
        return self.db["crawl_runs"].get(run_id)
