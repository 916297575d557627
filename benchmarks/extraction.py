"""Extraction quality and speed, for this project's extractor, trafilatura, readability-lxml and
GNE given the same raw bytes, on two sets:

- real pages: ../shared/realpages (43 pages saved from 21 Chinese news and government sites, with
  hand-written gold; present beside the checkout as in CI, skipped when absent);
- the labelled set: tests/extraction (pages of seven CMS families written for this project, GBK
  and UTF-8, some with no charset or a wrong one).

Body: character-level precision, recall and F1 against the gold body after NFKC with all
whitespace removed (characters matched in order, as difflib's matching blocks). Title and date:
exact matches. Time: milliseconds per page from the raw bytes (decoding and parsing included), each
page's best of EXTRACT_ROUNDS rounds; the mean over pages and the median page, the median page of
each size, and for this project the part of it decoding and parsing take.

trafilatura, readability-lxml, GNE and htmldate are optional: pip install -e '.[bench]'. GNE and
htmldate take text, not bytes: they are given this project's decoding. htmldate finds dates only
(its body and title columns are empty): it is measured as a candidate for the project's dates.

EXTRACT_COMPARE_PYTHON=<another checkout's .venv/bin/python> adds that checkout's extraction timed
against this one's page by page in turn (benchmarks/extraction_ab.py): the figure to compare two
versions by on a machine whose speed drifts.
"""

from __future__ import annotations

import difflib
import json
import os
import statistics
import sys
import time
import tomllib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from crawler.extract import extract_page, read_page
from crawler.extract.decode import charset_from_content_type, decode_html

SET = Path(__file__).resolve().parent.parent / "tests" / "extraction"
REALPAGES = Path(__file__).resolve().parent.parent.parent / "shared" / "realpages"
ROUNDS = int(os.environ.get("EXTRACT_ROUNDS", "3"))


@dataclass
class Page:
    file: str
    family: str
    url: str
    content_type: str
    title: str
    published: str
    body: str
    raw: bytes


@dataclass
class Result:
    title: str | None
    published: str | None
    body: str


def load_set() -> list[Page]:
    gold = tomllib.loads((SET / "gold.toml").read_text("utf-8"))["page"]
    return [
        Page(
            file=entry["file"], family=entry["family"], url=entry["url"],
            content_type=entry["content_type"], title=entry["title"],
            published=entry["published"], body=entry["body"].strip(),
            raw=(SET / "pages" / entry["file"]).read_bytes(),
        )
        for entry in gold
    ]  # fmt: skip


def load_realpages(folder: Path = REALPAGES) -> list[Page]:
    """The real pages with their hand-written gold (no URL is known for them)."""
    pages = []
    for line in (folder / "gold.jsonl").read_text("utf-8").splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        pages.append(
            Page(
                file=entry["file"], family=entry["kind"], url="", content_type="text/html",
                title=entry["title"], published=entry["published"], body=entry["body"].strip(),
                raw=(folder / entry["file"]).read_bytes(),
            )
        )  # fmt: skip
    return pages


def squeeze(text: str | None) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def body_scores(found: str, gold: str) -> tuple[float, float, float]:
    """Character-level precision, recall and F1 of ``found`` against ``gold``."""
    a, b = squeeze(found), squeeze(gold)
    if not a or not b:
        return 0.0, 0.0, 0.0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    matched = sum(block.size for block in matcher.get_matching_blocks())
    precision, recall = matched / len(a), matched / len(b)
    f1 = 0.0 if not matched else 2 * precision * recall / (precision + recall)
    return precision, recall, f1


# --- the extractors -------------------------------------------------------------------------


def ours(page: Page) -> Result:
    extracted = extract_page(page.raw, page.url or None, page.content_type)
    return Result(extracted.title, extracted.published, extracted.body)


def trafilatura_raw(page: Page) -> Result:
    import trafilatura

    doc = trafilatura.bare_extraction(page.raw, url=page.url or None, with_metadata=True)
    if doc is None:
        return Result(None, None, "")
    data = doc if isinstance(doc, dict) else doc.as_dict()
    return Result(data.get("title"), data.get("date"), data.get("text") or "")


def trafilatura_decoded(page: Page) -> Result:
    """trafilatura given text decoded by this project's decoder: its extraction alone."""
    import trafilatura

    text = decode_html(page.raw, charset_from_content_type(page.content_type)).text
    doc = trafilatura.bare_extraction(text, url=page.url or None, with_metadata=True)
    if doc is None:
        return Result(None, None, "")
    data = doc if isinstance(doc, dict) else doc.as_dict()
    return Result(data.get("title"), data.get("date"), data.get("text") or "")


def readability_raw(page: Page) -> Result:
    import lxml.html
    from readability import Document

    document = Document(page.raw)
    summary = document.summary(html_partial=True)
    text = lxml.html.fromstring(summary).text_content() if summary.strip() else ""
    return Result(document.short_title(), None, text)  # readability finds no dates


def gne_decoded(page: Page) -> Result:
    from gne import GeneralNewsExtractor

    text = decode_html(page.raw, charset_from_content_type(page.content_type)).text
    found = GeneralNewsExtractor().extract(text)
    return Result(found.get("title"), found.get("publish_time"), found.get("content") or "")


