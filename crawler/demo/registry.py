"""The registry of the running sample sites, written by `crawler demo` beside its archive so that
every command of the docs can be tried on them while the demo runs."""

from __future__ import annotations

from pathlib import Path

REGISTRY_NAME = "demo-sites.toml"

HEADER = """\
# The sample sites of `crawler demo`, reachable while the demo runs (Ctrl-C stops them).
# Written by the demo beside its archive; every command of the docs takes it, e.g.
#   crawler crawl --sites {name} --db {db} -s DOWNLOAD_DELAY=0 linjiang-news
# Every key is explained in docs/registry-and-discovery.md, "The site registry (sites.toml)".

"""


def write_demo_registry(web, folder: str | Path, db_name: str = "archive.db") -> Path:
    """``web``'s registry as demo-sites.toml in ``folder`` (replacing an earlier demo's); its path."""
    path = Path(folder) / REGISTRY_NAME
    path.write_text(
        HEADER.format(name=REGISTRY_NAME, db=db_name) + web.sites_toml(), encoding="utf-8"
    )
    return path
