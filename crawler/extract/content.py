"""Finding the article in a page: a CMS family's text box, else the block with the most
sentence-like text and the fewest links; then the furniture inside it (share bars, players,
comments, related lists) is taken out. Forum threads give their first post; a text split over
sibling blocks is joined."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import lxml.etree
import lxml.html

from crawler.extract.body import TAIL_MARKER, TAIL_WORD
from crawler.extract.page import (
    PARAGRAPH_TAGS,
    PUNCTUATION,
    block_texts,
    cjk_count,
    clean_text,
    link_text_length,
)
from crawler.families import CONTENT_SELECTORS, ContentSelector

# Names any template may give to its layout wrapper or to a widget: a match is only a fallback
# for a page where text density finds nothing.
GENERIC_SELECTORS = (
    ContentSelector(class_name="content"),
    ContentSelector(id="content"),
    ContentSelector(class_name="detail-content"),
    ContentSelector(class_name="news_content"),
    ContentSelector(id="news_content"),
    ContentSelector(tag="article"),
)
# One XPath per selector list finds every candidate in a single pass over the page.
_COMPILED: dict[tuple[ContentSelector, ...], lxml.etree.XPath] = {}
# Page furniture: class or id words of elements that are never article text.
_FURNITURE_ATTR = re.compile(
    r"(^|[\s_-])(nav|navbar|menu|breadcrumb|crumb|location|position|weizhi|footer|foot|copyright|"
    r"share|bdshare|sidebar|side|hot|related|video|player|xgwz|pager|page-?nav|prev|next|toolbar|print|qrcode|ewm|"
    r"header|top-?bar|banner|search|links|friend-?link|statement|disclaimer|mianze)([\s_-]|$)",
    re.IGNORECASE,
)
# Readers' comments: never the article, however much prose they hold (a long thread outweighs a
# short post), unless the block also holds the headline (a wrapper of article and comments).
_COMMENT_ATTR = re.compile(
    r"(^|[\s_-])(comments?|comment-?list|comment-?box|cmt|cmts|pinglun|pl-?list|replies|reply-?list)"
    r"([\s_-]|$)",
    re.IGNORECASE,
)
_FURNITURE_TAGS = frozenset(("nav", "footer", "aside", "header"))
# Chinese characters of prose after a related-articles list that make it a list inside the article.
_RELATED_FOLLOWED_BY = 100
# Chinese characters outside links from which a block holds prose, whatever its name says.
_PROSE_CJK = 300


def _is_furniture_element(element: lxml.html.HtmlElement) -> bool:
    tag = element.tag
    if isinstance(tag, str) and tag.lower() in _FURNITURE_TAGS:
        return True
    class_name, ident = element.get("class"), element.get("id")
    if not class_name:
        if not ident:
            return False
        named = _named(ident)
    else:
        named = _named(f"{class_name} {ident}" if ident else class_name)
    if named is _COMMENT_ATTR:
        return next(element.iter("h1"), None) is None
    if named is None:
        return False
    # A name is a hint, the text decides: a wrapper named for its share buttons
    # (js_img_share_area) that holds the article's paragraphs is not furniture.
    cjk = cjk_count(element.text_content())
    return cjk < _PROSE_CJK or cjk - link_text_length(element) < _PROSE_CJK


@functools.lru_cache(maxsize=4096)
def _named(attrs: str) -> re.Pattern | None:
    """Which name a class and id say an element has: comments, furniture or neither (a page
    repeats a few names on hundreds of elements)."""
    if _COMMENT_ATTR.search(attrs):
        return _COMMENT_ATTR
    return _FURNITURE_ATTR if _FURNITURE_ATTR.search(attrs) else None


def _candidate_score(
    element: lxml.html.HtmlElement, text: str | None = None, link_ratio: float | None = None
) -> float:
    """How much sentence-like text outside links ``element`` holds (``text``, ``link_ratio``:
    its text_content and _link_ratio, when they are at hand)."""
    text = element.text_content() if text is None else text
    cjk = cjk_count(text)
    if cjk == 0:
        return 0.0
    link_ratio = _link_ratio(element, text) if link_ratio is None else link_ratio
    return (cjk + 3 * len(PUNCTUATION.findall(text))) * (1.0 - link_ratio) ** 2


@dataclass
class PageNames:
    """The page's ids and classes, and its headings and the elements whose class or id says
    "title" in any case, in page order: read once by :func:`page_names` for the choice of the
    content box and for the headline."""

    ids: set[str]
    classes: set[str]
    title_blocks: list[lxml.html.HtmlElement]


# One search over the page's attributes for both: an XPath over every attribute costs more than
# what is done with what it finds (the attributes come back with the element that carries them).
_NAMES = lxml.etree.XPath("//h1|//h2|//h3|//@class|//@id")


def page_names(doc: lxml.html.HtmlElement) -> PageNames:
    """The names of ``doc``'s elements (the whole document: text after </html> too)."""
    names = PageNames(set(), set(), [])
    last = None
    for found in _NAMES(doc):
        if isinstance(found, str):
            (names.ids if found.attrname == "id" else names.classes).add(found)
            if "title" not in found.lower():
                continue
            found = found.getparent()
            if found is last:  # a heading, or an element with both, named twice
                continue
        names.title_blocks.append(found)
        last = found
    return names


