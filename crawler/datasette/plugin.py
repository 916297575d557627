"""Datasette plugin for the archive: Chinese search, readable document pages.

Crawled text is data: every value is escaped before it is wrapped in markup.
"""

from __future__ import annotations

from urllib.parse import urlencode

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from crawler.datasette import cells
from crawler.datasette.stored import stored_copy_path
from crawler.datasette.versions import version_cell
from crawler.search import FTS_TABLE, fts_query, passage


@hookimpl
def render_cell(value, column, table, database, datasette, row):
    if table in ("pages", "sightings", "url_versions") and column == "file_type" and value:
        return _stored_link(datasette, row["url"], value)
    is_address = isinstance(value, str) and value.startswith(("http://", "https://"))
    if column in ("url", "first_url") and is_address:
        return _url_cell(datasette, database, value)
    if table == "documents" and column == "body" and isinstance(value, str):
        paragraphs = "".join(f"<p>{escape(line)}</p>" for line in value.split("\n") if line.strip())
        return Markup(f'<div class="archive-body">{paragraphs}</div>')
    if table == "documents" and column == "family_id" and isinstance(value, int):
        return _family_link(datasette, database, value)  # the family, linked to its members
    if column in ("superseded_by", "version_of") and isinstance(value, int):
        return version_cell(datasette, database, column, value, row)
    return cells.render(value, column, table, database, datasette, row)


def _stored_link(datasette, url: str, file_type: str) -> Markup:
    href = stored_copy_path(datasette, url)
    return Markup(
        f'{escape(file_type.upper())} · <a href="{escape(href)}">存档副本 · stored copy</a>'
    )


def _url_cell(datasette, database: str, url: str):
    """A page's address; where its text changed after publication, a link to the changes; for
    a PDF or Word copy, its type and the stored file; when it went away, since when."""

    async def render():
        rows = await datasette.get_database(database).execute(
            """SELECT (SELECT COUNT(*) FROM url_versions WHERE url = :url) AS versions,
                      (SELECT file_type FROM pages WHERE url = :url AND warc_file IS NOT NULL)
                          AS file_type,
                      (SELECT gone FROM sightings WHERE url = :url) AS gone,
                      (SELECT status FROM pages WHERE url = :url) AS status""",
            {"url": url},
        )
        found = rows.first()
        link = f'<a href="{escape(url)}">{escape(url)}</a>'
        versions = found["versions"] if found else 0
        if versions > 1:
            changes = datasette.urls.path("/-/diff?" + urlencode({"url": url}))
            link += f' · <a href="{escape(changes)}">{versions} 个版本，看改动 · {versions} versions: what changed</a>'
        if found and found["file_type"]:
            link += " · " + _stored_link(datasette, url, found["file_type"])
        if found and found["gone"]:  # the page went away; its text is kept here
            link += (
                f' · <span class="archive-gone">已删除 · gone since {escape(found["gone"])}'
                f" (HTTP {escape(found['status'])})</span>"
            )
        return Markup(link)

    return render


def _family_link(datasette, database: str, family_id: int):
    async def render():
        rows = await datasette.get_database(database).execute(
            "SELECT documents, sites FROM document_families WHERE id = ?", [family_id]
        )
        row = rows.first()
        size = f"{row['documents']} 个文本，{row['sites']} 个网站" if row else ""
        members = datasette.urls.table(database, "documents") + f"?family_id={family_id}"
        compare = datasette.urls.path(f"/-/diff?family={family_id}")
        return Markup(
            f'<a href="{escape(members)}">家族 Family {family_id}</a> <small>{escape(size)}</small>'
            f' · <a href="{escape(compare)}">转载改了什么 · what reposts changed</a>'
        )

    return render


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


@hookimpl(trylast=True)
def register_output_renderer():
    # Called after datasette-atom's hook, so this renderer is the one registered for .atom.
    from crawler.datasette import feeds

    return {"extension": "atom", "render": feeds.render, "can_render": feeds.can_render}


@hookimpl
def register_routes():
    from crawler.datasette.diff import diff_page
    from crawler.datasette.stored import stored_page

    return [(r"^/-/charts$", _charts), (r"^/-/diff$", diff_page), (r"^/-/stored$", stored_page)]


@hookimpl
def extra_template_vars(view_name, table, database, request, datasette):
    from crawler.datasette.pages import page_vars

    return page_vars(view_name, table, database, request, datasette)


@hookimpl
def prepare_jinja2_environment(env):
    from crawler.datasette.labels import china_time, label, snippet

    env.filters["column_label"] = label
    env.filters["snippet"] = snippet
    env.filters["china_time"] = lambda value: china_time(value) or value


# Column descriptions fold under one line, so a table's rows and search box come first.
FOLD_DESCRIPTIONS = """
document.querySelectorAll("dl.column-descriptions").forEach(function (list) {
  var fold = document.createElement("details");
  var line = document.createElement("summary");
  line.textContent = "列说明 · What each column means";
  fold.className = "column-descriptions-fold";
  list.before(fold);
  fold.append(line, list);
});
var searchLabel = document.querySelector('label[for="_search"]');
if (searchLabel) { searchLabel.textContent = "检索 · Search:"; }
"""


@hookimpl
def extra_body_script(template, view_name):
    if template and template.startswith("query"):  # canned queries and SQL typed by hand
        from crawler.datasette.labels import header_script

        return header_script()
    if view_name == "table":
        from crawler.datasette.labels import facet_script

        return FOLD_DESCRIPTIONS + facet_script()
    return None


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
