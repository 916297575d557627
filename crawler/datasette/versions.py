"""One summary, several versions, in Datasette: the documents table lists each summary's current
text once (a text replaced at its URL is left out unless asked for with ``?_versions=all``, or
reached by its id or its successor), and a document page links a text to the one that replaced
it, and to what changed."""

from __future__ import annotations

from urllib.parse import urlencode

from datasette import hookimpl
from datasette.filters import FilterArguments
from markupsafe import Markup, escape

# Asking for these shows superseded texts too: a text is reachable from the one that replaced it.
_REACHING = ("superseded_by", "version_of", "id", "content_hash", "family_id")


@hookimpl
def filters_from_request(request, database, table, datasette):
    """Current texts only in the documents table, its counts and its facets."""
    if table != "documents":
        return None
    if request.args.get("_versions") == "all" or any(
        key.split("__")[0] in _REACHING for key in request.args
    ):
        return None
    return FilterArguments(
        ["superseded_by IS NULL"],
        human_descriptions=[
            "当前文本（被改动取代的旧版本不列出，?_versions=all 全部列出）· current texts only "
            "(?_versions=all lists the versions replaced at their URL too)"
        ],
    )


def version_cell(datasette, database: str, column: str, value: int, row) -> Markup:
    """superseded_by and version_of of a document: the other text, and what changed at its URL."""
    href = datasette.urls.row(database, "documents", str(value))
    if column == "version_of":
        return Markup(f'<a href="{escape(href)}">第一版 · first version {value}</a>')
    changes = datasette.urls.path("/-/diff?" + urlencode({"url": row["url"]}))
    return Markup(
        f'已被改动，现行文本 · replaced by <a href="{escape(href)}">{value}</a>'
        f' · <a href="{escape(changes)}">看改动 · what changed</a>'
    )
