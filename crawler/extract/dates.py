"""The publication date: the evidence a page offers, tried from the most to the least trusted."""

from __future__ import annotations

import email.utils
import functools
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

import lxml.etree
import lxml.html

from crawler.extract.page import clean_text, meta_content, meta_pairs, without_leading_title
from crawler.families import URL_DATES

_DATE_NUMERIC = r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
_CN_DIGITS = "〇零一二三四五六七八九"  # and the zeros typed for 〇: ○ Ｏ 0 О
_DATE_CHINESE = (
    rf"([{_CN_DIGITS}○Ｏ0О]{{4}})年([{_CN_DIGITS}十]{{1,3}})月([{_CN_DIGITS}十]{{1,3}})日"
)
LABELLED_DATE = re.compile(
    r"(发布时间|发布日期|发稿时间|更新时间|成文日期|日期|时间)\s*[:：]?\s*" + _DATE_NUMERIC
)
NUMERIC_DATE = re.compile(_DATE_NUMERIC)
# Month/day/year, as some forum and blog software prints it: 3/1/2023.
_US_DATE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/((?:19|20)\d{2})(?![\d/])")
CHINESE_DATE = re.compile(_DATE_CHINESE)
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


def china_day(http_date: bytes | str | None = None) -> date:
    """The day in China (UTC+8) at an HTTP Date header's moment, or now: what a page that says
    昨天 counts from."""
    day = _china_day_of(http_date) if http_date else None
    return day or (datetime.now(UTC) + timedelta(hours=8)).date()


@functools.lru_cache(maxsize=64)
def _china_day_of(http_date: bytes | str) -> date | None:
    """china_day of a Date header (every page of a second brings the same one); None when it
    is no date."""
    if isinstance(http_date, bytes):
        http_date = http_date.decode("latin-1")
    try:
        moment = email.utils.parsedate_to_datetime(http_date)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return (moment.astimezone(UTC) + timedelta(hours=8)).date()


def _valid_date(year: int, month: int, day: int) -> str | None:
    try:
        value = date(year, month, day)
    except ValueError:
        return None
    if not 1990 <= value.year <= date.today().year + 1:
        return None
    return value.isoformat()


def _chinese_number(text: str) -> int:
    digits = {ch: i for i, ch in enumerate("〇一二三四五六七八九")} | dict.fromkeys("零○Ｏ0О", 0)
    if "十" in text:
        tens, _, units = text.partition("十")
        return (digits.get(tens, 1) if tens else 1) * 10 + (digits.get(units, 0) if units else 0)
    value = 0
    for ch in text:
        value = value * 10 + digits.get(ch, 0)
    return value


def _first_valid(
    matches: Iterable[re.Match | None], order: tuple[int, int, int] = (1, 2, 3)
) -> str | None:
    """The first match that is a real date; ``order`` gives the groups of year, month, day."""
    for match in matches:
        if match:
            found = _valid_date(*(int(match.group(group)) for group in order))
            if found:
                return found
    return None


def parse_date(text: str) -> str | None:
    """The first date in ``text`` as YYYY-MM-DD: 2023-03-01, 2023/3/1, 2023年3月1日 or
    二〇二三年三月一日."""
    found = _first_valid(NUMERIC_DATE.finditer(text))
    if found:
        return found
    for match in CHINESE_DATE.finditer(text):
        found = _valid_date(
            _chinese_number(match.group(1)),
            _chinese_number(match.group(2)),
            _chinese_number(match.group(3)),
        )
        if found:
            return found
    return _first_valid(_US_DATE.finditer(text), order=(3, 1, 2))


# What a date says when it is not the day a document was written or signed: the day it takes
# effect (本条例自2011年3月1日起施行), the day it was printed (…2023年1月10日印发), a period's end.
NOT_SIGNED = re.compile(
    r"施行|生效|起执行|起实施|开始执行|执行至|有效期|印发|截至|截止|以前|以后|之前|之后|期间"
)
# Beside a signed date, only the issuing body's name (or nothing).
_SIGN_OFF_REST = re.compile(
    r"(?:[\u4e00-\u9fff]{0,30}(?:部|局|委|委员会|政府|办公室|办|厅|院|会|处|室|中心|组|所|站|队|"
    r"党组|公司|协会|学校|医院|街道|镇|乡|村|社区|人大|政协|法院|检察院))?"
)


