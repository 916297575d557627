"""The article's lines without what is about the article rather than of it: bylines and source
lines, print/close/share furniture, notes and credits, sign-offs, and what follows a related-
articles heading."""

from __future__ import annotations

import re

from crawler.extract.dates import CHINESE_DATE, NOT_SIGNED, NUMERIC_DATE
from crawler.extract.gongwen import is_addressees, is_letterhead, record_tail
from crawler.extract.page import clean_text, without_leading_title

# Lines that are furniture wherever they stand in the content box: what is searched for anywhere in
# the line, and what only at its start. Two patterns, not one with ^ in some branches and
# re.IGNORECASE: a pattern whose every branch begins with a literal lets the regex engine skip to
# the positions where one can begin (half the time over a page's lines); the few Latin words are
# spelled in both cases (with the Turkish i's that IGNORECASE also matches).
_FURNITURE_ANYWHERE = re.compile(
    r"[Iiİı][Cc][Pp][备证]|公网安备|版权所有|[Cc][Oo][Pp][Yy][Rr][Iiİı][Gg][Hh][Tt]|©|"
    r"(?:技术支持|主办单位|承办单位|上一篇|下一篇|点击数|当前位置|您的位置)[:：]|"
    r"打印本页|打印】?\s*【?关闭|关闭窗口|分享到|扫一扫|二维码|手机扫码|浏览次数|阅读次数|"
    r"字号[:：]?\s*[【\[]?\s*大|新闻热线|举报电话|投稿邮箱|投稿[Qq][Qq]|广告热线|您当前的位置|"
    r"网站首页\s*[>»]"
)
_FURNITURE_START = re.compile(
    r"上一篇|下一篇|【?\s*字体[:：]|【?\s*(大|中|小)\s*】?\s*【?\s*(大|中|小)|联系电话[:：]|"
    r"地址[:：].{0,40}(邮编|电话)"
)


def furniture_line(line: str) -> bool:
    """Whether a line is furniture wherever it stands: copyright and ICP lines, print/close and
    share buttons, paging, counters, hotlines, breadcrumbs, font-size switches."""
    return bool(_FURNITURE_START.match(line) or _FURNITURE_ANYWHERE.search(line))


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
# A list heading after which nothing belongs to the article: its words, and the heading.
_TAIL_WORDS = (
    "相关阅读|相关新闻|相关链接|相关文章|相关报道|此前报道|延伸阅读|推荐阅读|热点新闻|热门文章|猜你喜欢|"
    "往期回顾|往期推荐|点击进入专题|上一篇|下一篇"
)
TAIL_MARKER = re.compile(rf"^({_TAIL_WORDS})\s*[:：]?")
TAIL_WORD = re.compile(_TAIL_WORDS)
_ISSUER = re.compile(
    r"[\u4e00-\u9fff（）()]{2,24}(部|局|委|委员会|政府|办公室|办|厅|院|会|处|室|中心|组|所|站|队)"
)
_DATE_ONLY = re.compile(r"^[^\u4e00-\u9fff]{0,4}$")


def clean_body_lines(lines: list[str], title: str | None = None) -> list[str]:
    """Drop furniture lines (editor, source, print/close, share, ICP, hotlines, paging) from the
    article text, and cut at related-article lists and 上一篇/下一篇."""
    return body_and_issuer(lines, title)[0]


def body_and_issuer(lines: list[str], title: str | None = None) -> tuple[list[str], str | None]:
    """The body's lines as :func:`clean_body_lines` gives them, and the issuing body its sign-off
    names (see :func:`sign_off_issuer`)."""
    kept: list[str] = []
    lines = without_leading_title(lines, title)
    for line in lines:
        if TAIL_MARKER.match(line) and kept:
            break
        if furniture_line(line):
            continue
        if _LABEL_LINE.match(line) and len(line) <= 80 and not _QUESTION.search(line):
            continue
        if _NO_WORDS.match(line) or (len(line) <= 100 and _NOTE_LINE.match(line)):
            continue
        if _CREDIT_ONLY.match(line):
            continue
        if not kept and title and clean_text(line) == clean_text(title):
            continue  # the headline again above the text
        if _DATE_ONLY.match(line) or line in {"|", "｜", ">", "»"}:
            continue
        if not kept and (is_letterhead(line) or is_addressees(line)):
            continue  # an official document's 版头 (文号 and all), its 主送机关
        kept.append(line)
    kept = kept[: len(kept) - record_tail(kept)]  # its 版记 and 附注 (抄送, 印发, 此件公开发布)
    # A sign-off at the very end differs between reposts of the same text; it is metadata.
    signed = len(kept) - _sign_off_length(kept)
    kept, issuer = kept[:signed], _issuer_in(kept[signed:])
    while kept and re.fullmatch(
        r"[（(【\[]?\s*(责任编辑|编辑|来源|审核)?.{0,12}[)）】\]]", kept[-1]
    ):
        kept.pop()
    return kept, issuer


def _dated(line: str) -> bool:
    # a sentence that holds a date (本条例自2011年3月1日起施行。) is text, not a sign-off
    return (
        len(line) <= 30
        and bool(NUMERIC_DATE.search(line) or CHINESE_DATE.search(line))
        and not NOT_SIGNED.search(line)
        and not line.rstrip().endswith("。")
    )


def _sign_off_length(lines: list[str]) -> int:
    """How many of the last lines are a sign-off: short lines with a date (an office name and a
    date, or just a date), and above them one or two lines naming the issuing body
    (中共九江市委统战部 / 2023年1月5日)."""
    count = 0
    while count < len(lines) and _dated(lines[-1 - count]):
        count += 1
    if count:
        for _ in range(2):
            if count < len(lines) and _ISSUER.fullmatch(lines[-1 - count]):
                count += 1
    return count


def sign_off_issuer(lines: list[str]) -> str | None:
    """The issuing body a text signs off with (its lines above the closing date, or an office
    name beside the date on one line), the source of a document that names none elsewhere."""
    return _issuer_in(lines[len(lines) - _sign_off_length(lines) :])


def _issuer_in(sign_off: list[str]) -> str | None:
    names = [line for line in sign_off if _ISSUER.fullmatch(line)]
    if not names:
        for line in sign_off:
            found = _ISSUER.match(line)
            if found and _dated(line[found.end() :].strip()):
                names.append(found.group(0))
                break
    return "".join(names) or None
