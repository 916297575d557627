"""The commands of crawling on many machines: `worker` and `writer` (see crawler/distributed)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crawler.cli.base import cli, db_option, warc_dir_option
from crawler.distributed.defaults import DEFAULT_DEAD_AFTER, DEFAULT_TRIES

broker_option = click.option(
    "--broker",
    "broker_url",
    required=True,
    envvar="SUMMARY_ARCHIVE_BROKER",
    help="Redis URL of the job queue, e.g. redis://queue-host:6379/0 (or SUMMARY_ARCHIVE_BROKER).",
)
dead_after_option = click.option(
    "--dead-after",
    default=DEFAULT_DEAD_AFTER,
    show_default=True,
    type=float,
    help="Seconds without a heartbeat after which a worker's jobs are given to another.",
)


@cli.command()
@broker_option
@click.option(
    "--threads",
    default=2,
    show_default=True,
    type=int,
    help="Jobs crawled at once on this machine (each a crawl process of many sites).",
)
@click.option(
    "--work-dir",
    type=click.Path(file_okay=False),
    help="Folder for the crawls' journals and WARC files until they are sent (default: a "
    "folder in the system's temporary folder).",
)
@click.option(
    "--result-budget",
    default=256.0,
    show_default=True,
    type=float,
    help="Megabytes of crawl results that may wait in Redis for the writer, all workers "
    "together (give every worker the same); a result past it waits on this machine's disk.",
)
@dead_after_option
def worker(
    broker_url: str, threads: int, work_dir: str | None, result_budget: float, dead_after: float
) -> None:
    """Crawl the jobs the scheduler sends (`scheduler.py --broker`) and send back the results.

    Needs no shared disk and no archive. SIGTERM stops it: running crawls are stopped and their
    jobs go back on the queue for another worker.
    """
    from crawler.distributed.queue import BrokerError
    from crawler.distributed.worker import run_worker

    if threads < 1:
        raise click.BadParameter("must be at least 1", param_hint="--threads")
    if result_budget <= 0:
        raise click.BadParameter("must be more than 0 (megabytes)", param_hint="--result-budget")
    try:
        budget = int(result_budget * 1024**2)
        sys.exit(run_worker(broker_url, threads, work_dir, dead_after, budget))
    except BrokerError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


@cli.command()
@click.option(
    "--broker",
    "broker_url",
    envvar="SUMMARY_ARCHIVE_BROKER",
    help="Redis URL of the job queue, e.g. redis://queue-host:6379/0 (or SUMMARY_ARCHIVE_BROKER).",
)
@db_option("The archive this process alone writes.")
@warc_dir_option
@click.option(
    "--log-dir",
    type=click.Path(file_okay=False),
    help="Folder for the workers' crawl logs (default: logs/workers/ beside the archive).",
)
@dead_after_option
@click.option(
    "--tries",
    default=DEFAULT_TRIES,
    show_default=True,
    type=click.IntRange(min=1),
    help="Times a result is tried (with a pause growing from 2 s) before it is kept aside in "
    "failed-jobs/ beside the archive and recorded in the failed_jobs table.",
)
@click.option(
    "--replay",
    "replay_folder",
    type=click.Path(exists=True, file_okay=False),
    help="Write one result kept aside (failed-jobs/JOB_ID) into the archive, then exit; no broker.",
)
def writer(
    broker_url: str | None, db_path: str, warc_dir: str | None, log_dir: str | None,
    dead_after: float, tries: int, replay_folder: str | None,
) -> None:  # fmt: skip
    """Write the workers' results into the archive: the one process that writes archive.db.

    Each result is written in one transaction, once per job, however often it arrives. A result
    that cannot be written after --tries is kept aside and its sites are released; --replay
    writes it once the cause is fixed.
    """
    from crawler.archive import ArchiveError
    from crawler.distributed.queue import BrokerError
    from crawler.distributed.writer import replay_kept, run_writer, writer_folders

    if replay_folder:
        folder = Path(replay_folder)
        if not (folder / "job.json").is_file() or not (folder / "result.tar.gz").is_file():
            raise click.BadParameter(
                f"{folder} holds no kept result (job.json and result.tar.gz)",
                param_hint="--replay",
            )
        try:
            run_id, status = replay_kept(folder, *writer_folders(db_path, warc_dir, log_dir))
        except ArchiveError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        except Exception as exc:  # noqa: BLE001 - said in one line; the result stays kept
            click.echo(f"error: {folder.name} still cannot be written: "
                       f"{type(exc).__name__}: {exc}", err=True)  # fmt: skip
            sys.exit(1)
        click.echo(f"job {folder.name}: written as run {run_id} ({status})")
        return
    if not broker_url:
        raise click.UsageError("Missing option '--broker' (or --replay FOLDER).")
    try:
        sys.exit(run_writer(broker_url, db_path, warc_dir, log_dir, dead_after, tries))
    except (BrokerError, ArchiveError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
