"""Pagers that are forms, read as the site's own script would submit them.

- A GET or POST form holding the page number in an input (cur_page, pageNo, page …) that a script
  function fills and submits (``goPage(3)``, ``toPage(3)``, ``jumpPage`` …): the pager's links
  are ``javascript:`` or ``onclick``, and the number of pages may stand only in a script variable
  (countPage, totalPage, pageCount) or in the text (共5页).
- ASP.NET WebForms pagers (AspNetPager and its kin): ``__doPostBack('ctl00$…$Pager','3')``; the
  next page is a POST of the page's form with __EVENTTARGET and __EVENTARGUMENT set, and the
  form's own __VIEWSTATE and __EVENTVALIDATION, as the browser sends it.

Each further page becomes a PAGE link carrying its form fields (``Link.formdata``, POSTed) or its
query (GET), so that the spider pages through it like any other column.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import lxml.html

from crawler.discovery.links import PAGE_PARAMETERS, Link, LinkKind, normalise_url

_PAGE_INPUT = re.compile(rf"^({PAGE_PARAMETERS})$", re.IGNORECASE)
# A pager's script call with a page number: goPage(3), toPage('3'), jumpPage(3), turnPage(3) …
_PAGER_CALL = re.compile(
    r"\b(\w*(?:page|go|jump|turn)\w*)\s*\(\s*['\"]?(\d{1,4})['\"]?\s*\)", re.IGNORECASE
)
_POSTBACK = re.compile(r"__doPostBack\(\s*['\"]([^'\"]+)['\"]\s*,\s*['\"](\d{1,4})['\"]\s*\)")
_PAGE_COUNT = re.compile(
    r"\b(?:countPage|totalPages?|pageCount|pageTotal|page_count|maxPage)\s*[=:]\s*['\"]?(\d{1,4})",
    re.IGNORECASE,
)
_PAGE_COUNT_TEXT = re.compile(r"共\s*(\d{1,4})\s*页")
MAX_PAGES = 200  # a page count past this is a mistake or a site's whole archive at once


def _script_actions(doc: lxml.html.HtmlElement) -> list[str]:
    """The script a page's links and buttons run: javascript: hrefs and onclick handlers."""
    actions = []
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        href = element.get("href") or ""
        if href.lower().startswith("javascript:"):
            actions.append(href)
        if element.get("onclick"):
            actions.append(element.get("onclick"))
    return actions


def _forms(doc: lxml.html.HtmlElement) -> list[lxml.html.FormElement]:
    """The page's forms, read again by lxml.html's own parser, which gives a form and its
    controls their classes (``inputs``, ``value``): the crawl parses every page with one class
    for all elements (extract/page.py), and a form is rare."""
    return [
        lxml.html.fragment_fromstring(lxml.html.tostring(form, with_tail=False, encoding="unicode"))
        for form in doc.forms
    ]


def _fields(form: lxml.html.FormElement) -> list[tuple[str, str]]:
    """What the browser would send of a form, buttons aside."""
    fields = []
    for element in form.inputs:
        name = element.get("name")
        kind = (element.get("type") or "text").lower()
        if not name or kind in ("submit", "button", "image", "reset", "file"):
            continue
        if kind in ("checkbox", "radio") and element.get("checked") is None:
            continue
        value = element.value if element.tag != "select" else (element.value or "")
        fields.append((name, "" if value is None else str(value)))
    return fields


def _page_numbers(doc: lxml.html.HtmlElement, raw_text: str, calls: list[int]) -> list[int]:
    """The pages a pager offers: the numbers its calls carry, or every page up to a count given
    in a script variable or the text."""
    numbers = set(calls)
    count = _PAGE_COUNT.search(raw_text) or _PAGE_COUNT_TEXT.search(doc.text_content())
    if count:
        numbers.update(range(1, min(int(count.group(1)), MAX_PAGES) + 1))
    return sorted(n for n in numbers if 1 <= n <= MAX_PAGES)


def _with_query(url: str, fields: list[tuple[str, str]]) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(fields)
    return urlunsplit(parts._replace(query=urlencode(query)))


def form_pages(doc: lxml.html.HtmlElement, page_url: str, raw_text: str) -> list[Link]:
    """The further pages of a column paged by a form (see the module's text)."""
    actions = _script_actions(doc)
    postbacks = [m for action in actions for m in _POSTBACK.finditer(action)]
    if postbacks:
        return _postback_pages(doc, page_url, postbacks)
    calls = [int(m.group(2)) for action in actions for m in _PAGER_CALL.finditer(action)]
    if not calls and not _PAGE_COUNT.search(raw_text):
        return []
    links = []
    for form in _forms(doc):
        fields = _fields(form)
        page_field = next((name for name, _ in fields if _PAGE_INPUT.match(name)), None)
        if page_field is None:
            continue
        action = normalise_url(form.get("action") or page_url, page_url) or page_url
        current = next((v for n, v in fields if n == page_field), "1")
        for number in _page_numbers(doc, raw_text, calls):
            if str(number) == current:
                continue
            sent = [(n, str(number) if n == page_field else v) for n, v in fields]
            if (form.get("method") or "get").lower() == "post":
                links.append(Link(action, LinkKind.PAGE, f"page {number}", tuple(sent), "form"))
            else:
                links.append(Link(_with_query(action, sent), LinkKind.PAGE, f"page {number}",
                                  via="form"))  # fmt: skip
        break
    return links


def _postback_pages(doc: lxml.html.HtmlElement, page_url: str, postbacks) -> list[Link]:
    forms = _forms(doc)
    form = next((f for f in forms if f.xpath(".//input[@name='__VIEWSTATE']")), None)
    if form is None:
        form = forms[0] if forms else None
    if form is None:
        return []
    action = normalise_url(form.get("action") or page_url, page_url) or page_url
    fields = [
        (name, value) for name, value in _fields(form)
        if name not in ("__EVENTTARGET", "__EVENTARGUMENT")
    ]  # fmt: skip
    links, seen = [], set()
    for match in postbacks:
        target, number = match.group(1), match.group(2)
        if number in seen or number == "1":  # page 1 is the column page itself
            continue
        seen.add(number)
        sent = (("__EVENTTARGET", target), ("__EVENTARGUMENT", number), *fields)
        links.append(Link(action, LinkKind.PAGE, f"page {number}", sent, "postback"))
    return links


def link_page(link: Link) -> int | None:
    """A POSTed page's number, from its form fields; None when its URL tells (page_number)."""
    for name, value in link.formdata or ():
        if (name == "__EVENTARGUMENT" or _PAGE_INPUT.match(name)) and value.isdigit():
            return int(value)
    return None
