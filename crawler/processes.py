"""Processes: whether one recorded by pid (a crawl's run, a WARC file being written) still lives,
and ending with the parent that started this one."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path


def pid_exists(pid: int) -> bool:
    """True when a process with this pid exists (of any user)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def process_alive(pid: int) -> bool:
    """True when ``pid`` is a running process that looks like a crawl (pids are reused)."""
    if not pid_exists(pid):
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists():
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ")
        except OSError:
            return True
        return b"crawl" in text or b"scrapy" in text
    return True


def end_with_parent(notice: int = signal.SIGTERM) -> None:
    """Signal ``notice`` to this process when its parent dies, even by SIGKILL (Linux's
    PR_SET_PDEATHSIG; elsewhere nothing).

    The kernel sends it when the parent *thread* that started this process ends, and again for
    each thread of the parent this process is handed to as they end: a parent with threads that is
    killed may send it several times. See :func:`once_orphaned` for a single SIGTERM.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, notice)  # 1: PR_SET_PDEATHSIG


def once_orphaned(parent_pid: int) -> None:
    """One SIGTERM to this process when the process ``parent_pid`` is gone (not merely one of its
    threads): a second SIGTERM would make Scrapy stop at once instead of closing the crawl."""
    told = False

    def orphaned(signum, frame) -> None:
        nonlocal told
        if not told and os.getppid() != parent_pid:
            told = True
            os.kill(os.getpid(), signal.SIGTERM)

    signal.signal(signal.SIGUSR1, orphaned)
    end_with_parent(signal.SIGUSR1)
    if os.getppid() != parent_pid:  # the parent died before the line above
        os.kill(os.getpid(), signal.SIGTERM)