def select_by_family(
    doc: lxml.html.HtmlElement,
    selectors: tuple[ContentSelector, ...] = CONTENT_SELECTORS,
    names: PageNames | None = None,
) -> lxml.html.HtmlElement | None:
    """The first element a family's selector names (in the selectors' order) that holds text and
    is no furniture. The page is searched only for the selectors that name one of its elements
    (:func:`_named_in`): a search of every element for a dozen names costs more than the rest of
    the choice."""
    selectors = _named_in(doc, selectors, names or page_names(doc))
    if not selectors:
        return None
    if selectors not in _COMPILED:
        _COMPILED[selectors] = lxml.etree.XPath(
            "//*[" + " or ".join(selector.xpath_test() for selector in selectors) + "]"
        )
    found = _COMPILED[selectors](doc)
    for selector in selectors:
        for element in found:
            if (
                selector.matches(element)
                and cjk_count(element.text_content()) >= 40
                and not _is_furniture_element(element)
            ):
                return element
    return None


def _named_in(
    doc: lxml.html.HtmlElement, selectors: tuple[ContentSelector, ...], names: PageNames
) -> tuple[ContentSelector, ...]:
    """The selectors that name an element of the page: by its ids and classes (read as strings),
    a tag looked for in the tree."""
    words: set[str] | None = None
    kept = []
    for selector in selectors:
        if selector.tag:
            named = _has_tag(doc, selector.tag)
        elif selector.id:
            named = selector.id in names.ids
        elif selector.class_name:
            named = selector.class_name in names.classes
        else:
            if words is None:
                words = set(" ".join(names.classes).split())  # every class's words, in C
            named = selector.class_word in words
        if named:
            kept.append(selector)
    return tuple(kept)


def _has_tag(doc: lxml.html.HtmlElement, tag: str) -> bool:
    """Whether the page has an element ``tag``, also after its root (text after </html> is parsed
    into a second root, which a search of the document sees)."""
    roots = [*doc.itersiblings(preceding=True), doc, *doc.itersiblings()]
    return any(next(root.iter(tag), None) is not None for root in roots)


class FurnitureMemo:
    """Whether an element is furniture or inside furniture, each element judged once."""

    def __init__(self) -> None:
        self.known: dict[lxml.html.HtmlElement, bool] = {}

    def __call__(self, element: lxml.html.HtmlElement | None) -> bool:
        if element is None:
            return False
        if element not in self.known:
            self.known[element] = _is_furniture_element(element) or self(element.getparent())
        return self.known[element]


