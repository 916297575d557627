"""Every response the crawler reads, kept as WARC 1.1, as web archives keep it.

Each fetch is a request record and a response record with the bytes and headers as they came
(the body before decompression); a 304 is a revisit record (profile server-not-modified). Records
are gzipped one by one and appended with a single write to ``<prefix>-<time>-<pid>-<n>.warc.gz.open``;
the file is renamed to ``.warc.gz`` when it reaches ARCHIVE_WARC_MAX_BYTES or the crawl ends. A
crawl killed mid-way leaves an ``.open`` file of whole records, which the next crawl into the
folder cuts to its last whole record and renames. The pages row of each fetched URL says which
file and offset hold it (``warc_file``, ``warc_offset``).

Transfer-Encoding is not kept: the body is stored as received after de-chunking, and a header
saying "chunked" would make readers de-chunk it again.
"""

from __future__ import annotations

import base64
import errno
import fcntl
import hashlib
import os
import threading
import uuid
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import threads
from warcio.archiveiterator import ArchiveIterator

from crawler.processes import process_alive

OPEN_SUFFIX = ".open"
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
# Bodies from this size (ARCHIVE_WARC_THREAD_BYTES) are packed in the reactor's thread pool: gzip
# costs 2-4 ms on a 100 KB page, more than the hop to a thread; below it the hop costs more.
THREAD_MIN_BYTES = 16_384
# How the records are gzipped (ARCHIVE_WARC_GZIP_LEVEL): "fast" is ISA-L's igzip at its level 2
# (python-isal), a fifth of zlib's CPU at level 3 on real pages (155 KB: 0.5 against 2.3 ms) for
# records 5 % larger, read by every gzip reader; zlib at level 3 where isal cannot be imported.
# 1 to 9 are zlib's levels (`python benchmarks/run.py warc` prints them side by side).
GZIP_LEVEL = "fast"
_FAST_LEVEL = 2  # igzip's levels are 0 to 3; 3 costs three times 2's CPU for 2 % less


def gzip_level(value) -> str | int:
    """ARCHIVE_WARC_GZIP_LEVEL read: "fast" or zlib's 1 to 9 (a clear error for anything else)."""
    text = str(value).strip().lower()
    if text == "fast":
        return "fast"
    if text.isdigit() and 1 <= int(text) <= 9:
        return int(text)
    raise ValueError(
        f"ARCHIVE_WARC_GZIP_LEVEL={value!r}: give fast (ISA-L, the default) or gzip's levels 1 to 9"
    )


def _compressor(level: str | int):
    """A gzip member's compressor at ``level`` (gzip_level's values)."""
    if level == "fast":
        try:
            from isal import isal_zlib
        except ImportError:  # a build of Python isal has no wheel for
            return zlib.compressobj(3, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        return isal_zlib.compressobj(_FAST_LEVEL, isal_zlib.DEFLATED, isal_zlib.MAX_WBITS + 16)
    return zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS + 16)


def warc_dir_for(db_path: str | Path, configured: str | None = None) -> Path:
    """Where an archive's WARC files live: ARCHIVE_WARC_DIR, or ``<archive stem>-warc/`` beside it."""
    if configured:
        return Path(configured)
    db = Path(db_path)
    return db.with_name(f"{db.stem}-warc")


@dataclass(frozen=True)
class StoredAt:
    file: str  # the file's name in the WARC folder (its final .warc.gz name)
    offset: int  # where the record (for a fetch: the response record) starts


def _whole_records_end(path: Path) -> int:
    """The offset after the last record of ``path`` that reads to its end."""
    end = 0
    with open(path, "rb") as stream:
        iterator = ArchiveIterator(stream)
        try:
            for record in iterator:
                record.content_stream().read()
                iterator.read_to_end(record)
                end = iterator.get_record_offset() + iterator.get_record_length()
        except Exception:  # noqa: BLE001 - a cut record ends the whole ones
            pass
    return end


def recover_open_files(folder: Path) -> list[Path]:
    """Close the ``.open`` files of crawls that died: cut each to its last whole record and give
    it its final name. Files of live crawls are left alone. Returns the files closed.

    Crawls started together after a kill (a restarted scheduler) all find the same leftovers: one
    of them closes them, under an exclusive lock on the folder (flock), and a file
    another process has closed meanwhile is passed over."""
    closed = []
    lock = os.open(folder, os.O_RDONLY)  # the folder itself: no lock file among the WARC files
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for path in sorted(folder.glob(f"*.warc.gz{OPEN_SUFFIX}")):
            try:
                pid = int(path.name.split("-")[-2])
            except (IndexError, ValueError):
                continue
            if pid == os.getpid() or process_alive(pid):
                continue
            try:
                end = _whole_records_end(path)
                with open(path, "r+b") as stream:
                    stream.truncate(end)
                final = path.with_name(path.name.removesuffix(OPEN_SUFFIX))
                path.rename(final)
            except FileNotFoundError:  # closed by a process that does not take the lock
                continue
            closed.append(final)
    finally:
        os.close(lock)  # and with it the lock
    return closed


