"""Near-duplicate families, versions of a changed page, and where a summary was first published."""

from __future__ import annotations

import asyncio
import itertools
import re
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import FAST, needs_shared, rows, run_crawler, seed_files
from datasette.app import Datasette

from crawler.archive import Archive, DocumentRecord, PageRecord
from crawler.datasette.serve import metadata_for
from crawler.demo.sites import load_articles, swap_punctuation_width
from crawler.fingerprint import FAMILY_CONTAINMENT, containment, content_hash, shingles

LABELLED = Path(__file__).parent / "labelled"


def originals() -> dict[str, str]:
    """Every different summary of the labelled sets: texts.toml summaries and the five seeds."""
    texts = tomllib.loads((LABELLED / "texts.toml").read_text("utf-8"))["text"]
    found = {t["title"]: t["body"].strip() for t in texts if t["label"] == "summary"}
    found.update({f"seed:{seed.name[:3]}": seed.read_text("utf-8") for seed in seed_files()})
    return found


def make_repost(original: str, edits: dict) -> str:
    """Apply a reposts.toml entry's edits to the original text."""
    paragraphs = [line for line in original.splitlines() if line.strip()]
    if "keep" in edits:
        paragraphs = paragraphs[: edits["keep"]]
    paragraphs = [p for i, p in enumerate(paragraphs) if i not in edits.get("drop", [])]
    body = "\n".join(paragraphs)
    for old, new in edits.get("replace", []):
        body = body.replace(old, new)
    if "ending" in edits:
        body = "\n".join([*body.splitlines()[:-1], edits["ending"]])
    if "note" in edits:
        body = edits["note"] + "\n" + body
    if edits.get("half_width"):
        body = swap_punctuation_width(body)
    return body


ORIGINALS = originals()
REPOSTS = tomllib.loads((LABELLED / "reposts.toml").read_text("utf-8"))["repost"]


def record(archive: Archive, url: str, site: str, title: str, body: str, published: str) -> int:
    document = DocumentRecord(
        content_hash(body), title, body, published, 2022, None, site, "R", url
    )
    page = PageRecord(url, site, "article", 200, True, "test", document.content_hash)
    return archive.record_page(None, page, document).document_id


@needs_shared
def test_the_labelled_pairs_are_labelled_as_intended():
    assert len(ORIGINALS) >= 35 and len(REPOSTS) >= 12
    kinds = {key for edits in REPOSTS for key in edits} - {"of"}
    assert kinds == {"note", "drop", "replace", "ending", "half_width", "keep"}
    for edits in REPOSTS:
        repost = make_repost(ORIGINALS[edits["of"]], edits)
        assert content_hash(repost) != content_hash(ORIGINALS[edits["of"]]), edits


@needs_shared
def test_shingle_containment_separates_reposts_from_other_summaries():
    own = {title: shingles(body) for title, body in ORIGINALS.items()}
    linked = [
        containment(own[e["of"]], shingles(make_repost(ORIGINALS[e["of"]], e))) for e in REPOSTS
    ]
    unrelated = [containment(own[a], own[b]) for a, b in itertools.combinations(own, 2)]
    print(
        f"reposts: {len(linked)}, containment {min(linked):.3f}..{max(linked):.3f}; "
        f"unrelated pairs: {len(unrelated)}, containment up to {max(unrelated):.3f}; "
        f"threshold {FAMILY_CONTAINMENT}"
    )
    assert min(linked) >= FAMILY_CONTAINMENT > max(unrelated)


@needs_shared
def test_reposts_join_their_original_family_and_different_summaries_never_do(tmp_path: Path):
    """The archive's own path: every original and every repost recorded as a document, then the
    families compared with the labels. Prints the figures for the note."""
    with Archive(tmp_path / "archive.db") as archive:
        archive.db["sites"].insert_all(
            [{"id": "origin", "name": "首发站"}, {"id": "copier", "name": "转载站"}]
        )
        family_of: dict[str, int] = {}
        for number, (title, body) in enumerate(ORIGINALS.items()):
            doc = record(archive, f"http://origin/{number}", "origin", title, body, "2023-01-01")
            family_of[title] = doc
        repost_docs = []
        for number, edits in enumerate(REPOSTS):
            body = make_repost(ORIGINALS[edits["of"]], edits)
            doc = record(archive, f"http://copier/{number}", "copier", "转载", body, "2023-02-01")
            repost_docs.append((edits["of"], doc))
        family = {
            row["id"]: row["family_id"]
            for row in archive.db.query("SELECT id, family_id FROM documents")
        }
    original_families = [family[doc] for doc in family_of.values()]
    linked = sum(family[doc] == family[family_of[of]] for of, doc in repost_docs)
    wrongly_linked = len(original_families) - len(set(original_families))
    print(
        f"reposts linked: {linked}/{len(repost_docs)}; unrelated summaries linked: {wrongly_linked}"
    )
    assert linked == len(repost_docs)
    assert wrongly_linked == 0


