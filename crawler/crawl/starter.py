"""Crawl processes for the scheduler and the worker, forked from a process that has the crawl's code
imported already.

A crawl started as `python -m crawler crawl …` spends about a second of CPU importing Scrapy,
Twisted, lxml and this package before it fetches a page: more than a small site's whole crawl.
The scheduler and the worker start each crawl instead from a fork server (multiprocessing's
``forkserver``: a process of their own, started at their first crawl, that imported those modules
once and installed no reactor); the crawl is a fresh process all the same, with its own arguments,
environment, log file and exit code, run as `python -m crawler crawl` runs it.

The fork server leaves when the process that started it does (even by SIGKILL), and a crawl ends
when its fork server does (runner.bind_to_parent), so no crawl outlives its scheduler or worker.
``SUMMARY_ARCHIVE_COLD_CRAWLS=1`` starts every crawl as a plain `python -m crawler crawl`
subprocess instead (as on a system without ``fork``).
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import multiprocessing
import multiprocessing.process
import os
import runpy
import signal
import subprocess
import sys
from multiprocessing import forkserver
from pathlib import Path

from crawler.crawl.command import PARENT_ENV

COLD_ENV = "SUMMARY_ARCHIVE_COLD_CRAWLS"
# What every crawl imports, loaded once in the fork server. Nothing that installs a Twisted
# reactor or starts a thread.
PRELOAD = [
    "crawler.cli",
    "crawler.crawl.runner",
    "crawler.spiders.municipal",
    "crawler.crawl.pipelines",
    "crawler.crawl.middlewares",
    "crawler.crawl.warc",
    "scrapy.core.downloader.handlers.http11",
    "scrapy.core.downloader.contextfactory",
    "scrapy.core.engine",
    "scrapy.extensions.telnet",
    "crawler.crawl.forkserved",  # last: the fork server leaves at once when it is told to
]


class ForkedCrawl:
    """A crawl forked by the fork server, with what the scheduler and the worker use of
    ``subprocess.Popen``: pid, poll, wait, send_signal, kill and returncode."""

    def __init__(self, process: multiprocessing.process.BaseProcess, args: list[str]):
        self._process = process
        self.args = args
        self.pid: int = process.pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self._process.exitcode
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self._process.join(timeout)
            if self.poll() is None:
                raise subprocess.TimeoutExpired(self.args, timeout)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def start_crawl(args: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen | ForkedCrawl:
    """`python -m crawler ARGS` with stdout and stderr appended to ``log``, forked from the fork
    server (a plain subprocess when SUMMARY_ARCHIVE_COLD_CRAWLS is set or fork is missing)."""
    if env.get(COLD_ENV) or "forkserver" not in multiprocessing.get_all_start_methods():
        with open(log, "ab") as out:
            return subprocess.Popen(
                [sys.executable, "-m", "crawler", *args],
                stdout=out, stderr=subprocess.STDOUT, env=env,
            )  # fmt: skip
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    process = context.Process(target=_crawl, args=(args, str(log), env), name="crawl")
    process.start()
    # Not one of this process's multiprocessing children: those are joined when it exits, and a
    # scheduler that dies must not wait for its crawls (they end with their fork server).
    multiprocessing.process._children.discard(process)
    return ForkedCrawl(process, args)


def _crawl(args: list[str], log: str, env: dict[str, str]) -> None:
    """In the forked process: the environment, the log and `python -m crawler ARGS`."""
    gc.freeze()  # the imported code is never collected: its pages stay shared with the server
    # The fork server keeps running while any process holds the end of its "alive" pipe that
    # multiprocessing hands each child (so that they can start processes of their own through
    # it): closed here, the fork server leaves with the process that started it, not after its
    # last crawl, and so do the crawls. The crawl's own readers start a fork server of their own.
    server = forkserver._forkserver
    if getattr(server, "_forkserver_alive_fd", None) is not None:
        os.close(server._forkserver_alive_fd)
        server._forkserver_alive_fd = None
    os.environ.clear()
    os.environ.update(env)
    # the fork server is this crawl's parent: it leaves with the scheduler, and the crawl with it
    os.environ[PARENT_ENV] = str(os.getppid())
    target = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    for fd in (1, 2):
        os.dup2(target, fd)
    os.close(target)
    sys.argv = ["-m", *args]
    try:
        runpy.run_module("crawler", run_name="__main__", alter_sys=True)
    finally:  # what the interpreter does at its exit (logging's last lines among them)
        atexit._run_exitfuncs()