class WarcFiles:
    """Appends gzipped WARC records to files rolled by size; safe to call from several threads."""

    def __init__(self, folder: Path, max_bytes: int, prefix: str = "crawl"):
        self.folder = folder
        self.max_bytes = max_bytes
        self.prefix = prefix
        self.serial = 0
        self.current: Path | None = None
        self.size = 0
        self.lock = threading.Lock()
        folder.mkdir(parents=True, exist_ok=True)
        recover_open_files(folder)

    def _new_file(self) -> None:
        self.serial += 1
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        name = f"{self.prefix}-{stamp}-{os.getpid()}-{self.serial:05d}.warc.gz{OPEN_SUFFIX}"
        self.current = self.folder / name
        self.current.touch()
        self.size = 0

    def append(self, data: bytes) -> StoredAt:
        """Append whole gzipped records in one write; where they start."""
        with self.lock:
            if self.current is None or self.size >= self.max_bytes:
                self._close_current()
                self._new_file()
            assert self.current is not None
            offset = self.size
            fd = os.open(self.current, os.O_WRONLY | os.O_APPEND)
            try:
                _write_whole(fd, data, offset)
            finally:
                os.close(fd)
            self.size += len(data)
            return StoredAt(self.current.name.removesuffix(OPEN_SUFFIX), offset)

    def _close_current(self) -> None:
        if self.current is not None and self.current.exists():
            self.current.rename(self.current.with_name(self.current.name.removesuffix(OPEN_SUFFIX)))
        self.current = None

    def close(self) -> None:
        with self.lock:
            self._close_current()


def _write_whole(fd: int, data: bytes, offset: int) -> None:
    """Write ``data`` at the end of the file, all of it or nothing: a write cut short (a full
    disk, a file-size limit) is cut back to ``offset``, so no torn record is left behind (cutting
    a file needs no room), and the error raised."""
    written = 0
    try:
        while written < len(data):
            done = os.write(fd, data[written:])
            if done <= 0:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            written += done
    except OSError:
        if written:
            os.ftruncate(fd, offset)
        raise


def exchange_records(
    request: Request, response: Response, ip: str | None = None, level: str | int = GZIP_LEVEL
) -> bytes:
    """The gzipped records of one fetch: the response (a revisit record for a 304) first, so
    that it starts where the pair starts, then the request. Written here rather than through
    warcio's writer, which copies every body through a temporary file (a tenth of a crawl's
    CPU); warcio reads them (crawl/warc.py read_response, tests/test_warc.py)."""
    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    main_id = f"<urn:uuid:{uuid.uuid4()}>"
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    status_line = f"HTTP/1.1 {response.status} {reason}".strip()
    head = _http_block(status_line, response.headers)
    extra = [("WARC-IP-Address", ip)] if ip else []
    if response.status == 304:
        main = _record(
            "revisit", response.url, main_id, now, (head,), None,
            [*extra, ("WARC-Profile", REVISIT_PROFILE),
             ("WARC-Refers-To-Target-URI", response.url)],
            "response", level,
        )  # fmt: skip
    else:
        body = response.body
        main = _record(
            "response", response.url, main_id, now, (head, body), _digest(body), extra, "response",
            level,
        )  # fmt: skip
    request_head = _http_block(
        f"{request.method} {target} HTTP/1.1",
        request.headers | {b"Host": [parts.netloc.encode("latin-1")]},
    )
    body = request.body or b""
    sent = _record(
        "request", request.url, f"<urn:uuid:{uuid.uuid4()}>", now, (request_head, body),
        _digest(body), [("WARC-Concurrent-To", main_id)], "request", level,
    )  # fmt: skip
    return main + sent


