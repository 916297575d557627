"""What a CMS family is to the crawler: its URL shapes, where it puts the article text, the date
its article URLs carry, and readers for links its list pages hide from a plain link reader."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import lxml.html

from crawler.discovery.links import Link, LinkKind

# A link a reader found: (absolute URL, its text, its kind when the reader knows it).
Candidate = tuple[str, str, LinkKind | None]
LinkReader = Callable[[lxml.html.HtmlElement, str, str], list[Candidate]]
PostedPages = Callable[[str, str], list[Link]]


@dataclass(frozen=True)
class ContentSelector:
    """An element a CMS puts the article text in: by id, by its whole class attribute, by one
    word of its class, or by tag."""

    id: str | None = None
    class_name: str | None = None
    class_word: str | None = None
    tag: str | None = None

    def xpath_test(self) -> str:
        if self.id:
            return f"@id='{self.id}'"
        if self.class_name:
            return f"@class='{self.class_name}'"
        if self.class_word:
            return f"contains(@class,'{self.class_word}')"
        return f"self::{self.tag}"

    def matches(self, element: lxml.html.HtmlElement) -> bool:
        if self.id:
            return element.get("id") == self.id
        if self.class_name:
            return element.get("class") == self.class_name
        if self.class_word:
            return self.class_word in (element.get("class") or "").split()
        return element.tag == self.tag


def patterns(*sources: str) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(source, re.IGNORECASE) for source in sources)


@dataclass(frozen=True)
class Family:
    """One CMS family. Every part is optional: a family may only add a content selector."""

    name: str
    article_urls: tuple[re.Pattern, ...] = ()
    list_urls: tuple[re.Pattern, ...] = ()
    content: tuple[ContentSelector, ...] = ()
    # Patterns whose groups 1, 2, 3 are the year, month and day an article URL was published.
    url_dates: tuple[re.Pattern, ...] = ()
    # Links the family's list pages hold outside plain anchors (paging written by scripts,
    # records in embedded XML), read from the parsed page, its URL and its raw text.
    link_readers: tuple[LinkReader, ...] = field(default=())
    # List pages fetched by POST (form fields in the Link), from the raw text and the page URL.
    posted_pages: PostedPages | None = None
