"""Hanweb (大汉) column pages: the list records sit in <script type="text/xml"><datastore>,
each <record> a CDATA fragment with the article anchor, out of reach of the DOM."""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin

import lxml.html

from crawler.discovery.links import LinkKind

RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.DOTALL | re.IGNORECASE)
HREF = re.compile(
    r"""<a\b[^>]*?href\s*=\s*["']([^"']+)["'][^>]*>(.*?)</a>""", re.DOTALL | re.IGNORECASE
)
TITLE_ATTR = re.compile(r"""title\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


def records(text: str, base: str) -> list[tuple[str, str, LinkKind | None]]:
    """Article links in a datastore's <record> fragments (from a column page or a dataproxy answer)."""
    found = []
    for record in RECORD.findall(text):
        for match in HREF.finditer(record):
            title = TITLE_ATTR.search(match.group(0))
            label = title.group(1) if title else re.sub(r"<[^>]+>", "", match.group(2))
            found.append(
                (
                    urljoin(base, html.unescape(match.group(1))),
                    html.unescape(label).strip(),
                    LinkKind.ARTICLE,
                )
            )
    return found


def links(
    doc: lxml.html.HtmlElement, page_url: str, raw_text: str
) -> list[tuple[str, str, LinkKind | None]]:
    found = []
    for script in doc.iter("script"):
        if (script.get("type") or "").lower() == "text/xml" and script.text:
            found.extend(records(script.text, page_url))
    return found