def _http_block(first_line: str, headers) -> bytes:
    lines = [first_line]
    lines += [
        f"{key.decode('latin-1')}: {value.decode('latin-1')}"
        for key, values in headers.items()
        for value in values
        if key.lower() != b"transfer-encoding"
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")


def _digest(*parts: bytes) -> str:
    """The SHA-1 of the parts one after the other (a block's head and body, never joined)."""
    digest = hashlib.sha1()
    for part in parts:
        digest.update(part)
    return "sha1:" + base64.b32encode(digest.digest()).decode("ascii")


def _record(
    kind: str, url: str, record_id: str, date: str, block: tuple[bytes, ...],
    payload_digest: str | None, extra: list[tuple[str, str]], message: str, level: str | int,
) -> bytes:  # fmt: skip
    """One WARC/1.1 record, gzipped as a member of its own; ``block`` is its content in parts."""
    fields = [
        ("WARC-Type", kind), ("WARC-Record-ID", record_id), ("WARC-Date", date),
        ("WARC-Target-URI", url), *extra,
        *([("WARC-Payload-Digest", payload_digest)] if payload_digest else []),
        ("WARC-Block-Digest", _digest(*block)),
        ("Content-Type", f"application/http; msgtype={message}"),
        ("Content-Length", str(sum(map(len, block)))),
    ]  # fmt: skip
    head = "WARC/1.1\r\n" + "".join(f"{name}: {value}\r\n" for name, value in fields) + "\r\n"
    compressor = _compressor(level)
    packed = [compressor.compress(head.encode("utf-8"))]
    packed += [compressor.compress(part) for part in block]
    packed += [compressor.compress(b"\r\n\r\n"), compressor.flush()]
    return b"".join(packed)


class WarcMiddleware:
    """Writes each response as it comes from the network, before decompression and redirects
    (so its place among the downloader middlewares is next to the downloader), and tells the
    spider where it is stored (``response.meta["warc"]``)."""

    def __init__(
        self, files: WarcFiles, stats, thread_min_bytes: int = THREAD_MIN_BYTES,
        level: str | int = GZIP_LEVEL,
    ):  # fmt: skip
        self.files = files
        self.stats = stats
        self.thread_min_bytes = thread_min_bytes
        self.level = level

    @classmethod
    def from_crawler(cls, crawler) -> WarcMiddleware:
        settings = crawler.settings
        if not settings.getbool("ARCHIVE_WARC", True) or not settings.get("ARCHIVE_DB"):
            raise NotConfigured("WARC writing is off")
        folder = warc_dir_for(settings.get("ARCHIVE_DB"), settings.get("ARCHIVE_WARC_DIR"))
        files = WarcFiles(
            folder,
            settings.getint("ARCHIVE_WARC_MAX_BYTES", 100_000_000),
            settings.get("ARCHIVE_WARC_PREFIX") or "crawl",
        )
        level = gzip_level(settings.get("ARCHIVE_WARC_GZIP_LEVEL", GZIP_LEVEL))
        middleware = cls(
            files, crawler.stats,
            settings.getint("ARCHIVE_WARC_THREAD_BYTES", THREAD_MIN_BYTES), level,
        )  # fmt: skip
        crawler.signals.connect(middleware.closed, signal=signals.spider_closed)
        return middleware

    async def process_response(self, request: Request, response: Response) -> Response:
        ip = str(response.ip_address) if response.ip_address is not None else None
        if len(response.body) < self.thread_min_bytes:
            stored = self._store(request, response, ip)
        else:  # gzip and SHA-1 let go of the GIL: a large page is packed beside the crawl's work
            stored = await maybe_deferred_to_future(
                threads.deferToThread(self._store, request, response, ip)
            )
        request.meta["warc"], size = stored
        self.stats.inc_value("warc/records", 1 if response.status == 304 else 2)
        self.stats.inc_value("warc/bytes", size)
        return response

    def _store(self, request: Request, response: Response, ip: str | None) -> tuple[StoredAt, int]:
        data = exchange_records(request, response, ip, self.level)
        return self.files.append(data), len(data)

    def closed(self, spider=None) -> None:
        self.files.close()


@dataclass
class StoredResponse:
    url: str
    status: int
    content_type: str | None
    date: str | None
    body: bytes  # decoded from its Content-Encoding


def read_response(folder: Path, file: str, offset: int) -> StoredResponse:
    """The response stored at ``offset`` of ``file`` (its .open name while a crawl still writes it)."""
    path = folder / file
    if not path.exists() and (folder / (file + OPEN_SUFFIX)).exists():
        path = folder / (file + OPEN_SUFFIX)
    with open(path, "rb") as stream:
        stream.seek(offset)
        record = next(iter(ArchiveIterator(stream)))
        headers = record.http_headers
        return StoredResponse(
            url=record.rec_headers.get_header("WARC-Target-URI"),
            status=int(headers.get_statuscode()),
            content_type=headers.get_header("Content-Type"),
            date=headers.get_header("Date"),
            body=record.content_stream().read(),
        )
