"""HTML to title, publication date, source and main text: pure functions, no network.

The spider, ``crawler extract`` and the benchmarks all call :func:`extract_page`, so what a user
sees when debugging a saved page is exactly what a crawl would store.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta

import lxml.etree
import lxml.html

from crawler.decode import Decoded, decode_html

# Containers that the CMS families used by Chinese local governments put the article text in,
# most specific first. A match is used only when it holds a reasonable amount of text.
CONTENT_SELECTORS = [
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' TRS_Editor ')]",
    "//*[@id='zoom']",
    "//founder-content",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' founder-content ')]",
    "//*[@id='UCAP-CONTENT']",
    "//*[@class='pages_content']",
    "//*[@id='fontzoom']",
    "//*[@id='Zoom']",
    "//*[@class='article-content' or @class='article_content' or @id='article-content' or @id='articleContent']",
    "//*[@id='artibody']",  # Sina's news CMS
]
# Names any template may give to its layout wrapper or to a widget: a match is only a fallback
# for a page where text density finds nothing.
GENERIC_SELECTORS = [
    "//*[@class='content' or @id='content' or @class='detail-content' or @class='news_content' or @id='news_content']",
    "//article",
]

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
    r"share|bdshare|sidebar|side|hot|related|xgwz|pager|page-?nav|prev|next|comment|toolbar|print|qrcode|ewm|"
    r"header|top-?bar|banner|search|links|friend-?link|statement|disclaimer|mianze)([\s_-]|$)",
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
    r"^[【\[（(]?\s*(来源|信息来源|稿件来源|文章来源|责任编辑|编辑|作者|审核|审稿|校对|供稿|记者|通讯员|"
    r"摄影|图片|发布时间|发布日期|发布者|日期|时间|浏览|点击|编审|终审|初审|一审|二审|三审)\s*[:：]"
)
# A list heading after which nothing belongs to the article.
_TAIL_MARKER = re.compile(
    r"^(相关阅读|相关新闻|相关链接|相关文章|延伸阅读|推荐阅读|热点新闻|热门文章|猜你喜欢|上一篇|下一篇)\s*[:：]?"
)
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


def _clean_text(text: str) -> str:
    return re.sub(r"[\s\u3000\xa0]+", " ", text).strip()


def _cjk_count(text: str) -> int:
    return sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")


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

    def walk(node: lxml.html.HtmlElement) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        block = tag.lower() in _BLOCK_TAGS
        if block:
            parts.append("\n")
        if node.text and tag:
            parts.append(node.text)
        for child in node:
            walk(child)
        if block:
            parts.append("\n")
        if node.tail:
            parts.append(node.tail)

    walk(element)
    return [line for line in (_clean_text(raw) for raw in "".join(parts).split("\n")) if line]


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
    if not (attrs and _FURNITURE_ATTR.search(attrs)):
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
    punctuation = len(re.findall(r"[，。；、,;]", text))
    return (cjk + 3 * punctuation) * (1.0 - link_ratio) ** 2


def _select_by_family(
    doc: lxml.html.HtmlElement, selectors: list[str] = CONTENT_SELECTORS
) -> lxml.html.HtmlElement | None:
    for xpath in selectors:
        for element in doc.xpath(xpath):
            if _cjk_count(element.text_content()) >= 40 and not _is_furniture_element(element):
                return element
    return None


def _select_by_density(doc: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The block holding the most sentence-like text and the fewest links.

    Every paragraph-like block credits its parent fully and its grandparent by half, so the
    container of many paragraphs wins over one long paragraph, and a sidebar of links loses.
    """
    scores: dict[lxml.html.HtmlElement, float] = {}
    furniture: dict[lxml.html.HtmlElement, bool] = {}  # each ancestor judged once

    def judged(element: lxml.html.HtmlElement) -> bool:
        if element not in furniture:
            furniture[element] = _is_furniture_element(element)
        return furniture[element]

    for block in doc.iter("p", "td", "div", "section", "li", "founder-content", "font", "span"):
        if block.getparent() is None or any(judged(a) for a in block.iterancestors()):
            continue
        own_text = _clean_text(" ".join(t for t in block.xpath("text()") if t))
        if block.tag in ("p", "font", "span"):
            own_text = _clean_text(block.text_content())
        if _cjk_count(own_text) < 10:
            continue
        score = (
            1.0 + len(re.findall(r"[，。；、,;]", own_text)) + min(_cjk_count(own_text) / 50.0, 5.0)
        )
        parent = block.getparent()
        scores[parent] = scores.get(parent, 0.0) + score
        grandparent = parent.getparent()
        if grandparent is not None:
            scores[grandparent] = scores.get(grandparent, 0.0) + score / 2
    if not scores:
        return None
    ranked = {
        el: score
        * (1.0 - min(1.0, _link_text_length(el) / max(1, len(_clean_text(el.text_content())))))
        for el, score in scores.items()
    }
    return max(ranked, key=ranked.get)


