"""From positioned lines (a PDF's text lines with their boxes) to paragraphs as the web copy has
them: page numbers and running headers and footers dropped, the title lines told apart, and
lines that the page width broke joined again.

A line continues the paragraph above it when the line above reached the right margin and this
one is not indented, is set in the same size and follows at the usual line pitch. Everything here
reads geometry and text only, so it serves any fixed-layout source.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from crawler.extract.gongwen import is_issuer_name, is_letterhead

# A page number on a line of its own: 3, - 3 -, — 3 —, 第3页, 第 3 页 共 7 页, 3/7, Page 3.
PAGE_NUMBER = re.compile(
    r"^[\s\-—–~·.]*(第\s*)?\d{1,4}(\s*页)?(\s*[/／]\s*\d{1,4})?(\s*[,，]?\s*共\s*\d{1,4}\s*页)?"
    r"[\s\-—–~·.]*$|^(page|p\.)\s*\d{1,4}(\s*of\s*\d{1,4})?$",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")
_WORD_EDGE = re.compile(r"[A-Za-z0-9]")
# How a paragraph's last line ends: a sentence closed, a quotation or bracket closed, a colon.
_CLOSING = re.compile(r"[。！？!?；;：:」』”）)】]$")
# A label above a file's title, its place in a set of attachments: 附件3：, 附表1, 大纲4.
FILE_LABEL = re.compile(
    r"^(?:附件|附表|附录|大纲|表)\s*[0-9０-９一二三四五六七八九十]{0,3}\s*[:：.．、]?$"
)
# A field label (预算主管部门：, 单位：, 编制日期：) begins the lines under a cover's title.
FIELD_LABEL = re.compile(r"^[\u4e00-\u9fff（）()]{1,12}\s*[:：]")
# A page printed from a browser: the site's search box (its placeholder printed), its
# breadcrumbs; the article comes after them, the site's footer after the article.
_CHROME = re.compile(
    r"请输入(?:关键字|关键词|搜索|内容)|站内搜索|^搜\s*索$|当前位置|您的位置|现在的位置|"
    r"^首页\s*[>＞»›/]|[>＞»›]\s*正文$"
)
_SITE_FOOTER = re.compile(
    r"版权所有|ICP备|公网安备|网站标识码|主办单位|^主办\s*[:：]|网站地图|关于我们|联系我们"
)


@dataclass
class Line:
    text: str
    x0: float
    x1: float
    top: float  # from the top of the page
    bottom: float
    size: float  # the height of its characters
    page: int
    page_height: float
    # the characters with their own positions (files/runs.py Char, or pdfminer's LTChar), for
    # a line whose text cannot be read as drawn (set small, drawn out of order, in pieces)
    chars: list | None = None
    table: bool = False  # pieces set apart like the cells of a table's row


@dataclass
class Layout:
    title_lines: list[str]
    paragraphs: list[str]


def _body_size(lines: list[Line]) -> float:
    sizes: Counter[float] = Counter()
    for line in lines:
        sizes[round(line.size, 1)] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _running(pages: list[list[Line]]) -> set[int]:
    """ids of the lines that repeat, at the same height, at the top or bottom of most pages
    (digits aside): running headers and footers, such as a title, a date or a file name printed
    on every page. Body text does not come back at the same place page after page."""
    if len(pages) < 2:
        return set()
    where: dict[tuple[str, int], list[Line]] = {}
    for lines in pages:
        for line in {id(line): line for line in lines[:3] + lines[-3:]}.values():
            key = (_DIGITS.sub("#", line.text.replace(" ", "")), round(line.top / 6))
            where.setdefault(key, []).append(line)
    dropped: set[int] = set()
    for found in where.values():
        if len({line.page for line in found}) >= max(2, (len(pages) + 1) // 2):
            dropped |= {id(line) for line in found}
    return dropped


def _furniture(pages: list[list[Line]], size: float) -> set[int]:
    """Page numbers at a page's top or bottom, running headers and footers, and small print in
    the margins (a printer's date and address lines)."""
    dropped = _running(pages)
    for lines in pages:
        for position, line in enumerate(lines):
            at_edge = position < 2 or position >= len(lines) - 2
            if at_edge and PAGE_NUMBER.match(line.text):
                dropped.add(id(line))
            margin = line.top < 0.08 * line.page_height or line.bottom > 0.92 * line.page_height
            if margin and size and line.size < 0.8 * size:
                dropped.add(id(line))
    return dropped


def _joined(left: str, right: str) -> str:
    """Two pieces of one paragraph: Chinese runs on with no space, Latin words get one."""
    if left and right and _WORD_EDGE.match(left[-1]) and _WORD_EDGE.match(right[0]):
        return f"{left} {right}"
    return left + right


def _letterhead_end(kept: list[Line]) -> int:
    """Where an official document's 版头 (its large red 发文机关标志, its 文号) ends above the
    title: 0 when it has none. A 标志 too long for the line runs on over two or three lines."""
    start = 0
    while start < len(kept) - 1 and kept[start].page == kept[0].page:
        run = start + 1
        while (
            run < len(kept)
            and run - start < 3
            and kept[run].page == kept[start].page
            and abs(kept[run].size - kept[start].size) <= 0.05 * kept[start].size
        ):
            run += 1
        stop = next(
            (
                stop
                for stop in range(run, start, -1)
                if is_letterhead("".join(line.text for line in kept[start:stop]))
            ),
            None,
        )
        if stop is None and (
            is_issuer_name(kept[start].text)
            and run == start + 1
            and run < len(kept)
            and kept[run].page == kept[start].page
            and kept[start].size >= 1.3 * kept[run].size
        ):
            # a letter's 标志 (the issuing body's name alone, set well above the title's size)
            stop = run
        if stop is None or stop >= len(kept):
            return start
        start = stop
    return start


def _cover_end(kept: list[Line], start: int) -> int:
    """Past a cover page: a first page that holds, under the title, only a few short lines (the
    issuing body, the month) while the text goes on over the next pages."""
    first_page = kept[start - 1].page if start else kept[0].page
    rest = [line for line in kept[start:] if line.page == first_page]
    if (
        start
        and len(rest) <= 4
        and len(kept) > start + len(rest)
        and all(len(line.text.strip()) <= 30 and not _CLOSING.search(line.text) for line in rest)
    ):
        return start + len(rest)
    return start


def _without_chrome(kept: list[Line]) -> list[Line]:
    """A page printed from a browser, read as the web page: the site's header, search box and
    breadcrumbs above the article (the last such line within the first page's first 25 lines)
    and the site's footer under it (from its first line among the last 15) dropped."""
    if not kept:
        return kept
    first = [line for line in kept[:25] if line.page == kept[0].page]
    ends = [index for index, line in enumerate(first) if _CHROME.search(line.text)]
    if not ends:
        return kept
    kept = kept[ends[-1] + 1 :]
    footer = next(
        (
            index
            for index in range(max(0, len(kept) - 15), len(kept))
            if _SITE_FOOTER.search(kept[index].text)
        ),
        None,
    )
    return kept[:footer] if footer else kept


def paragraphs(pages: list[list[Line]]) -> Layout:
    """The title lines (larger than the body, at the top of the first page) and the body's
    paragraphs, from the lines of each page in reading order."""
    every = [line for lines in pages for line in lines]
    size = _body_size(every)
    dropped = _furniture(pages, size)
    kept = _without_chrome(
        [line for line in every if id(line) not in dropped and line.text.strip()]
    )
    while kept and FILE_LABEL.match(kept[0].text.strip()):
        kept = kept[1:]  # 附件3：, never the title
    if not kept:
        return Layout([], [])
    body_lines = [line for line in kept if abs(line.size - size) <= 0.15 * size] or kept
    left = Counter(round(line.x0) for line in body_lines).most_common(1)[0][0]
    ends = sorted(line.x1 for line in body_lines)
    right = ends[int(0.9 * (len(ends) - 1))]
    pitches = sorted(
        b.top - a.top
        for a, b in zip(body_lines, body_lines[1:], strict=False)
        if a.page == b.page and b.top > a.top
    )
    pitch = pitches[len(pitches) // 2] if pitches else size * 1.5

    title: list[str] = []
    first_page = kept[0].page
    start = _letterhead_end(kept)
    while (
        start < len(kept)
        and kept[start].page == first_page
        and kept[start].size > 1.15 * size
        and len(title) < 4
        # a cover's field labels (预算主管部门：…) and a 密级 line are not the title's
        and not FIELD_LABEL.match(kept[start].text.strip())
        and not is_letterhead(kept[start].text)
    ):
        title.append(kept[start].text.strip())
        start += 1
    start = _cover_end(kept, start)

    # Chinese paragraphs mostly begin two characters in; where they do, a line that ends short
    # without closing a sentence was cut there by line-breaking rules (no 、 or 。 may begin a
    # line, a number keeps its unit), and the paragraph goes on.
    indents = sum(
        1 for line in body_lines if left + 0.8 * line.size < line.x0 < left + 3.5 * line.size
    )
    indented = indents >= 2
    found: list[str] = []
    previous: Line | None = None
    for line in kept[start:]:
        text = line.text.strip()
        short = previous is not None and previous.x1 < right - 1.5 * line.size
        new = (
            previous is None
            or line.x0 > left + 0.8 * line.size  # indented, or centred
            or (short and (not indented or _CLOSING.search(previous.text.rstrip())))
            or abs(line.size - previous.size) > 0.15 * size
            or line.table
            or previous.table
            or (line.page == previous.page and line.top - previous.top > 1.4 * pitch)
        )
        if new or not found:
            found.append(text)
        else:
            found[-1] = _joined(found[-1], text)
        previous = line
    return Layout(title, found)
