"""Bytes and trees: telling a page from binary data, parsing it leniently, and the text helpers
every part of the extraction reads a page with (its lines, one per block, in document order)."""

from __future__ import annotations

import re
import threading

import lxml.etree
import lxml.html

from crawler.extract.variants import fold_variants

_DROP_TAGS = [
    "script",
    "style",
    "noscript",
    "iframe",
    "template",
    "svg",
    "select",
    "button",
    "input",
    "textarea",
    "object",
    "embed",
]
_BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "tr",
    "table",
    "tbody",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "article",
    "blockquote",
    "dd",
    "dt",
    "dl",
    "center",
    "header",
    "footer",
    "pre",
    "founder-content",
    "hr",
    "figure",
    "figcaption",
    "form",
    "nav",
    "aside",
    "td",
    "th",
}


# Bytes below 32 that text never holds (tab, line feed, form feed, carriage return and escape aside).
_BINARY_CONTROLS = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


class NotHTML(ValueError):
    """The bytes are not an HTML page (binary data, an attachment, or nothing at all)."""


def looks_binary(body: bytes) -> bool:
    """True for bytes that are no HTML page: a known file signature at the start, NULs, or more
    than 1 % control bytes (text in UTF-8 or GBK has none; compressed or encrypted data has about
    one in ten) in the first 4 KB."""
    head = body[:4096]
    if head.startswith(
        (
            b"%PDF",
            b"PK\x03\x04",
            b"\xd0\xcf\x11\xe0",
            b"\x89PNG",
            b"GIF8",
            b"\xff\xd8\xff",
            b"Rar!",
            b"\x1f\x8b",
            b"7z\xbc\xaf",
        )
    ):
        return True
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text has NULs
        return False
    controls = len(head) - len(head.translate(None, _BINARY_CONTROLS))
    return b"\x00" in head or controls > len(head) / 100


_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_CONTROLS = [bytes([byte]) for byte in _CONTROL_BYTES]
# What a page of nothing is made of: whitespace and control characters.
_BLANK = "".join(chr(c) for c in range(0x3001) if chr(c).isspace() or _CONTROL.match(chr(c)))


def _html_parser() -> lxml.html.HTMLParser:
    """lxml.html's parser with one element class for every element, chosen in C: lxml.html gives
    form controls classes of their own by tag name, a lookup that costs more per element than
    the element itself (every element a reading touches gets its Python object again). Forms are
    read again with lxml.html's own classes where they are used (discovery/forms.py)."""
    # given the text as UTF-8 (parse_html); nothing looks an element up by its id in a table
    parser = lxml.html.HTMLParser(encoding="utf-8", collect_ids=False)
    parser.set_element_class_lookup(
        lxml.etree.ElementDefaultClassLookup(
            element=lxml.html.HtmlElement,
            comment=lxml.html.HtmlComment,
            pi=lxml.html.HtmlProcessingInstruction,
            entity=lxml.html.HtmlEntity,
        )
    )
    return parser


# A parser must not be shared between threads (lxml): one per thread that reads pages.
_PARSERS = threading.local()


def parse_html(text: str, utf8: bytes | None = None) -> lxml.html.HtmlElement:
    """Parse HTML text leniently; raise NotHTML when there is nothing to parse. libxml2 is given
    the text as UTF-8 bytes without its control characters (the text as it is when it cannot be
    UTF-8); ``utf8``: the text's UTF-8 when it is at hand (Decoded.utf8), read instead of encoding
    the text again."""
    # lxml refuses str input that carries an XML encoding declaration, and text with control
    # characters (it cannot move such text when furniture is removed); neither is ever content.
    if _XML_DECLARATION.match(text):
        text, utf8 = _XML_DECLARATION.sub("", text), None
    if not text.strip(_BLANK):
        raise NotHTML("empty page")
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = _html_parser()
    try:
        # As UTF-8 bytes, where a control character is one byte of its own: taken out in one
        # pass, and read by libxml2 without converting the text again.
        data = text.encode("utf-8") if utf8 is None else utf8
        # most pages hold none: a search for each byte (memchr) costs half a translation
        if any(control in data for control in _CONTROLS):
            data = data.translate(None, _CONTROL_BYTES)
    except UnicodeEncodeError:  # a lone surrogate: the text as it is, less its controls
        data = _CONTROL.sub("", text)
    try:
        return lxml.html.document_fromstring(data, parser=parser)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise NotHTML(f"unparseable HTML: {exc}") from exc


PUNCTUATION = re.compile(r"[，。；、,;]")


def clean_text(text: str) -> str:
    """Spaces collapsed, radical forms folded (⼾ → 户: crawler/extract/variants.py)."""
    return fold_variants(" ".join(text.split()))  # str.split's whitespace is regex \\s's


