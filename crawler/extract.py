"""HTML to title, publication date, source and main text: pure functions, no network.

The spider, ``crawler extract`` and the benchmarks all call :func:`extract_page`, so what a user
sees when debugging a saved page is exactly what a crawl would store.
"""

from __future__ import annotations

import email.utils
import re
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta

import lxml.etree
import lxml.html

from crawler.decode import Decoded, decode_html


@dataclass(frozen=True)
class ContentSelector:
    """An element a CMS puts the article text in: by id, by its whole class attribute, by one
    word of its class, or by tag."""

    id: str | None = None
    class_name: str | None = None
    class_word: str | None = None
    tag: str | None = None

    def xpath_test(self) -> str:
        if self.id:
            return f"@id='{self.id}'"
        if self.class_name:
            return f"@class='{self.class_name}'"
        if self.class_word:
            return f"contains(@class,'{self.class_word}')"
        return f"self::{self.tag}"

    def matches(self, element: lxml.html.HtmlElement) -> bool:
        if self.id:
            return element.get("id") == self.id
        if self.class_name:
            return element.get("class") == self.class_name
        if self.class_word:
            return self.class_word in (element.get("class") or "").split()
        return element.tag == self.tag


# Containers that the CMS families used by Chinese local governments put the article text in,
# most specific first. A match is used only when it holds a reasonable amount of text.
CONTENT_SELECTORS = [
    ContentSelector(class_word="TRS_Editor"),
    ContentSelector(id="zoom"),
    ContentSelector(tag="founder-content"),
    ContentSelector(class_word="founder-content"),
    ContentSelector(id="UCAP-CONTENT"),
    ContentSelector(class_name="pages_content"),
    ContentSelector(id="fontzoom"),
    ContentSelector(id="Zoom"),
    ContentSelector(class_name="article-content"),
    ContentSelector(class_name="article_content"),
    ContentSelector(id="article-content"),
    ContentSelector(id="articleContent"),
    ContentSelector(id="artibody"),  # Sina's news CMS
]
# Names any template may give to its layout wrapper or to a widget: a match is only a fallback
# for a page where text density finds nothing.
GENERIC_SELECTORS = [
    ContentSelector(class_name="content"),
    ContentSelector(id="content"),
    ContentSelector(class_name="detail-content"),
    ContentSelector(class_name="news_content"),
    ContentSelector(id="news_content"),
    ContentSelector(tag="article"),
]

# One XPath per selector list finds every candidate in a single pass over the page.
_COMPILED: dict[tuple[ContentSelector, ...], lxml.etree.XPath] = {}

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

# Lines that are furniture wherever they stand in the content box.
_FURNITURE_LINE = re.compile(
    r"ICP备|ICP证|公网安备|版权所有|Copyright|©|技术支持[:：]|主办单位[:：]|承办单位[:：]|"
    r"打印本页|【?打印】?\s*【?关闭】?|关闭窗口|分享到|扫一扫|扫描二维码|二维码|手机扫码|"
    r"上一篇[:：]|下一篇[:：]|^上一篇|^下一篇|浏览次数|阅读次数|点击数[:：]|字号[:：]?\s*[【\[]?\s*大|"
    r"^【?\s*字体[:：]|^【?\s*(大|中|小)\s*】?\s*【?\s*(大|中|小)|新闻热线|举报电话|投稿邮箱|投稿QQ|广告热线|^联系电话[:：]|"
    r"^地址[:：].{0,40}(邮编|电话)|您当前的位置|当前位置[:：]|您的位置[:：]|网站首页\s*[>»]",
    re.IGNORECASE,
)
# Short labelled lines: furniture when short, text when they run on (a paragraph may begin 来源于…).
_LABEL_LINE = re.compile(
    r"^[【\[（(]?\s*(来源|信息来源|稿件来源|文章来源|责任编辑|责编|编辑|作者|审核|审稿|校对|供稿|记者|通讯员|"
    r"摄影|图片|发布时间|发布日期|发布者|日期|时间|浏览|点击|编审|终审|初审|一审|二审|三审)\s*[:：|｜]"
)
# An interviewer's question ("记者：今年的重点是什么？") is text, not a byline.
_QUESTION = re.compile(r"[？?]\s*$|^[【\[（(]?\s*(记者|主持人)\s*[:：].*。")
# Lines about the article rather than of it: the original headline of a repost, a photo credit
# with no description ("资料图", "▲本报记者张三摄"; a caption with a sentence stays).
_NOTE_LINE = re.compile(r"^[（(【\[]?\s*(本文)?原标题\s*[:：]|^(资料图片?|图片来源[:：].{0,30})$")
_CREDIT_ONLY = re.compile(r"^[^。，,：:]{0,30}摄[)）]?$")
# A line with no letter, digit or Chinese character (separators, icons, undecodable emoji).
_NO_WORDS = re.compile(r"^[\W_]*$")
# A list heading after which nothing belongs to the article.
_TAIL_MARKER = re.compile(
    r"^(相关阅读|相关新闻|相关链接|相关文章|相关报道|此前报道|延伸阅读|推荐阅读|热点新闻|热门文章|猜你喜欢|"
    r"往期回顾|往期推荐|点击进入专题|上一篇|下一篇)\s*[:：]?"
)
# Chinese characters of prose after a related-articles list that make it a list inside the article.
_RELATED_FOLLOWED_BY = 100
# Chinese characters outside links from which a block holds prose, whatever its name says.
_PROSE_CJK = 300
_DATE_ONLY = re.compile(r"^[^\u4e00-\u9fff]{0,4}$")

