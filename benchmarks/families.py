"""Near-duplicate families at archive scale: synthetic summaries (words of the sample texts drawn
with Zipf frequencies, so unrelated texts share much vocabulary) recorded one by one through the
archive's own write path, then reposts of some of them with an editor's note, a dropped paragraph
and a changed figure. Reports the cost per document as the archive grows, how many reposts were
linked to their original, and how many unrelated documents were linked (FAMILY_DOCS to change)."""

from __future__ import annotations

import os
import random
import re
import tempfile
import time
from pathlib import Path

from search import synthetic_summary, vocabulary

from crawler.archive import Archive, DocumentRecord, PageRecord
from crawler.fingerprint import content_hash

DOCS = int(os.environ.get("FAMILY_DOCS", "20000"))
REPOSTS = 200


def record(archive: Archive, number: int, body: str) -> int:
    document = DocumentRecord(
        content_hash(body), f"综述{number}", body, "2023-01-01", 2022, None, "bench", "R",
        f"http://bench.example/{number}.html",
    )  # fmt: skip
    page = PageRecord(document.url, "bench", "article", 200, True, "bench", document.content_hash)
    return archive.record_page(None, page, document).document_id


def main() -> None:
    words = vocabulary()
    weights = [1 / (rank + 1) for rank in range(len(words))]
    rng = random.Random(20261122)
    with tempfile.TemporaryDirectory() as folder, Archive(Path(folder) / "archive.db") as archive:
        archive.db["sites"].insert({"id": "bench", "name": "基准", "region": "R"})
        bodies = []
        started = time.perf_counter()
        window = time.perf_counter()
        for number in range(DOCS):
            bodies.append(synthetic_summary(rng, words, weights)[2])
            record(archive, number, bodies[-1])
            if (number + 1) % (DOCS // 4) == 0:
                now = time.perf_counter()
                print(
                    f"{number + 1:>7} documents: {(now - window) * 1000 / (DOCS // 4):.1f} ms per "
                    "document for the last quarter (hash, search index, shingles, family)"
                )
                window = now
        total = time.perf_counter() - started
        families = archive.db.execute("SELECT COUNT(DISTINCT family_id) FROM documents").fetchone()[
            0
        ]
        print(f"{DOCS} documents in {total:.0f} s; families: {families} (every text is different)")
        started = time.perf_counter()
        linked = 0
        for number in rng.sample(range(DOCS), REPOSTS):
            paragraphs = bodies[number].splitlines()
            del paragraphs[rng.randrange(1, len(paragraphs))]
            body = "编者按：现将该地统一战线工作综述转载如下。\n" + "\n".join(paragraphs)
            body = re.sub(r"\d+", lambda m: str(int(m.group()) + 1), body, count=1)
            doc = record(archive, DOCS + number, body)
            original, repost = archive.db.execute(
                "SELECT (SELECT family_id FROM documents WHERE url = ?), family_id FROM documents WHERE id = ?",
                [f"http://bench.example/{number}.html", doc],
            ).fetchone()
            linked += original == repost
        per_repost = (time.perf_counter() - started) * 1000 / REPOSTS
        print(
            f"reposts linked to their original: {linked}/{REPOSTS}; {per_repost:.1f} ms per repost"
        )
        size = sum(p.stat().st_size for p in Path(folder).glob("archive.db*")) / 2**20
        shingle_rows = archive.db["document_shingles"].count
        print(f"archive {size:.0f} MiB; document_shingles {shingle_rows} rows")


if __name__ == "__main__":
    main()
