"""Imported by the crawls' fork server only, the last of its preloads (crawl/starter.py).

The fork server leaves when the process that started it dies (the end of its "alive" pipe), by
``SystemExit``: the interpreter's finalization of a process that has Scrapy, Twisted and lxml
loaded took over a second on a loaded machine, and its crawls are told of their parent's death
only once it is gone. It leaves at once instead. Its forked crawls inherit this exit handler,
which does nothing in any other process.
"""

from __future__ import annotations

import atexit
import os

_SERVER = os.getpid()


def _leave_at_once() -> None:
    if os.getpid() == _SERVER:
        os._exit(0)


atexit.register(_leave_at_once)