_DATE_NUMERIC = r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
_CN_DIGITS = "〇零一二三四五六七八九"
_DATE_CHINESE = rf"([{_CN_DIGITS}○Ｏ]{{4}})年([{_CN_DIGITS}十]{{1,3}})月([{_CN_DIGITS}十]{{1,3}})日"
_LABELLED_DATE = re.compile(
    r"(发布时间|发布日期|发稿时间|更新时间|成文日期|日期|时间)\s*[:：]?\s*" + _DATE_NUMERIC
)
_NUMERIC_DATE = re.compile(_DATE_NUMERIC)
# Month/day/year, as some forum and blog software prints it: 3/1/2023.
_US_DATE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/((?:19|20)\d{2})(?![\d/])")
_CHINESE_DATE = re.compile(_DATE_CHINESE)
_URL_DATES = [
    re.compile(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_\d+"),  # TRS: ./202303/t20230301_123456.html
    re.compile(r"/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"),  # Hanweb
    re.compile(r"/((?:19|20)\d{2})-?(\d{2})/(\d{2})/"),  # /2023-03/01/ and /202303/01/
    re.compile(r"/((?:19|20)\d{2})/(\d{2})(\d{2})/"),  # /2023/0301/
    re.compile(r"[/_-]((?:19|20)\d{2})(\d{2})(\d{2})[/_.-]"),  # /20230301/ and content_20230301_
]
_META_DATE_NAMES = (
    "pubdate",
    "publishdate",
    "firstpublishedtime",
    "article:published_time",
    "og:release_date",
    "publish_time",
    "dc.date",
    "releasedate",
    "og:time",
    "apub:time",
    "datepublished",
    "article:published",
    "publication_date",
)
# Dates that say when a page changed rather than when it was published: only a year is taken
# from them, for a date printed without one.
_META_OTHER_DATE_NAMES = ("dateupdate", "lastmodified", "article:modified_time", "og:updated_time")
_META_TITLE_NAMES = ("articletitle", "og:title", "title")
_META_SOURCE_NAMES = ("contentsource", "source", "og:site_name_source")
_SOURCE_LINE = re.compile(r"(?:信息来源|稿件来源|文章来源|来源)\s*[:：]\s*([^\s|｜丨/]{1,40})")
_SOURCE_STOP = re.compile(r"(作者|发布|时间|日期|浏览|点击|编辑|字号|阅读|【|\[|\d{4}[-年/])")
# What joins a headline to the site's name in <title>: 标题_网站, 标题 | 网站, 标题-新华网 (a bare
# hyphen only before a short name at the end).
_TITLE_SEPARATORS = re.compile(r"\s*(?:_|\||｜|--|—|-{1}\s|\s-|-(?=[^-\d][^-]{1,11}$))\s*")


@dataclass
class Extracted:
    title: str | None
    published: str | None  # YYYY-MM-DD
    source: str | None
    body: str  # paragraphs in order, one per line
    encoding: str
    encoding_reason: str
    published_from: str | None = None  # which evidence the date came from

    def as_dict(self) -> dict:
        return asdict(self)


def china_day(http_date: bytes | str | None = None) -> date:
    """The day in China (UTC+8) at an HTTP Date header's moment, or now: what a page that says
    昨天 counts from."""
    moment = None
    if http_date:
        if isinstance(http_date, bytes):
            http_date = http_date.decode("latin-1")
        try:
            moment = email.utils.parsedate_to_datetime(http_date)
        except (TypeError, ValueError):
            moment = None
    if moment is None or moment.tzinfo is None:
        moment = datetime.now(UTC)
    return (moment.astimezone(UTC) + timedelta(hours=8)).date()


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
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13, 27))
    return b"\x00" in head or controls > len(head) / 100


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def parse_html(text: str) -> lxml.html.HtmlElement:
    """Parse HTML text leniently; raise NotHTML when there is nothing to parse."""
    # lxml refuses str input that carries an XML encoding declaration, and text with control
    # characters (it cannot move such text when furniture is removed); neither is ever content.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    text = _CONTROL.sub("", text)
    if not text.strip():
        raise NotHTML("empty page")
    try:
        return lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise NotHTML(f"unparseable HTML: {exc}") from exc


