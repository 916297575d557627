"""Atom feeds of the archive's feed views (documents_feed, changed_texts_feed, any view with
atom_id, atom_title and atom_updated columns), registered after datasette-atom's renderer so that
it is the one `.atom` uses.

Two things a news reader shows differ from datasette-atom's: a feed with no entry yet (a filter
nothing matches so far, the changed texts before the first change) is a valid empty feed rather
than an error, and the feed's name is the view's title with its filter in words rather than the
SQL behind it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from datasette import __version__
from datasette.utils.asgi import Response
from feedgen.feed import FeedGenerator

REQUIRED = {"atom_id", "atom_title", "atom_updated"}
ARCHIVE_NAME = "地方工作综述档案 · summary-archive"


def can_render(columns) -> bool:
    """Only views made for feeds have the columns an entry needs."""
    return REQUIRED.issubset(columns)


def feed_title(
    datasette, database: str, table: str | None, query_name: str | None, data: dict
) -> str:
    """The feed's name as a reader lists it: the view's title from the metadata, then what it is
    filtered by (Datasette's own words for the filter, without the sort order)."""
    name = table or query_name or database
    try:
        if table:
            configured = datasette.table_metadata(database, table).get("title")
        else:
            configured = datasette.metadata(database=database)["queries"][query_name]["title"]
    except (KeyError, TypeError):
        configured = None
    title = configured or name
    described = re.sub(r"\s*sorted by .*$", "", data.get("human_description_en") or "").strip()
    if described:
        title += f" — {described}"
    return f"{title} · {ARCHIVE_NAME}"


def render(datasette, request, sql, columns, rows, database, table, query_name, view_name, data):
    """The rows as an Atom 1.0 feed; no rows, an empty feed dated now."""
    if not can_render(columns):
        return Response.text("A feed needs the columns " + ", ".join(sorted(REQUIRED)), status=400)
    feed = FeedGenerator()
    feed.generator(generator="Datasette", version=__version__)
    feed.id(request.url)
    feed.link(href=request.url, rel="self")
    feed.title(
        request.args.get("_feed_title") or feed_title(datasette, database, table, query_name, data)
    )
    updated = [row["atom_updated"] for row in rows if row["atom_updated"]]
    # An empty feed still needs <updated>: the moment it was asked for.
    feed.updated(max(updated) if updated else datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    for row in reversed(rows):  # feedgen puts the last added first: newest first, as the view
        entry = feed.add_entry()
        entry.id(str(row["atom_id"]))
        entry.title(str(row["atom_title"]))
        entry.updated(row["atom_updated"])
        if "atom_content" in columns and row["atom_content"] is not None:
            entry.content(str(row["atom_content"]), type="text")
        if "atom_link" in columns and row["atom_link"]:
            entry.link(href=row["atom_link"])
    return Response(
        feed.atom_str(pretty=True),
        content_type="application/xml; charset=utf-8",
        status=200,
    )
