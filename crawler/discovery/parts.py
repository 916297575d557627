"""Where the further pages of an article in pieces are: its own pager's links (共3页 上一页 1 2 3
下一页 over ``content_501_2.html`` or ``show.php?id=77&page=2``), told from the page's other links
by their addresses. The spider fetches and joins them (crawler/spiders/parts.py)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from crawler.discovery.links import PAGE_PARAMETERS, normalise_url

# An article is read to at most this many parts (a pager of a part that never ends is a trap).
MAX_PARTS = 30
_SUFFIX = re.compile(r"^(?P<stem>.+)_(?P<n>\d{1,3})(?P<ext>\.s?html?)$", re.IGNORECASE)
# A query alone (?page=2: the page's own address), or the tab or line break a URL parser takes
# out of an address.
_MAY_NAME_PART = re.compile(r"^\s*\?|[\t\r\n]")
_PAGE_NAME = re.compile(rf"^(?:{PAGE_PARAMETERS})$", re.IGNORECASE)


def _may_name_part(href: str) -> bool:
    """_MAY_NAME_PART's search, after the plain tests for what it needs (a page's hundreds of
    links mostly hold none of them)."""
    if "?" in href or "\t" in href or "\n" in href or "\r" in href:
        return _MAY_NAME_PART.search(href) is not None
    return False


def part_number(url: str, first: str) -> int | None:
    """Where ``url`` stands among the parts of the article whose first page is ``first``: 1 for
    the first page itself, N for ``<first stem>_N.html`` or for ``first``'s address with a page
    parameter of N; None for any other page."""
    if url == first:
        return 1
    one, other = urlsplit(first), urlsplit(url)
    if (one.scheme, one.netloc) != (other.scheme, other.netloc):
        return None
    if one.query == other.query and not one.query:
        folder, _, name = one.path.rpartition("/")
        match = _SUFFIX.match(other.path.rpartition("/")[2])
        if match and other.path.rpartition("/")[0] == folder:
            stem, ext = name.rsplit(".", 1) if "." in name else (name, "")
            if match["stem"] == stem and match["ext"].lower() == f".{ext.lower()}":
                return int(match["n"])
        return None
    if one.path != other.path:
        return None
    mine = [(k, v) for k, v in parse_qsl(one.query) if not _PAGE_NAME.match(k)]
    theirs = parse_qsl(other.query)
    pages = [v for k, v in theirs if _PAGE_NAME.match(k)]
    rest = [(k, v) for k, v in theirs if not _PAGE_NAME.match(k)]
    if len(pages) == 1 and pages[0].isdigit() and sorted(rest) == sorted(mine):
        return int(pages[0])
    return None


def part_links(doc, page_url: str, first: str) -> dict[int, str]:
    """The further parts of an article a page's pager names, by their numbers (over 1)."""
    found: dict[int, str] = {}
    name = urlsplit(first).path.rpartition("/")[2]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    first_page = page_url == first
    for element in doc.iter("a"):
        href = element.get("href") or ""
        # On the first page, a link to a part names the first page's stem (…_2.html, or the
        # page's own name with a page number in its query) or is a query alone: the page's
        # other links are not resolved at all.
        if first_page and stem not in href and not _may_name_part(href):
            continue
        url = normalise_url(href, page_url)
        number = part_number(url, first) if url else None
        if number is not None and 1 < number <= MAX_PARTS:
            found.setdefault(number, url)
    return found