_SPACES = re.compile(r"[\s\u3000\xa0]+")
_CJK = re.compile(r"[\u4e00-\u9fff]+")
_PUNCTUATION = re.compile(r"[，。；、,;]")


def _clean_text(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _cjk_count(text: str) -> int:
    return sum(map(len, _CJK.findall(text)))


def _meta(doc: lxml.html.HtmlElement, names: tuple[str, ...]) -> str | None:
    for element in doc.iter("meta"):
        key = (
            element.get("name") or element.get("property") or element.get("itemprop") or ""
        ).lower()
        if key in names:
            value = _clean_text(element.get("content") or "")
            if value:
                return value
    return None


def _lines_of(element: lxml.html.HtmlElement) -> list[str]:
    """Text of an element as lines, one per block, in document order."""
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
        if node.tail:
            parts.append(node.tail)
    return [_clean_text(raw) for raw in "".join(parts).split("\n") if raw and not raw.isspace()]


def _drop_noise(doc: lxml.html.HtmlElement) -> None:
    for bad in list(doc.iter(lxml.etree.Comment, lxml.etree.ProcessingInstruction)):
        bad.drop_tree() if hasattr(bad, "drop_tree") else bad.getparent().remove(bad)
    for tag in _DROP_TAGS:
        for element in list(doc.iter(tag)):
            if element.getparent() is not None:
                element.drop_tree()


def _is_furniture_element(element: lxml.html.HtmlElement) -> bool:
    tag = element.tag.lower() if isinstance(element.tag, str) else ""
    if tag in {"nav", "footer", "aside", "header"}:
        return True
    attrs = " ".join(filter(None, (element.get("class"), element.get("id"))))
    if not attrs:
        return False
    if _COMMENT_ATTR.search(attrs):
        return next(element.iter("h1"), None) is None
    if not _FURNITURE_ATTR.search(attrs):
        return False
    # A name is a hint, the text decides: a wrapper named for its share buttons
    # (js_img_share_area) that holds the article's paragraphs is not furniture.
    cjk = _cjk_count(element.text_content())
    return cjk < _PROSE_CJK or cjk - _link_text_length(element) < _PROSE_CJK


def _link_text_length(element: lxml.html.HtmlElement) -> int:
    return sum(len("".join(a.text_content().split())) for a in element.iter("a"))


def _candidate_score(element: lxml.html.HtmlElement) -> float:
    text = element.text_content()
    cjk = _cjk_count(text)
    if cjk == 0:
        return 0.0
    link_ratio = min(1.0, _link_text_length(element) / max(1, len(_clean_text(text))))
    punctuation = len(_PUNCTUATION.findall(text))
    return (cjk + 3 * punctuation) * (1.0 - link_ratio) ** 2


def _select_by_family(
    doc: lxml.html.HtmlElement, selectors: list[ContentSelector] = CONTENT_SELECTORS
) -> lxml.html.HtmlElement | None:
    key = tuple(selectors)
    if key not in _COMPILED:
        _COMPILED[key] = lxml.etree.XPath(
            "//*[" + " or ".join(selector.xpath_test() for selector in key) + "]"
        )
    found = _COMPILED[key](doc)
    for selector in selectors:
        for element in found:
            if (
                selector.matches(element)
                and _cjk_count(element.text_content()) >= 40
                and not _is_furniture_element(element)
            ):
                return element
    return None


class _FurnitureMemo:
    """Whether an element is furniture or inside furniture, each element judged once."""

    def __init__(self) -> None:
        self.known: dict[lxml.html.HtmlElement, bool] = {}

    def __call__(self, element: lxml.html.HtmlElement | None) -> bool:
        if element is None:
            return False
        if element not in self.known:
            self.known[element] = _is_furniture_element(element) or self(element.getparent())
        return self.known[element]


def _select_by_density(doc: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The block holding the most sentence-like text and the fewest links.

    Every paragraph-like block credits its parent fully and its grandparent by half, so the
    container of many paragraphs wins over one long paragraph, and a sidebar of links loses.
    """
    scores: dict[lxml.html.HtmlElement, float] = {}
    in_furniture = _FurnitureMemo()

    for block in doc.iter("p", "td", "div", "section", "li", "founder-content", "font", "span"):
        if block.getparent() is None or in_furniture(block.getparent()):
            continue
        own_text = _clean_text(" ".join(t for t in block.xpath("text()") if t))
        if block.tag in ("p", "font", "span"):
            own_text = _clean_text(block.text_content())
        if _cjk_count(own_text) < 10:
            continue
        score = 1.0 + len(_PUNCTUATION.findall(own_text)) + min(_cjk_count(own_text) / 50.0, 5.0)
        # Text standing directly in a div (lines split by <br>) makes the div the container; a
        # paragraph's container is its parent.
        parent = block if block.tag not in ("p", "font", "span") else block.getparent()
        scores[parent] = scores.get(parent, 0.0) + score
        grandparent = parent.getparent()
        if grandparent is not None:
            scores[grandparent] = scores.get(grandparent, 0.0) + score / 2
    if not scores:
        return None
    ranked = {el: score * (1.0 - _link_ratio(el)) for el, score in scores.items()}
    return max(ranked, key=ranked.get)


def _link_ratio(element: lxml.html.HtmlElement) -> float:
    return min(1.0, _link_text_length(element) / max(1, len(_clean_text(element.text_content()))))


def _first_post(content: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
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
            and _cjk_count(element.text_content()) >= 10
        ]
        if len(same) < 2:
            continue
        if same[0] is node or node is content:
            return same[0] if node is content else content
        return _select_by_density(same[0]) or same[0]
    return None


def _with_siblings(content: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """The content block and the adjacent siblings that continue it: a text split over two tables
    or several divs of the same kind, each dense with prose and with few links."""
    # Siblings are looked for at the outermost wrapper that adds no text of its own (a <td>'s
    # table): the split is usually there.
    start = content
    cjk = _cjk_count(content.text_content())
    while (
        (parent := start.getparent()) is not None
        and parent.tag not in ("body", "html")
        and _cjk_count(parent.text_content()) - cjk < 10
    ):
        start = parent
    own = _candidate_score(start)
    if own <= 0:
        return [content]

    def continues(sibling: lxml.html.HtmlElement) -> bool | None:
        if not isinstance(sibling.tag, str):
            return None
        if _cjk_count(sibling.text_content()) == 0:
            return None  # a picture or a rule in between: look further
        return (
            sibling.tag == start.tag
            and not _is_furniture_element(sibling)
            and _candidate_score(sibling) >= 0.3 * own
            and _link_ratio(sibling) < 0.2
        )

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


def _strip_furniture_elements(content: lxml.html.HtmlElement) -> None:
    for element in list(content.iterdescendants()):
        if not isinstance(element.tag, str) or element.getparent() is None:
            continue
        if _is_furniture_element(element):
            element.drop_tree()


def _skip_inline_related(content: lxml.html.HtmlElement) -> None:
    """Remove a related-articles heading and its list of links when article text follows them:
    some sites put the list right after the lead. A list with nothing but links after it stays,
    and :func:`clean_body_lines` cuts there."""
    for block in list(content.iter("p", "div", "h2", "h3", "h4", "h5", "strong", "b", "dt")):
        if block.getparent() is None:
            continue
        heading = "".join(block.text_content().split())
        if not _TAIL_MARKER.match(heading) or len(heading) - _link_text_length(block) > 12:
            continue
        links: list[lxml.html.HtmlElement] = []
        sibling = block.getnext()
        while sibling is not None:
            text = "".join(sibling.text_content().split())
            if text and _link_text_length(sibling) < 0.8 * len(text):
                break
            links.append(sibling)
            sibling = sibling.getnext()
        prose = 0
        while sibling is not None and prose < _RELATED_FOLLOWED_BY:
            prose += _cjk_count(sibling.text_content()) - _link_text_length(sibling)
            sibling = sibling.getnext()
        if links and prose >= _RELATED_FOLLOWED_BY:
            for element in [block, *links]:
                element.drop_tree()


def _without_leading_title(lines: list[str], title: str | None) -> list[str]:
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


def clean_body_lines(lines: list[str], title: str | None = None) -> list[str]:
    """Drop furniture lines (editor, source, print/close, share, ICP, hotlines, paging) from the
    article text, and cut at related-article lists and 上一篇/下一篇."""
    kept: list[str] = []
    lines = _without_leading_title(lines, title)
    for line in lines:
        if _TAIL_MARKER.match(line) and kept:
            break
        if _FURNITURE_LINE.search(line):
            continue
        if _LABEL_LINE.match(line) and len(line) <= 80 and not _QUESTION.search(line):
            continue
        if _NO_WORDS.match(line) or (len(line) <= 100 and _NOTE_LINE.match(line)):
            continue
        if _CREDIT_ONLY.match(line):
            continue
        if title and _clean_text(line) == _clean_text(title) and not kept:
            continue
        if _DATE_ONLY.match(line) or line in {"|", "｜", ">", "»"}:
            continue
        kept.append(line)
    # A sign-off at the very end (a short line with an office name and a date, or just a date)
    # differs between reposts of the same text; it is metadata, not body.
    while (
        kept
        and len(kept[-1]) <= 30
        and (_NUMERIC_DATE.search(kept[-1]) or _CHINESE_DATE.search(kept[-1]))
    ):
        kept.pop()
    while kept and re.fullmatch(
        r"[（(【\[]?\s*(责任编辑|编辑|来源|审核)?.{0,12}[)）】\]]", kept[-1]
    ):
        kept.pop()
    return kept


def _valid_date(year: int, month: int, day: int) -> str | None:
    try:
        value = date(year, month, day)
    except ValueError:
        return None
    if not 1990 <= value.year <= date.today().year + 1:
        return None
    return value.isoformat()


def _chinese_number(text: str) -> int:
    digits = {ch: i for i, ch in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "Ｏ": 0}
    if "十" in text:
        tens, _, units = text.partition("十")
        return (digits.get(tens, 1) if tens else 1) * 10 + (digits.get(units, 0) if units else 0)
    value = 0
    for ch in text:
        value = value * 10 + digits.get(ch, 0)
    return value


def parse_date(text: str) -> str | None:
    """The first date in ``text`` as YYYY-MM-DD: 2023-03-01, 2023/3/1, 2023年3月1日 or
    二〇二三年三月一日."""
    for match in _NUMERIC_DATE.finditer(text):
        found = _valid_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if found:
            return found
    for match in _CHINESE_DATE.finditer(text):
        found = _valid_date(
            _chinese_number(match.group(1)),
            _chinese_number(match.group(2)),
            _chinese_number(match.group(3)),
        )
        if found:
            return found
    for match in _US_DATE.finditer(text):
        found = _valid_date(int(match.group(3)), int(match.group(1)), int(match.group(2)))
        if found:
            return found
    return None


def date_from_url(url: str | None) -> str | None:
    """A publication date written into an article URL by the CMS, if any."""
    if not url:
        return None
    for pattern in _URL_DATES:
        match = pattern.search(url)
        if match:
            found = _valid_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            if found:
                return found
    return None


def _title_above_body(head_lines: list[str]) -> str | None:
    """The last line above the body that reads like a headline: old table layouts mark the title
    only with a bold font, and the info line (date, source) sits between it and the text."""
    for line in reversed(head_lines[-4:]):
        if re.search(r"首页|当前位置|您的位置|现在的位置", line):
            return None  # navigation: the title is not above the body
        if (
            _LABELLED_DATE.search(line)
            or _SOURCE_LINE.search(line)
            or parse_date(line)
            or _FURNITURE_LINE.search(line)
        ):
            continue
        if 5 <= _cjk_count(line) and len(line) <= 60 and not re.search(r"[。；]$", line):
            return line
        return None
    return None


def _extract_title(
    doc: lxml.html.HtmlElement, content: lxml.html.HtmlElement | None, head_lines: list[str]
) -> str | None:
    meta_title = _meta(doc, ("articletitle",))
    if meta_title:
        return meta_title
    page_title = _clean_text(doc.findtext(".//title") or "")
    in_furniture = _FurnitureMemo()
    candidates: list[str] = []
    # A heading at the top of the content box itself (simple templates put it there).
    inner: list[str] = []
    if content is not None:
        for element in content.iter("h1", "h2", "h3", "h4"):
            text = _clean_text(element.text_content())
            if 4 <= len(text) <= 120 and _cjk_count(text) >= 2:
                inner.append(text)
    for element in doc.xpath(
        "//h1|//h2|//h3|//*[contains(translate(@class,'TITLE','title'),'title') or contains(translate(@id,'TITLE','title'),'title')]"
    ):
        text = _clean_text(element.text_content())
        if not (4 <= len(text) <= 120 and _cjk_count(text) >= 2):
            continue
        if content is not None and (element is content or content in element.iterancestors()):
            continue
        if in_furniture(element) or element.xpath(".//a[string-length(normalize-space()) > 0]"):
            continue
        candidates.append(text)
    if page_title:
        headline = _TITLE_SEPARATORS.split(page_title)[0] or page_title
        for pool in (candidates, inner):
            in_title = [c for c in pool if c in page_title]
            if in_title:
                return max(in_title, key=len)
            # A title block that also holds the byline and date: the headline is the part of
            # it that <title> repeats.
            if any(headline in c for c in pool if len(headline) >= 6):
                return headline
        # A heading that <title> repeats is the headline even inside a block that looks like
        # furniture (a header bar) or with a link on it.
        repeated = [
            text
            for text in (_clean_text(h.text_content()) for h in doc.xpath("//h1|//h2|//h3"))
            if len(text) >= 6 and text in page_title
        ]
        if repeated:
            return max(repeated, key=len)
    for tag in ("h1", "h2"):
        for element in doc.iter(tag):
            text = _clean_text(element.text_content())
            if 4 <= len(text) <= 120 and not in_furniture(element.getparent()):
                return text
    above = _title_above_body(head_lines)
    if above:
        return above
    if candidates:
        return candidates[0]
    if page_title:
        first = _TITLE_SEPARATORS.split(page_title)[0]
        return first or page_title
    og = _meta(doc, ("og:title",))
    return og


def _text_before_body(full_lines: list[str], body_lines: list[str]) -> list[str]:
    """Page lines up to the first line of the body: where the info line (date, source) sits."""
    if not body_lines:
        return full_lines
    first = body_lines[0]
    for index, line in enumerate(full_lines):
        if line == first:
            return full_lines[:index]
    return full_lines


def _extract_source(
    doc: lxml.html.HtmlElement, head_lines: list[str], all_lines: list[str]
) -> str | None:
    meta_source = _meta(doc, _META_SOURCE_NAMES)
    if meta_source:
        return meta_source
    for lines in (head_lines, all_lines[-40:], all_lines):
        for line in lines:
            match = _SOURCE_LINE.search(line)
            if match:
                value = _SOURCE_STOP.split(match.group(1))[0].strip(" ：:|")
                if value:
                    return value
    return None


# A date with its time, as info lines under a headline print it: 2019-09-07 15:10, 2019 09/07 19:02.
_DATE_WITH_TIME = re.compile(
    r"((?:19|20)\d{2})\s*[-/.年]?\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*[T ]?\s*\d{1,2}:\d{2}"
)
# A date without its year (09-30 22:46, 18-03-08 23:16): the year comes from other evidence.
_SHORT_DATE = re.compile(r"(?<![\d-])(?:(\d{2})-)?(\d{1,2})-(\d{1,2})\s*\d{1,2}:\d{2}")
# A date said relative to the day the page was fetched: 今天, 昨天, 前天, 3天前, 5小时前.
_RELATIVE_DATE = re.compile(
    r"^(?:发布于|发表于)?\s*(今天|昨天|前天|(\d{1,2})\s*天前|\d{1,2}\s*(?:小时|分钟|秒)前)"
)
_RELATIVE_DAYS = {"今天": 0, "昨天": 1, "前天": 2}
_PUBLISHED_LABEL = re.compile(r"发布时间|发布日期|发表于|发稿时间|发文日期|成文日期|日期|时间")


def _date_in(line: str) -> str | None:
    """The first date of a line, with or without a time after it."""
    for match in _DATE_WITH_TIME.finditer(line):
        found = _valid_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if found:
            return found
    return parse_date(line)


def _labelled_date(lines: list[str]) -> str | None:
    for line in lines:
        match = _LABELLED_DATE.search(line)
        if match:
            found = _valid_date(int(match.group(2)), int(match.group(3)), int(match.group(4)))
            if found:
                return found
    return None


def _lines_after(all_lines: list[str], body_lines: list[str]) -> list[str]:
    """The body's last three lines and the three page lines after it."""
    if not body_lines:
        return []
    last = body_lines[-1]
    for index in range(len(all_lines) - 1, -1, -1):
        if all_lines[index] == last:
            return body_lines[-3:] + all_lines[index + 1 : index + 4]
    return body_lines[-3:]


def _near_headline(all_lines: list[str], title: str | None, body_start: str | None) -> list[str]:
    """The lines right under the headline, down to the body: where the info line (date, source)
    is printed."""
    if not title:
        return []
    key = _clean_text(title)
    for index, line in enumerate(all_lines):
        if line == key or (len(key) >= 8 and key in line and len(line) <= len(key) + 40):
            near = all_lines[index : index + 8]
            return near[: near.index(body_start, 1)] if body_start in near[1:] else near
    return []


def _script_date(scripts: list[str]) -> str | None:
    """A publication date in the page's data: JSON-LD datePublished, or a Unix time such as
    WeChat's ``var ct = "1581471312"`` (read in China time)."""
    for text in scripts:
        match = re.search(
            r'"(?:datePublished|publishDate|pubDate|publishTime|createdAt)"\s*:\s*"([^"]+)"', text
        )
        if match and parse_date(match.group(1)):
            return parse_date(match.group(1))
        match = re.search(r'\b(?:var\s+ct|publish_time|"?pubtime"?)\s*[=:]\s*"?(1[0-9]{9})\b', text)
        if match:
            moment = datetime.fromtimestamp(int(match.group(1)), UTC) + timedelta(hours=8)
            return _valid_date(moment.year, moment.month, moment.day)
    return None


def _extract_date(
    doc: lxml.html.HtmlElement,
    head_lines: list[str],
    all_lines: list[str],
    url: str | None,
    title: str | None = None,
    scripts: list[str] | None = None,
    body_lines: list[str] | None = None,
    fetched_on: date | None = None,
) -> tuple[str | None, str | None]:
    """The publication date and the evidence it came from, most trusted first: the CMS's meta
    tags, the info line under the headline (nearest the article, so a labelled date in the footer
    does not win), a labelled line, a date line just above the body, a <time> element, the URL,
    the page's data."""
    meta_value = _meta(doc, _META_DATE_NAMES)
    if meta_value:
        found = parse_date(meta_value)
        if found:
            return found, "meta"
    body_lines = _without_leading_title(body_lines or [], title)
    near = _near_headline(all_lines, title, body_lines[0] if body_lines else None)
    for index, line in enumerate(near):
        # an info line may be split over lines: 2019 / 09/07 / 19:02
        found = _date_in(line) or (index and _date_in(" ".join(near[index : index + 3])))
        if found and len(line) <= 120:
            return found, "under the headline"
    # A date printed without its year under the headline, the year from any other date.
    year_source = _meta(doc, _META_DATE_NAMES + _META_OTHER_DATE_NAMES)
    for line in near:
        match = _SHORT_DATE.search(line)
        if match and (match.group(1) or year_source):
            year = (
                2000 + int(match.group(1)) if match.group(1) else int(parse_date(year_source)[:4])
            )
            found = _valid_date(year, int(match.group(2)), int(match.group(3)))
            if found:
                return found, "under the headline (year from the page)"
    if fetched_on:
        for line in near:
            match = _RELATIVE_DATE.match(line)
            if match and len(line) <= 40:
                days = _RELATIVE_DAYS.get(match.group(1), int(match.group(2) or 0))
                return (
                    fetched_on - timedelta(days=days)
                ).isoformat(), "under the headline (relative)"
    found = _labelled_date(head_lines)
    if found:
        return found, "labelled line"
    for line in head_lines[-8:]:
        found = _date_in(line)
        if found and len(line) <= 80:
            return found, "date near the title"
    # The first lines of the content box, then its last lines and the lines right after it (a
    # sign-off, a "发布时间" line under the text): near the article, before anything in the footer.
    body_end = _lines_after(all_lines, body_lines)
    for where, lines in (("top of the text", body_lines[:3]), ("end of the text", body_end)):
        for line in lines:
            found = _date_in(line)
            if found and len(line) <= 80:
                return found, where
    found = _labelled_date(all_lines)
    if found:
        return found, "labelled line"
    # lists of other articles carry <time> too: the first is only a late guess
    for element in doc.iter("time"):
        found = parse_date(element.get("datetime") or "") or parse_date(element.text_content())
        if found:
            return found, "time element"

    found = date_from_url(url)
    if found:
        return found, "url"
    found = _script_date(scripts or [])
    if found:
        return found, "page data"
    return None, None


def extract_document(
    doc: lxml.html.HtmlElement, url: str | None = None, fetched_on: date | None = None
) -> tuple[str | None, str | None, str | None, str | None, str]:
    """Title, date, where the date came from, source and body from a parsed page.

    The tree is modified (scripts and furniture removed).
    """
    scripts = [script.text or "" for script in doc.iter("script")]
    _drop_noise(doc)
    full_lines = _lines_of(doc.body if doc.find("body") is not None else doc)
    content = _select_by_family(doc)
    blocks = [content] if content is not None else []
    if content is None:
        content = _select_by_density(doc)
        if content is not None:
            post = _first_post(content)
            content = post if post is not None else content
            blocks = [post] if post is not None else _with_siblings(content)
    if content is None:
        content = _select_by_family(doc, GENERIC_SELECTORS)
        blocks = [content] if content is not None else []
    raw_lines: list[str] = []
    for block in blocks:
        _strip_furniture_elements(block)
        _skip_inline_related(block)
        raw_lines += _lines_of(block)
    head_lines = _text_before_body(full_lines, raw_lines)
    title = _extract_title(doc, content, head_lines)
    body_lines = clean_body_lines(raw_lines, title)
    published, published_from = _extract_date(
        doc,
        head_lines,
        full_lines,
        url,
        title,
        scripts,
        raw_lines,
        fetched_on,
    )
    source = _extract_source(doc, head_lines, full_lines)
    return title, published, published_from, source, "\n".join(body_lines)


def extract_page(
    body: bytes,
    url: str | None = None,
    header_charset: str | None = None,
    encoding: str | None = None,
    fetched_on: date | None = None,
) -> Extracted:
    """Decode and extract one page. Raises NotHTML for binary or empty responses."""
    if looks_binary(body):
        raise NotHTML("binary data, not an HTML page")
    decoded: Decoded = decode_html(body, header_charset=header_charset, forced=encoding)
    doc = parse_html(decoded.text)
    title, published, published_from, source, text = extract_document(doc, url, fetched_on)
    return Extracted(
        title=title,
        published=published,
        source=source,
        body=text,
        encoding=decoded.encoding,
        encoding_reason=decoded.reason,
        published_from=published_from,
    )
