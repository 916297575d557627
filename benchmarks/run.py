"""Run every benchmark and print its figures: python benchmarks/run.py [NAME ...]"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

BENCHMARKS = [
    "classification", "discovery", "recrawl", "scheduler_memory", "search", "families", "extraction", "warc",
    "scale", "distributed", "files", "recheck",
]  # fmt: skip


def main(names: list[str]) -> None:
    for name in names or BENCHMARKS:
        print(f"== {name} ==")
        importlib.import_module(name).main()
        print()


if __name__ == "__main__":
    main(sys.argv[1:])
