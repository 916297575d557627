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
_DOCUMENT_LABELS = {
    "title": "标题 Title",
    "published": "发布日期 Published",
    "year": "综述年度 Year reviewed",
    "source": "来源 Source",
    "site": "首次发现 First seen on",
    "region": "地区 Region",
    "url": "网址 URL",
    "body": "正文 Text",
    "chars": "字数 Characters",
    "content_hash": "内容哈希 Content hash",
    "first_seen": "首次抓取 First crawled",
    "last_seen": "最近抓取 Last crawled",
    "id": "ID",
}

_CSS = """
.archive-body p { margin: 0 0 0.8em 0; line-height: 1.9; text-indent: 2em; max-width: 46em; }
body.table td.col-body .archive-body { max-height: 5.6em; overflow: hidden; min-width: 18em; }
body.table td.col-body .archive-body p { text-indent: 0; margin: 0; }
body.table.table-documents td.col-title { min-width: 14em; }
body.table.table-documents td.col-content_hash { max-width: 8em; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
body.row.table-documents table.rows-and-columns thead { display: none; }
body.row.table-documents table.rows-and-columns,
body.row.table-documents table.rows-and-columns tbody,
body.row.table-documents table.rows-and-columns tr { display: flex; flex-direction: column; }
body.row.table-documents table.rows-and-columns td { display: block; border: none; padding: 0.15em 0; }
body.row.table-documents table.rows-and-columns td::before { display: inline-block; min-width: 11em; margin-left: 0; color: #666; font-size: 0.85em; }
body.row.table-documents td.col-title { font-size: 1.6em; font-weight: bold; padding: 0.4em 0; }
body.row.table-documents table.rows-and-columns td.col-title { order: -1; }
body.row.table-documents table.rows-and-columns td.col-title::before { display: none; }
body.row.table-documents table.rows-and-columns td.col-body { order: 1; }
body.row.table-documents table.rows-and-columns td.col-id,
body.row.table-documents table.rows-and-columns td.col-content_hash,
body.row.table-documents table.rows-and-columns td.col-chars,
body.row.table-documents table.rows-and-columns td.col-first_seen,
body.row.table-documents table.rows-and-columns td.col-last_seen { order: 2; font-size: 0.9em; color: #555; }
body.row.table-documents td.col-body { margin-top: 1em; font-size: 1.1em; }
body.row.table-documents td.col-body::before { display: block; margin-bottom: 0.5em; }
body.row.table-documents table.rows-and-columns td { padding-left: 0; }
""" + "".join(
    f'body.row.table-documents td.col-{column}::before {{ content: "{label}"; }}\n'
    for column, label in _DOCUMENT_LABELS.items()
)


@hookimpl
def render_cell(value, column, table):
    if table == "documents" and column == "body" and isinstance(value, str):
        paragraphs = "".join(f"<p>{escape(line)}</p>" for line in value.split("\n") if line.strip())
        return Markup(f'<div class="archive-body">{paragraphs}</div>')
    return None


@hookimpl
def extra_css_urls():
    return ["/-/summary-archive.css"]


async def _css(request):
    return Response(_CSS, content_type="text/css; charset=utf-8")


async def _charts(datasette, request):
    from crawler.datasette.charts import charts_page

    for name, database in datasette.databases.items():
        if await database.table_exists("documents") and await database.table_exists("crawl_runs"):
            body = await charts_page(database)
            return Response.html(
                await datasette.render_template(
                    "summary_archive_charts.html",
                    {"charts": Markup(body), "database": name},
                    request=request,
                )
            )
    return Response.html("<p>No archive is being served.</p>", status=404)


@hookimpl
def register_routes():
    return [(r"^/-/summary-archive\.css$", _css), (r"^/-/charts$", _charts)]


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