# High bytes of the UTF-16 code units U+4E00..U+9FFF, the ideographs a Chinese text is written in.
_CJK_HIGH_BYTES = bytes(range(0x4E, 0xA0))


def cjk_count(text: str) -> int:
    """How many characters of ``text`` are CJK ideographs (U+4E00..U+9FFF): counted on the high
    bytes of its UTF-16, in C (a surrogate's high byte, D8..DF, is never one)."""
    if text.isascii():
        return 0
    high = text.encode("utf-16-be", "surrogatepass")[0::2]
    return len(high) - len(high.translate(None, _CJK_HIGH_BYTES))


def meta_pairs(doc: lxml.html.HtmlElement) -> list[tuple[str, str]]:
    """The page's <meta> tags in page order, each as its name (name, property or itemprop, lower
    case) and its content: read once for the several meta_content an extraction asks (each a
    search of the whole tree)."""
    return [
        (
            (e.get("name") or e.get("property") or e.get("itemprop") or "").lower(),
            e.get("content") or "",
        )
        for e in doc.iter("meta")
    ]


def meta_content(
    doc: lxml.html.HtmlElement,
    names: tuple[str, ...],
    pairs: list[tuple[str, str]] | None = None,
) -> str | None:
    """The first non-empty content of a <meta> named one of ``names`` (``pairs``: the page's
    meta_pairs, when they are at hand)."""
    for key, content in meta_pairs(doc) if pairs is None else pairs:
        if key in names:
            value = clean_text(content)
            if value:
                return value
    return None


def _lines_stylesheet() -> lxml.etree.XSLT:
    """An element's text with a line break at each block's start and end, written in C (libxslt):
    a walk over the tree in Python costs more than the rest of the reading."""
    blocks = "|".join(sorted(_BLOCK_TAGS))
    return lxml.etree.XSLT(
        lxml.etree.XML(
            '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
            '<xsl:output method="text" encoding="UTF-8"/>'
            f'<xsl:template match="{blocks}"><xsl:text>&#10;</xsl:text><xsl:apply-templates/>'
            "<xsl:text>&#10;</xsl:text></xsl:template>"
            '<xsl:template match="comment()|processing-instruction()"/>'
            "</xsl:stylesheet>"
        )
    )


# Blocks whose whole text is theirs (a paragraph and its inline parts) and blocks whose text is
# what stands directly in them, between their children: how text density weighs a page.
PARAGRAPH_TAGS = ("p", "font", "span")
CONTAINER_TAGS = ("td", "div", "section", "li", "founder-content")
_RECORD = "\ufdd0"  # a noncharacter: no page's text holds it (one that does is read in Python)


def _blocks_stylesheet() -> lxml.etree.XSLT:
    """Each block's text after a separator, blocks in document order (libxslt): a paragraph's
    whole text, a container's text nodes one after the other. Children are walked by
    ``apply-templates`` without a ``select`` (libxslt then evaluates no XPath per element: a
    third of the time)."""
    return lxml.etree.XSLT(
        lxml.etree.XML(
            '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
            '<xsl:output method="text" encoding="UTF-8"/>'
            '<xsl:template match="/"><xsl:apply-templates select="*[1]"/></xsl:template>'
            '<xsl:template match="text()"/>'
            f'<xsl:template match="{"|".join(PARAGRAPH_TAGS)}"><xsl:text>&#xFDD0;</xsl:text>'
            '<xsl:value-of select="."/><xsl:apply-templates/></xsl:template>'
            f'<xsl:template match="{"|".join(CONTAINER_TAGS)}"><xsl:text>&#xFDD0;</xsl:text>'
            '<xsl:apply-templates mode="own"/><xsl:apply-templates/></xsl:template>'
            '<xsl:template match="text()" mode="own"><xsl:value-of select="."/></xsl:template>'
            '<xsl:template match="*" mode="own"/>'
            "</xsl:stylesheet>"
        )
    )


def block_texts(
    element: lxml.html.HtmlElement,
) -> list[tuple[lxml.html.HtmlElement, str]]:
    """The blocks of ``element`` (itself included), in document order, each with its text: a
    paragraph's whole text, a container's text nodes (what stands between its children) one
    after the other: their spaces and line breaks are the page's. Written in one pass by
    libxslt where it can (every element a walk in Python touches costs more than its text)."""
    blocks = list(element.iter(*PARAGRAPH_TAGS, *CONTAINER_TAGS))
    stylesheet = getattr(_PARSERS, "blocks", None)
    if stylesheet is None:
        stylesheet = _PARSERS.blocks = _blocks_stylesheet()
    # the stylesheet starts at the document's first element: a root with an element before it
    # is walked
    root = element.getparent() is None
    if not (root and any(isinstance(e.tag, str) for e in element.itersiblings(preceding=True))):
        try:
            texts = str(stylesheet(element)).split(_RECORD)[1:]
        except lxml.etree.XSLTError:  # nested deeper than libxslt recurses
            texts = []
        if len(texts) == len(blocks):
            return list(zip(blocks, texts, strict=True))
    return [(block, _own_text(block)) for block in blocks]


