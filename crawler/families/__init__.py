"""The CMS families the crawler knows, one module each, and their registry.

A family module defines ``FAMILY`` (crawler.families.base.Family): its article and list URL
shapes, the elements it puts article text in, the dates in its article URLs, and readers for
links its list pages hide. Adding a family is one new module here plus its line in FAMILIES; the
order of FAMILIES is the order content selectors and URL dates are tried in.
"""

from __future__ import annotations

import re

from crawler.families import founder, hanweb, news, trs
from crawler.families.base import Candidate, ContentSelector, Family

FAMILIES: tuple[Family, ...] = (trs.FAMILY, hanweb.FAMILY, founder.FAMILY, news.FAMILY)

ARTICLE_URLS: tuple[re.Pattern, ...] = tuple(p for f in FAMILIES for p in f.article_urls)
LIST_URLS: tuple[re.Pattern, ...] = tuple(p for f in FAMILIES for p in f.list_urls)
CONTENT_SELECTORS: tuple[ContentSelector, ...] = tuple(s for f in FAMILIES for s in f.content)
URL_DATES: tuple[re.Pattern, ...] = tuple(p for f in FAMILIES for p in f.url_dates)

__all__ = [
    "ARTICLE_URLS",
    "CONTENT_SELECTORS",
    "FAMILIES",
    "LIST_URLS",
    "URL_DATES",
    "Candidate",
    "ContentSelector",
    "Family",
]
