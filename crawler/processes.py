"""Processes: whether one recorded by pid (a crawl's run, a WARC file being written) still lives,
and ending with the parent that started this one."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path


def process_alive(pid: int) -> bool:
    """True when ``pid`` is a running process that looks like a crawl (pids are reused)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists():
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ")
        except OSError:
            return True
        return b"crawl" in text or b"scrapy" in text
    return True


def end_with_parent() -> None:
    """SIGTERM to this process when its parent dies, even by SIGKILL (Linux's PR_SET_PDEATHSIG;
    elsewhere nothing)."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG
