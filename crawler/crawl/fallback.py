"""Pages that read as nothing without their scripts, and what the spider does about them.

- An article shell (no main text, and a script that fetches the text as JSON): the script's
  address is read without running it (discovery/scripts.py) and asked for; the answer is read as
  the article at the shell's own address, so the archive and later crawls know the article by
  the address the list gives.
- Otherwise a list page with scripts and no article links, or an article page with no main text
  and scripts, is opened again in the browser (crawl/browsing.py) when there is one, at most
  ARCHIVE_RENDER_BUDGET pages a site and run, unless the site says ``render = false``.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.http import HtmlResponse, Response

from crawler.crawl.render import render_meta
from crawler.crawl.state import CrawlState
from crawler.discovery.api import api_calls
from crawler.discovery.scripts import article_from_json
from crawler.registry.sites import Site

# What a page request's meta carries that its second asking keeps.
_KEPT = ("site", "kind", "hops", "handle_httpstatus_list", "column", "backfill", "pending", "page")


def has_scripts(body: bytes) -> bool:
    """Whether a page has a script (inline or loaded)."""
    return b"<script" in body[:500_000].lower()


def _again(response: Response, site: Site, state: CrawlState, **meta) -> Request:
    kept = {key: response.meta[key] for key in _KEPT if key in response.meta}
    state.outstanding[site.id] += 1  # answered like any request the spider makes
    return response.request.replace(
        url=meta.pop("url", response.url), meta={**kept, **meta}, dont_filter=True
    )


def render_again(response: Response, site: Site, state: CrawlState, settings) -> Request | None:
    """The same page, to be opened in the browser; None when it may not be (no browser, the site
    says render = false, the page was rendered already, the site's render budget is spent)."""
    if (
        site.render is False
        or "browser" in response.meta
        or settings.get("ARCHIVE_BROWSER", "off") == "off"
        or state.stopped(site)
        or not has_scripts(response.body)
    ):
        return None
    if not site.render and state.renders[site.id] >= settings.getint("ARCHIVE_RENDER_BUDGET", 10):
        return None
    state.renders[site.id] += 1
    return _again(response, site, state, **render_meta([]))


def article_api(response: Response, raw_text: str, site: Site, state: CrawlState) -> Request | None:
    """For an article page with no text: the JSON its script fetches the text from, asked for
    once (the answer is read by :func:`json_article`); None when the page's scripts name none."""
    if "article_of" in response.meta or "browser" in response.meta:
        return None
    calls = [url for url in api_calls(raw_text, response.url) if site.owns(url)]
    if not calls or state.stopped(site):
        return None
    state.scheduled[site.id] += 1
    return _again(response, site, state, url=calls[0], article_of=response.url, via="api")


def json_article(response: Response) -> Response | None:
    """The answer to :func:`article_api`'s request as the article page at the shell's address, or
    None when it is not an article."""
    page = article_from_json(response.body)
    if page is None:
        return None
    return HtmlResponse(
        url=response.meta["article_of"], status=response.status, body=page, encoding="utf-8",
        request=response.request,
    )  # fmt: skip
