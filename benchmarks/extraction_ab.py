"""This checkout's extraction timed against another checkout's, page by page in turn.

The extraction benchmark times one extractor after another: on a machine whose speed drifts by a
quarter within minutes, two runs of the same code differ more than a change does. Here both
checkouts are kept running as two processes and handed the same page in turn (which goes first
alternates), so a slow spell falls on both; each page's time is its best over the rounds, and the
figure that counts is the ratio of the two for each page.

    EXTRACT_COMPARE_PYTHON=<another checkout's .venv/bin/python> python benchmarks/run.py extraction

(or ``python benchmarks/extraction_ab.py <python>``). The other interpreter must import that
checkout's ``crawler`` (its own virtual environment, or a wrapper setting PYTHONPATH). Pages: the
real pages of ../shared/realpages, else the labelled set. EXTRACT_AB_ROUNDS (4) rounds of
EXTRACT_ROUNDS (3) tries a page.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from extraction import REALPAGES, SET  # noqa: E402 - this folder is not a package

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = int(os.environ.get("EXTRACT_AB_ROUNDS", "4"))
TRIES = int(os.environ.get("EXTRACT_ROUNDS", "3"))

# Reads page files named on stdin, one a line; answers each with its best time in ms.
_TIMER = r"""
import sys, time
from crawler.extract import extract, read_page
print("ready", flush=True)
for line in sys.stdin:
    raw = open(line.rstrip("\n"), "rb").read()
    best = float("inf")
    for _ in range(int(sys.argv[1])):
        started = time.perf_counter()
        try:
            extract(read_page(raw, None), "http://www.example.gov.cn/a.html")
        except ValueError:
            pass
        best = min(best, time.perf_counter() - started)
    print(best * 1000, flush=True)
"""


def _page_files() -> tuple[str, list[Path]]:
    """The pages the extraction benchmark reads: the real pages, else the labelled set."""
    if (REALPAGES / "gold.jsonl").exists():
        lines = (REALPAGES / "gold.jsonl").read_text("utf-8").splitlines()
        files = [REALPAGES / json.loads(line)["file"] for line in lines if line.strip()]
        return "real pages (../shared/realpages)", files
    return "labelled set (tests/extraction)", sorted((SET / "pages").iterdir())


def _start(python: str, env: dict[str, str]) -> subprocess.Popen:
    timer = subprocess.Popen(
        [python, "-c", _TIMER, str(TRIES)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True, cwd="/", env=env,
    )  # fmt: skip
    if timer.stdout.readline().strip() != "ready":
        raise SystemExit(f"{python} could not import crawler.extract")
    return timer


def compare(other_python: str) -> None:
    name, files = _page_files()
    here = {**os.environ, "PYTHONPATH": str(ROOT)}
    there = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    timers = {"this checkout": _start(sys.executable, here), "other": _start(other_python, there)}
    best = {side: [float("inf")] * len(files) for side in timers}
    try:
        for round_ in range(ROUNDS):
            for index, file in enumerate(files):
                sides = list(timers) if (index + round_) % 2 == 0 else list(timers)[::-1]
                for side in sides:
                    timers[side].stdin.write(f"{file}\n")
                    timers[side].stdin.flush()
                    best[side][index] = min(best[side][index], float(timers[side].stdout.readline()))
    finally:
        for timer in timers.values():
            timer.stdin.close()
            timer.wait(30)
    ratios = [a / b for a, b in zip(best["this checkout"], best["other"], strict=True)]
    print(f"-- this checkout against {other_python}, page by page in turn: {name}, "
          f"{len(files)} pages, best of {ROUNDS} x {TRIES}")  # fmt: skip
    for side, times in best.items():
        print(f"{side:<28} ms/page {statistics.mean(times):8.2f}  median {statistics.median(times):7.2f}")
    print(f"{'this / other, per page':<28} median {statistics.median(ratios):.3f}  "
          f"mean {statistics.mean(ratios):.3f}")  # fmt: skip


if __name__ == "__main__":
    compare(sys.argv[1])
