"""Full-text search that finds Chinese words of any length, in plain Python.

SQLite's tokenizers do not segment Chinese: unicode61 makes a whole clause one token, and trigram
matches nothing shorter than three characters, while most Chinese words have two (统战, 乡贤,
侨务). This Python cannot load a segmenting extension, so the text is segmented before it reaches
FTS5: the `bi` column holds every run of Chinese characters as overlapping bigrams (and ASCII
words as lowercase words), in order; the `uni` column holds every single character. A query is
segmented the same way and becomes FTS5 phrases:

    侨        -> "侨"               a single character: only the uni column can hold it
    统战      -> "统战"             one bigram
    统一战线  -> "统一 一战 战线"   consecutive bigrams: exactly the substring
    G20峰会   -> "g20 峰会"
    2022年    -> "2022 年" *        the last character may begin a longer run in the text

A single character at the start of a mixed word (年G20) is not found where the text has it at
the end of a longer run (今年G20): FTS5 has prefix but no suffix queries.

Several words separated by spaces must all occur (AND). The index is written by the archive in
the same transaction as the document (archive.py); the Datasette plugin uses `fts_query` for the
table's own search box.
"""

from __future__ import annotations

import re
import unicodedata

FTS_TABLE = "documents_fts"
# Bounds on the work of the SQL functions the Datasette plugin registers: SQLite's time limit
# interrupts between VM steps, never inside a Python function, so each call must be cheap by
# itself whatever a visitor passes to it. Longer input is cut, not refused.
MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 16
MAX_PASSAGE_SCAN = 200_000  # characters of a body searched for the passage (summaries are ~10k)
_RUNS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[0-9A-Za-z]+")


# Stands between runs that are not adjacent in the text (统一，一战), so that bigrams of two runs
# never form a phrase that the text does not contain. Queries are segmented the same way.
BREAK = "qzbrk"


def _runs(text: str) -> list[str]:
    runs: list[str] = []
    end = None
    for match in _RUNS.finditer(unicodedata.normalize("NFKC", text or "")):
        if end is not None and match.start() != end:
            runs.append(BREAK)
        runs.append(match.group(0))
        end = match.end()
    return runs


def _is_cjk(run: str) -> bool:
    return not run[0].isascii()


def _bigrams(runs: list[str]) -> list[str]:
    tokens: list[str] = []
    for run in runs:
        if run == BREAK or not _is_cjk(run):
            tokens.append(run.lower())
        elif len(run) == 1:
            tokens.append(run)
        else:
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
    return tokens


def index_columns(title: str | None, body: str | None) -> dict[str, str]:
    """The FTS5 columns for one document: title then body as bigrams, and single characters."""
    runs = [*_runs(title), BREAK, *_runs(body)]
    unigrams = [ch for run in runs if _is_cjk(run) for ch in run]
    return {"bi": " ".join(_bigrams(runs)), "uni": " ".join(dict.fromkeys(unigrams))}


def fts_query(query: str) -> str:
    """The FTS5 expression for what a user typed: one phrase per space-separated word, all required.
    Returns an expression that matches nothing for a query with no letters or characters."""
    phrases = []
    for word in (query or "")[:MAX_QUERY_CHARS].split()[:MAX_QUERY_WORDS]:
        runs = _runs(word)
        if not runs:
            continue
        tokens = (
            [runs[0]]
            if len(runs) == 1 and _is_cjk(runs[0]) and len(runs[0]) == 1
            else _bigrams(runs)
        )
        phrase = '"' + " ".join(tokens) + '"'
        if len(runs) > 1 and _is_cjk(runs[-1]) and len(runs[-1]) == 1:
            # 2022年 must match 2022年是…, where the text's token is the bigram 年是
            phrase += " *"
        phrases.append(phrase)
    return " AND ".join(phrases) if phrases else '""'


def passage(body: str | None, query: str | None, width: int = 60) -> str | None:
    """The stretch of ``body`` around the first place a query word occurs, with that word marked
    【thus】: plain text, safe to show anywhere."""
    if not body:
        return None
    longer = len(body) > MAX_PASSAGE_SCAN
    body = body[:MAX_PASSAGE_SCAN]
    words = (query or "")[:MAX_QUERY_CHARS].split()[:MAX_QUERY_WORDS]
    words = sorted((w for w in words if w.strip()), key=len, reverse=True)
    folded = unicodedata.normalize("NFKC", body).lower()
    for word in words:
        position = body.find(word)
        if position < 0:
            # found only after folding width and case: show the folded text
            body, word = folded, unicodedata.normalize("NFKC", word).lower()
            position = body.find(word)
        if position >= 0:
            start, end = max(0, position - width), min(len(body), position + len(word) + width)
            text = (
                body[start:position]
                + "【"
                + body[position : position + len(word)]
                + "】"
                + body[position + len(word) : end]
            )
            text = text.replace("\n", " ")
            return ("…" if start else "") + text + ("…" if end < len(body) or longer else "")
    return body[: width * 2].replace("\n", " ") + ("…" if len(body) > width * 2 or longer else "")
