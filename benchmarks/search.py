"""Search at archive scale: 100,000 synthetic documents of realistic length, their words drawn
from the sample texts' vocabulary with Zipf frequencies (SEARCH_DOCS to change). Reports index build time, archive size, and search latency over HTTP through a running
`crawler serve`, for 2- and 4-character queries, against a LIKE '%…%' scan on the same data."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from crawler.archive import Archive
from crawler.demo.sites import load_articles

DOCS = int(os.environ.get("SEARCH_DOCS", "100000"))
REQUESTS = int(os.environ.get("SEARCH_REQUESTS", "40"))
PLACES = [
    "临江",
    "青山",
    "云溪",
    "江北",
    "石门",
    "东湖",
    "西岭",
    "南平",
    "北川",
    "清河",
    "白沙",
    "长丰",
]
# Query words by their rank in the vocabulary: a frequent word and a rare one of each length.
QUERY_RANKS = {"common": 0.03, "rare": 0.4}  # as fractions of the vocabulary size


def vocabulary() -> list[str]:
    """Distinct 2- and 4-character words of the sample texts, in a fixed random order: the rank
    order of a Zipf distribution, as word frequencies in real text follow."""
    words: set[str] = set()
    for article in load_articles().values():
        for run in re.findall(r"[\u4e00-\u9fff]+", article.body):
            for size in (2, 4):
                words.update(run[i : i + size] for i in range(len(run) - size + 1))
    ordered = sorted(words)
    random.Random(7).shuffle(ordered)
    return ordered


def synthetic_summary(
    rng: random.Random, words: list[str], weights: list[float]
) -> tuple[str, int, str]:
    """(place, year, body) of a synthetic summary of about 1,500 characters."""
    place = rng.choice(PLACES)
    year = rng.randint(2015, 2024)
    paragraphs = []
    for _ in range(rng.randint(8, 20)):
        picked = rng.choices(words, weights, k=rng.randint(15, 30))
        paragraphs.append(
            "，".join("".join(picked[i : i + 3]) for i in range(0, len(picked), 3)) + "。"
        )
    return place, year, f"{year}年，{place}统一战线工作取得新成效。\n" + "\n".join(paragraphs)


def build(db_path: Path, words: list[str]) -> tuple[float, float]:
    rng = random.Random(20261122)
    weights = [1 / (rank + 1) for rank in range(len(words))]
    with Archive(db_path) as archive:
        archive.db["sites"].insert({"id": "bench", "name": "基准", "region": "R"})
        started = time.perf_counter()
        rows = []
        for number in range(DOCS):
            place, year, body = synthetic_summary(rng, words, weights)
            rows.append({
                "content_hash": hashlib.sha256(f"{number}{body}".encode()).hexdigest(), "title": f"{year}年{place}统一战线工作综述（{number}）",
                "body": body, "published": f"{year + 1}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}", "year": year, "source": f"{place}日报",
                "site": "bench", "region": f"{place}市", "url": f"http://bench.example/{number}.html", "chars": len(body),
                "first_seen": "2026-01-01T00:00:00Z", "last_seen": "2026-01-01T00:00:00Z",
            })  # fmt: skip
            if len(rows) == 5000:
                archive.db["documents"].insert_all(rows)
                rows = []
        archive.db["documents"].insert_all(rows)
        loaded = time.perf_counter() - started
        started = time.perf_counter()
        archive.rebuild_search_index()
        indexed = time.perf_counter() - started
        archive.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return loaded, indexed


def latency(url: str) -> tuple[float, float, object]:
    times, data = [], None
    for _ in range(REQUESTS):
        started = time.perf_counter()
        with urllib.request.urlopen(url, timeout=120) as response:
            data = json.load(response)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], data


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "archive.db"
        words = vocabulary()
        queries = {}
        for label, fraction in QUERY_RANKS.items():
            for size in (2, 4):
                queries[f"{size} chars, {label}"] = next(
                    w for w in words[int(len(words) * fraction) :] if len(w) == size
                )
        loaded, indexed = build(db, words)
        size = db.stat().st_size / 2**20
        print(
            f"{DOCS} documents, text loaded in {loaded:.1f} s; search index built in {indexed:.1f} s ({DOCS / indexed:.0f} documents/s)"
        )
        print(f"archive size {size:.0f} MiB")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = subprocess.Popen(
            [sys.executable, "-m", "crawler", "serve", "--db", str(db), "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}/archive"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/-/versions.json", timeout=2)
                    break
                except OSError:
                    time.sleep(0.3)
            print(f"HTTP latency, {REQUESTS} requests each, ms (median / p95):")
            print(
                f"{'query':24} {'matches':>8} {'search box, 20 rows':>20} {'ranked + passage':>17} {'LIKE scan, 20 rows':>19} {'LIKE count all':>15}"
            )
            for label, query in queries.items():
                q = urllib.parse.quote(query)
                box = latency(f"{base}/documents.json?_search={q}&_size=20&_nofacet=1&_col=title")
                ranked = latency(f"{base}/search.json?q={q}&_shape=array")
                like_sql = urllib.parse.quote(
                    f"select id, title from documents where body like '%{query}%' limit 20"
                )
                like = latency(f"{base}.json?sql={like_sql}&_shape=array")
                count_sql = urllib.parse.quote(
                    f"select count(*) as n from documents where body like '%{query}%'"
                )
                count = latency(f"{base}.json?sql={count_sql}&_shape=array")
                matches = count[2][0]["n"]
                print(
                    f"{label + ' ' + query:24} {matches:>8} {box[0]:>9.1f} / {box[1]:>7.1f} {ranked[0]:>7.1f} / {ranked[1]:>7.1f} {like[0]:>8.1f} / {like[1]:>7.1f} {count[0]:>6.0f} / {count[1]:>6.0f}"
                )
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
