"""Hanweb (大汉), common on county and city portals: articles at /art/2023/3/1/art_4467_2301.html
with their text in #zoom; column pages at /col/col4467/index.html keep their list records in
<script type="text/xml"><datastore>, each <record> a CDATA fragment with the article anchor, out
of reach of the DOM, and fetch further records by POST from dataproxy.jsp."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import lxml.html

from crawler.discovery.links import Link, LinkKind
from crawler.families.base import Candidate, ContentSelector, Family, patterns

RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.DOTALL | re.IGNORECASE)
HREF = re.compile(
    r"""<a\b[^>]*?href\s*=\s*["']([^"']+)["'][^>]*>(.*?)</a>""", re.DOTALL | re.IGNORECASE
)
TITLE_ATTR = re.compile(r"""title\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


def records(text: str, base: str) -> list[Candidate]:
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


def embedded_records(doc: lxml.html.HtmlElement, page_url: str, raw_text: str) -> list[Candidate]:
    """Article links in the column page's own <script type="text/xml"> datastore."""
    found = []
    for script in doc.iter("script"):
        if (script.get("type") or "").lower() == "text/xml" and script.text:
            found.extend(records(script.text, page_url))
    return found


_DATASTORE_DOCUMENT = re.compile(r"\s*(<\?xml[^>]*\?>\s*)?<datastore", re.IGNORECASE)
_JPAGE_NUMBER = {
    name: re.compile(rf"\b{name}\s*:\s*['\"]?(\d+)", re.IGNORECASE)
    for name in ("totalRecord", "perPage", "groupSize")
}
_PROXY_URL = re.compile(r"\bproxyUrl\s*:\s*['\"]([^'\"]+)['\"]", re.IGNORECASE)
_AJAX_PARAM = re.compile(r"\bajaxParam\s*:\s*\{([^}]*)\}", re.IGNORECASE)
_PARAM = re.compile(r"""(\w+)\s*:\s*(?:'([^']*)'|"([^"]*)"|([^,}\s]+))""")
_NEXTGROUP = re.compile(
    r"<nextgroup>\s*<!\[CDATA\[.*?href=[\"']([^\"']+)", re.DOTALL | re.IGNORECASE
)
DEFAULT_PROXY = "/module/web/jpage/dataproxy.jsp"


def proxy_pages(raw_text: str, page_url: str) -> list[Link]:
    """The dataproxy.jsp requests that fetch a Hanweb column's records beyond those embedded in
    the column page, one per group, in order (POST, as the site's own jpage script sends them)."""
    if "<datastore" not in raw_text or _DATASTORE_DOCUMENT.match(raw_text):
        return []
    numbers = {
        name: int(m.group(1))
        for name, pattern in _JPAGE_NUMBER.items()
        if (m := pattern.search(raw_text))
    }
    total = numbers.get("totalRecord")
    if not total:
        return []
    embedded = len(RECORD.findall(raw_text))
    group = numbers.get("perPage", 15) * numbers.get("groupSize", 3)
    params: dict[str, str] = {}
    ajax = _AJAX_PARAM.search(raw_text)
    if ajax:
        for match in _PARAM.finditer(ajax.group(1)):
            params[match.group(1)] = next(v for v in match.groups()[1:] if v is not None)
    else:
        nextgroup = _NEXTGROUP.search(raw_text)
        if nextgroup:
            query = dict(parse_qsl(urlsplit(html.unescape(nextgroup.group(1))).query))
            params = {
                k: v
                for k, v in query.items()
                if k in ("webid", "path", "columnid", "unitid", "webname", "permissiontype")
            }
            params.setdefault("col", "1")
            params.setdefault("appid", "1")
    if "columnid" not in params:
        return []
    proxy = _PROXY_URL.search(raw_text)
    endpoint = urljoin(page_url, proxy.group(1) if proxy else DEFAULT_PROXY)
    pages = []
    for start in range(embedded + 1, total + 1, group):
        query = urlencode(
            {
                "startrecord": start,
                "endrecord": start + group - 1,
                "perpage": numbers.get("perPage", 15),
            }
        )
        pages.append(
            Link(
                f"{endpoint}?{query}",
                LinkKind.PAGE,
                f"records {start}-{start + group - 1}",
                tuple(params.items()),
                via="form",
            )
        )
    return pages


FAMILY = Family(
    name="hanweb",
    article_urls=patterns(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html?$"),
    list_urls=patterns(r"/col/col\d+/(index\.html?)?$"),
    content=(ContentSelector(id="zoom"),),
    url_dates=patterns(r"/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"),
    link_readers=(embedded_records,),
    posted_pages=proxy_pages,
)
