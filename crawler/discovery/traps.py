"""Traps: pages a site mints without end (a calendar with every day back to 1990, a search or
filter that answers any value, a pager that links page 999 where pages past the end answer 200).

Three rules bound them (docs/registry-and-discovery.md, "Traps"):

- a column's paging stops at a page that holds no article link its earlier pages did not hold
  (a page that repeats an earlier one, an empty page, a 200 页面不存在 page): the spider's rule,
  with :meth:`ColumnMemory.new_links`;
- a URL shape (the URL with its numbers masked: ``/rili/day.jsp?date=N-N-N``) whose pages have
  held no article ``ARCHIVE_TRAP_SHAPE_LIMIT`` times, and never one, is a trap: its further pages
  are not asked for (:class:`TrapGuard`), the shape is recorded (a pages row of kind ``trap``) and
  later crawls leave it alone from the start;
- a page whose short text says it does not exist (:func:`says_not_found`) is no article.
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import parse_qsl, urlsplit

from crawler.extract.page import cjk_count

_DIGITS = re.compile(r"\d+")

# The words of a "page not found" answered with status 200 (a soft 404).
_NOT_FOUND = re.compile(
    r"页面不存在|页面已删除|页面找不到|找不到(?:该|您要的)?页面|信息不存在|文章不存在|内容不存在|"
    r"记录不存在|访问的页面不存在|已被删除|404\s*not\s*found|page\s+not\s+found",
    re.IGNORECASE,
)
# A soft 404 is short: past this many Chinese characters of main text, a page that mentions
# "页面不存在" is an article that says so in passing.
NOT_FOUND_MAX_CJK = 60


def url_shape(url: str) -> str:
    """A URL with its numbers masked and its query names sorted: the pages one pattern of a site
    mints (``/rili/day.jsp?date=N-N-N``, ``/search?kw=&page=N``)."""
    parts = urlsplit(url)
    query = "&".join(
        f"{name}={_DIGITS.sub('N', value)}"
        for name, value in sorted(parse_qsl(parts.query, keep_blank_values=True))
    )
    return parts.netloc + _DIGITS.sub("N", parts.path) + ("?" + query if query else "")


def says_not_found(text: str, title: str | None = None) -> bool:
    """Whether a page answered with 200 says it does not exist: a short text (or title) with
    页面不存在, 信息不存在, 404 Not Found and the like."""
    if cjk_count(text) > NOT_FOUND_MAX_CJK:
        return False
    return bool(_NOT_FOUND.search(text) or _NOT_FOUND.search(title or ""))


class TrapGuard:
    """Per crawl: how often pages of each URL shape of each site held no article, and the shapes
    cut as traps (those read from earlier crawls, and those found in this one)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.dry: Counter[tuple[str, str]] = Counter()
        self.fruitful: set[tuple[str, str]] = set()
        self.cut_shapes: dict[str, set[str]] = {}
        self.announced: set[tuple[str, str]] = set()
        self.cut_urls: set[str] = set()

    def newly_cut(self, urls) -> int:
        """How many of ``urls`` were not cut before in this crawl (each page is counted once,
        however many pages link it)."""
        fresh = set(urls) - self.cut_urls
        self.cut_urls |= fresh
        return len(fresh)

    def known(self, site_id: str, shapes) -> None:
        """The shapes earlier crawls cut for the site."""
        self.cut_shapes.setdefault(site_id, set()).update(shapes)

    def is_cut(self, site_id: str, url: str) -> bool:
        """Whether ``url`` is a page of a shape cut as a trap for the site."""
        shapes = self.cut_shapes.get(site_id)
        return bool(shapes) and url_shape(url) in shapes

    def answered(self, site_id: str, url: str, articles: int) -> str | None:
        """A page of the site (not an article) held ``articles`` article links. Returns the shape
        when this answer makes it a trap (once), else None."""
        key = (site_id, url_shape(url))
        if articles:
            self.fruitful.add(key)
            return None
        self.dry[key] += 1
        if self.limit <= 0 or key in self.fruitful or self.dry[key] < self.limit:
            return None
        self.cut_shapes.setdefault(site_id, set()).add(key[1])
        if key in self.announced:
            return None
        self.announced.add(key)
        return key[1]


class ColumnMemory:
    """Per crawl: the article links each column's pages held so far, so that a page that holds
    none the column had not shown yet ends its paging."""

    def __init__(self) -> None:
        self.links: dict[str, set[str]] = {}

    def new_links(self, column: str, urls: list[str]) -> int:
        """How many of ``urls`` the column's earlier pages did not hold; remembers them."""
        known = self.links.setdefault(column, set())
        fresh = [url for url in dict.fromkeys(urls) if url not in known]
        known.update(fresh)
        return len(fresh)