def _strip_furniture_elements(content: lxml.html.HtmlElement) -> None:
    for element in list(content.iterdescendants()):
        if not isinstance(element.tag, str) or element.getparent() is None:
            continue
        if _is_furniture_element(element):
            element.drop_tree()


def clean_body_lines(lines: list[str], title: str | None = None) -> list[str]:
    """Drop furniture lines (editor, source, print/close, share, ICP, hotlines, paging) from the
    article text, and cut at related-article lists and 上一篇/下一篇."""
    kept: list[str] = []
    for line in lines:
        if _TAIL_MARKER.match(line) and kept:
            break
        if _FURNITURE_LINE.search(line):
            continue
        if _LABEL_LINE.match(line) and len(line) <= 80:
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
        if content is not None and (element is content or content in element.iterancestors()):
            continue
        if any(_is_furniture_element(a) for a in element.iterancestors()) or _is_furniture_element(
            element
        ):
            continue
        text = _clean_text(element.text_content())
        if (
            4 <= len(text) <= 120
            and _cjk_count(text) >= 2
            and not element.xpath(".//a[string-length(normalize-space()) > 0]")
        ):
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
            if 4 <= len(text) <= 120 and not any(
                _is_furniture_element(a) for a in element.iterancestors()
            ):
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
_PUBLISHED_LABEL = re.compile(r"发布时间|发布日期|发表于|发稿时间|发文日期|成文日期|日期|时间")


def _date_in(line: str) -> str | None:
    """The first date of a line, with or without a time after it."""
    for match in _DATE_WITH_TIME.finditer(line):
        found = _valid_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if found:
            return found
    return parse_date(line)


def _near_headline(all_lines: list[str], title: str | None, body_start: str | None) -> list[str]:
    """The lines right under the headline, down to the body: where the info line (date, source)
    is printed."""
    if not title:
        return []
    key = _clean_text(title)
    for index, line in enumerate(all_lines):
        if line == key or (len(key) >= 8 and key in line and len(line) <= len(key) + 40):
            near = all_lines[index : index + 8]
            return near[: near.index(body_start)] if body_start in near[1:] else near
    return []


def _script_date(scripts: list[str]) -> str | None:
    """A publication date in the page's data: JSON-LD datePublished, or a Unix time such as
    WeChat's ``var ct = "1581471312"`` (read in China time)."""
    for text in scripts:
        match = re.search(r'"datePublished"\s*:\s*"([^"]+)"', text)
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
    body_start: str | None = None,
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
    near = _near_headline(all_lines, title, body_start)
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
    for line in head_lines + all_lines:
        match = _LABELLED_DATE.search(line)
        if match:
            found = _valid_date(int(match.group(2)), int(match.group(3)), int(match.group(4)))
            if found:
                return found, "labelled line"
    for line in head_lines[-8:]:
        found = _date_in(line)
        if found and len(line) <= 80:
            return found, "date near the title"
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
    doc: lxml.html.HtmlElement, url: str | None = None
) -> tuple[str | None, str | None, str | None, str | None, str]:
    """Title, date, where the date came from, source and body from a parsed page.

    The tree is modified (scripts and furniture removed).
    """
    scripts = [script.text or "" for script in doc.iter("script")]
    _drop_noise(doc)
    full_lines = _lines_of(doc.body if doc.find("body") is not None else doc)
    content = _select_by_family(doc)
    if content is None:
        content = _select_by_density(doc)
    if content is None:
        content = _select_by_family(doc, GENERIC_SELECTORS)
    raw_lines: list[str] = []
    if content is not None:
        _strip_furniture_elements(content)
        raw_lines = _lines_of(content)
    head_lines = _text_before_body(full_lines, raw_lines)
    title = _extract_title(doc, content, head_lines)
    body_lines = clean_body_lines(raw_lines, title)
    published, published_from = _extract_date(
        doc, head_lines, full_lines, url, title, scripts, raw_lines[0] if raw_lines else None
    )
    source = _extract_source(doc, head_lines, full_lines)
    return title, published, published_from, source, "\n".join(body_lines)


def extract_page(
    body: bytes,
    url: str | None = None,
    header_charset: str | None = None,
    encoding: str | None = None,
) -> Extracted:
    """Decode and extract one page. Raises NotHTML for binary or empty responses."""
    if looks_binary(body):
        raise NotHTML("binary data, not an HTML page")
    decoded: Decoded = decode_html(body, header_charset=header_charset, forced=encoding)
    doc = parse_html(decoded.text)
    title, published, published_from, source, text = extract_document(doc, url)
    return Extracted(
        title=title,
        published=published,
        source=source,
        body=text,
        encoding=decoded.encoding,
        encoding_reason=decoded.reason,
        published_from=published_from,
    )
