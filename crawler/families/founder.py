"""Founder (方正) e-paper systems of city newspapers: pages per issue at
/2023-03/01/content_123.htm, the article in a <founder-content> element (or a box of that class),
the issue's date in the URL."""

from __future__ import annotations

from crawler.families.base import ContentSelector, Family, patterns

FAMILY = Family(
    name="founder",
    article_urls=patterns(
        r"/content_\d+\.s?html?$", r"/(19|20)\d{2}-?\d{2}/\d{2}/[a-z]*_?\d+\.s?html?$"
    ),
    content=(ContentSelector(tag="founder-content"), ContentSelector(class_word="founder-content")),
    url_dates=patterns(r"/((?:19|20)\d{2})-?(\d{2})/(\d{2})/"),  # /2023-03/01/ and /202303/01/
)
