"""Linked document files (PDF, Word, WPS, spreadsheets, archives): which a link names, and which
of them are worth fetching as possible summaries.

A site's 信息公开 and 通知公告 columns link hundreds of files: forms, tables, budgets, notices. A
file is fetched under the site's ``attachments = "likely"`` (the default) only when what names it
reads like a summary to the summary classifier's own title rules (with the site's changes): the
link text, else the file's name, else, when both say nothing (附件1.pdf, P020230105512345.pdf),
the title of the page that links it (an article 2022年工作总结 whose text is its attachment, a
column named 计划总结). A year and 报告 together also count: 2022年度报告.
"""

from __future__ import annotations

import bisect
import itertools
import re
from urllib.parse import unquote, urlsplit

from crawler.classify import Rules, default_rules, issued_work, title_score
from crawler.discovery.links import Link, LinkKind, normalise_url, script_target
from crawler.extract.dates import parse_date
from crawler.extract.page import text_of

# Files that may hold a summary: recorded when not fetched.
DOCUMENT = re.compile(r"\.(pdf|docx?|wps|xlsx?|ofd|zip|rar|7z)$", re.IGNORECASE)
# The ones this crawler can read (crawler/extract/files).
READABLE = re.compile(r"\.(pdf|docx?|wps|ofd)$", re.IGNORECASE)
_NAME_NOISE = re.compile(
    r"^\s*(附件\s*\d*\s*[:：.、]?|\[?下载\]?|点击下载|下载附件)\s*|\.(pdf|docx?|wps|xlsx?|ofd|zip|rar|7z)\s*$",
    re.IGNORECASE,
)
# A document's extension anywhere in a string (an address, a query, a link's title or text).
_MAY_BE_FILE = re.compile(r"\.(pdf|docx?|wps|xlsx?|ofd|zip|rar|7z)\b", re.IGNORECASE)
_YEAR_REPORT = re.compile(r"((19|20)\d\d|年度).{0,20}报告")
# A download address that names no file (/module/download.do?fileId=8f3a…, /attach/getFile?id=12):
# a document when its link says what it holds (附件, 下载, a title). Its type is read from the
# bytes when it comes.
_DOWNLOAD = re.compile(
    r"/[^/?]*(download|downfile|downloadfile|getfile|filedown|attachment|attach|fujian)[^/?]*([/?]|$)"
    r"|[?&](file_?id|attach(ment)?_?id|att_?id|fid)=",
    re.IGNORECASE,
)
# What a link that may name a file holds somewhere in its attributes or text, lower-cased: an
# extension (_MAY_BE_FILE) or a download address's word (_download_address). A page's links are
# searched for these all at once (_may_name_files).
_NEEDLES = (
    ".pdf", ".doc", ".wps", ".xls", ".ofd", ".zip", ".rar", ".7z",
    "down", "getfile", "attach", "fujian", "fileid=", "file_id=", "attid=", "att_id=", "fid=",
)  # fmt: skip
# Letters a case-blind expression takes for i, s and k, which lower() leaves as they are
_OTHER_CASES = ("\u0130", "\u0131", "\u017f", "\u212a")
_PAGE_PATH = re.compile(r"\.(s?html?|xml)$", re.IGNORECASE)
_SAYS_FILE = re.compile(r"附件|下载|全文|原文")


def file_name(link: Link) -> str:
    """What names the file: the last part of its path, else a file name in its query
    (downfile.jsp?filename=…工作总结.pdf)."""
    parts = urlsplit(link.url)
    last = unquote(parts.path.rsplit("/", 1)[-1])
    if DOCUMENT.search(last):
        return last
    for value in re.split(r"[&=]", unquote(parts.query)):
        if DOCUMENT.search(value):
            return value.rsplit("/", 1)[-1]
    return last if DOCUMENT.search(link.text or "") else ""


def _row_date(anchor) -> str | None:
    """The date beside a link in its list row (an <li>, a table row, a short line), if any."""
    row = anchor.getparent()
    if row is not None and row.tag == "td":
        row = row.getparent()
    if row is None:
        return None
    around = (row.text_content() or "").replace(anchor.text_content() or "", " ")
    return parse_date(around) if len(around.strip()) <= 80 else None


def _viewed_file(url: str) -> str | None:
    """The file a PDF viewer page shows (pdfjs/web/viewer.html?file=/uploads/….pdf)."""
    parts = urlsplit(url)
    if DOCUMENT.search(parts.path):
        return None
    for key, _, value in (pair.partition("=") for pair in parts.query.split("&")):
        if key.lower() in ("file", "url", "src") and READABLE.search(unquote(value)):
            return normalise_url(unquote(value), url)
    return None


def _download_address(url: str) -> bool:
    """Whether an address reads like a download (_DOWNLOAD). A page has hundreds of links and
    the expression tries every place of each: an ASCII address that holds none of the words it
    needs is passed over first (others, where a case-blind match may take a non-ASCII letter for
    an ASCII one, go to the expression alone)."""
    if url.isascii():
        low = url.lower()
        if not (
            "down" in low or "getfile" in low or "attach" in low or "fujian" in low or "id=" in low
        ):
            return False
    return _DOWNLOAD.search(url) is not None