def _own_text(block: lxml.html.HtmlElement) -> str:
    if block.tag in PARAGRAPH_TAGS:
        return text_of(block)
    return "".join(t for t in (block.text, *(child.tail for child in block)) if t)


def _walked_text(element: lxml.html.HtmlElement) -> str:
    """What the stylesheet writes, walked in Python (for a tree too deep for libxslt)."""
    parts: list[str] = []
    for event, node in lxml.etree.iterwalk(element, events=("start", "end")):
        tag = node.tag
        element_tag = isinstance(tag, str)  # not a comment or a processing instruction
        block = element_tag and tag in _BLOCK_TAGS  # the HTML parser gives lower-case names
        if event == "start":
            if block:
                parts.append("\n")
            if node.text and element_tag:
                parts.append(node.text)
            continue
        if block:
            parts.append("\n")
        if node.tail and node is not element:
            parts.append(node.tail)
    return "".join(parts)


def lines_of(element: lxml.html.HtmlElement) -> list[str]:
    """Text of an element and its tail as lines, one per block, in document order."""
    stylesheet = getattr(_PARSERS, "lines", None)
    if stylesheet is None:  # a stylesheet, like a parser, is used by one thread
        stylesheet = _PARSERS.lines = _lines_stylesheet()
    try:
        # a root is walked: libxslt would read the whole document, text after </html> included
        text = _walked_text(element) if element.getparent() is None else str(stylesheet(element))
    except lxml.etree.XSLTError:  # nested deeper than libxslt recurses
        text = _walked_text(element)
    if element.tail:
        text += element.tail
    # clean_text line by line, its folding done once (it maps one character to one, never a
    # line break)
    lines = fold_variants(text).split("\n")
    return [" ".join(raw.split()) for raw in lines if raw and not raw.isspace()]


# A footnote's mark set as a superscript: never part of the figure beside it.
_NOTE_MARK = re.compile(r"^\s*[\[（(]?[0-9*＊†‡①-⑳]{1,3}[\]）)]?\s*$")


def _placed_scripts(doc: lxml.html.HtmlElement) -> None:
    """<sup> and <sub> as a file's text layer reads them (crawler/extract/files/runs.py): a note
    mark dropped (常住人口<sup>1</sup>1761.48 is 1761.48, not 11761.48), a unit's power after a
    Latin letter (km<sup>2</sup>) and a chemical index (CO<sub>2</sub>) kept as ² and ₂."""
    for element in list(doc.iter("sup", "sub")):
        text = element.text_content()
        if element.tag == "sub":
            if text.isdigit():
                element.text = text.translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
            continue
        before = element.getprevious()
        before_text = (before.tail if before is not None else element.getparent().text) or ""
        if text in ("2", "3") and before_text[-1:].isascii() and before_text[-1:].isalpha():
            element.text = text.translate(str.maketrans("23", "²³"))
        elif _NOTE_MARK.match(text) and element.getparent() is not None:
            element.drop_tree()


def drop_noise(doc: lxml.html.HtmlElement) -> None:
    _placed_scripts(doc)
    # Comments, processing instructions and the elements that hold no text a reader sees, each
    # with what is inside it, in one pass in C. The text after each (its tail) stays where it
    # stood, as a text node of its own beside the one before it: lxml reads the two as one
    # (.text, .tail, text_content), and so do the stylesheets here.
    lxml.etree.strip_elements(
        doc, lxml.etree.Comment, lxml.etree.ProcessingInstruction, *_DROP_TAGS, with_tail=False
    )


def text_of(element: lxml.html.HtmlElement) -> str:
    """``element.text_content()``, read without an XPath call for an element with no children
    (most links and paragraphs): its own text is all of it."""
    return (element.text or "") if len(element) == 0 else element.text_content()


def link_text_length(element: lxml.html.HtmlElement) -> int:
    return sum(len("".join(text_of(a).split())) for a in element.iter("a"))


def without_leading_title(lines: list[str], title: str | None) -> list[str]:
    """The lines without the headline at their start, also where it is broken over lines."""
    if not title:
        return lines
    wanted = "".join(title.split())
    joined = ""
    for count, line in enumerate(lines[:4], start=1):
        joined += "".join(line.split())
        if joined == wanted:
            return lines[count:]
        if not wanted.startswith(joined):
            break
    return lines
