"""TRS WCM list pages: paging is written by JavaScript, createPageHTML(count, current, "index",
"html"); page 0 is index.html (or the folder itself), page N is index_N.html."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import lxml.html

from crawler.discovery.links import LinkKind

CREATE_PAGE = re.compile(
    r"createPageHTML\(\s*(?:(\d+)|\w+)\s*,\s*(?:(\d+)|\w+)\s*,\s*[\"'](\w+)[\"']\s*,\s*[\"'](\w+)[\"']"
)
_COUNT_VAR = re.compile(r"(?:countPage|pageCount|totalPage)\s*=\s*(\d+)")


def links(
    doc: lxml.html.HtmlElement, page_url: str, raw_text: str
) -> list[tuple[str, str, LinkKind | None]]:
    found = []
    for script in doc.iter("script"):
        code = script.text or ""
        match = CREATE_PAGE.search(code)
        if not match:
            continue
        count = match.group(1) or (
            _COUNT_VAR.search(code).group(1) if _COUNT_VAR.search(code) else None
        )
        if count is None:
            continue
        name, ext = match.group(3), match.group(4)
        for number in range(int(count)):
            page = f"{name}.{ext}" if number == 0 else f"{name}_{number}.{ext}"
            found.append((urljoin(page_url, page), str(number + 1), LinkKind.PAGE))
    return found