def is_download(link: Link) -> bool:
    """A download address naming no file, whose link says what it holds (附件1, 下载, a title)."""
    path = urlsplit(link.url).path
    return bool(
        not DOCUMENT.search(path)
        and not _PAGE_PATH.search(path)
        and _download_address(link.url)
        and (_SAYS_FILE.search(link.text or "") or _says_something(link.text or ""))
    )


def is_document(link: Link) -> bool:
    return bool(file_name(link) or DOCUMENT.search(link.text or "") or is_download(link))


def is_readable(link: Link) -> bool:
    """A PDF or Word file by its name, or a download whose type only its bytes tell."""
    for name in (file_name(link), link.text or ""):
        if DOCUMENT.search(name):
            return bool(READABLE.search(name))
    return is_download(link)


def _says_something(text: str) -> bool:
    return sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff") >= 4


def naming(link: Link, page_title: str | None) -> tuple[str, str]:
    """The name the decision reads, and where it comes from. A notice that issues a work
    (关于印发《青山县2022年工作总结》的通知) is named by the work: its attachment is that."""
    for name, source in ((link.text, "link text"), (file_name(link), "file name")):
        cleaned = _NAME_NOISE.sub("", _NAME_NOISE.sub("", name or "")).strip()
        if _says_something(cleaned):
            return issued_work(cleaned), source
    return issued_work((page_title or "").strip()), "title of the linking page"


def wanted(
    link: Link, policy: str, page_title: str | None, rules: Rules | None = None
) -> tuple[bool, str]:
    """Whether to fetch a linked file, and why (said in the record of one not fetched)."""
    if not is_readable(link):
        return False, "not a PDF or Word file"
    if policy == "none":
        return False, 'the site\'s attachments = "none"'
    if policy == "all":
        return True, 'the site\'s attachments = "all"'
    name, source = naming(link, page_title)
    score, _fired = title_score(name, rules)
    if score >= (rules or default_rules()).threshold or (score >= 0 and _YEAR_REPORT.search(name)):
        return True, f"the {source} «{name[:60]}» reads like a summary"
    return False, f"the {source} «{name[:60]}» does not read like a summary ({score:+g})"


def attachment_links(doc, base_url: str) -> list[tuple[Link, str | None]]:
    """The document files a page links to, each with the date its list row gives (the text of
    the anchor's row: <li><a>…</a><span>2023-01-10</span></li>), read before extraction changes
    the tree."""
    found: dict[str, tuple[Link, str | None]] = {}
    for anchor in _may_name_files(doc):
        # a link, or a file shown in the page (an <iframe> of a PDF viewer: viewer.html?file=…)
        target = anchor.get("href") or anchor.get("src") or anchor.get("data") or ""
        if anchor.tag == "a":  # a file left to the page's scripts (javascript:, data-url)
            target = script_target(anchor) or target
        if not (_MAY_BE_FILE.search(target) or _MAY_BE_FILE.search(anchor.get("title") or "")):
            # most links of a page: no file named in the address or the title (checked before
            # the cost of resolving it); a link text naming one, or a download address, below
            if anchor.tag != "a" or not (
                _MAY_BE_FILE.search(text_of(anchor)) or _download_address(target)
            ):
                continue
        url = normalise_url(target, base_url)
        if url is None or url in found:
            continue
        text = " ".join(text_of(anchor).split()) if anchor.tag == "a" else ""
        if not _says_something(text) and _says_something(anchor.get("title") or ""):
            text = anchor.get("title").strip()  # <a title="…工作总结.pdf">下载</a>
        viewed = _viewed_file(url)
        link = Link(viewed or url, LinkKind.IGNORE, text)
        if not is_document(link):
            continue
        found[link.url] = (link, _row_date(anchor))
    return list(found.values())


def _may_name_files(doc) -> list:
    """The elements attachment_links weighs: every <iframe>, <embed> and <object>, and the links
    whose attributes or text hold one of _NEEDLES, whatever their case. All links' attributes and
    texts are joined and searched at once (a search per link cost more than the rest of reading
    its links); a page whose text lower() does not fold as a case-blind match would (İ, ı, ſ, K)
    has all its links weighed."""
    elements = list(doc.iter("a", "iframe", "embed", "object"))
    texts = ["\x00".join([*element.attrib.values(), text_of(element)]) for element in elements]
    joined = "\n".join(texts)
    low = joined.lower()
    if len(low) != len(joined) or (
        not low.isascii() and any(letter in joined for letter in _OTHER_CASES)
    ):
        return elements
    ends = list(itertools.accumulate(len(text) + 1 for text in texts))
    hit = set()
    for needle in _NEEDLES:
        at = low.find(needle)
        while at >= 0:
            hit.add(bisect.bisect_right(ends, at))
            at = low.find(needle, at + 1)
    return [e for n, e in enumerate(elements) if n in hit or e.tag != "a"]
