"""Generic link reading: anchors, URL shapes and plain paging."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.html

from crawler.sites import Site


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


_PAGE_NUMBER = [
    re.compile(
        r"[?&](?:page|pageno|pageindex|pagenum|p|pn|curpage|startrecord)=(\d+)", re.IGNORECASE
    ),
    re.compile(r"_(\d+)\.s?html?$", re.IGNORECASE),
]


def page_number(url: str) -> int:
    """Where a list page stands in its column: 0 for the first page (list.html, index.html, the
    folder), N for list_N.html, index_N.html, ?page=N, startrecord=N."""
    for pattern in _PAGE_NUMBER:
        match = pattern.search(url)
        if match:
            return int(match.group(1))
    return 0


# Article URLs of the CMS families and news systems common on Chinese municipal sites.
ARTICLE_PATTERNS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"/t\d{8}_\d+\.s?html?$",  # TRS WCM
        r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html?$",  # Hanweb
        r"/content_\d+\.s?html?$",
        r"/(19|20)\d{2}-?\d{2}/\d{2}/[a-z]*_?\d+\.s?html?$",
        r"/(19|20)\d{2}/\d{2,4}/[\w-]+\.s?html?$",
        r"/(19|20)\d{6}/[\w-]+\.s?html?$",
        r"/(c|a|n|article|articles|detail|content|info|news|show|view)[_/-]?\d{3,}\.s?html?$",
        r"/(show|detail|view|content|article|info|news)[\w]*\.(php|aspx?|jsp|do|html?)\?.*\b(id|aid|articleid|newsid|infoid|contentid|docid)=\d+",
    )
]
LIST_PATTERNS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"/col/col\d+/(index\.html?)?$",  # Hanweb column
        r"/(index|list|node|more)(_\d+)?\.s?html?$",
        r"/[^/.]+/$",  # a directory: a TRS column
        r"[?&](page|pageno|pageindex|pagenum|p|pn|curpage)=\d+",
        r"/(list|column|lanmu|category|channel|node|col)[\w-]*(/|\.s?html?$|\.(php|aspx?|jsp|do)\?)",
    )
]
ATTACHMENT = re.compile(
    r"\.(pdf|docx?|xlsx?|pptx?|wps|et|zip|rar|7z|gz|tar|jpe?g|png|gif|bmp|webp|svg|mp3|mp4|avi|wmv|flv|swf|exe|apk|txt|csv|xml|json|css|js|ico)$",
    re.IGNORECASE,
)
NEXT_PAGE_TEXT = re.compile(r"^(下一页|下页|后一页|>|›|»|next)$", re.IGNORECASE)
PAGE_NUMBER_TEXT = re.compile(r"^(\d{1,4}|尾页|末页|最后一页|上一页|首页)$")
_PAGE_SUFFIX = re.compile(r"(_\d+)?(\.s?html?)$")


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
    query_a = re.sub(
        r"(page|pageno|pageindex|pagenum|p|pn|curpage)=\d+", "", a.query, flags=re.IGNORECASE
    )
    query_b = re.sub(
        r"(page|pageno|pageindex|pagenum|p|pn|curpage)=\d+", "", b.query, flags=re.IGNORECASE
    )
    return query_a.strip("&") == query_b.strip("&")


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
    if any(p.search(url) for p in ARTICLE_PATTERNS):
        return LinkKind.ARTICLE
    if any(p.search(url) for p in LIST_PATTERNS) or path in ("", "/"):
        return LinkKind.LIST
    return LinkKind.OTHER


def normalise_url(href: str, base: str) -> str | None:
    """An absolute http(s) URL without fragment, or None for javascript:, mailto: and the like."""
    href = (href or "").strip()
    if not href or href.startswith("#"):
        return None
    if re.match(r"^(javascript|mailto|tel|data|file|ftp|about|vbscript):", href, re.IGNORECASE):
        return None
    url = urldefrag(urljoin(base, href))[0]
    if urlsplit(url).scheme not in ("http", "https"):
        return None
    return url


def anchors(doc: lxml.html.HtmlElement, base: str) -> list[tuple[str, str]]:
    """(absolute URL, text) for every anchor, the title attribute preferred over text cut with ..."""
    found = []
    for element in doc.iter("a", "area"):
        url = normalise_url(element.get("href", ""), base)
        if url is None:
            continue
        text = re.sub(r"\s+", " ", element.text_content()).strip()
        title = (element.get("title") or "").strip()
        if title and (not text or text.endswith(("...", "…")) or len(title) > len(text)):
            text = title
        found.append((url, text))
    return found


def discover(
    doc: lxml.html.HtmlElement, page_url: str, site: Site, raw_text: str = ""
) -> list[Link]:
    """Every on-site link of a page, typed. Links from CMS-specific readers come first."""
    from crawler.discovery import hanweb, trs

    candidates: list[tuple[str, str, LinkKind | None]] = []
    for reader in (trs.links, hanweb.links):
        candidates.extend(reader(doc, page_url, raw_text))
    posted = [link for link in hanweb.proxy_pages(raw_text, page_url) if site.owns(link.url)]
    for url, text in anchors(doc, page_url):
        hint = None
        if (NEXT_PAGE_TEXT.match(text) or PAGE_NUMBER_TEXT.match(text)) and _same_column(
            url, page_url
        ):
            hint = LinkKind.PAGE
        candidates.append((url, text, hint))
    links: dict[str, Link] = {}
    for url, text, hint in candidates:
        if not site.owns(url) or url in links:
            continue
        kind = classify_url(url, site)
        if kind is LinkKind.IGNORE:
            links[url] = Link(url, kind, text)
            continue
        if hint is not None:
            kind = hint
        elif kind is LinkKind.LIST and _same_column(url, page_url):
            kind = LinkKind.PAGE
        links[url] = Link(url, kind, text)
    for alias in index_aliases(page_url):
        links.pop(alias, None)
    return list(links.values()) + posted


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