def test_a_family_knows_where_it_was_first_published(tmp_path: Path):
    original = ORIGINALS["2022年南岭市统一战线工作综述"]
    with Archive(tmp_path / "archive.db") as archive:
        archive.db["sites"].insert_all([{"id": s, "name": s} for s in ("a", "b", "c")])
        # Found first on b (a repost with a note), then the original on a, published earlier.
        note = "编者按：现将南岭市2022年统一战线工作综述刊发如下。\n" + original
        record(archive, "http://b/1", "b", "转载", note, "2023-02-01")
        record(archive, "http://a/1", "a", "2022年南岭市统一战线工作综述", original, "2023-01-18")
        record(archive, "http://c/1", "c", "转载", swap_punctuation_width(original), None)
        families = list(archive.db.query("SELECT * FROM document_families"))
    assert len(families) == 1
    family = families[0]
    assert (family["first_published"], family["first_site"], family["first_url"]) == (
        "2023-01-18",
        "a",
        "http://a/1",
    )
    assert (family["documents"], family["sites"]) == (2, 3)
    assert family["title"] == "2022年南岭市统一战线工作综述"


@pytest.fixture
def near_repost(sample_web):
    """The sample web, with 云溪区 reposting 临江's summary with an editor's note, one paragraph
    left out and a corrected figure."""
    articles = load_articles()
    original = articles["lj-summary-2022"]
    paragraphs = original.paragraphs
    body = "\n".join(
        [
            "编者按：临江市统一战线工作经验值得借鉴，现转载如下，有删节。",
            *paragraphs[:2],
            *paragraphs[3:],
        ]
    )
    changed = re.sub(r"\d+", lambda m: str(int(m.group()) + 1), body, count=1)  # a corrected figure
    assert changed != body
    repost = replace(original, key="yx-repost", published="2023-03-01", body=changed)
    sample_web["yunxi-gov"].publish("4467", repost)
    return sample_web


def test_a_crawl_links_a_near_repost_to_its_family(tmp_path: Path, near_repost, sites_file: Path):
    db = tmp_path / "archive.db"
    result = run_crawler("crawl", "--sites", str(sites_file), "--db", str(db), *FAST)
    assert result.returncode == 0, result.stderr
    title = load_articles()["lj-summary-2022"].title
    members = rows(
        db,
        "SELECT d.id, d.site, d.family_id, d.family_similarity FROM documents d "
        "WHERE d.family_id = (SELECT family_id FROM documents WHERE title = ?) ORDER BY d.id",
        (title,),
    )
    # The original (first seen on 临江 or on 青山, whichever the crawl reached first) and the
    # near repost on 云溪, each with its own text.
    assert len(members) == 2 and "yunxi-gov" in {m["site"] for m in members}
    family = rows(db, "SELECT * FROM document_families WHERE id = ?", (members[0]["family_id"],))[0]
    assert (family["first_published"], family["first_site"]) == ("2023-02-16", "linjiang-news")
    assert family["sites"] == 3  # the exact repost on 青山 and the near one on 云溪
    assert len(rows(db, "SELECT id FROM document_families")) == 4, "other summaries stay apart"

    async def reposts():
        datasette = Datasette([str(db)], metadata=metadata_for(db))
        return await datasette.client.get(
            f"/archive/reposts.json?id={members[1]['id']}&_shape=objects"
        )

    found = asyncio.run(reposts()).json()["rows"]
    assert [r["site"] for r in found] == ["临江新闻网", "青山统战网", "云溪区人民政府"]
    assert [r["first_publication"] for r in found] == ["首发 · first", "", ""]


def test_a_page_changed_after_publication_keeps_both_versions(
    tmp_path: Path, sample_web, sites_file: Path
):
    db = tmp_path / "archive.db"
    assert run_crawler("crawl", "--sites", str(sites_file), "--db", str(db), *FAST).returncode == 0
    linjiang = sample_web["linjiang-news"]
    items = linjiang.columns["tongzhan"][1]
    index = next(i for i, a in enumerate(items) if a.key == "lj-summary-2022")
    old = items[index]
    first_paragraph = old.paragraphs[0]
    items[index] = replace(
        old, body=old.body.replace(first_paragraph, first_paragraph + "（本文有更正）")
    )
    linjiang.render()
    result = run_crawler(
        "crawl", "--sites", str(sites_file), "--db", str(db), *FAST, "--refresh", "linjiang-news"
    )
    assert result.returncode == 0, result.stderr
    versions = rows(db, "SELECT * FROM versions WHERE versions > 1 ORDER BY url, version")
    assert [(v["version"], v["current"]) for v in versions] == [(1, 0), (2, 1)]
    old_doc, new_doc = (v["document_id"] for v in versions)
    texts = {d["id"]: d["body"] for d in rows(db, "SELECT id, body FROM documents")}
    assert "（本文有更正）" not in texts[old_doc] and "（本文有更正）" in texts[new_doc]
    sighting = rows(db, "SELECT document_id FROM sightings WHERE url = ?", (versions[0]["url"],))
    assert sighting == [{"document_id": new_doc}]
    families = rows(db, "SELECT family_id FROM documents WHERE id IN (?, ?)", (old_doc, new_doc))
    assert families[0] == families[1], "a corrected text stays in its family"

    async def changed():
        datasette = Datasette([str(db)], metadata=metadata_for(db))
        return await datasette.client.get("/archive/changed_after_publication.json?_shape=objects")

    assert [r["document_id"] for r in asyncio.run(changed()).json()["rows"]] == [old_doc, new_doc]
