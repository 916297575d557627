"""The summary classifier on every labelled set there is: precision and recall on the real texts
of ../shared/realclass (borderline items reported apart), on this project's own real texts
(tests/labelled/real.toml: its dev split, on which the rules were tuned, and its test split, on
which they were not), the project's written texts and sample articles, the five real seeds, how
many of the real news pages of ../shared/realpages it takes for summaries (none should be), the
readers' labels of an archive (ARCHIVE=path/to/archive.db), and how often one stock line of
government news, appended or prepended, turns a text that is not a summary into one (flips).

    python benchmarks/run.py classification      # or: python benchmarks/classification.py
"""

from __future__ import annotations

import json
import os
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
LABELLED = ROOT / "tests" / "labelled"
sys.path.insert(0, str(ROOT))

from crawler.classify import classify  # noqa: E402
from crawler.demo.sites import load_articles  # noqa: E402


def realclass() -> list[dict]:
    path = SHARED / "realclass" / "items.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def real(split: str | None = None) -> list[dict]:
    """This project's real texts (tests/labelled/real.toml), of one split or all."""
    items = tomllib.loads((LABELLED / "real.toml").read_text("utf-8"))["text"]
    return [
        {"id": t["id"], "title": t["title"], "text": t["text"].strip(), "label": t["label"]}
        for t in items
        if split is None or t["split"] == split
    ]


def labelled() -> list[dict]:
    data = tomllib.loads((LABELLED / "texts.toml").read_text("utf-8"))
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


def archive_labels() -> list[dict]:
    """The texts readers labelled in an archive (ARCHIVE=path), with their labels."""
    path = os.environ.get("ARCHIVE")
    if not path or not Path(path).exists():
        return []
    from crawler.archive.labels import labelled_texts

    return labelled_texts(path)


def stock_lines() -> list[str]:
    return tomllib.loads((LABELLED / "stock_lines.toml").read_text("utf-8"))["lines"]


def score(items: list[dict]) -> dict:
    """Precision and recall over the items labelled summary or not; the wrong ones by id."""
    tp = fp = fn = near = 0
    wrong, borderline = [], []
    for item in items:
        decision = classify(item["title"], item["text"])
        near += getattr(decision, "near_line", False)
        if item["label"] == "borderline":
            borderline.append((item["id"], decision.is_summary, decision.genre))
            continue
        truth = item["label"] == "summary"
        tp += decision.is_summary and truth
        fp += decision.is_summary and not truth
        fn += truth and not decision.is_summary
        if decision.is_summary != truth:
            wrong.append((item["id"], item["title"][:30], decision.reason[:200]))
    return {
        "n": sum(1 for i in items if i["label"] != "borderline"),
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "taken": tp + fp,
        "near": near,
        "wrong": wrong,
        "borderline": borderline,
    }


def without_closing(text: str) -> str:
    """A text with its last paragraph removed (the closing on the next period, in a summary)."""
    paragraphs = [p for p in text.strip().split("\n") if p.strip()]
    return "\n".join(paragraphs[:-1]) if len(paragraphs) > 1 else text


def flips(items: list[dict], lines: list[str]) -> tuple[int, int, list[str]]:
    """How many of (text that is not a summary, stock line, end) trials the classifier takes for a
    summary, of how many, with the first few such trials."""
    trials = flipped = 0
    shown: list[str] = []
    for item in items:
        if item["label"] != "not" or classify(item["title"], item["text"]).is_summary:
            continue
        for line in lines:
            for text in (item["text"] + "\n" + line, line + "\n" + item["text"]):
                trials += 1
                if classify(item["title"], text).is_summary:
                    flipped += 1
                    if len(shown) < 8:
                        shown.append(f"{item['id']} + «{line[:16]}…»")
    return flipped, trials, shown


def lost_closings(items: list[dict]) -> tuple[int, int, list[str]]:
    """How many summaries taken stop being taken when their closing paragraph is removed."""
    trials = lost = 0
    shown = []
    for item in items:
        if item["label"] != "summary" or not classify(item["title"], item["text"]).is_summary:
            continue
        trials += 1
        if not classify(item["title"], without_closing(item["text"])).is_summary:
            lost += 1
            shown.append(item["id"])
    return lost, trials, shown


def main() -> None:
    started = time.perf_counter()
    sets = {
        "realclass (../shared)": realclass(),
        "real, test split (tests/labelled/real.toml)": real("test"),
        "real, dev split (tuned on)": real("dev"),
        "real, holdout (added after tuning)": real("holdout"),
        "written + sample web (tests/labelled)": labelled(),
        "seeds (../shared)": seeds(),
        "realpages news (../shared)": realpages_news(),
        "readers' labels (ARCHIVE)": archive_labels(),
    }
    print(f"{'set':44} {'texts':>5} {'precision':>9} {'recall':>7} {'taken':>5} {'near':>5}")
    for name, items in sets.items():
        if not items:
            print(f"{name:44} (not here)")
            continue
        result = score(items)
        print(
            f"{name:44} {result['n']:>5} {result['precision']:>9.3f} {result['recall']:>7.3f} "
            f"{result['taken']:>5} {result['near']:>5}"
        )
        for wrong in [] if "test split" in name and os.environ.get("TUNING") else result["wrong"]:
            print(f"    wrong: {wrong[0]} {wrong[1]} | {wrong[2]}")
        for item_id, taken, genre in result["borderline"]:
            print(f"    borderline: {item_id} taken={taken} genre={genre}")
    everything = [item for items in sets.values() for item in items]
    flipped, trials, shown = flips(everything, stock_lines())
    print(f"stock line appended or prepended to a text that is not a summary: "
          f"{flipped} of {trials} trials taken ({100 * flipped / max(trials, 1):.2f} %)")  # fmt: skip
    for trial in shown:
        print(f"    flipped: {trial}")
    lost, trials, shown = lost_closings(everything)
    print(f"summary without its closing paragraph: {lost} of {trials} no longer taken {shown}")
    print(f"{len(everything)} texts in {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
