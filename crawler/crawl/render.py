"""Pages only a browser can read. A site with ``render = true`` in sites.toml has its home and
list pages opened in the crawler's headless Chromium (crawl/browser.py), the rest of its pages
fetched as usual; a site without the key has a page rendered only when reading it plainly found
nothing a script did not hide (crawl/fallback.py); ``render = false`` never renders. The rendered
page is read like any other (its links, pagers, forms); the JSON answers its scripts fetched
while it loaded are recorded and read as list APIs (discovery/api.py), so a list filled by script
is paged through its API without rendering every page.

Installed with ``pip install 'summary-archive[render]'``; the browser is the machine's Chromium
(Debian's ``chromium``; ARCHIVE_BROWSER names another), never one Playwright downloads.
"""

from __future__ import annotations

from scrapy.settings import Settings

from crawler.crawl.browser import find_browser


class RenderUnavailable(ValueError):
    """A site asks to be rendered and this machine cannot: said before the crawl starts."""


def apply_rendering(settings: Settings, sites) -> None:
    """Find this machine's browser (ARCHIVE_BROWSER, else Chromium on the PATH) for the crawl's
    challenges and renderings; RenderUnavailable when a site has render = true and there is none."""
    browser = find_browser(settings.get("ARCHIVE_BROWSER") or None)
    rendered = [site.id for site in sites if site.render]
    if rendered and browser is None:
        raise RenderUnavailable(
            f"site '{rendered[0]}' has render = true, and no browser to render with: "
            "apt-get install chromium; pip install 'summary-archive[render]' "
            "(or -s ARCHIVE_BROWSER=/path/to/chrome)"
        )
    settings.set("ARCHIVE_BROWSER", browser or "off", priority="cmdline")


def render_meta(seen: list[str]) -> dict:
    """The request meta that has a page rendered in the browser, recording into ``seen`` the URLs
    of the JSON answers its scripts fetch."""
    return {"browser": "render", "api_seen": seen, "via": "rendered"}
