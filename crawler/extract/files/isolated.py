"""Reading a document file in a process of its own: a file made to hang or exhaust a parser (a
PDF with a pathological content stream, a decompression bomb) costs that process, not the crawl.

The child is ``python -m crawler.extract.files``: the file's bytes on stdin, what the crawl knows
of it as JSON in argv, the Extracted fields (or the reason it is unreadable) as JSON on stdout.
Its address space is capped (RLIMIT_AS, set by the child before it reads) and it is killed
after a time limit.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

from crawler.extract.files.errors import Unreadable

TIME_LIMIT = 120.0  # seconds: a 20 MB, 300-page PDF reads in well under this (benchmarks/files.py)
MEMORY_LIMIT = 2 * 1024**3  # bytes of address space for the reading process
# What a reader past its memory limit says as it dies (Python, the loader, C++ libraries).
_OUT_OF_MEMORY = ("MemoryError", "failed to map segment", "Cannot allocate memory", "bad_alloc")


def extract_file_isolated(
    body: bytes,
    url: str | None = None,
    link_text: str | None = None,
    linked_date: str | None = None,
    fetched_on: date | None = None,
    time_limit: float = TIME_LIMIT,
    memory_limit: int = MEMORY_LIMIT,
):
    """:func:`crawler.extract.files.extract_file`, in a child process with limits."""
    from crawler.extract import Extracted

    hints = {
        "url": url,
        "link_text": link_text,
        "linked_date": linked_date,
        "fetched_on": fetched_on.isoformat() if fetched_on else None,
        # set by the child on itself, first thing (a preexec_fn is not safe beside the crawl's
        # threads)
        "memory_limit": memory_limit,
    }
    try:
        done = subprocess.run(
            [sys.executable, "-m", "crawler.extract.files", json.dumps(hints)],
            input=body,
            capture_output=True,
            timeout=time_limit,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise Unreadable(
            "read_timeout", f"reading the file took more than {time_limit:g} s; stopped"
        ) from exc
    try:
        answer = json.loads(done.stdout.decode("utf-8"))
    except ValueError:
        error = done.stderr.decode("utf-8", "replace").strip().splitlines()
        said = "\n".join(error[-3:])
        if done.returncode < 0 or any(sign in said for sign in _OUT_OF_MEMORY):
            raise Unreadable(
                "file_too_large",
                f"reading the file needed more than {memory_limit // 1024**2} MB of memory "
                f"(exit {done.returncode}); stopped",
            ) from None
        raise Unreadable(
            "corrupt_file", f"the file's reader failed: {error[-1] if error else done.returncode}"
        ) from None
    if "unreadable" in answer:
        raise Unreadable(answer["unreadable"], answer["message"])
    return Extracted(**answer["extracted"])
