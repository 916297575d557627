"""The reading process of crawler/extract/files/isolated.py: bytes on stdin, JSON on stdout."""

from __future__ import annotations

import json
import resource
import sys
from datetime import date

from crawler.extract.files import Unreadable, extract_file


def main() -> int:
    hints = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    if hints.get("memory_limit"):
        limit = int(hints["memory_limit"])
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    fetched_on = hints.get("fetched_on")
    try:
        extracted = extract_file(
            sys.stdin.buffer.read(),
            hints.get("url"),
            hints.get("link_text"),
            hints.get("linked_date"),
            date.fromisoformat(fetched_on) if fetched_on else None,
        )
    except Unreadable as exc:
        answer: dict = {"unreadable": exc.kind, "message": exc.message}
    except MemoryError:
        answer = {"unreadable": "file_too_large", "message": "reading the file ran out of memory"}
    except RecursionError:
        answer = {
            "unreadable": "corrupt_file",
            "message": "the file nests objects too deeply to read",
        }
    else:
        answer = {"extracted": extracted.as_dict()}
    sys.stdout.write(json.dumps(answer, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
