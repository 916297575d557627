"""Column pages only a browser can read: a site with ``render = true`` in sites.toml has its home
and list pages opened in a headless Chromium (scrapy-playwright), the rest of its pages fetched as
usual. The rendered page is read like any other (its links, pagers, forms); the JSON answers its
scripts fetched while it loaded are recorded and read as list APIs (discovery/api.py), so a list
filled by script is paged through its API without rendering every page.

Installed with ``pip install 'summary-archive[render]'``; the browser is the machine's Chromium
(Debian's ``chromium``; ARCHIVE_BROWSER names another), never one Playwright downloads.
"""

from __future__ import annotations

import shutil

from scrapy.settings import Settings

HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# What a page's own loading asks for that the reading does not need.
_SKIPPED = ("image", "media", "font", "stylesheet")


class RenderUnavailable(ValueError):
    """A site asks to be rendered and this machine cannot: said before the crawl starts."""


def skip_resource(request) -> bool:
    """Playwright's request filter: no images, media, fonts or stylesheets."""
    return request.resource_type in _SKIPPED


def apply_rendering(settings: Settings, sites) -> None:
    """Route the rendered sites' requests through scrapy-playwright (only requests that ask for
    it: ``meta["playwright"]``), with this machine's Chromium."""
    rendered = [site.id for site in sites if site.render]
    if not rendered:
        return
    try:
        import scrapy_playwright  # noqa: F401
    except ImportError:
        raise RenderUnavailable(
            f"site '{rendered[0]}' has render = true, and scrapy-playwright is not installed: "
            "pip install 'summary-archive[render]'"
        ) from None
    browser = settings.get("ARCHIVE_BROWSER") or next(
        filter(None, map(shutil.which, BROWSERS)), None
    )  # noqa: E501
    if not browser:
        raise RenderUnavailable(
            f"site '{rendered[0]}' has render = true, and no Chromium was found (Debian: "
            "apt-get install chromium; or -s ARCHIVE_BROWSER=/path/to/chrome)"
        )
    settings.set("DOWNLOAD_HANDLERS", {"http": HANDLER, "https": HANDLER}, priority="cmdline")
    settings.set("PLAYWRIGHT_BROWSER_TYPE", "chromium", priority="cmdline")
    settings.set(
        "PLAYWRIGHT_LAUNCH_OPTIONS",
        {
            "executable_path": browser,
            "headless": True,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run"],
        },
        priority="cmdline",
    )  # fmt: skip
    settings.set(
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT",
        settings.getfloat("DOWNLOAD_TIMEOUT") * 1000,
        priority="cmdline",
    )
    settings.set("PLAYWRIGHT_ABORT_REQUEST", skip_resource, priority="cmdline")


def render_meta(seen: list[str]) -> dict:
    """The request meta that has a page rendered, recording into ``seen`` the URLs of the JSON
    answers its scripts fetch."""

    def on_response(response) -> None:
        kind = (response.headers or {}).get("content-type", "")
        if "json" in kind and response.request.resource_type in ("xhr", "fetch"):
            seen.append(response.url)

    return {
        "playwright": True,
        "playwright_page_goto_kwargs": {"wait_until": "networkidle"},
        "playwright_page_event_handlers": {"response": on_response},
        "api_seen": seen,
        "via": "rendered",
    }
