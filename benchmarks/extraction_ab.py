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

Where valgrind is installed (apt-get install valgrind), both checkouts' extraction is also counted
in machine instructions a page (callgrind: a run reading every page 1 + EXTRACT_AB_PASSES (2)
times, less one reading them once, so imports and first calls are left out): a figure the
machine's drift does not touch, to tell a change of a few per cent from noise.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
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


# Reads every page named in its arguments' file PASSES times.
_READER = r"""
import sys
from crawler.extract import extract, read_page
files = open(sys.argv[1]).read().split("\n")
for _ in range(int(sys.argv[2])):
    for name in files:
        try:
            extract(read_page(open(name, "rb").read(), None), "http://www.example.gov.cn/a.html")
        except ValueError:
            pass
"""
PASSES = int(os.environ.get("EXTRACT_AB_PASSES", "2"))


def instructions(python: str, env: dict[str, str], files: list[Path]) -> float:
    """Machine instructions a page of this extraction, counted by callgrind."""

    def count(passes: int) -> int:
        with tempfile.TemporaryDirectory() as folder:
            listing = Path(folder, "files")
            listing.write_text("\n".join(str(file) for file in files))
            out = Path(folder, "callgrind.out")
            done = subprocess.run(
                ["valgrind", "--tool=callgrind", "--trace-children=yes",
                 f"--callgrind-out-file={out}.%p", python, "-c",
                 _READER, str(listing), str(passes)],
                cwd="/", env=env, capture_output=True, text=True, check=True,
            )  # fmt: skip
            # every process's count (a wrapper script's shell, then the interpreter it runs)
            return sum(int(n) for n in re.findall(r"Collected : (\d+)", done.stderr))

    return (count(1 + PASSES) - count(1)) / PASSES / len(files)


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
                    best[side][index] = min(
                        best[side][index], float(timers[side].stdout.readline())
                    )
    finally:
        for timer in timers.values():
            timer.stdin.close()
            timer.wait(30)
    ratios = [a / b for a, b in zip(best["this checkout"], best["other"], strict=True)]
    print(f"-- this checkout against {other_python}, page by page in turn: {name}, "
          f"{len(files)} pages, best of {ROUNDS} x {TRIES}")  # fmt: skip
    for side, times in best.items():
        print(
            f"{side:<28} ms/page {statistics.mean(times):8.2f}  median {statistics.median(times):7.2f}"
        )
    print(f"{'this / other, per page':<28} median {statistics.median(ratios):.3f}  "
          f"mean {statistics.mean(ratios):.3f}")  # fmt: skip
    if shutil.which("valgrind") is None:
        print("instructions a page: valgrind is not installed (apt-get install valgrind)")
        return
    counted = {"this checkout": instructions(sys.executable, here, files),
               "other": instructions(other_python, there, files)}  # fmt: skip
    for side, count in counted.items():
        print(f"{side:<28} instructions a page (callgrind) {count / 1e6:7.2f} M")
    ratio = counted["this checkout"] / counted["other"]
    print(f"{'this / other, instructions':<28} {ratio:.3f}")


if __name__ == "__main__":
    compare(sys.argv[1])
