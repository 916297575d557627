"""Lists that are not pages: sitemaps (named by robots.txt's Sitemap: lines; indexes of sitemaps,
<lastmod>) and feeds (RSS or Atom, announced by <link rel="alternate">). A column that shows only
its latest items, or a list written by script with no links in it, is read through them.
Scrapy's sitemap reader and feedparser read the files; this module says what they lead to."""

from __future__ import annotations

import gzip
import io
import re

import lxml.html
from scrapy.utils.sitemap import Sitemap

from crawler.discovery.links import Link, LinkKind, normalise_url

_FEED_TYPES = re.compile(r"application/(rss|atom)\+xml|application/rdf\+xml", re.IGNORECASE)
_SNIFF = re.compile(rb"<(urlset|sitemapindex|rss|feed|rdf:RDF)\b", re.IGNORECASE)


def alternate_feeds(doc: lxml.html.HtmlElement, base: str) -> list[str]:
    """The feeds a page announces: <link rel="alternate" type="application/rss+xml" href=…>."""
    found = []
    for element in doc.iter("link"):
        rel = (element.get("rel") or "").lower().split()
        if "alternate" in rel and _FEED_TYPES.search(element.get("type") or ""):
            url = normalise_url(element.get("href", ""), base)
            if url is not None:
                found.append(url)
    return found


def index_kind(body: bytes) -> str | None:
    """'sitemap' or 'feed' for a response that is one (gzipped sitemaps too), else None."""
    if body[:2] == b"\x1f\x8b":
        body = _gunzip(body)
    match = _SNIFF.search(body[:4096])
    if match is None:
        return None
    return "sitemap" if match.group(1).lower() in (b"urlset", b"sitemapindex") else "feed"


def _gunzip(body: bytes, limit: int = 50 * 1024 * 1024) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as stream:
            return stream.read(limit)
    except (OSError, EOFError):
        return b""


def index_links(body: bytes, kind: str, base: str) -> list[Link]:
    """What a sitemap or feed leads to: pages (their kind guessed later from the URL) and, for a
    sitemap index, further sitemaps (as list pages)."""
    if body[:2] == b"\x1f\x8b":
        body = _gunzip(body)
    if kind == "sitemap":
        try:
            sitemap = Sitemap(body)
        except Exception:  # noqa: BLE001 - a broken sitemap leads nowhere, it stops nothing
            return []
        inner = LinkKind.LIST if sitemap.type == "sitemapindex" else LinkKind.OTHER
        links = []
        for entry in sitemap:
            url = normalise_url(entry.get("loc", ""), base)
            if url is not None:
                links.append(Link(url, inner, entry.get("lastmod", ""), via="sitemap"))
        return links
    import feedparser

    parsed = feedparser.parse(body)
    links = []
    for entry in parsed.entries:
        url = normalise_url(entry.get("link", ""), base)
        if url is not None:
            links.append(Link(url, LinkKind.OTHER, entry.get("title", ""), via="feed"))
    return links
