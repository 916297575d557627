"""The headline and the source: the page's own headline rather than <title> with the site's name
after it, and the 来源 an article names."""

from __future__ import annotations

import re

import lxml.etree
import lxml.html

from crawler.extract.body import furniture_line
from crawler.extract.content import FurnitureMemo, page_names
from crawler.extract.dates import LABELLED_DATE, parse_date
from crawler.extract.page import cjk_count, clean_text, meta_content

_META_TITLE_NAMES = ("articletitle", "og:title", "title")
_META_SOURCE_NAMES = ("contentsource", "source", "og:site_name_source")
_SOURCE_LINE = re.compile(r"(?:信息来源|稿件来源|文章来源|来源)\s*[:：]\s*([^\s|｜丨/]{1,40})")
_SOURCE_STOP = re.compile(r"(作者|发布|时间|日期|浏览|点击|编辑|字号|阅读|【|\[|\d{4}[-年/])")
# What joins a headline to the site's name in <title>: 标题_网站, 标题 | 网站, 标题-新华网 (a bare
# hyphen only before a short name at the end).
_TITLE_SEPARATORS = re.compile(r"\s*(?:_|\||｜|--|—|-{1}\s|\s-|-(?=[^-\d][^-]{1,11}$))\s*")


_HEADINGS = lxml.etree.XPath("//h1|//h2|//h3")
_LINK_WITH_TEXT = lxml.etree.XPath(".//a[string-length(normalize-space()) > 0]")


def _title_above_body(head_lines: list[str]) -> str | None:
    """The last line above the body that reads like a headline: old table layouts mark the title
    only with a bold font, and the info line (date, source) sits between it and the text."""
    for line in reversed(head_lines[-4:]):
        if re.search(r"首页|当前位置|您的位置|现在的位置", line):
            return None  # navigation: the title is not above the body
        if (
            LABELLED_DATE.search(line)
            or _SOURCE_LINE.search(line)
            or parse_date(line)
            or furniture_line(line)
        ):
            continue
        if 5 <= cjk_count(line) and len(line) <= 60 and not re.search(r"[。；]$", line):
            return line
        return None
    return None


def _attached(element: lxml.html.HtmlElement, roots: list[lxml.html.HtmlElement]) -> bool:
    """Whether ``element`` is still in the page (not in a subtree taken out of it)."""
    while (parent := element.getparent()) is not None:
        element = parent
    return any(element is root for root in roots)


def extract_title(
    doc: lxml.html.HtmlElement,
    content: lxml.html.HtmlElement | None,
    head_lines: list[str],
    title_blocks: list[lxml.html.HtmlElement] | None = None,
    metas: list[tuple[str, str]] | None = None,
) -> str | None:
    """The headline. ``title_blocks``: the page's headings and elements named for a title, in
    page order (content.page_names, read before the furniture was taken out of the content
    box: those taken out with it are passed over); ``metas``: the page's meta_pairs."""
    meta_title = meta_content(doc, ("articletitle",), metas)
    if meta_title:
        return meta_title
    page_title = clean_text(doc.findtext(".//title") or "")
    in_furniture = FurnitureMemo()
    # A heading at the top of the content box itself (simple templates put it there).
    inner: list[str] = []
    if content is not None:
        for element in content.iter("h1", "h2", "h3", "h4"):
            text = clean_text(element.text_content())
            if 4 <= len(text) <= 120 and cjk_count(text) >= 2:
                inner.append(text)
    # the content box and what it holds (one walk of it, not one of every block's ancestors)
    inside = set(content.iter()) if content is not None else set()
    if title_blocks is None:
        title_blocks = page_names(doc).title_blocks
    roots = [*doc.itersiblings(preceding=True), doc, *doc.itersiblings()]
    # Title blocks by their text first; whether one is still in the page, outside furniture and
    # not a link (a walk up its ancestors, a search of it) is asked only of those a rule would
    # take, in the same order: most pages take the first block their <title> repeats.
    blocks: list[tuple[str, lxml.html.HtmlElement]] = []
    for element in title_blocks:
        text = clean_text(element.text_content())
        if 4 <= len(text) <= 120 and cjk_count(text) >= 2 and element not in inside:
            blocks.append((text, element))
    kept: dict[lxml.html.HtmlElement, bool] = {}

    def candidate(element: lxml.html.HtmlElement) -> bool:
        if element not in kept:
            kept[element] = (
                _attached(element, roots)
                and not in_furniture(element)
                and not _LINK_WITH_TEXT(element)
            )
        return kept[element]

    if page_title:
        headline = _TITLE_SEPARATORS.split(page_title)[0] or page_title
        for pool in (blocks, [(text, None) for text in inner]):
            in_title = [c for c, e in pool if c in page_title and (e is None or candidate(e))]
            if in_title:
                return max(in_title, key=len)
            # A title block that also holds the byline and date: the headline is the part of
            # it that <title> repeats.
            if len(headline) >= 6 and any(
                headline in c and (e is None or candidate(e)) for c, e in pool
            ):
                return headline
        # A heading that <title> repeats is the headline even inside a block that looks like
        # furniture (a header bar) or with a link on it.
        repeated = [
            text
            for text in (clean_text(h.text_content()) for h in _HEADINGS(doc))
            if len(text) >= 6 and text in page_title
        ]
        if repeated:
            return max(repeated, key=len)
    for tag in ("h1", "h2"):
        for element in doc.iter(tag):
            text = clean_text(element.text_content())
            if 4 <= len(text) <= 120 and not in_furniture(element.getparent()):
                return text
    above = _title_above_body(head_lines)
    if above:
        return above
    first = next((text for text, element in blocks if candidate(element)), None)
    if first:
        return first
    if page_title:
        first = _TITLE_SEPARATORS.split(page_title)[0]
        return first or page_title
    og = meta_content(doc, ("og:title",), metas)
    return og


def text_before_body(full_lines: list[str], body_lines: list[str]) -> list[str]:
    """Page lines up to the first line of the body: where the info line (date, source) sits."""
    if not body_lines:
        return full_lines
    first = body_lines[0]
    for index, line in enumerate(full_lines):
        if line == first:
            return full_lines[:index]
    return full_lines


def extract_source(
    doc: lxml.html.HtmlElement,
    head_lines: list[str],
    all_lines: list[str],
    metas: list[tuple[str, str]] | None = None,
) -> str | None:
    meta_source = meta_content(doc, _META_SOURCE_NAMES, metas)
    if meta_source:
        return meta_source
    for lines in (head_lines, all_lines[-40:], all_lines):
        for line in lines:
            # every label ends in 来源: a search of the line in C finds most lines without one
            match = _SOURCE_LINE.search(line) if "来源" in line else None
            if match:
                value = _SOURCE_STOP.split(match.group(1))[0].strip(" ：:|")
                if value:
                    return value
    return None
