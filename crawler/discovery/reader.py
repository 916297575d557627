"""Reading a page for links: which are articles, which are other list pages, which are the next
pages of the same column.

The generic reader handles ordinary anchors, URL shapes and the paging words 下一页/尾页/numbers;
each CMS family in crawler/families adds its URL shapes and, where its list pages hide links or
paging from a plain link reader, a reader of its own.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import lxml.html
from scrapy.linkextractors import IGNORED_EXTENSIONS

from crawler import families
from crawler.discovery.api import api_calls
from crawler.discovery.forms import form_pages
from crawler.discovery.indexes import alternate_feeds
from crawler.discovery.links import (
    PAGE_PARAMETERS,
    Link,
    LinkKind,
    index_aliases,
    normalise_url,
    script_target,
)
from crawler.registry.sites import Site

# Files, not pages: Scrapy's list of non-HTML extensions, and the office formats of Chinese
# government sites (WPS, ET, OFD) and data files.
ATTACHMENT = re.compile(
    r"\.("
    + "|".join(
        re.escape(ext)
        for ext in sorted(
            set(IGNORED_EXTENSIONS) | {"wps", "et", "ofd", "gz", "txt", "csv", "xml", "json"},
            key=len,
            reverse=True,
        )
    )
    + r")$",
    re.IGNORECASE,
)
# Pagers: words, numbers and arrows (›, », >, >>, 下页, 后页 …), in any of their usual spellings.
NEXT_PAGE_TEXT = re.compile(
    r"^(下一?页|后一?页|下一页\s*[>›»＞]+|[>›»＞]{1,2}|next|next\s*page)$", re.IGNORECASE
)
PAGE_NUMBER_TEXT = re.compile(
    r"^(\[?\d{1,4}\]?|尾页|末页|最后一页|上一?页|前一?页|首页|[<‹«＜]{1,2})$"
)
_PAGE_SUFFIX = re.compile(r"([_-]\d+)?(\.s?html?)$")
_PAGE_QUERY = re.compile(rf"(?:^|&)(?:{PAGE_PARAMETERS})=\d+", re.IGNORECASE)


def _same_column(url: str, column_url: str) -> bool:
    """A URL is a further page of a column when only its page number (list_3.html, index_2.html,
    ?page=4) differs."""
    a, b = urlsplit(url), urlsplit(column_url)
    if a.netloc != b.netloc:
        return False
    path_a, path_b = _PAGE_SUFFIX.sub(r"\2", a.path), _PAGE_SUFFIX.sub(r"\2", b.path)
    if path_b.endswith("/"):
        path_b += "index.html"
    if path_a.endswith("/"):
        path_a += "index.html"
    if path_a.rsplit("/", 1)[0] != path_b.rsplit("/", 1)[0]:
        return False
    return _PAGE_QUERY.sub("", a.query).strip("&") == _PAGE_QUERY.sub("", b.query).strip("&")


def anchors(doc: lxml.html.HtmlElement, base: str) -> list[tuple[str, str]]:
    """(absolute URL, text) for every anchor, the title attribute preferred over text cut with ..."""
    found = []
    for element in doc.iter("a", "area"):
        url = normalise_url(script_target(element) or element.get("href", ""), base)
        if url is None:
            continue
        text = re.sub(r"\s+", " ", element.text_content()).strip()
        title = (element.get("title") or "").strip()
        if title and (not text or text.endswith(("...", "…")) or len(title) > len(text)):
            text = title
        found.append((url, text))
    return found


def frames(doc: lxml.html.HtmlElement, base: str) -> list[str]:
    """The pages a page shows in frames (<iframe>, <frame>): a column whose list is a frame."""
    found = []
    for element in doc.iter("iframe", "frame"):
        url = normalise_url(element.get("src", ""), base)
        if url is not None:
            found.append(url)
    return found


def classify_url(url: str, site: Site) -> LinkKind:
    """What a URL probably is, from its shape and the site's hints alone."""
    if any(p.search(url) for p in site.ignore_patterns):
        return LinkKind.IGNORE
    path = urlsplit(url).path
    if ATTACHMENT.search(path):
        return LinkKind.IGNORE
    if any(p.search(url) for p in site.article_patterns):
        return LinkKind.ARTICLE
    if any(p.search(url) for p in site.list_patterns):
        return LinkKind.LIST
    if any(p.search(url) for p in families.ARTICLE_URLS):
        return LinkKind.ARTICLE
    if any(p.search(url) for p in families.LIST_URLS) or path in ("", "/"):
        return LinkKind.LIST
    return LinkKind.OTHER


def discover(
    doc: lxml.html.HtmlElement, page_url: str, site: Site, raw_text: str = ""
) -> list[Link]:
    """Every on-site link of a page, typed. Links from CMS-specific readers come first."""
    candidates: list[families.Candidate] = []
    posted: list[Link] = []
    for family in families.FAMILIES:
        for reader in family.link_readers:
            candidates.extend(reader(doc, page_url, raw_text))
        if family.posted_pages is not None:
            posted += [
                link for link in family.posted_pages(raw_text, page_url) if site.owns(link.url)
            ]
    posted += [link for link in form_pages(doc, page_url, raw_text) if site.owns(link.url)]
    for url, text in anchors(doc, page_url):
        hint = None
        if (NEXT_PAGE_TEXT.match(text) or PAGE_NUMBER_TEXT.match(text)) and _same_column(
            url, page_url
        ):
            hint = LinkKind.PAGE
        candidates.append((url, text, hint))
    framed = set(frames(doc, page_url))
    feeds = set(alternate_feeds(doc, page_url))
    apis = set(api_calls(raw_text, page_url)) if raw_text else set()
    candidates += [(url, "", LinkKind.LIST) for url in [*framed, *feeds, *apis]]
    links: dict[str, Link] = {}
    for url, text, hint in candidates:
        if not site.owns(url) or url in links:
            continue
        kind = classify_url(url, site)
        if (url in framed or url in feeds or url in apis) and not any(
            p.search(url) for p in site.ignore_patterns
        ):
            kind = LinkKind.LIST  # a frame, feed or API is a list, whatever its name (rss.xml)
        if kind is LinkKind.IGNORE:
            links[url] = Link(url, kind, text)
            continue
        if hint is not None:
            kind = hint
        elif kind is LinkKind.LIST and _same_column(url, page_url):
            kind = LinkKind.PAGE
        via = (
            "frame" if url in framed else "feed" if url in feeds else "api" if url in apis
            else "link"
        )  # fmt: skip
        links[url] = Link(url, kind, text, via=via)
    for alias in index_aliases(page_url):
        links.pop(alias, None)
    return list(links.values()) + posted
