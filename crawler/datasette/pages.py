"""What the archive's templates (_table.html, row.html) are given beyond Datasette's own
context: which tables read as lists of documents, the columns left out of them, and on a
document's page the places it was seen.

A table page shows no CREATE TABLE or CREATE VIEW statement: a reader did not ask for one, and
"View and edit SQL" still leads to the query behind the page.
"""

from __future__ import annotations

from crawler.datasette.labels import (
    FIELD_ORDER,
    LAST_FIELDS,
    MACHINE_COLUMNS,
    READING_ORDER,
    READING_TABLES,
)


def page_vars(view_name: str, table: str | None, database: str | None, request, datasette):
    """The extra template variables of one page (an awaitable, as Datasette allows)."""

    async def variables() -> dict:
        found = {
            "summary_archive_charts": "/-/charts",  # a link to the charts in every footer
            "reading_tables": READING_TABLES,
            "machine_columns": MACHINE_COLUMNS,
            "reading_order": READING_ORDER,
            "field_order": FIELD_ORDER,
            "last_fields": LAST_FIELDS,
        }
        if view_name == "table":
            found["table_definition"] = None
            found["view_definition"] = None
        if view_name == "row" and table == "documents" and database and request is not None:
            found["sightings"] = await sightings_of(datasette, database, request)
        return found

    return variables


async def sightings_of(datasette, database: str, request) -> list[dict]:
    """Every place a document was seen: site name, URL, date on the page, when first crawled,
    and whether it is the first publication (the document's own url, of copies published the
    same day the first seen)."""
    pks = request.url_vars.get("pks") or ""
    if not pks.isdigit():
        return []
    rows = await datasette.get_database(database).execute(
        """SELECT s.url, s.site, COALESCE(si.name, s.site) AS site_name, s.published,
                  s.first_seen, s.url = d.url AS first
           FROM sightings s JOIN documents d ON d.id = s.document_id
           LEFT JOIN sites si ON si.id = s.site
           WHERE s.document_id = ?
           ORDER BY s.url = d.url DESC, s.published IS NULL, s.published, s.first_seen""",
        [int(pks)],
    )
    return [dict(row) for row in rows.rows]
