"""The summary classifier on every labelled set there is: precision and recall on the real texts
of ../shared/realclass (borderline items reported apart), the project's own labelled texts and
sample articles, the five real seeds, and how many of the real news pages of ../shared/realpages
it takes for summaries (none should be).

    python benchmarks/run.py classification      # or: python benchmarks/classification.py
"""

from __future__ import annotations

import json
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))

from crawler.classify import classify  # noqa: E402
from crawler.demo.sites import load_articles  # noqa: E402


def realclass() -> list[dict]:
    path = SHARED / "realclass" / "items.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def labelled() -> list[dict]:
    data = tomllib.loads((ROOT / "tests" / "labelled" / "texts.toml").read_text("utf-8"))
    texts = [
        {"id": f"labelled-{n}", "title": t["title"], "text": t["body"].strip(),
         "label": "summary" if t["label"] == "summary" else "not"}
        for n, t in enumerate(data["text"])
    ]  # fmt: skip
    texts += [
        {"id": a.key, "title": a.title, "text": a.body.strip(),
         "label": "summary" if a.kind == "summary" else "not"}
        for a in load_articles().values()
    ]  # fmt: skip
    return texts


def seeds() -> list[dict]:
    return [
        {"id": path.name, "title": "", "text": path.read_text("utf-8"), "label": "summary"}
        for path in sorted((SHARED / "seeds").glob("*.txt"))
    ]


def realpages_news() -> list[dict]:
    path = SHARED / "realpages" / "gold.jsonl"
    if not path.exists():
        return []
    pages = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [
        {"id": p["file"], "title": p["title"], "text": p["body"], "label": "not"} for p in pages
    ]


def score(items: list[dict]) -> dict:
    """Precision and recall over the items labelled summary or not; the wrong ones by id."""
    tp = fp = fn = 0
    wrong, borderline = [], []
    for item in items:
        decision = classify(item["title"], item["text"])
        if item["label"] == "borderline":
            borderline.append((item["id"], decision.is_summary, decision.genre))
            continue
        truth = item["label"] == "summary"
        tp += decision.is_summary and truth
        fp += decision.is_summary and not truth
        fn += truth and not decision.is_summary
        if decision.is_summary != truth:
            wrong.append((item["id"], item["title"][:30], decision.reason[:160]))
    return {
        "n": tp + fp + fn + sum(1 for i in items if i["label"] == "not") - fp,
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "taken": tp + fp,
        "wrong": wrong,
        "borderline": borderline,
    }


def main() -> None:
    started = time.perf_counter()
    sets = {
        "realclass (../shared)": realclass(),
        "labelled (tests/labelled + sample web)": labelled(),
        "seeds (../shared)": seeds(),
        "realpages news (../shared)": realpages_news(),
    }
    print(f"{'set':42} {'texts':>5} {'precision':>9} {'recall':>7} {'taken':>5}")
    for name, items in sets.items():
        if not items:
            print(f"{name:42} (not here)")
            continue
        result = score(items)
        print(
            f"{name:42} {result['n']:>5} {result['precision']:>9.3f} {result['recall']:>7.3f} "
            f"{result['taken']:>5}"
        )
        for wrong in result["wrong"]:
            print(f"    wrong: {wrong[0]} {wrong[1]} | {wrong[2]}")
        for item_id, taken, genre in result["borderline"]:
            print(f"    borderline: {item_id} taken={taken} genre={genre}")
    count = sum(len(items) for items in sets.values())
    print(f"{count} texts in {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