def htmldate_decoded(page: Page) -> Result:
    """htmldate's date alone (it extracts no text), as a candidate for the project's dates."""
    from htmldate import find_date

    text = decode_html(page.raw, charset_from_content_type(page.content_type)).text
    found = find_date(text, url=page.url or None, original_date=True, extensive_search=True)
    return Result(None, found, "")


EXTRACTORS: dict[str, Callable[[Page], Result]] = {
    "this project": ours,
    "trafilatura (raw bytes)": trafilatura_raw,
    "trafilatura (our decoding)": trafilatura_decoded,
    "readability-lxml": readability_raw,
    "GNE (our decoding)": gne_decoded,
    "htmldate (dates only)": htmldate_decoded,
}


def evaluate(extractor: Callable[[Page], Result], pages: list[Page]) -> dict:
    scores, titles, dates, worst = [], 0, 0, []
    for page in pages:
        try:
            result = extractor(page)
        except Exception as exc:  # a crash counts as nothing extracted
            print(f"   {page.file}: {type(exc).__name__}: {exc}", file=sys.stderr)
            result = Result(None, None, "")
        precision, recall, f1 = body_scores(result.body, page.body)
        scores.append((precision, recall, f1))
        titles += squeeze(result.title) == squeeze(page.title)
        dates += date_right(result.published, page.published)
        worst.append((f1, page.file))
    per_page = [float("inf")] * len(pages)  # each page's best time over the rounds
    for _ in range(ROUNDS):
        for index, page in enumerate(pages):
            started = time.perf_counter()
            try:
                extractor(page)
            except Exception:
                pass
            per_page[index] = min(per_page[index], (time.perf_counter() - started) * 1000)
    return {
        "pages": len(pages),
        "good": sum(1 for s in scores if s[2] >= 0.9),
        "precision": statistics.mean(s[0] for s in scores),
        "recall": statistics.mean(s[1] for s in scores),
        "f1": statistics.mean(s[2] for s in scores),
        "title": titles / len(pages),
        "date": dates / len(pages),
        "ms": statistics.mean(per_page),
        "median_ms": statistics.median(per_page),
        "by_size": by_size(per_page, pages),
        "worst": sorted(worst)[:3],
    }


# Page sizes the times are also given by: a real set's median page decides its median time, and
# sets differ (these real pages' median is 119 KB; another real set's was 26 KB).
SIZES = ((0, 64), (64, 160), (160, None))


def by_size(per_page: list[float], pages: list[Page]) -> str:
    """The median time of the pages of each size (KB of raw bytes), with their count."""
    parts = []
    for low, high in SIZES:
        times = [
            ms
            for ms, page in zip(per_page, pages, strict=True)
            if low * 1024 <= len(page.raw) and (high is None or len(page.raw) < high * 1024)
        ]
        if times:
            span = f"{low}-{high} KB" if high else f">={low} KB"
            parts.append(f"{span} ({len(times)}) {statistics.median(times):.2f}")
    return ", ".join(parts)


def parsing_alone(pages: list[Page]) -> float:
    """The median page's best time to decode and parse its bytes (what every reading here
    starts with: libxml2's HTML parser through lxml)."""
    per_page = [float("inf")] * len(pages)
    for _ in range(ROUNDS):
        for index, page in enumerate(pages):
            started = time.perf_counter()
            read_page(page.raw, page.content_type)
            per_page[index] = min(per_page[index], (time.perf_counter() - started) * 1000)
    return statistics.median(per_page)


def date_right(found: str | None, gold: str) -> bool:
    """The first 10 characters equal; a page with no date is right when nothing is found."""
    return (found or "")[:10] == gold


def report(title: str, pages: list[Page]) -> None:
    families = sorted({page.family for page in pages})
    print(f"-- {title}: {len(pages)} pages ({', '.join(families)})")
    print(
        f"{'extractor':<28} {'P':>6} {'R':>6} {'F1':>6} {'>=0.9':>6} {'title':>6} {'date':>6} "
        f"{'ms/page':>8} {'median':>7}"
    )
    for name, extractor in EXTRACTORS.items():
        try:
            figures = evaluate(extractor, pages)
        except ImportError as exc:
            print(f"{name:<28} not installed ({exc.name}): pip install -e '.[bench]'")
            continue
        n = figures["pages"]
        print(
            f"{name:<28} {figures['precision']:>6.3f} {figures['recall']:>6.3f} "
            f"{figures['f1']:>6.3f} {figures['good']:>6} {round(figures['title'] * n):>3}/{n:<2} "
            f"{round(figures['date'] * n):>3}/{n:<2} {figures['ms']:>8.2f} {figures['median_ms']:>7.2f}"
        )
        print("   lowest F1: " + ", ".join(f"{file} {f1:.2f}" for f1, file in figures["worst"]))
        print(f"   median ms by page size: {figures['by_size']}")
        if extractor is ours:
            print(f"   of which decoding and parsing: {parsing_alone(pages):.2f} ms (median page)")


def main() -> None:
    if (REALPAGES / "gold.jsonl").exists():
        report("real pages (../shared/realpages)", load_realpages())
    else:
        print(f"-- real pages: {REALPAGES} not found (it sits beside the checkout in CI)")
    report("labelled set (tests/extraction)", load_set())
    other = os.environ.get("EXTRACT_COMPARE_PYTHON")  # another checkout, timed page by page
    if other:
        from extraction_ab import compare

        compare(other)


if __name__ == "__main__":
    main()
