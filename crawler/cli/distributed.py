"""The commands of crawling on many machines: `worker` and `writer` (see crawler/distributed)."""

from __future__ import annotations

import sys

import click

from crawler.cli.base import cli, db_option, warc_dir_option
from crawler.distributed.queue import DEFAULT_DEAD_AFTER

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
@dead_after_option
def worker(broker_url: str, threads: int, work_dir: str | None, dead_after: float) -> None:
    """Crawl the jobs the scheduler sends (`scheduler.py --broker`) and send back the results.

    Needs no shared disk and no archive. SIGTERM stops it: running crawls are stopped and their
    jobs go back on the queue for another worker.
    """
    from crawler.distributed.queue import BrokerError
    from crawler.distributed.worker import run_worker

    if threads < 1:
        raise click.BadParameter("must be at least 1", param_hint="--threads")
    try:
        sys.exit(run_worker(broker_url, threads, work_dir, dead_after))
    except BrokerError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


@cli.command()
@broker_option
@db_option("The archive this process alone writes.")
@warc_dir_option
@click.option(
    "--log-dir",
    type=click.Path(file_okay=False),
    help="Folder for the workers' crawl logs (default: logs/workers/ beside the archive).",
)
@dead_after_option
def writer(
    broker_url: str, db_path: str, warc_dir: str | None, log_dir: str | None, dead_after: float
) -> None:
    """Write the workers' results into the archive: the one process that writes archive.db.

    Each result is written in one transaction, once per job, whatever how often it arrives.
    """
    from crawler.archive import ArchiveError
    from crawler.distributed.queue import BrokerError
    from crawler.distributed.writer import run_writer

    try:
        sys.exit(run_writer(broker_url, db_path, warc_dir, log_dir, dead_after))
    except (BrokerError, ArchiveError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
