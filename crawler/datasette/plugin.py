"""Datasette plugin for the archive: readable document bodies.

Crawled text is data: every value is escaped before it is wrapped in markup.
"""

from __future__ import annotations

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

_CSS = """
.archive-body p { margin: 0 0 0.8em 0; line-height: 1.8; text-indent: 2em; max-width: 48em; }
body.table td.col-body .archive-body { max-height: 5.6em; overflow: hidden; }
body.table td.col-body .archive-body p { text-indent: 0; margin: 0; }
"""


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


@hookimpl
def register_routes():
    return [(r"^/-/summary-archive\.css$", _css)]