def select_by_density(doc: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The block holding the most sentence-like text and the fewest links.

    Every paragraph-like block credits its parent fully and its grandparent by half, so the
    container of many paragraphs wins over one long paragraph, and a sidebar of links loses.
    """
    scores: dict[lxml.html.HtmlElement, float] = {}
    in_furniture = FurnitureMemo()

    # a paragraph's whole text; a container's text standing directly in it, between its children
    for block, raw in block_texts(doc):
        if len(raw) < 10:  # fewer than 10 characters hold fewer than 10 Chinese ones
            continue
        own_text = clean_text(raw)
        cjk = cjk_count(own_text)
        if cjk < 10:  # judged before the furniture around it, which costs more
            continue
        parent = block.getparent()
        if parent is None or in_furniture(parent):
            continue
        score = 1.0 + len(PUNCTUATION.findall(own_text)) + min(cjk / 50.0, 5.0)
        # Text standing directly in a div (lines split by <br>) makes the div the container; a
        # paragraph's container is its parent.
        if block.tag not in PARAGRAPH_TAGS:
            parent = block
        scores[parent] = scores.get(parent, 0.0) + score
        grandparent = parent.getparent()
        if grandparent is not None:
            scores[grandparent] = scores.get(grandparent, 0.0) + score / 2
    return _best_after_links(scores)


def _best_after_links(
    scores: dict[lxml.html.HtmlElement, float],
) -> lxml.html.HtmlElement | None:
    """The element whose score, cut by its share of link text, is highest (the first such in
    ``scores``' order). Link text only lowers a score, so the elements are weighed from the
    highest score down and the weighing stops at the first whose whole score cannot win: most
    blocks' link text is never counted."""
    order = {element: index for index, element in enumerate(scores)}
    best: lxml.html.HtmlElement | None = None
    best_value = 0.0
    for element in sorted(scores, key=lambda el: (-scores[el], order[el])):
        score = scores[element]
        if best is not None and score < best_value:
            break
        value = score * (1.0 - _link_ratio(element))
        if (
            best is None
            or value > best_value
            or (value == best_value and order[element] < order[best])
        ):
            best, best_value = element, value
    return best


def _link_ratio(element: lxml.html.HtmlElement, text: str | None = None) -> float:
    text = element.text_content() if text is None else text
    return min(1.0, link_text_length(element) / max(1, len(clean_text(text))))


def first_post(content: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """On a forum or a thread page, the first of the posts: posts repeat as elements whose ids
    differ only by a number (post_101, post_102; postmessage_7), and the longest reply must not
    win over the post that opened the thread. None when the block is not in such a post."""
    root = content.getroottree().getroot()
    for node in [content, *content.iterancestors()]:
        if node.tag in ("body", "html"):
            break
        name = node.get("id") or ""
        if not re.search(r"\d", name):
            continue
        pattern = re.sub(r"\d+", "#", name)
        same = [
            element
            for element in root.iter(node.tag)
            if re.sub(r"\d+", "#", element.get("id") or "") == pattern
            and cjk_count(element.text_content()) >= 10
        ]
        if len(same) < 2:
            continue
        if same[0] is node or node is content:
            return same[0] if node is content else content
        # The densest block of the first post; an element is tested against None, never for
        # truth (an element without children is false).
        dense = select_by_density(same[0])
        return same[0] if dense is None else dense
    return None


def with_siblings(content: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """The content block and the adjacent siblings that continue it: a text split over two tables
    or several divs of the same kind, each dense with prose and with few links."""
    # Siblings are looked for at the outermost wrapper that adds no text of its own (a <td>'s
    # table): the split is usually there.
    start, text = content, content.text_content()
    cjk = cjk_count(text)
    while (parent := start.getparent()) is not None and parent.tag not in ("body", "html"):
        around = parent.text_content()
        if cjk_count(around) - cjk >= 10:
            break
        start, text = parent, around
    own = _candidate_score(start, text)
    if own <= 0:
        return [content]

    def continues(sibling: lxml.html.HtmlElement) -> bool | None:
        if not isinstance(sibling.tag, str):
            return None
        text = sibling.text_content()  # read once for all that is weighed of it
        if cjk_count(text) == 0:
            return None  # a picture or a rule in between: look further
        if sibling.tag != start.tag or _is_furniture_element(sibling):
            return False
        link_ratio = _link_ratio(sibling, text)
        return _candidate_score(sibling, text, link_ratio) >= 0.3 * own and link_ratio < 0.2

    before: list[lxml.html.HtmlElement] = []
    for sibling in start.itersiblings(preceding=True):
        verdict = continues(sibling)
        if verdict is False:
            break
        if verdict:
            before.insert(0, sibling)
    after: list[lxml.html.HtmlElement] = []
    for sibling in start.itersiblings():
        verdict = continues(sibling)
        if verdict is False:
            break
        if verdict:
            after.append(sibling)
    return [*before, start, *after] if before or after else [content]


def strip_furniture_elements(content: lxml.html.HtmlElement) -> None:
    for element in list(content.iterdescendants()):
        if not isinstance(element.tag, str) or element.getparent() is None:
            continue
        if _is_furniture_element(element):
            element.drop_tree()


def skip_inline_related(content: lxml.html.HtmlElement) -> None:
    """Remove a related-articles heading and its list of links when article text follows them:
    some sites put the list right after the lead. A list with nothing but links after it stays,
    and :func:`clean_body_lines` cuts there."""
    # A block's text is part of the box's: where the box's names no list, no block starts with
    # a heading (and nothing is taken out that could join two halves of one).
    if not TAIL_WORD.search("".join(content.text_content().split())):
        return
    for block in list(content.iter("p", "div", "h2", "h3", "h4", "h5", "strong", "b", "dt")):
        if block.getparent() is None:
            continue
        heading = "".join(block.text_content().split())
        if not TAIL_MARKER.match(heading) or len(heading) - link_text_length(block) > 12:
            continue
        links: list[lxml.html.HtmlElement] = []
        sibling = block.getnext()
        while sibling is not None:
            text = "".join(sibling.text_content().split())
            if text and link_text_length(sibling) < 0.8 * len(text):
                break
            links.append(sibling)
            sibling = sibling.getnext()
        prose = 0
        while sibling is not None and prose < _RELATED_FOLLOWED_BY:
            prose += cjk_count(sibling.text_content()) - link_text_length(sibling)
            sibling = sibling.getnext()
        if links and prose >= _RELATED_FOLLOWED_BY:
            for element in [block, *links]:
                element.drop_tree()


def content_blocks(
    doc: lxml.html.HtmlElement, names: PageNames | None = None
) -> tuple[lxml.html.HtmlElement | None, list[lxml.html.HtmlElement]]:
    """The element that holds the article (where its headline is looked for) and the blocks its
    text is read from, in order, with their furniture removed."""
    names = names or page_names(doc)
    content = select_by_family(doc, CONTENT_SELECTORS, names)
    blocks = [content] if content is not None else []
    if content is None:
        content = select_by_density(doc)
        if content is not None:
            post = first_post(content)
            content = post if post is not None else content
            blocks = [post] if post is not None else with_siblings(content)
    if content is None:
        content = select_by_family(doc, GENERIC_SELECTORS, names)
        blocks = [content] if content is not None else []
    for block in blocks:
        strip_furniture_elements(block)
        skip_inline_related(block)
    return content, blocks
