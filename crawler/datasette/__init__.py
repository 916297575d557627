"""The Datasette plugin of the archive (registered as the `crawler.datasette` package, so that
Datasette finds the templates beside it). The hooks live in plugin.py and versions.py."""

from crawler.datasette.plugin import (
    extra_body_script,
    extra_css_urls,
    extra_template_vars,
    prepare_connection,
    prepare_jinja2_environment,
    register_output_renderer,
    register_routes,
    render_cell,
)
from crawler.datasette.versions import filters_from_request

__all__ = [
    "extra_body_script",
    "extra_css_urls",
    "extra_template_vars",
    "filters_from_request",
    "prepare_connection",
    "prepare_jinja2_environment",
    "register_output_renderer",
    "register_routes",
    "render_cell",
]
