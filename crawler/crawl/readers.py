"""Reading an article page: the same pure function in the crawl's process or in a reader beside it.

Reading a real article (decoding, parsing, its attachment and part links, its canonical address,
title, date and text, and for a site with the default rules its classification and content hash)
costs several times what Scrapy spends fetching it. A crawl hands an
article of ARCHIVE_READ_ASIDE_BYTES or more to a reader process (ARCHIVE_READERS of them, started
in a thread at the first such page; pages are read in the crawl until they are up) and goes on fetching and storing while it is read, so a second core reads
while the first crawls; smaller pages, and every page when ARCHIVE_READERS = 0, are read where
they come. Either way the page goes through :func:`read_article`, so what is archived is the same.

A reader that dies (killed, out of memory) costs nothing: its pages and every later one are read
in the crawl's own process, and the log says so once. Readers ignore SIGINT (a terminal's Ctrl-C
reaches the whole group; the crawl decides when to stop and closes them when it ends), leave at
SIGTERM (when one reader dies, the pool ends the others with SIGTERM and waits for them: a reader
deaf to it would hold the crawl's end forever), and leave by themselves within a second of the
crawl's process going away without closing them (kill -9).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import BrokenExecutor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from multiprocessing import forkserver

from crawler.classify import classify, default_rules, simplified
from crawler.crawl.items import Judged
from crawler.discovery.attachments import attachment_links
from crawler.discovery.links import Link
from crawler.discovery.parts import part_links
from crawler.discovery.urls import canonical_url
from crawler.extract import Extracted, NotHTML, ReadPage, extract, read_page
from crawler.fingerprint import content_hash
from crawler.processes import pid_exists
from crawler.registry.sites import url_on_hosts

logger = logging.getLogger(__name__)


@dataclass
class ArticleRead:
    """What reading an article page gives the spider (or why it is no HTML page)."""

    not_html: str | None = None  # NotHTML's message
    encoding: str = ""  # the decoding, described (Decoded.describe)
    title: str | None = None  # the page's <title>
    attached: list[tuple[Link, str | None]] | None = None
    parts: dict[int, str] | None = None
    canonical: str | None = None
    extracted: Extracted | None = None
    text: str | None = None  # the decoded page, kept only when it has no main text (fallbacks)
    judged: Judged | None = None  # the text's decision and hash, when asked for (judge)


def read_article(
    body: bytes,
    content_type: str,
    encoding: str | None,
    url: str,
    fetched_on: date | None,
    attachments: bool,
    domains: tuple[str, ...],
    judge: bool = False,
) -> ArticleRead:
    """Decode, parse and read an article page (what the spider hands a reader); ``judge``: also
    classify its text with the default rules and hash it, which the crawl's process then need
    not do (it is the busier one)."""
    try:
        page = read_page(body, content_type, encoding)
    except NotHTML as exc:
        return ArticleRead(not_html=str(exc))
    attached = attachment_links(page.doc, url) if attachments else []
    read = read_tree(page, url, fetched_on, attached, domains)
    extracted = read.extracted
    if judge and extracted is not None and extracted.body:
        decision = classify(extracted.title, extracted.body, default_rules())
        read.judged = Judged(
            extracted.title, extracted.body, decision, content_hash(extracted.body)
        )
    return read


def read_tree(
    page: ReadPage,
    url: str,
    fetched_on: date | None,
    attached: list[tuple[Link, str | None]],
    domains: tuple[str, ...],
) -> ArticleRead:
    """An article page already parsed (its attachment links read): its pager's parts and its
    canonical address, read before extraction takes the tree apart, then the extraction."""
    title = page.doc.findtext(".//title")
    parts = part_links(page.doc, url, url)
    canonical = canonical_url(page.doc, url, functools.partial(url_on_hosts, domains=domains))
    extracted = extract(page, url, fetched_on)
    return ArticleRead(
        encoding=page.decoded.describe(),
        title=title,
        attached=attached,
        parts=parts,
        canonical=canonical,
        extracted=extracted,
        text=None if extracted.body else page.decoded.text,
    )


def _reader_started(crawl_pid: int) -> None:
    """A reader's first step: a terminal's Ctrl-C is not its own, and it leaves when the crawl's
    process is gone (its parent, the fork server, then leaves too)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent or not pid_exists(crawl_pid):
                os._exit(0)

    threading.Thread(target=watch, name="crawl-watch", daemon=True).start()


