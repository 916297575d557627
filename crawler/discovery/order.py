"""Which columns list their items oldest first, told from what earlier crawls stored: the pages of
each column (its first page and the further pages its pager led to), and the published dates of
the articles each page listed. A column whose first page lists older articles than its last page
gets its new items on the last page, so a re-crawl reads that end too (spiders/paging.py)."""

from __future__ import annotations

from crawler.discovery.links import page_number


def column_pages(first: str, list_pages: dict) -> list[str]:
    """The stored pages of the column whose first page is ``first``, by page number (each page's
    further-page links, followed through the stored pages), up to the last that listed an
    article no earlier page did."""
    found = [first]
    queue = [first]
    while queue:
        page = list_pages.get(queue.pop())
        for row in page.links if page is not None else ():
            url, kind = row[0], row[1]
            if kind == "page" and url not in found and url in list_pages and len(row) < 3:
                found.append(url)
                queue.append(url)
    # pages past the column's end (empty, 页面不存在, a repeat of an earlier page) are not its pages
    pages, seen = [], set()
    for url in sorted(found, key=page_number):
        page = list_pages.get(url)
        articles = {row[0] for row in page.links if row[1] == "article"} if page else set()
        if url != first and not articles - seen:
            break
        pages.append(url)
        seen |= articles
    return pages


def _middle(dates: list[str]) -> str:
    return sorted(dates)[len(dates) // 2]


def _dates(page, published: dict[str, str]) -> list[str]:
    return [
        published[row[0]][:10]
        for row in (page.links if page is not None else ())
        if row[1] == "article" and row[0] in published
    ]


def oldest_first_columns(
    walked: set[str], list_pages: dict, published: dict[str, str]
) -> dict[str, str]:
    """The walked columns whose dates run oldest first, each with its last stored page: the
    articles of the first page were published before those of the last (by their middle dates)."""
    found = {}
    for first in walked:
        pages = column_pages(first, list_pages)
        if len(pages) < 2:
            continue
        head = _dates(list_pages.get(first), published)
        tail = _dates(list_pages.get(pages[-1]), published)
        if head and tail and _middle(head) < _middle(tail):
            found[first] = pages[-1]
    return found
