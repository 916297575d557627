"""The commands that crawl: `crawl`, `schedule` and `check-site`."""

from __future__ import annotations

import sys

import click

from crawler.archive import ArchiveError
from crawler.cli.base import cli, db_option, settings_option, sites_option, warc_dir_option
from crawler.registry.schedules import DEFAULT_TIMEZONE
from crawler.registry.sites import SitesError


@cli.command()
@click.argument("site_ids", nargs=-1)
@sites_option("Site registry (TOML).")
@db_option("Archive SQLite file (created if missing).")
@settings_option
@click.option(
    "--refresh",
    is_flag=True,
    help="Fetch every page again, ignoring what earlier crawls already have.",
)
@warc_dir_option
@click.option(
    "--no-warc",
    is_flag=True,
    help="Do not keep the responses as WARC (reprocess cannot read them).",
)
@click.option(
    "--skip-busy",
    is_flag=True,
    help="Leave out sites another crawl has instead of refusing; exit 3 only when all are.",
)
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="Print Scrapy's log too: -v its INFO lines and stats, -vv every request (DEBUG). "
    "Without it only warnings and the run's summary are printed.",
)
def crawl(
    site_ids: tuple[str, ...],
    sites_path: str,
    db_path: str,
    overrides: tuple[str, ...],
    refresh: bool,
    warc_dir: str | None,
    no_warc: bool,
    skip_busy: bool,
    verbose: int,
) -> None:
    """Crawl the sites in the registry (or only SITE_IDS) into the archive.

    Exits 0 when the run completed, even if some pages failed (they are recorded in crawl_errors);
    exits 1 when the run failed (for example the disk filled up: the crawl stops, and what was
    archived before is kept); exits 2 with a one-line reason for a bad sites file, an unknown site
    id or an archive that cannot be written; exits 3 when another crawl is crawling one of the
    sites into the same archive; exits 130 when it was stopped (Ctrl-C, SIGTERM) before it ended
    (what it fetched is kept; the next crawl completes the rest).
    """
    from crawler.archive import SiteBusy
    from crawler.crawl.command import EXIT_BUSY, EXIT_INTERRUPTED, parse_overrides
    from crawler.crawl.runner import bind_to_parent, run_crawl

    bind_to_parent()
    try:
        settings = parse_overrides(overrides)
        if refresh:
            settings["ARCHIVE_REFRESH"] = "True"
        if warc_dir:
            settings["ARCHIVE_WARC_DIR"] = warc_dir
        if no_warc:
            settings["ARCHIVE_WARC"] = "False"
        # A crawl run by hand prints its summary line, not Scrapy's hundred lines of INFO and
        # stats; a log file (the scheduler's, a worker's) or -s LOG_LEVEL keeps what it asks for.
        if "LOG_LEVEL" not in settings and "LOG_FILE" not in settings:
            settings["LOG_LEVEL"] = ("WARNING", "INFO", "DEBUG")[min(verbose, 2)]
            if not verbose:
                from crawler.cli.advice import one_line_page_failures

                one_line_page_failures()
        result = run_crawl(sites_path, site_ids, db_path, settings, skip_busy)
    except SiteBusy as exc:
        click.echo(f"refused: {exc}", err=True)
        sys.exit(EXIT_BUSY)
    except (SitesError, ArchiveError, ValueError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(result.summary, err=True)
    if result.run_id is not None and not settings.get("ARCHIVE_JOURNAL"):
        from crawler.cli.advice import unhealthy_sites

        for site_id, health in unhealthy_sites(db_path, result.run_id):
            click.echo(f"site {site_id} needs attention: {health}", err=True)
    if not settings.get("ARCHIVE_JOURNAL"):  # a worker's crawl: the writer tells the watches
        from crawler.watches import tell_watches

        for message in tell_watches(sites_path, db_path):
            if message.delivered:
                click.echo(f"told watch {message.watch.name}: {message.title}", err=True)
            else:
                click.echo(
                    f"watch {message.watch.name} not told (tried again after the next crawl): "
                    f"{message.title}",
                    err=True,
                )
    if result.status == "interrupted":
        sys.exit(EXIT_INTERRUPTED)
    if result.status != "ok":
        sys.exit(1)


@cli.command()
@click.argument("site_ids", nargs=-1)
@db_option("Archive whose stored responses are read again.")
@sites_option("Site registry for the sites' rules and encodings (defaults apply without one).")
@warc_dir_option
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Only pages fetched on or after this day.",
)
def reprocess(
    site_ids: tuple[str, ...],
    db_path: str,
    sites_path: str,
    warc_dir: str | None,
    since,
) -> None:
    """Read the stored responses again with the current extraction and rules, without crawling.

    New summaries are added, texts whose hash changed become new versions (the old one is kept),
    pages no longer taken for a summary keep their document; the run and each change are recorded
    (tables reprocess_runs, reprocess_changes). Running it twice changes nothing the second time.
    """
    from crawler.archive import check_archive
    from crawler.crawl.reprocess import check_site_ids, sites_for_reprocess
    from crawler.crawl.reprocess import reprocess as run_reprocess

    try:
        check_archive(db_path)
        sites = sites_for_reprocess(sites_path)
        check_site_ids(db_path, sites, site_ids)
        summary = run_reprocess(
            db_path, sites, site_ids, since.strftime("%Y-%m-%d") if since else None, warc_dir
        )
    except (SitesError, ArchiveError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(summary.text(), err=True)


@cli.command("check-site")
@click.argument("target", metavar="SITE_ID_OR_URL")
@sites_option("Site registry to find SITE_ID in (not needed for a URL).")
@settings_option
@click.option(
    "--max-requests",
    default=300,
    show_default=True,
    type=int,
    help="Request budget when checking a bare URL (a registry site keeps its own).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def check_site_command(
    target: str, sites_path: str, overrides: tuple[str, ...], max_requests: int, as_json: bool
) -> None:
    """Crawl one site without touching the archive and print what was found.

    SITE_ID_OR_URL is a site of the registry or a start URL (a bare host or host:port, such as
    127.0.0.3:8101, is taken as http://127.0.0.3:8101/). The report lists the columns with
    their pages and article links, every summary with its date, title, year, region and the start
    of its text, the other articles with the reason they were not taken, and the errors. The
    crawl is a real one (robots.txt, delays), into a temporary archive that is then deleted.
    """
    from crawler.cli.advice import as_start_url
    from crawler.crawl.check import check_site
    from crawler.crawl.command import parse_overrides

    target = as_start_url(target)
    try:
        report = check_site(target, sites_path, parse_overrides(overrides), max_requests)
    except (SitesError, ArchiveError, ValueError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(report.as_json() if as_json else report.as_text())


@cli.command()
@click.argument("once_sites", nargs=-1, metavar="[SITE_ID]...")
@sites_option("Site registry (TOML) with each site's schedule.")
@db_option("Archive file the crawls write to.")
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False),
    help="Job state file, never the archive (default: scheduler-state.db beside the archive).",
)
@click.option(
    "--log-dir",
    type=click.Path(file_okay=False),
    help="Folder for scheduler.log and one log per crawl (default: logs/ beside the archive).",
)
@settings_option
@click.option(
    "--max-parallel",
    default=2,
    show_default=True,
    type=int,
    help="Crawl processes at once; each crawls many sites side by side.",
)
@click.option(
    "--sites-per-crawl",
    default=100,
    show_default=True,
    type=int,
    help="Most sites one crawl process takes (sites falling due together share a process).",
)
@click.option(
    "--time-limit",
    default=6 * 3600.0,
    show_default=True,
    type=float,
    help="Seconds a crawl may run before it is stopped.",
)
@click.option(
    "--grace",
    default=30.0,
    show_default=True,
    type=float,
    help="Seconds a stopped crawl gets to finish its run record.",
)
@click.option(
    "--jitter", type=int, help="Seconds of random delay spreading sites with the same schedule."
)
@click.option(
    "--timezone",
    default=DEFAULT_TIMEZONE,
    show_default=True,
    help="Time zone of crontab schedules (the sites' own clock).",
)
@click.option(
    "--broker",
    "broker_url",
    envvar="SUMMARY_ARCHIVE_BROKER",
    help="Send the crawls as jobs to workers on this Redis (redis://host:6379/0) instead of "
    "running them here; `crawler writer` writes the results (see README, many machines).",
)
@click.option(
    "--dead-after",
    default=60.0,
    show_default=True,
    type=float,
    help="With --broker: seconds without a heartbeat after which a worker counts as dead.",
)
@click.option(
    "--result-wait",
    default=600.0,
    show_default=True,
    type=float,
    help="With --broker: seconds a crawled job's result may wait for `crawler writer` before its "
    "sites are released and the crawl reported as not written.",
)
@click.option(
    "--upkeep-every",
    default=60.0,
    show_default=True,
    type=float,
    help="Seconds between the service's checkpoints of the archive's write-ahead log, and its "
    "looks whether an archive that could not be written (a full disk) can be again.",
)
@click.option(
    "--wal-warn-mb",
    default=256.0,
    show_default=True,
    type=float,
    help="Warn when a reader keeps the write-ahead log from being emptied past this size.",
)
@click.option(
    "--room-mb",
    default=64.0,
    show_default=True,
    type=float,
    help="After a full disk, crawl its sites again once this much is free beside the archive "
    "(and a 1 MB file can be written there).",
)
@click.option("--list", "list_only", is_flag=True, help="Print each site's next run and exit.")
@click.option(
    "--once",
    is_flag=True,
    help="Crawl the due sites (or the SITE_IDs given) once, then exit.",
)
def schedule(
    once_sites: tuple[str, ...],
    sites_path: str,
    db_path: str,
    state_path: str | None,
    log_dir: str | None,
    overrides: tuple[str, ...],
    max_parallel: int,
    sites_per_crawl: int,
    time_limit: float,
    grace: float,
    jitter: int | None,
    timezone: str,
    broker_url: str | None,
    dead_after: float,
    result_wait: float,
    upkeep_every: float,
    wal_warn_mb: float,
    room_mb: float,
    list_only: bool,
    once: bool,
) -> None:
    """Run crawls on each site's schedule as a service (also `python scheduler.py`).

    Each crawl is a subprocess with its own log, crawling the sites that fell due together (up to
    --sites-per-crawl), at most --max-parallel at once; SIGTERM stops the service after passing SIGTERM
    on to the running crawls. Exits 2 with a one-line reason for a bad sites file, schedule,
    option or setting.
    """
    from crawler.schedule.service import ScheduleOptions, run_service

    if once_sites and not once:
        raise click.UsageError("SITE_IDs are only taken with --once")
    options = ScheduleOptions(
        sites_path=sites_path,
        db_path=db_path,
        state_path=state_path,
        log_dir=log_dir,
        overrides=list(overrides),
        max_parallel=max_parallel,
        sites_per_crawl=sites_per_crawl,
        time_limit=time_limit,
        grace=grace,
        jitter=jitter,
        timezone=timezone,
        broker=broker_url,
        dead_after=dead_after,
        result_wait=result_wait,
        upkeep_every=upkeep_every,
        wal_warn_mb=wal_warn_mb,
        room_mb=room_mb,
        list_only=list_only,
        once=list(once_sites) if once else None,
    )
    sys.exit(run_service(options))


@cli.command()
@sites_option("Site registry whose [[watch]] tables say who is told what.")
@db_option("Archive whose new summaries are told.")
@click.option(
    "--dry-run", is_flag=True, help="Print what each watch would be sent now; send nothing."
)
def notify(sites_path: str, db_path: str, dry_run: bool) -> None:
    """Tell each watch of the registry what is new for it since its last message (as every crawl
    does when it ends), through Apprise; with --dry-run, only print it."""
    from crawler.archive import check_archive
    from crawler.registry.sites import load_watches
    from crawler.watches import notify as send

    try:
        check_archive(db_path)
        watches = load_watches(sites_path)
        messages = send(db_path, watches, dry_run=dry_run)
    except (SitesError, ArchiveError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if not watches:
        click.echo(f"no [[watch]] tables in {sites_path}", err=True)
    for message in messages:
        click.echo(f"== {message.watch.name} ({', '.join(message.watch.notify)})")
        click.echo(message.title)
        click.echo(message.body)
    if watches and not messages:
        click.echo("nothing new for any watch", err=True)
