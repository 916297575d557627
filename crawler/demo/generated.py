"""A generated web for measuring scale: any number of small municipal sites, each on its own
loopback address (so that each has its own download slot, as on the real web), served from one
asyncio process so that a thousand sites cost one thread and little memory.

Site ``i`` has a home page linking its column, list pages of 20 articles with 下一页, and
``articles`` articles of which every fifth is a work summary (the sample summaries with the
site's place name, so each site's summaries are its own documents) and the rest short news.

    crawler sample-web --sites 200 --articles 30 --registry sites.toml

writes the registry, prints ``ready`` and serves until SIGTERM or SIGINT.
"""

from __future__ import annotations

import asyncio
import hashlib
import signal
import socket
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from crawler.demo.cms import filler_news, load_articles

PER_PAGE = 20
SUMMARY_EVERY = 5


def loopback_addresses(count: int) -> list[str]:
    """``count`` distinct loopback addresses: 127.0.0.2 … 127.0.0.254, then 127.0.1.2 …"""
    return [f"127.0.{index // 253}.{index % 253 + 2}" for index in range(count)]


@dataclass(frozen=True)
class GeneratedSite:
    index: int
    host: str
    port: int
    articles: int
    summary_every: int = SUMMARY_EVERY  # every n-th article is a summary

    @property
    def id(self) -> str:
        return f"gen-{self.index:04d}"

    @property
    def place(self) -> str:
        return f"第{self.index}号县"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def is_summary(self, number: int) -> bool:
        return number % self.summary_every == 0

    def summaries(self) -> int:
        return sum(1 for number in range(self.articles) if self.is_summary(number))

    def page(self, path: str) -> bytes | None:
        """The page at ``path``, or None (404)."""
        if path == "/robots.txt":
            return b"User-agent: *\nAllow: /\n"
        if path == "/":
            return _html(
                f"{self.place}统战网",
                f'<ul class="nav"><li><a href="/tzgz/">统战工作</a></li></ul>'
                f"<p>欢迎访问{self.place}统战网。</p>",
            )
        pages = max(1, -(-self.articles // PER_PAGE))
        if path.startswith("/tzgz/") and path.endswith(".html") and "/art/" not in path:
            name = path.removeprefix("/tzgz/").removesuffix(".html")
            page = int(name.removeprefix("index_")) if name.startswith("index_") else None
        elif path == "/tzgz/":
            page = 0
        else:
            page = None
        if page is not None and page < pages:
            return self._list(page, pages)
        if path.startswith("/tzgz/art/2023/") and path.endswith(".html"):
            try:
                number = int(path.rsplit("_", 1)[1].removesuffix(".html"))
            except ValueError:
                return None
            if 0 <= number < self.articles:
                return self._article(number)
        return None

    def _list(self, page: int, pages: int) -> bytes:
        first = page * PER_PAGE
        items = "".join(
            f'<li><a href="/tzgz/art/2023/{number % 12 + 1:02d}/art_{number}.html">'
            f"{self._title(number)}</a><span>2023-{number % 12 + 1:02d}-15</span></li>"
            for number in range(first, min(self.articles, first + PER_PAGE))
        )
        following = f'<a href="/tzgz/index_{page + 1}.html">下一页</a>' if page + 1 < pages else ""
        return _html(
            "统战工作", f'<ul class="list">{items}</ul><div class="page">{following}</div>'
        )

    def _title(self, number: int) -> str:
        if self.is_summary(number):
            template = _summaries()[number // self.summary_every % len(_summaries())]
            return f"{self.place}{template.title}（{number}）"
        return f"{self.place}{_news()[number % len(_news())].title.removeprefix('某地')}"

    def _article(self, number: int) -> bytes:
        if self.is_summary(number):
            template = _summaries()[number // self.summary_every % len(_summaries())]
            paragraphs = [f"（{self.place}，第{number}篇）", *template.paragraphs]
            paragraphs = [p.replace("临江", self.place) for p in paragraphs]
        else:
            template = _news()[number % len(_news())]
            paragraphs = [f"{self.place}讯（第{number}篇）", *template.paragraphs]
        body = "".join(f"<p>{line}</p>" for line in paragraphs)
        month = number % 12 + 1
        return _html(
            self._title(number),
            f'<div class="crumb"><a href="/">首页</a> &gt; <a href="/tzgz/">统战工作</a></div>'
            f"<h1>{self._title(number)}</h1>"
            f'<div class="info">发布时间：2023-{month:02d}-15 来源：{self.place}委统战部</div>'
            f'<div class="content">{body}</div>'
            f'<div class="footer">主办：{self.place}委统战部</div>',
        )


@cache
def _summaries():
    return [a for a in load_articles().values() if a.kind == "summary"]


@cache
def _news():
    return filler_news("gen", "某地", 6)


def _html(title: str, body: str) -> bytes:
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body>{body}</body></html>"
    ).encode()


class GeneratedWeb:
    """``count`` generated sites of ``articles`` articles, served from one event loop."""

    def __init__(self, count: int, articles: int = 30, answers_not_modified: bool = True):
        self.count = count
        self.articles = articles
        self.sites: list[GeneratedSite] = []
        self.requests = 0
        self.bytes_sent = 0  # bodies only
        # Pages carry an ETag; False: If-None-Match is ignored (never a 304), as some servers do.
        self.answers_not_modified = answers_not_modified

    def registry(self, extra: str = "") -> str:
        """sites.toml for the sites; ``extra`` is added to each [[site]] table."""
        return "\n".join(
            f'[[site]]\nid = "{site.id}"\nname = "{site.place}统战网"\nregion = "{site.place}"\n'
            f'start_urls = ["{site.base_url}/"]\n{extra}'
            for site in self.sites
        )

    async def serve(self, ready: asyncio.Event | None = None, stop: asyncio.Event | None = None):
        port = _free_port()
        servers = []
        for index, host in enumerate(loopback_addresses(self.count)):
            site_port = port
            try:
                server = await asyncio.start_server(self._handler(index), host, port, backlog=64)
            except OSError:  # the port is taken on this address: any other
                server = await asyncio.start_server(self._handler(index), host, 0, backlog=64)
                site_port = server.sockets[0].getsockname()[1]
            servers.append(server)
            self.sites.append(GeneratedSite(index, host, site_port, self.articles))
        if ready is not None:
            ready.set()
        try:
            await (stop or asyncio.Event()).wait()
        finally:
            for server in servers:
                server.close()

    def _handler(self, index: int):
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while True:
                    head = await reader.readuntil(b"\r\n\r\n")
                    method, path = head.split(b" ", 2)[:2]
                    self.requests += 1
                    body = self.sites[index].page(path.decode("latin-1").split("?")[0])
                    status = b"200 OK" if body is not None else b"404 Not Found"
                    body = body if body is not None else b"<html><body>404</body></html>"
                    kind = b"text/plain" if path == b"/robots.txt" else b"text/html; charset=utf-8"
                    etag = b'"' + hashlib.sha1(body).hexdigest()[:16].encode() + b'"'
                    if self.answers_not_modified and b"\r\nif-none-match: " + etag in head.lower():
                        status, body = b"304 Not Modified", b""
                    self.bytes_sent += len(body)
                    writer.write(
                        b"HTTP/1.1 " + status + b"\r\nContent-Type: " + kind + b"\r\nETag: " + etag
                        + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n"
                        + (b"" if method == b"HEAD" else body)
                    )  # fmt: skip
                    await writer.drain()
            except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
                pass
            finally:
                writer.close()

        return handle


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.2", 0))
        return probe.getsockname()[1]


def serve_generated_web(sites: int, articles: int, registry: str, extra: str = "") -> None:
    """Serve a generated web until SIGTERM or SIGINT, after writing its registry and printing
    ``ready`` (crawler sample-web)."""
    web = GeneratedWeb(sites, articles)

    async def run() -> None:
        ready, stop = asyncio.Event(), asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        task = asyncio.create_task(web.serve(ready, stop))
        await ready.wait()
        Path(registry).write_text(web.registry(extra), "utf-8")
        print(f"ready {len(web.sites)} sites", flush=True)
        await task
        print(f"served {web.requests} requests", flush=True)

    asyncio.run(run())