def _warm() -> int:
    """A reader's first task: the classifier's rules read and its converter loaded before the
    first page."""
    default_rules()
    simplified("統戰")
    return os.getpid()


class Readers:
    """The crawl's reader processes. They are started in a thread of their own at the first page
    that would go to them (a fork server's start imports the reading code, a second or more that
    the crawl's reactor must not wait through: its downloads would time out meanwhile); pages are
    read in the crawl until they are ready, or, with ``wait``, wait (without holding the reactor)
    until they are up."""

    def __init__(self, count: int, min_bytes: int, wait: bool = False):
        self.count = count
        self.min_bytes = min_bytes
        self.wait = wait
        self._up: Future = Future()  # set once the start ended: whether the readers are up
        self.pool: ProcessPoolExecutor | None = None
        self.broken = False
        self.handed = 0  # pages read aside
        self._lock = threading.Lock()
        self._starter: threading.Thread | None = None
        self._closed = False

    @classmethod
    def from_settings(cls, settings) -> Readers:
        return cls(
            max(0, settings.getint("ARCHIVE_READERS", 2)),
            settings.getint("ARCHIVE_READ_ASIDE_BYTES", 16_384),
            settings.getbool("ARCHIVE_READERS_WAIT"),
        )

    def takes(self, body: bytes) -> bool:
        """Whether a page of this size is read aside (once the readers are up; the first such
        page starts them)."""
        if self.count <= 0 or self.broken or len(body) < self.min_bytes:
            return False
        if self.pool is None:
            with self._lock:
                if self._starter is None and not self._closed:
                    self._starter = threading.Thread(
                        target=self._start, name="readers-start", daemon=True
                    )
                    self._starter.start()
            return self.wait and not self._closed
        return True

    def _start(self) -> None:
        pool = None
        try:
            # a fork server: the readers hold none of the crawl's files, sockets or browser
            # pipes, and start with the reading code already imported
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([__name__])
            pool = ProcessPoolExecutor(
                self.count, context, initializer=_reader_started, initargs=(os.getpid(),)
            )
            for future in [pool.submit(_warm) for _ in range(self.count)]:
                future.result(timeout=120)
        except Exception as exc:  # noqa: BLE001 - said, and the pages read in the crawl
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
            self._lost(exc)
            self._up.set_result(False)
            return
        with self._lock:
            if self._closed:  # the crawl ended while they started
                pool.shutdown(wait=True, cancel_futures=True)
                _stop_fork_server()
            else:
                self.pool = pool
        self._up.set_result(self.pool is not None)

    async def read(self, *args) -> ArticleRead:
        """``read_article(*args)`` in a reader; in this process when the readers cannot (a page
        whose reading failed there is read again here, where an error shows as it would have)."""
        if self.pool is None and self.wait and self._starter is not None:
            await asyncio.wrap_future(self._up)
        pool = self.pool
        if pool is not None and not self.broken:
            try:
                read = await asyncio.wrap_future(pool.submit(read_article, *args))
                self.handed += 1
                return read
            except BrokenExecutor as exc:
                self._lost(exc)
            except Exception as exc:  # noqa: BLE001 - read again below, where it shows
                logger.debug("a reader could not read %s (%r); read in the crawl", args[3], exc)
        return read_article(*args)

    def _lost(self, exc: BaseException) -> None:
        with self._lock:
            said, self.broken = self.broken, True
        if not said:
            logger.warning(
                "a page reader stopped (%s: %s); pages are read in the crawl's own process "
                "from now on",
                type(exc).__name__,
                exc or "no reason given",
            )
        self.close()

    def close(self) -> None:
        """Readers finish the page in hand and leave; the fork server too, so that the crawl's
        process has waited for every process it started (their CPU is counted as the crawl's)."""
        with self._lock:
            self._closed = True
            pool, self.pool = self.pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
            _stop_fork_server()
        starter = self._starter
        if starter is not None and starter is not threading.current_thread():
            starter.join()


def _stop_fork_server() -> None:
    stop = getattr(forkserver._forkserver, "_stop", None)
    if stop is not None:
        with contextlib.suppress(OSError):  # gone already (its group was signalled)
            stop()
