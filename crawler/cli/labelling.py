"""`crawler label URL summary|not`: a reader's say on whether a text is a work summary."""

from __future__ import annotations

import getpass

import click

from crawler.archive import Archive
from crawler.archive.labels import LABELS
from crawler.cli.base import cli, db_option


@cli.command()
@click.argument("url")
@click.argument("label", type=click.Choice(LABELS))
@db_option("The archive whose text is labelled.")
@click.option(
    "--who",
    default=None,
    help="Who gives the label (recorded with it; default: the user running the command).",
)
def label(url: str, label: str, db_path: str, who: str | None) -> None:
    """Label the text at URL a summary or not. The label overrides the classifier from the next
    crawl or `crawler reprocess` on: a text labelled summary becomes a document with its
    sightings, one labelled not stops being one. Texts near the line wait in the candidates view."""
    with Archive(db_path) as archive:
        known = archive.has_page(url)
        row = archive.set_label(url, label, who or getpass.getuser())
    click.echo(f"{url}: labelled {label} by {row['who']} at {row['at']}")
    if not known:
        click.echo("(the archive has no page at that URL yet: the label waits for the crawl)")
    click.echo("run `crawler reprocess` (or the next crawl) to apply it")
