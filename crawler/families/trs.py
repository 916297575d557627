"""TRS WCM (拓尔思), the CMS of most Chinese government portals: articles at
./202303/t20230301_123456.html with their text in a TRS_Editor box; list paging is written by
JavaScript, createPageHTML(count, current, "index", "html"): page 0 is index.html (or the folder
itself), page N is index_N.html."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import lxml.html

from crawler.discovery.links import LinkKind
from crawler.families.base import Candidate, ContentSelector, Family, patterns

CREATE_PAGE = re.compile(
    r"createPageHTML\(\s*(?:(\d+)|\w+)\s*,\s*(?:(\d+)|\w+)\s*,\s*[\"'](\w+)[\"']\s*,\s*[\"'](\w+)[\"']"
)
_COUNT_VAR = re.compile(r"(?:countPage|pageCount|totalPage)\s*=\s*(\d+)")


def paging_links(doc: lxml.html.HtmlElement, page_url: str, raw_text: str) -> list[Candidate]:
    """The pages of a column, from the createPageHTML call that writes its pager."""
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


FAMILY = Family(
    name="trs",
    article_urls=patterns(r"/t\d{8}_\d+\.s?html?$"),
    list_urls=patterns(r"/[^/.]+/$"),  # a column is a folder
    content=(ContentSelector(class_word="TRS_Editor"),),
    url_dates=patterns(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_\d+"),
    link_readers=(paging_links,),
)
