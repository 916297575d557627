"""Serving the archive with Datasette: metadata, safe defaults, one command line."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from importlib import resources
from pathlib import Path

import yaml

from crawler.processes import end_with_parent

# Datasette settings chosen for a server that may face a network: a time limit on every query,
# and page sizes that keep long Chinese bodies readable.
DATASETTE_SETTINGS = {
    "sql_time_limit_ms": "3000",
    "default_page_size": "50",
    "truncate_cells_html": "300",
    "facet_time_limit_ms": "500",
    "allow_download": "on",
}


def metadata_for(db_path: str | Path) -> dict:
    """The packaged metadata with the archive's block under the served database's name."""
    text = resources.files("crawler.datasette").joinpath("metadata.yml").read_text("utf-8")
    metadata = yaml.safe_load(text)
    database = metadata.pop("archive")
    metadata["databases"] = {Path(db_path).stem: database}
    return metadata


def datasette_command(
    db_path: str | Path, host: str, port: int, metadata_path: str | Path, allow_sql: bool = True
) -> list[str]:
    args = [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        str(db_path),
        "--host",
        host,
        "--port",
        str(port),
        "--metadata",
        str(metadata_path),
    ]
    for name, value in DATASETTE_SETTINGS.items():
        args += ["--setting", name, value]
    if not allow_sql:
        # Canned queries and table pages keep working; arbitrary SQL is refused.
        args += ["--setting", "default_allow_sql", "off"]
    return args


def write_metadata(db_path: str | Path, folder: str | Path) -> Path:
    path = Path(folder) / "datasette-metadata.json"
    path.write_text(
        json.dumps(metadata_for(db_path), ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return path


class _Stop(Exception):
    """SIGTERM reached the serving process."""


def _raise_stop(signum, frame) -> None:
    raise _Stop


def serve(
    db_path: str | Path, host: str, port: int, workdir: str | Path, allow_sql: bool = True
) -> int:
    """Run Datasette in the foreground until interrupted (Ctrl-C or SIGTERM, which stop Datasette
    too, so that the caller can remove ``workdir``); returns Datasette's exit code, 0 when stopped."""
    metadata_path = write_metadata(db_path, workdir)
    previous = signal.signal(signal.SIGTERM, _raise_stop)
    try:
        process = subprocess.Popen(
            datasette_command(db_path, host, port, metadata_path, allow_sql),
            preexec_fn=end_with_parent,
        )
        try:
            return process.wait()
        except (KeyboardInterrupt, _Stop):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
