"""The command group and the options its commands share."""

from __future__ import annotations

import socket

import click

DEFAULT_PORT = 8001


class Refused(click.ClickException):
    """Bad input, said as every command says it: one line, `error: …`, exit 2."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def check_port_free(host: str, port: int) -> None:
    """Refuse a port another program listens on, before any work: say which and how to choose."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise Refused(
                f"cannot serve on {host}:{port}: {exc.strerror or exc} (another program has the "
                f"port?); choose another with --port"
            ) from exc


def _file_option(flag: str, dest: str, default: str, help_text: str):
    return click.option(
        flag,
        dest,
        default=default,
        show_default=True,
        type=click.Path(dir_okay=False),
        help=help_text,
    )


def sites_option(help_text: str):
    return _file_option("--sites", "sites_path", "sites.toml", help_text)


def db_option(help_text: str):
    return _file_option("--db", "db_path", "archive.db", help_text)


warc_dir_option = click.option(
    "--warc-dir",
    type=click.Path(file_okay=False),
    help="Folder of the WARC files (default: <archive stem>-warc/ beside the archive).",
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
