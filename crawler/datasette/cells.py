"""Cells of any table, view or query that name something: a time said in China time, a site by
its name, a document, family or version by a link to it, a health verdict in Chinese first.
Rules go by column name, so that a new view or query with the same columns reads the same.

Crawled text is data: every value is escaped before it is wrapped in markup.
"""

from __future__ import annotations

from urllib.parse import urlencode

from markupsafe import Markup, escape

from crawler.datasette.labels import china_time

# A health verdict's first word (crawler/archive/views.py, site_health) in Chinese.
HEALTH = {
    "ok": "正常",
    "failing": "抓取失败",
    "blind": "找不到栏目",
    "unreachable": "无法访问",
}
# A run's outcome (crawl_runs.status, site_health.last_status) in Chinese.
STATUS = {
    "ok": "完成",
    "running": "进行中",
    "interrupted": "中断",
    "failed": "失败",
    "timed out": "超时",
}
# Columns whose value is a document's id, in tables and queries.
DOCUMENT_COLUMNS = ("document", "document_id")


def _keys(row) -> set[str]:
    try:
        return set(row.keys())
    except AttributeError:
        return set()


def document_id_of(row, table: str | None) -> int | None:
    """The document a row stands for: its document column, or its id on the documents table, a
    documents view or a query that selects documents by id."""
    keys = _keys(row)
    for column in DOCUMENT_COLUMNS:
        if column in keys and isinstance(row[column], int):
            return row[column]
    if "id" in keys and table in (None, "documents_feed") and isinstance(row["id"], int):
        return row["id"]
    return None


def render(value, column: str, table: str | None, database: str, datasette, row):
    """Markup for a cell these rules cover, else None (Datasette's own rendering)."""
    if column.startswith("atom_"):
        return None
    when = china_time(value)
    if when is not None:
        return when
    if column == "health" and isinstance(value, str):
        word, _, rest = value.partition(":")
        chinese = HEALTH.get(word.strip())
        if chinese:
            css = "ok" if word == "ok" else "bad"
            return Markup(
                f'<span class="health-{css}">{escape(chinese)}</span> '
                f"<small>{escape(value)}</small>"
            )
    if column in ("status", "last_status") and value in STATUS and table != "watch_deliveries":
        return Markup(f"{escape(STATUS[value])} <small>{escape(value)}</small>")
    if column in ("site", "first_site") and isinstance(value, str) and table != "sites":
        return site_link(datasette, database, value)
    if column in DOCUMENT_COLUMNS and isinstance(value, int):
        href = datasette.urls.row(database, "documents", value)
        return Markup(f'<a href="{escape(href)}">文档 {value}</a>')
    if column == "family" and isinstance(value, int):
        href = datasette.urls.table(database, "documents") + f"?family_id={value}"
        return Markup(f'<a href="{escape(href)}">家族 {value}</a>')
    if column == "version_id" and isinstance(value, int):
        href = datasette.urls.path("/-/diff?" + urlencode({"version": value}))
        return Markup(f'<a href="{escape(href)}">版本 {value} · 看改动</a>')
    if column in ("similarity", "family_similarity") and value is None:
        return Markup('<small title="the first text of its family">— 家族首篇 · first</small>')
    if table == "document_families" and column == "documents" and isinstance(value, int):
        href = datasette.urls.table(database, "documents") + f"?family_id={row['id']}"
        return Markup(f'<a href="{escape(href)}">{value} 个文本</a>')
    if column in ("similarity", "family_similarity") and isinstance(value, float):
        return Markup(f"{value:.0%}")
    if column == "title" and isinstance(value, str):
        document = document_id_of(row, table)
        if document is not None and table != "documents":
            href = datasette.urls.row(database, "documents", document)
            return Markup(f'<a href="{escape(href)}">{escape(value)}</a>')
    return None


def site_link(datasette, database: str, site_id: str):
    """A site by its name, linked to its row, its id beside."""

    async def render_site():
        # a query may give the site by its name (reposts, search): found by either
        rows = await datasette.get_database(database).execute(
            "SELECT id, name FROM sites WHERE id = :site OR name = :site ORDER BY id = :site DESC",
            {"site": site_id},
        )
        found = rows.first()
        if found is None:
            return Markup(escape(site_id))
        href = datasette.urls.row(database, "sites", found["id"])
        return Markup(
            f'<a href="{escape(href)}">{escape(found["name"])}</a> '
            f"<small>({escape(found['id'])})</small>"
        )

    return render_site
