"""Addresses a page's script builds, read without running it.

- Concatenated strings: ``"/api/content/list?channelId=" + channelId + "&pageNo=" + p`` with
  ``var channelId = 35`` in the page is the address ``/api/content/list?channelId=35&pageNo=1``:
  a variable the scripts define with a literal is replaced by its value, one that stands after a
  page parameter (``pageNo=``, ``page=``, ``p=``) by 1, and an expression with any other unknown
  part is left as it is.
- An article shell: a page with no text whose script fetches its text as JSON
  (``fetch("/api/content?id=" + id)`` → ``{"title", "content", "pubDate"}``); the answer is read
  as the article, at the shell's address (:func:`article_from_json`).
"""

from __future__ import annotations

import html
import json
import re

from crawler.discovery.links import PAGE_PARAMETERS

_STRING = r"""(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')"""
_OPERAND = rf"""(?:{_STRING}|[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*|\d+)"""
_CONCAT = re.compile(rf"""{_STRING}(?:\s*\+\s*{_OPERAND})+""")
_PART = re.compile(_OPERAND)
_DEFINITION = re.compile(
    rf"""\b(?:var|let|const)\s+([A-Za-z_$][\w$]*)\s*=\s*({_STRING}|-?\d+)\s*[;,\n]"""
)
_ENDS_WITH_PAGE = re.compile(rf"[?&](?:{PAGE_PARAMETERS}|pageNumber|current)=$", re.IGNORECASE)


def _literal(token: str) -> str:
    if token[:1] in "\"'":
        return token[1:-1].replace("\\/", "/").replace(f"\\{token[0]}", token[0])
    return token


def join_concatenations(text: str) -> str:
    """The scripts with each string concatenation whose parts are all known written as one
    string literal (see the module's docstring); anything else unchanged."""
    if "+" not in text:
        return text
    values = {name: _literal(value) for name, value in _DEFINITION.findall(text)}

    def joined(match: re.Match) -> str:
        parts: list[str] = []
        for token in _PART.findall(match.group(0)):
            if token[:1] in "\"'" or token.isdigit():
                parts.append(_literal(token))
            elif token in values:
                parts.append(values[token])
            elif _ENDS_WITH_PAGE.search("".join(parts)):
                parts.append("1")  # the page a paging function is called with: the first
            else:
                return match.group(0)
        return json.dumps("".join(parts), ensure_ascii=False)

    return _CONCAT.sub(joined, text)


_TITLE_KEYS = ("title", "docTitle", "articleTitle", "name", "subject")
_TEXT_KEYS = ("content", "docContent", "articleContent", "htmlContent", "body", "text", "txt")
_DATE_KEYS = ("pubDate", "publishDate", "publishTime", "pubTime", "releaseDate", "docPubTime",
              "date", "createTime")  # fmt: skip
_WRAPPERS = ("data", "result", "article", "content", "detail", "obj", "info")


def _record(data) -> dict | None:
    """The object in a JSON answer that holds a title and a text (top level or wrapped once or
    twice in data/result/…)."""
    for _ in range(3):
        if not isinstance(data, dict):
            return None
        if any(isinstance(data.get(k), str) for k in _TITLE_KEYS) and any(
            isinstance(data.get(k), str) and len(data[k]) > 20 for k in _TEXT_KEYS
        ):
            return data
        data = next((data[k] for k in _WRAPPERS if isinstance(data.get(k), dict)), None)
    return None


def article_from_json(body: bytes) -> bytes | None:
    """An article's JSON answer (title, text, date) as the HTML page it stands for, or None when
    the answer is not an article."""
    try:
        record = _record(json.loads(body.decode("utf-8-sig", errors="replace")))
    except ValueError:
        return None
    if record is None:
        return None
    title = next(record[k] for k in _TITLE_KEYS if isinstance(record.get(k), str))
    text = next(
        record[k] for k in _TEXT_KEYS if isinstance(record.get(k), str) and len(record[k]) > 20
    )
    date = next((str(record[k]) for k in _DATE_KEYS if record.get(k)), "")
    if "<" not in text:  # plain text: its lines are its paragraphs
        text = "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip())
    page = (
        f'<html><head><meta charset="utf-8"><title>{html.escape(title)}</title></head><body>'
        f"<h1>{html.escape(title)}</h1>"
        + (f'<div class="info">发布时间：{html.escape(date)}</div>' if date else "")
        + f'<div class="content">{text}</div></body></html>'
    )
    return page.encode("utf-8")
