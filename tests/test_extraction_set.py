"""The labelled extraction set (tests/extraction): this project's extractor meets its targets, and
one text laid out in every page family and encoding is one document."""

from __future__ import annotations

import statistics
import sys
import tomllib
from pathlib import Path

import pytest

from crawler.extract import extract_page
from crawler.fingerprint import content_hash

HERE = Path(__file__).parent / "extraction"
sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
sys.path.insert(0, str(HERE))
import make_pages  # noqa: E402
from extraction import body_scores, load_set, ours, squeeze  # noqa: E402

PAGES = load_set()


def test_the_set_covers_the_families_and_the_encodings():
    assert len(PAGES) >= 30
    assert {p.family for p in PAGES} == {
        "trs", "hanweb", "epaper", "table_2000s", "news", "plain", "url_dated"
    }  # fmt: skip
    gbk = [p for p in PAGES if "-gbk" in p.file]
    assert len(gbk) >= 10
    undeclared = [p for p in gbk if not p.content_type and b"charset" not in p.raw[:400]]
    wrong = [p for p in gbk if "utf-8" in (p.content_type + p.raw[:400].decode("latin-1")).lower()]
    assert undeclared and wrong


def test_this_projects_extractor_meets_its_targets_on_the_set():
    scores, titles, dates = [], 0, 0
    for page in PAGES:
        result = ours(page)
        scores.append(body_scores(result.body, page.body)[2])
        titles += squeeze(result.title) == squeeze(page.title)
        dates += result.published == page.published
        assert "\ufffd" not in result.body, page.file
    f1 = statistics.mean(scores)
    print(f"body F1 {f1:.3f}, titles {titles}/{len(PAGES)}, dates {dates}/{len(PAGES)}")
    assert f1 >= 0.97
    assert dates / len(PAGES) >= 0.95
    assert titles / len(PAGES) >= 0.95


@pytest.mark.parametrize("index", [0, 5, 11])
def test_one_text_in_every_family_and_encoding_is_one_document(index):
    entry = tomllib.loads((HERE.parent / "labelled" / "texts.toml").read_text("utf-8"))["text"][
        index
    ]
    text = make_pages.Text(
        entry["title"],
        entry.get("published", "2023-01-18"),
        [line.strip() for line in entry["body"].strip().splitlines() if line.strip()],
        "南岭市委统战部",
    )
    hashes = {}
    for family in make_pages.FAMILIES:
        markup, path = family(text, 1)
        for encoding, content_type in make_pages.SERVING[family.__name__]:
            page = extract_page(
                markup.encode(encoding),
                "http://www.example.gov.cn" + path,
                content_type,
            )
            hashes[f"{family.__name__}/{encoding}/{content_type}"] = content_hash(page.body)
    assert len(set(hashes.values())) == 1, hashes
    assert set(hashes.values()) == {content_hash("\n".join(text.paragraphs))}
