"""Lists filled by script from a JSON API: the column page holds no article links, only a script
that asks the site's API for them (``$.ajax({url: "/api/…/list", data: {channelId: 35, pageNo:
1}})``, ``fetch("/api/list?channelId=35&pageNo=1")``, ``xhr.open("GET", …)``, axios). The call
is read from the page's scripts and asked for as the script would; the addresses in the answer
are followed (typed by their URLs like links), and its page count (or total and page size) pages
through the API like any list. An answer that gives only ids, from which the page's script
builds addresses, is not read yet.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crawler.discovery.links import PAGE_PARAMETERS, Link, LinkKind, normalise_url
from crawler.discovery.scripts import join_concatenations

_CALLS = [
    re.compile(r"\bfetch\(\s*[\"'`]([^\"'`]+)[\"'`]"),
    re.compile(r"\.open\(\s*[\"'](?:GET|POST)[\"']\s*,\s*[\"']([^\"']+)[\"']", re.IGNORECASE),
    re.compile(r"(?:\baxios|\bjQuery|(?<![\w$])\$)\.(?:get|getJSON|post)\(\s*[\"']([^\"']+)[\"']"),
    re.compile(
        r"(?:\bjQuery|(?<![\w$])\$)\.ajax\(\s*\{[^{}]*?\burl\s*:\s*[\"']([^\"']+)[\"']",
        re.IGNORECASE,
    ),
]
# The literal parameters a call sends beside its URL: data: {…} or params: {…}
_DATA = re.compile(r"\b(?:data|params)\s*:\s*\{([^{}]*)\}")
_PAIR = re.compile(r"[\"']?(\w+)[\"']?\s*:\s*(?:[\"']([^\"']*)[\"']|(-?\d+)|(\w+))")
_PAGE_KEY = re.compile(rf"^({PAGE_PARAMETERS}|pageNumber|current)$", re.IGNORECASE)
_API_PATH = re.compile(r"api|\.json$|\.do$|\.action$|list|query|search|page", re.IGNORECASE)
_COUNT_KEYS = ("totalPage", "totalPages", "pageCount", "pages", "pageTotal", "totalpage")
_TOTAL_KEYS = ("total", "totalCount", "totalRecord", "count", "recordCount", "totalElements")
_SIZE_KEYS = ("pageSize", "size", "limit", "perPage", "rows")
_PAGE_LIKE = re.compile(r"^(/|https?://)[^\s\"'<>]+$")
MAX_PAGES = 200


def api_calls(raw_text: str, page_url: str) -> list[str]:
    """The first page of each list API the page's scripts call (GET with its parameters); an
    address the script concatenates from variables it defines is read too (discovery/scripts.py)."""
    raw_text = join_concatenations(raw_text)
    found = []
    for pattern in _CALLS:
        for match in pattern.finditer(raw_text):
            url = normalise_url(match.group(1), page_url)
            if url is None or not _API_PATH.search(urlsplit(url).path + "?" + urlsplit(url).query):
                continue
            window = raw_text[match.end() : match.end() + 600]
            data = _DATA.search(window)
            pairs = _pairs(data.group(1)) if data else []
            found.append(_first_page(url, pairs))
    return list(dict.fromkeys(found))


def _pairs(text: str) -> list[tuple[str, str]]:
    pairs = []
    for key, string, number, _variable in _PAIR.findall(text):
        if string or number:
            pairs.append((key, string or number))
        elif _PAGE_KEY.match(key):
            pairs.append((key, "1"))  # a variable holding the page: the first
    return pairs


def _first_page(url: str, pairs: list[tuple[str, str]]) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(pairs)
    for key in query:
        if _PAGE_KEY.match(key) and not query[key].isdigit():
            query[key] = "1"
    return urlunsplit(parts._replace(query=urlencode(query)))


def looks_json(body: bytes, content_type: str) -> bool:
    start = body[:64].lstrip()
    return "json" in content_type.lower() or start[:1] in (b"{", b"[")


def api_links(body: bytes, page_url: str) -> list[Link]:
    """What one answer of a list API leads to: the articles it lists and its further pages."""
    try:
        data = json.loads(body.decode("utf-8-sig", errors="replace"))
    except ValueError:
        return []
    links: dict[str, Link] = {}
    for value in _strings(data):
        if _PAGE_LIKE.match(value) and not value.lower().endswith((".jpg", ".png", ".gif")):
            url = normalise_url(value, page_url)
            if url is not None and url != page_url:
                links.setdefault(url, Link(url, LinkKind.OTHER, via="api"))
    for url in _page_urls(data, page_url):
        links.setdefault(url, Link(url, LinkKind.PAGE, via="api"))
    return list(links.values())


def _strings(data) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for value in data.values() for s in _strings(value)]
    if isinstance(data, list):
        return [s for value in data for s in _strings(value)]
    return []


def _numbers(data, keys: tuple[str, ...]) -> int | None:
    """The first value under one of ``keys`` anywhere in the answer."""
    if isinstance(data, dict):
        for key in keys:
            value = data.get(key)
            if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
                return int(value)
        for value in data.values():
            found = _numbers(value, keys)
            if found is not None:
                return found
    return None


def _page_urls(data, page_url: str) -> list[str]:
    parts = urlsplit(page_url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    key = next((k for k in query if _PAGE_KEY.match(k) and query[k].isdigit()), None)
    if key is None:
        return []
    count = _numbers(data, _COUNT_KEYS)
    if count is None:
        total, size = _numbers(data, _TOTAL_KEYS), _numbers(data, _SIZE_KEYS)
        size = size or next(
            (int(v) for k, v in query.items() if k in _SIZE_KEYS and v.isdigit()), None
        )  # noqa: E501
        if total is None or not size:
            return []
        count = -(-total // size)
    current = int(query[key])
    return [
        urlunsplit(parts._replace(query=urlencode({**query, key: str(n)})))
        for n in range(current + 1, min(count, MAX_PAGES) + 1)
    ]