def is_sign_off_date(line: str) -> bool:
    """A line that prints a document's 成文日期: a date (Arabic or Chinese numerals, 〇 or 零),
    with at most the issuing body's name beside it; never a sentence that holds a date, an
    effective date or a printing date."""
    text = line.strip()
    if len(text) > 40 or NOT_SIGNED.search(text) or re.search(r"[。；;，,：:！？]", text):
        return False
    match = NUMERIC_DATE.search(text) or CHINESE_DATE.search(text)
    if not match or not parse_date(match.group(0)):
        return False
    rest = re.sub(r"[\s（）()]", "", text[: match.start()] + text[match.end() :])
    return bool(_SIGN_OFF_REST.fullmatch(rest))


def date_from_url(url: str | None) -> str | None:
    """A publication date written into an article URL by the CMS, if any."""
    if not url:
        return None
    return _first_valid(pattern.search(url) for pattern in URL_DATES)


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
    return _first_valid(_DATE_WITH_TIME.finditer(line)) or parse_date(line)


def _labelled_date(lines: list[str]) -> str | None:
    return _first_valid((LABELLED_DATE.search(line) for line in lines), order=(2, 3, 4))


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
    key = clean_text(title)
    for index, line in enumerate(all_lines):
        if line == key or (len(key) >= 8 and key in line and len(line) <= len(key) + 40):
            near = all_lines[index : index + 8]
            return near[: near.index(body_start, 1)] if body_start in near[1:] else near
    return []


_DATA_DATE_KEYS = ("datePublished", "publishDate", "pubDate", "publishTime", "createdAt")
_DATA_DATE = re.compile(rf'"(?:{"|".join(_DATA_DATE_KEYS)})"\s*:\s*"([^"]+)"')
_DATA_TIME = re.compile(r'\b(?:var\s+ct|publish_time|"?pubtime"?)\s*[=:]\s*"?(1[0-9]{9})\b')
_VAR_CT = re.compile(r"var\s+ct")


def _script_date(scripts: Iterable[str]) -> str | None:
    """A publication date in the page's data: JSON-LD datePublished, or a Unix time such as
    WeChat's ``var ct = "1581471312"`` (read in China time)."""
    for text in scripts:
        # each pattern only where the words it needs stand (a search of the text for a word runs
        # in C; the patterns stop at every quote and word of a large script)
        match = _DATA_DATE.search(text) if any(key in text for key in _DATA_DATE_KEYS) else None
        if match and parse_date(match.group(1)):
            return parse_date(match.group(1))
        needs = "pubtime" in text or "publish_time" in text or _VAR_CT.search(text)
        match = _DATA_TIME.search(text) if needs else None
        if match:
            moment = datetime.fromtimestamp(int(match.group(1)), UTC) + timedelta(hours=8)
            return _valid_date(moment.year, moment.month, moment.day)
    return None


def extract_date(
    doc: lxml.html.HtmlElement,
    head_lines: list[str],
    all_lines: list[str],
    url: str | None,
    title: str | None = None,
    scripts: Iterable[str] | None = None,
    body_lines: list[str] | None = None,
    fetched_on: date | None = None,
    metas: list[tuple[str, str]] | None = None,
) -> tuple[str | None, str | None]:
    """The publication date and the evidence it came from, most trusted first: the CMS's meta
    tags, the info line under the headline (nearest the article, so a labelled date in the footer
    does not win), a labelled line, a date line just above the body, a <time> element, the URL,
    the page's data (``metas``: the page's meta_pairs)."""
    if metas is None:
        metas = meta_pairs(doc)
    meta_value = meta_content(doc, _META_DATE_NAMES, metas)
    if meta_value:
        found = parse_date(meta_value)
        if found:
            return found, "meta"
    body_lines = without_leading_title(body_lines or [], title)
    near = _near_headline(all_lines, title, body_lines[0] if body_lines else None)
    for index, line in enumerate(near):
        # an info line may be split over lines: 2019 / 09/07 / 19:02
        found = _date_in(line) or (index and _date_in(" ".join(near[index : index + 3])))
        if found and len(line) <= 120:
            return found, "under the headline"
    # A date printed without its year under the headline, the year from any other date.
    year_source = meta_content(doc, _META_DATE_NAMES + _META_OTHER_DATE_NAMES, metas)
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
