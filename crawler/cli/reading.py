"""The commands that read: `serve` an archive, run the `demo`, `extract` one page."""

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
from crawler.cli.base import (
    DEFAULT_PORT,
    Refused,
    check_port_free,
    cli,
    db_option,
    sites_option,
)


@cli.command()
@db_option("Archive to serve.")
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
    from crawler.datasette.serve import serve as run_datasette

    try:
        check_archive(db_path)
    except ArchiveError as exc:
        raise Refused(str(exc)) from exc
    check_port_free(host, port)
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
        raise Refused(
            f"{db_path} already holds a real archive (sites: {', '.join(sorted(foreign))}); "
            "give the demo its own file with --db demo.db"
        )


@cli.command()
@db_option("Archive file for the demo.")
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
    from crawler.crawl.command import crawl_command
    from crawler.demo.registry import write_demo_registry
    from crawler.demo.sites import build_sample_web

    web = build_sample_web()
    _demo_guard(Path(db_path), set(web.sites))
    if serve:
        check_port_free("127.0.0.1", port)
    web.start(
        ports={site_id: 8100 + index for index, site_id in enumerate(web.sites)}
        if _ports_free(web)
        else None
    )
    try:
        with tempfile.TemporaryDirectory(prefix="summary-archive-demo-") as workdir:
            sites_file = write_demo_registry(
                web, Path(db_path).resolve().parent, Path(db_path).name
            )
            click.echo("Sample sites running:", err=True)
            for site in web.sites.values():
                click.echo(f"  {site.id:15} {site.base_url}/  {site.name}", err=True)
            click.echo(
                f"Their registry: {_shown(sites_file)} (try the docs' commands with "
                f"--sites {_shown(sites_file)} while the demo runs)",
                err=True,
            )
            started = time.monotonic()
            # the demo's sites are on this machine: no politeness delays needed
            fast = ["DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False", "LOG_LEVEL=WARNING"]
            command = crawl_command(sites_file, db_path, fast)
            code = subprocess.call(command)
            if code != 0:
                raise Refused(f"the demo crawl failed (exit {code})")
            click.echo(f"Crawled in {time.monotonic() - started:.1f} s into {db_path}.", err=True)
            _print_archive(Path(db_path))
            if serve:
                from crawler.datasette.serve import serve as run_datasette

                click.echo(
                    f"\nBrowse the archive: http://127.0.0.1:{port}/  (documents: http://127.0.0.1:{port}/{Path(db_path).stem}/documents)",
                    err=True,
                )
                click.echo("Ctrl-C stops Datasette and the sample sites.", err=True)
                run_datasette(db_path, "127.0.0.1", port, workdir)
    finally:
        web.stop()


def _shown(path: Path) -> str:
    """A path as short as it can be said from here."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


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
@click.option(
    "--link-text",
    help="For a PDF or Word file: the text of the link that led to it (its title when the file "
    "has no heading).",
)
@click.option("--linked-date", help="For a PDF or Word file: the date its list gave (YYYY-MM-DD).")
def extract(
    target: str,
    url: str | None,
    encoding: str | None,
    fetched_on,
    link_text: str | None,
    linked_date: str | None,
) -> None:
    """Print what the crawler extracts from a saved page, a PDF or Word file, or a URL, as JSON.

    The same code path as a crawl: decoding, title, date, source, main text, and whether the page
    is taken as a work summary, with the reason. A PDF, DOCX, DOC or WPS file is read as a crawl
    reads an attachment (in a separate process with limits), whatever its name says.
    """
    from crawler.classify import classify
    from crawler.extract import NotHTML, china_day, extract_page
    from crawler.extract.files import FILE_TYPES, Unreadable, sniff
    from crawler.extract.files.isolated import extract_file_isolated

    content_type = None
    fetched_on: date | None = fetched_on.date() if fetched_on else None
    if target.startswith(("http://", "https://")):
        import urllib.request

        from crawler.settings import USER_AGENT

        request = urllib.request.Request(target, headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                body = response.read(40 * 1024 * 1024)
                content_type = response.headers.get("Content-Type")
                fetched_on = china_day(response.headers.get("Date"))
        except OSError as exc:
            raise Refused(f"cannot fetch {target}: {exc}") from exc
        url = url or target
    else:
        try:
            body = Path(target).read_bytes()
        except OSError as exc:
            raise Refused(f"cannot read {target}: {exc}") from exc
    try:
        if sniff(body) in FILE_TYPES:
            page = extract_file_isolated(body, url, link_text, linked_date, fetched_on)
        else:
            page = extract_page(
                body,
                url=url,
                content_type=content_type,
                encoding=encoding,
                fetched_on=fetched_on,
            )
    except NotHTML as exc:
        raise Refused(f"{target}: {exc}") from exc
    except Unreadable as exc:
        raise Refused(f"{target}: not readable ({exc.kind}): {exc.message}") from exc
    decision = classify(page.title, page.body)
    result = page.as_dict() | {
        "encoding": f"{page.encoding} ({page.encoding_reason})",
        "is_summary": decision.is_summary,
        "reason": decision.reason,
    }
    del result["encoding_reason"]
    click.echo(json.dumps(result, ensure_ascii=False, indent=2))


@cli.command("sample-web")
@click.option(
    "--sites",
    default=200,
    show_default=True,
    type=click.IntRange(min=1),
    help="Number of generated sites, each on its own loopback address.",
)
@click.option(
    "--articles",
    default=30,
    show_default=True,
    type=click.IntRange(min=1),
    help="Articles per site; every fifth is a work summary.",
)
@click.option(
    "--registry",
    required=True,
    type=click.Path(dir_okay=False),
    help="The sites.toml to write for the generated sites.",
)
@click.option("--extra", default="", help="TOML lines added to every [[site]] of the registry.")
def sample_web(sites: int, articles: int, registry: str, extra: str) -> None:
    """Serve a generated web of many small municipal sites for the scale benchmarks.

    Writes the registry, prints `ready N sites` and serves until SIGTERM or Ctrl-C.
    """
    from crawler.demo.generated import serve_generated_web

    serve_generated_web(sites, articles, registry, extra)


@cli.command("classify")
@click.argument("source", metavar="FILE|-")
@click.option("--title", help="The headline. Without it, the text's first line is the headline.")
@sites_option("Site registry whose rules --site names (default rules without --site).")
@click.option("--site", "site_id", help="Decide with this site's rules from the registry.")
def classify_text(source: str, title: str | None, sites_path: str, site_id: str | None) -> None:
    """Say whether a text is a work summary, of which genre, and why, as JSON.

    FILE is plain UTF-8 text (- reads standard input): the same decision the crawl records in
    pages.reason, with the rules of crawler/classify_rules.toml (or a site's own).
    """
    from crawler.classify import classify
    from crawler.registry.sites import SitesError, load_sites, select_sites

    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise Refused(f"cannot read {source}: {exc}") from exc
    rules = None
    if site_id:
        try:
            rules = select_sites(load_sites(sites_path), [site_id], sites_path)[0].rules
        except SitesError as exc:
            raise Refused(str(exc)) from exc
    if title is None:
        title, _, text = text.strip().partition("\n")
    decision = classify(title, text.strip(), rules)
    result = {
        "title": title,
        "is_summary": decision.is_summary,
        "genre": decision.genre,
        "score": round(decision.score, 3),
        "near_line": decision.near_line,  # a candidate for a reader's label
        "reason": decision.reason,
    }
    click.echo(json.dumps(result, ensure_ascii=False, indent=2))
