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
from crawler.registry.sites import Site


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

    def start_run(
        self, site_ids: list[str], log_path: str | None = None, skip_busy: bool = False
    ) -> int:
        """Open a run for the sites; SiteBusy when a live crawl process already has one of them,
        or with ``skip_busy`` the run leaves those out (its ``sites`` say which it has), and
        SiteBusy only when that leaves none.

        Runs left 'running' by a process that no longer exists are closed as interrupted first.
        The check and the new row are one transaction, so of two crawls of a site started at the
        same moment exactly one goes ahead.
        """
        wanted = list(dict.fromkeys(site_ids))
        with self.transaction():
            self._close_dead_runs()
            refusals = []
            done = self._sites_done_in_running_runs()
            for run_id, pid, sites, started in self.db.execute(
                "SELECT id, pid, sites, started FROM crawl_runs WHERE status = 'running' AND pid != ?",
                [os.getpid()],
            ).fetchall():
                # a site whose own crawl ended in a run still going on is free again
                busy = set(wanted) & (set((sites or "").split()) - done.get(run_id, set()))
                if busy:
                    refusals.append(
                        f"site '{sorted(busy)[0]}' is already being crawled into {self.path} "
                        f"by run {run_id} (pid {pid}, started {started}); not starting another"
                    )
                    wanted = [site_id for site_id in wanted if site_id not in busy]
            if refusals and (not skip_busy or not wanted):
                raise SiteBusy(refusals[0])
            cursor = self.db.execute(
                "INSERT INTO crawl_runs (started, sites, status, pid, log_path) VALUES (?, ?, 'running', ?, ?)",
                [utcnow(), " ".join(wanted), os.getpid(), log_path],
            )
        return cursor.lastrowid

    def sites_done_in_running_runs(self) -> set[str]:
        """Sites whose own crawl ended ('ok') in a crawl process still crawling other sites: free
        for their next run."""
        return set().union(*self._sites_done_in_running_runs().values())

    def _sites_done_in_running_runs(self) -> dict[int, set[str]]:
        done: dict[int, set[str]] = {}
        for run_id, site in self.db.execute(
            "SELECT s.run_id, s.site FROM crawl_run_sites s JOIN crawl_runs r ON r.id = s.run_id "
            "WHERE r.status = 'running' AND s.status = 'ok'"
        ).fetchall():
            done.setdefault(run_id, set()).add(site)
        return done

    def finish_run(
        self,
        run_id: int,
        status: str,
        per_site: dict[str, SiteCounts],
        message: str | None = None,
        outcomes: dict[str, tuple[str, str | None]] | None = None,
        write_s: float | None = None,
    ) -> None:
        """Close a run with its counts per site; ``outcomes`` gives each site's own (status,
        finished) where the run crawled many (default: the run's status, now); ``write_s`` the
        seconds spent writing the archive."""
        totals = SiteCounts()
        for counts in per_site.values():
            for key, value in counts.as_row().items():
                setattr(totals, key, getattr(totals, key) + value)
        with self.transaction():
            started = self.run(run_id)["started"]
            duration = seconds_since(started)
            self.db["crawl_runs"].update(
                run_id,
                {
                    "finished": utcnow(),
                    "status": status,
                    "message": message,
                    "duration_s": duration,
                    "write_s": write_s,
                    **totals.as_row(),
                },
            )
            for site_id, counts in per_site.items():
                site_status, finished = (outcomes or {}).get(site_id, (status, None))
                self._site_row(run_id, started, site_id, counts, site_status, finished)

    def finish_site(
        self, run_id: int, site_id: str, counts: SiteCounts, status: str, finished: str
    ) -> None:
        """Record one site's end in a run that goes on with other sites."""
        with self.transaction():
            self._site_row(run_id, self.run(run_id)["started"], site_id, counts, status, finished)

    def _site_row(
        self,
        run_id: int,
        started: str,
        site_id: str,
        counts: SiteCounts,
        status: str,
        finished: str | None,
    ) -> None:
        self.db["crawl_run_sites"].upsert(
            {
                "run_id": run_id,
                "site": site_id,
                **counts.as_row(),
                "status": status,
                "finished": finished,
                "duration_s": seconds_since(started, finished) if finished else None,
            },
            pk=("run_id", "site"),
        )

    def settle_run(
        self,
        pid: int,
        site_ids: list[str] | str,
        exit_code: int,
        log_path: str | None,
        status: str | None,
        message: str | None,
        unfinished: str = "failed",
    ) -> dict[str, Any]:
        """After a crawl process has ended: record its exit code and log file, and make sure its run
        says how it ended, also when the process died before it could say so itself. Returns the
        run row. ``status`` overrides the run's own status ('timed out'), and that of each site
        whose crawl had not ended; ``unfinished`` is the status of a run the process left open."""
        site_ids = [site_ids] if isinstance(site_ids, str) else list(site_ids)
        now = utcnow()
        with self.transaction():
            row = self.db.execute(
                "SELECT id, status FROM crawl_runs WHERE pid = ? ORDER BY id DESC LIMIT 1", [pid]
            ).fetchone()
            if row is None:
                # The crawl never opened its run: it refused its configuration or died at start.
                cursor = self.db.execute(
                    "INSERT INTO crawl_runs (started, finished, sites, status, pid, message) VALUES (?, ?, ?, ?, ?, ?)",
                    [now, now, " ".join(site_ids), status or unfinished, pid, message],
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
            run_sites = (self.run(run_id)["sites"] or "").split() or site_ids
            for site_id in run_sites:
                # A site the crawl did not get to close keeps the run's end; one that ended is 'ok'.
                self.db.execute(
                    "INSERT OR IGNORE INTO crawl_run_sites (run_id, site, requests, not_modified, list_pages, articles, documents_new, sightings_new, errors, cut, status) VALUES (?, ?, 0, 0, 0, 0, 0, 0, 0, 0, ?)",
                    [run_id, site_id, status],
                )
                self.db.execute(
                    "UPDATE crawl_run_sites SET status = ? WHERE run_id = ? AND site = ? AND COALESCE(status, '') != 'ok'",
                    [status, run_id, site_id],
                )
        return self.run(run_id)

    def run_sites(self, run_id: int) -> dict[str, dict[str, Any]]:
        """Each site's row of a run: its counts and own outcome."""
        return {
            row["site"]: row
            for row in self.db.query("SELECT * FROM crawl_run_sites WHERE run_id = ?", [run_id])
        }

    def site_health(self, site_id: str) -> str | None:
        """What is wrong with a site by its last runs, or None when nothing is."""
        row = self.db.execute("SELECT health FROM site_health WHERE site = ?", [site_id]).fetchone()
        return row[0] if row and row[0] != "ok" else None

    def run(self, run_id: int) -> dict[str, Any]:
        return self.db["crawl_runs"].get(run_id)
