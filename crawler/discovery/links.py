"""Links a page holds, by kind, and the URL facts every reader of links needs: an absolute URL,
the page number of a list page, the URLs that name the same page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urldefrag, urljoin, urlsplit

from crawler.discovery.urls import clean_url


class LinkKind(StrEnum):
    ARTICLE = "article"
    LIST = "list"  # a column page or a list page of a column
    PAGE = "page"  # the next page of the column being read
    OTHER = "other"  # on-site page of unknown shape (navigation may lead through it)
    IGNORE = "ignore"  # attachments, scripts, mail: never fetched


@dataclass(frozen=True)
class Link:
    url: str
    kind: LinkKind
    text: str = ""
    # For a list page that answers a POST (Hanweb's dataproxy.jsp): the form fields to send.
    formdata: tuple[tuple[str, str], ...] | None = None
    # How the page was reached (pages.via): link, frame, form, sitemap, feed.
    via: str = "link"


# The names list pages give their page number in a query: ?page=, ?pageNo=, ?cur_page=, ?pn= …
PAGE_PARAMETERS = (
    r"page|pageno|pageindex|pagenum|p|pn|curpage|cur_page|currpage|currentpage|startrecord"
)
_PAGE_NUMBER = [
    re.compile(rf"[?&](?:{PAGE_PARAMETERS})=(\d+)", re.IGNORECASE),
    # list_2.html, index_3.shtml, list_7_4.html, column-index-5.shtml
    re.compile(r"[_-](\d+)\.s?html?$", re.IGNORECASE),
]


def page_number(url: str) -> int:
    """Where a list page stands in its column: 0 for the first page (list.html, index.html, the
    folder), N for list_N.html, index_N.html, ?page=N, startrecord=N."""
    for pattern in _PAGE_NUMBER:
        match = pattern.search(url)
        if match:
            return int(match.group(1))
    return 0


def normalise_url(href: str, base: str) -> str | None:
    """An absolute http(s) URL without fragment and tracking parameters (discovery/urls.py), or
    None for javascript:, mailto: and the like."""
    href = (href or "").strip()
    if not href or href.startswith("#"):
        return None
    if re.match(r"^(javascript|mailto|tel|data|file|ftp|about|vbscript):", href, re.IGNORECASE):
        return None
    url = urldefrag(urljoin(base, href))[0]
    if urlsplit(url).scheme not in ("http", "https"):
        return None
    return clean_url(url)


def index_aliases(url: str) -> set[str]:
    """The URLs that name the same page as ``url``: a folder and its index file."""
    base = urldefrag(url)[0]
    aliases = {base}
    if base.endswith("/"):
        aliases.update(base + name for name in ("index.html", "index.htm", "index.shtml"))
    else:
        match = re.search(r"/index\.s?html?$", base)
        if match:
            aliases.add(base[: match.start() + 1])
    return aliases


# An address a link leaves to its scripts: href="javascript:openFile('/u/2023/总结.pdf')",
# onclick="window.open('/art/2023/1/5/art_1_2.html')", location.href='…', or a data- attribute.
_SCRIPT_ADDRESS = re.compile(
    r"""["']((?:https?://|\.{0,2}/)[^"'\s<>]+"""
    r"""|[^"'\s<>]+?\.(?:s?html?|jsp|aspx?|php|pdf|docx?|wps|xlsx?|ofd|zip|rar|7z)(?:\?[^"'\s<>]*)?)["']""",
    re.IGNORECASE,
)
_DATA_ATTRIBUTES = ("data-url", "data-href", "data-link", "data-file", "data-path", "data-download")


def script_target(element) -> str | None:
    """Where a link whose address is a script (javascript:, #, none) leads: a data- attribute,
    else the first quoted address in its javascript: href or its onclick; None when it names
    none (openDetail(12345) is a site's own scheme)."""
    href = (element.get("href") or "").strip()
    if href and not href.startswith("#") and not href.lower().startswith("javascript:"):
        return None
    for attribute in _DATA_ATTRIBUTES:
        value = (element.get(attribute) or "").strip()
        if value and not value.lower().startswith("javascript:"):
            return value
    for value in (href, element.get("onclick") or ""):
        found = _SCRIPT_ADDRESS.search(value)
        if found:
            return found.group(1)
    return None
