"""Command line: `crawler crawl`, `check-site`, `serve`, `demo`, `extract`, `schedule`.

A thin click layer over the library; every command and option has help text.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import click

from crawler.archive import Archive, ArchiveError
from crawler.sites import SitesError

DEFAULT_PORT = 8001


def sites_option(help_text: str):
    return click.option(
        "--sites",
        "sites_path",
        default="sites.toml",
        show_default=True,
        type=click.Path(dir_okay=False),
        help=help_text,
    )


settings_option = click.option(
    "-s",
    "--set",
    "overrides",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a Scrapy setting, as with `scrapy crawl -s` (repeatable).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="summary-archive")
def cli() -> None:
    """Crawl Chinese local government work summaries into a SQLite archive and browse it in Datasette.

    Start with `crawler demo`, which crawls a bundled sample of municipal sites on this machine
    and serves the result at http://127.0.0.1:8001.
    """


@cli.command()
@click.argument("site_ids", nargs=-1)
@sites_option("Site registry (TOML).")
@click.option(
    "--db",
    "db_path",
    default="archive.db",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Archive SQLite file (created if missing).",
)
@settings_option
@click.option(
    "--refresh",
    is_flag=True,
    help="Fetch every page again, ignoring what earlier crawls already have.",
)
def crawl(
    site_ids: tuple[str, ...],
    sites_path: str,
    db_path: str,
    overrides: tuple[str, ...],
    refresh: bool,
) -> None:
    """Crawl the sites in the registry (or only SITE_IDS) into the archive.

    Exits 0 when the run completed, even if some pages failed (they are recorded in crawl_errors);
    exits 1 when the run failed (for example the disk filled up: the crawl stops, and what was
    archived before is kept); exits 2 with a one-line reason for a bad sites file, an unknown site
    id or an archive that cannot be written; exits 3 when another crawl is crawling one of the
    sites into the same archive.
    """
    from crawler.archive import SiteBusy
    from crawler.runner import EXIT_BUSY, bind_to_parent, parse_overrides, run_crawl

    bind_to_parent()
    try:
        settings = parse_overrides(overrides)
        if refresh:
            settings["ARCHIVE_REFRESH"] = "True"
        result = run_crawl(sites_path, site_ids, db_path, settings)
    except SiteBusy as exc:
        click.echo(f"refused: {exc}", err=True)
        sys.exit(EXIT_BUSY)
    except (SitesError, ArchiveError, ValueError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(result.summary, err=True)
    if result.status not in ("ok", "interrupted"):
        sys.exit(1)


@cli.command()
@click.option(
    "--db",
    "db_path",
    default="archive.db",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Archive to serve.",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to bind; keep 127.0.0.1 unless the archive should be reachable from other machines.",
)
@click.option(
    "--port", default=DEFAULT_PORT, show_default=True, type=int, help="Port to listen on."
)
@click.option(
    "--sql/--no-sql",
    default=True,
    show_default=True,
    help="Allow arbitrary SQL (turn it off on a server facing a network; canned queries keep working).",
)
def serve(db_path: str, host: str, port: int, sql: bool) -> None:
    """Browse the archive in Datasette (facets, document pages, SQL).

    Ctrl-C or SIGTERM stops Datasette and removes the temporary files. Exits 2 with a one-line
    reason when DB is missing or not an archive.
    """
    from crawler.archive import check_archive
    from crawler.serve import serve as run_datasette

    try:
        check_archive(db_path)
    except ArchiveError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    with tempfile.TemporaryDirectory(prefix="summary-archive-") as workdir:
        click.echo(f"Serving {db_path} at http://{host}:{port}/ (Ctrl-C to stop)", err=True)
        sys.exit(run_datasette(db_path, host, port, workdir, allow_sql=sql))


def _demo_guard(db_path: Path, demo_site_ids: set[str]) -> None:
    """Refuse to mix sample data into a real archive."""
    if not db_path.exists():
        return
    with Archive(db_path) as archive:
        known = archive.site_ids()
    foreign = known - demo_site_ids
    if foreign:
        raise click.ClickException(
            f"{db_path} already holds a real archive (sites: {', '.join(sorted(foreign))}); "
            "give the demo its own file with --db demo.db"
        )


@cli.command()
@click.option(
    "--db",
    "db_path",
    default="archive.db",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Archive file for the demo.",
)
@click.option(
    "--port", default=DEFAULT_PORT, show_default=True, type=int, help="Port for Datasette."
)
@click.option(
    "--serve/--no-serve",
    default=True,
    show_default=True,
    help="Serve the archive with Datasette after the crawl.",
)
def demo(db_path: str, port: int, serve: bool) -> None:
    """Crawl a bundled sample of municipal sites on loopback, then serve the archive.

    Three sample sites (a city news site, a GBK-encoded TRS site and a Hanweb district government
    site) run on 127.0.0.x; the crawl is the real one, with robots.txt and all, minus the delays.
    """
    from crawler.demo.sites import build_sample_web
    from crawler.runner import crawl_command

    web = build_sample_web()
    _demo_guard(Path(db_path), set(web.sites))
    web.start(
        ports={site_id: 8100 + index for index, site_id in enumerate(web.sites)}
        if _ports_free(web)
        else None
    )
    try:
        with tempfile.TemporaryDirectory(prefix="summary-archive-demo-") as workdir:
            sites_file = Path(workdir) / "demo-sites.toml"
            sites_file.write_text(web.sites_toml(), encoding="utf-8")
            click.echo("Sample sites running:", err=True)
            for site in web.sites.values():
                click.echo(f"  {site.id:15} {site.base_url}/  {site.name}", err=True)
            started = time.monotonic()
            # the demo's sites are on this machine: no politeness delays needed
            fast = ["DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False", "LOG_LEVEL=WARNING"]
            command = crawl_command(sites_file, db_path, fast)
            code = subprocess.call(command)
            if code != 0:
                raise click.ClickException(f"the demo crawl failed (exit {code})")
            click.echo(f"Crawled in {time.monotonic() - started:.1f} s into {db_path}.", err=True)
            _print_archive(Path(db_path))
            if serve:
                from crawler.serve import serve as run_datasette

                click.echo(
                    f"\nBrowse the archive: http://127.0.0.1:{port}/  (documents: http://127.0.0.1:{port}/{Path(db_path).stem}/documents)",
                    err=True,
                )
                click.echo("Ctrl-C stops Datasette and the sample sites.", err=True)
                run_datasette(db_path, "127.0.0.1", port, workdir)
    finally:
        web.stop()


def _ports_free(web) -> bool:
    import socket

    for index, site in enumerate(web.sites.values()):
        with socket.socket() as probe:
            try:
                probe.bind((site.host, 8100 + index))
            except OSError:
                return False
    return True


def _print_archive(db_path: Path) -> None:
    with Archive(db_path) as archive:
        counts = archive.counts()
        click.echo(
            f"Archive: {counts['documents']} documents, {counts['sightings']} sightings, {counts['pages']} pages, "
            f"{counts['errors']} errors, {counts['attachments']} linked attachments (recorded, not fetched).",
            err=True,
        )
        for title, published, sightings in archive.documents_by_date():
            click.echo(
                f"  {published}  {title}  ({sightings} sighting{'s' if sightings > 1 else ''})",
                err=True,
            )


@cli.command()
@click.argument("target")
@click.option(
    "--url", help="The page's URL, when TARGET is a saved file (dates in URLs are evidence)."
)
@click.option("--encoding", help="Decode with this encoding instead of detecting it.")
@click.option(
    "--fetched-on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day a saved page was fetched: what 昨天 or 3小时前 under a headline count from "
    "(a URL's own Date header is used when TARGET is a URL).",
)
def extract(target: str, url: str | None, encoding: str | None, fetched_on) -> None:
    """Print what the crawler extracts from a saved page or a URL, as JSON.

    The same code path as a crawl: decoding, title, date, source, main text, and whether the page
    is taken as a work summary, with the reason.
    """
    from crawler.classify import classify
    from crawler.extract import NotHTML, china_day, extract_page

    content_type = None
    fetched_on: date | None = fetched_on.date() if fetched_on else None
    if target.startswith(("http://", "https://")):
        import urllib.request

        from crawler.settings import USER_AGENT

        request = urllib.request.Request(target, headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                body = response.read(8 * 1024 * 1024)
                content_type = response.headers.get("Content-Type")
                fetched_on = china_day(response.headers.get("Date"))
        except OSError as exc:
            raise click.ClickException(f"cannot fetch {target}: {exc}") from exc
        url = url or target
    else:
        try:
            body = Path(target).read_bytes()
        except OSError as exc:
            raise click.ClickException(f"cannot read {target}: {exc}") from exc
    try:
        page = extract_page(
            body,
            url=url,
            content_type=content_type,
            encoding=encoding,
            fetched_on=fetched_on,
        )
    except NotHTML as exc:
        raise click.ClickException(f"{target}: {exc}") from exc
    decision = classify(page.title, page.body)
    result = {
        "title": page.title,
        "published": page.published,
        "source": page.source,
        "body": page.body,
        "encoding": f"{page.encoding} ({page.encoding_reason})",
        "is_summary": decision.is_summary,
        "reason": decision.reason,
    }
    click.echo(json.dumps(result, ensure_ascii=False, indent=2))


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

    SITE_ID_OR_URL is a site of the registry or a start URL. The report lists the columns with
    their pages and article links, every summary with its date, title, year, region and the start
    of its text, the other articles with the reason they were not taken, and the errors. The
    crawl is a real one (robots.txt, delays), into a temporary archive that is then deleted.
    """
    from crawler.check import check_site
    from crawler.runner import parse_overrides

    try:
        report = check_site(target, sites_path, parse_overrides(overrides), max_requests)
    except (SitesError, ArchiveError, ValueError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(report.as_json() if as_json else report.as_text())


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def schedule(ctx: click.Context) -> None:
    """Run crawls on each site's schedule as a service (same as `python scheduler.py`).

    Options: --sites FILE, --db FILE, -s NAME=VALUE, --max-parallel N, --time-limit SECONDS,
    --jitter SECONDS, --list. See `crawler schedule --help-scheduler`.
    """
    from crawler.scheduling import main as scheduler_main

    args = ["--help" if arg == "--help-scheduler" else arg for arg in ctx.args]
    sys.exit(scheduler_main(args))


def main() -> None:
    cli(prog_name="crawler")
