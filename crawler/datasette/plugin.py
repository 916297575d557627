"""Datasette plugin for the archive: Chinese search, readable document pages.

Crawled text is data: every value is escaped before it is wrapped in markup.
"""

from __future__ import annotations

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from crawler.search import FTS_TABLE, fts_query, passage


# Labels for the fields of a document page, which is laid out as a reading page rather than a
# one-row table.
@hookimpl
def render_cell(value, column, table):
    if table == "documents" and column == "body" and isinstance(value, str):
        paragraphs = "".join(f"<p>{escape(line)}</p>" for line in value.split("\n") if line.strip())
        return Markup(f'<div class="archive-body">{paragraphs}</div>')
    return None


# Datasette serves a plugin's static/ folder under its distribution name.
PLUGIN_NAME = "summary-archive"


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.static_plugins(PLUGIN_NAME, "summary-archive.css")]


async def _charts(datasette, request):
    from crawler.datasette.charts import chart_data

    for name, database in datasette.databases.items():
        if await database.table_exists("documents") and await database.table_exists("crawl_runs"):
            # the charts show the database's contents: who may not view it may not see them
            await datasette.ensure_permissions(
                request.actor, ["view-instance", ("view-database", name)]
            )
            return Response.html(
                await datasette.render_template(
                    "summary_archive_charts.html",
                    {"charts": await chart_data(database), "database": name},
                    request=request,
                )
            )
    return Response.html("<p>No archive is being served.</p>", status=404)


@hookimpl
def register_routes():
    return [(r"^/-/charts$", _charts)]


@hookimpl
def extra_template_vars():
    # a link to the charts on every page's footer
    return {"summary_archive_charts": "/-/charts"}


@hookimpl(trylast=True)
def prepare_connection(conn):
    """On an archive, make the table search box segment Chinese queries like the index does.

    Datasette searches with `MATCH escape_fts(:search)`; registered after Datasette's own, this
    escape_fts turns 统一战线 into the bigram phrase "统一 一战 战线". Other databases keep the
    standard function.
    """
    try:
        is_archive = (
            conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [FTS_TABLE]).fetchone()
            is not None
        )
    except Exception:  # noqa: BLE001 - a database that cannot be inspected is not ours
        is_archive = False
    if is_archive:
        conn.create_function("escape_fts", 1, fts_query, deterministic=True)
    conn.create_function("search_query", 1, fts_query, deterministic=True)
    conn.create_function("search_passage", 2, passage, deterministic=True)
