"""A small multi-site HTTP server on loopback, for the demo and the tests.

Each site gets its own loopback address (127.0.0.2, 127.0.0.3, ...) where the system allows it,
so that per-host behaviour (robots.txt, throttling slots, host scoping) is exercised as on the
real web. Routes are plain data that a test may change while the server runs, and every request
is logged so tests can count what the crawler asked for.
"""

from __future__ import annotations

import email.utils
import hashlib
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit


@dataclass
class Route:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    last_modified: float | None = None  # a Unix time; sent as Last-Modified when set
    delay: float = 0.0  # seconds to wait before answering (a slow or hanging server)
    # Sent without Content-Length and ended by closing the connection, as some servers do: the
    # client learns the size only by reading.
    stream: bool = False

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


# A handler for a route that computes its answer: (method, path with query, request body) -> Route.
Dynamic = Callable[[str, str, bytes], Route]


@dataclass
class RequestLog:
    method: str
    path: str
    headers: dict[str, str]
    status: int
    at: float = field(default_factory=time.monotonic)


class SampleSite:
    """One site of the sample web: an id, registry fields and a table of routes."""

    def __init__(self, site_id: str, name: str, region: str, host: str = "127.0.0.1"):
        self.id = site_id
        self.name = name
        self.region = region
        self.host = host
        self.port = 0
        self.routes: dict[str, Route | Dynamic] = {}
        self.requests: list[RequestLog] = []
        self._lock = threading.Lock()
        # False: validators are ignored (never a 304), as some servers do
        self.answers_not_modified = True

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def add(
        self, path: str, body: bytes | str, content_type: str = "text/html; charset=utf-8", **kwargs
    ) -> Route:
        data = body.encode("utf-8") if isinstance(body, str) else body
        route = Route(data, content_type, **kwargs)
        self.routes[path] = route
        return route

    def log(self, entry: RequestLog) -> None:
        with self._lock:
            self.requests.append(entry)

    def paths_requested(self, method: str | None = None) -> list[str]:
        with self._lock:
            return [r.path for r in self.requests if method is None or r.method == method]

    def log_of(self, path: str) -> list[RequestLog]:
        """The requests for one path, oldest first."""
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()


def _make_handler(site: SampleSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "SampleWeb/1.0"
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
            pass

        def _answer(self, method: str) -> None:
            arrived = time.monotonic()  # logged as the request's time, before any work on it
            length = int(self.headers.get("Content-Length") or 0)
            payload = self.rfile.read(length) if length else b""
            path = self.path
            # A site that answers by who is asking (cookies, User-Agent) before its routes: a JS
            # challenge in front of it (crawler/demo/challenges.py).
            gate = getattr(site, "gate", None)
            route = gate(method, path, dict(self.headers.items())) if gate else None
            if route is None:
                route = site.routes.get(path)
            if route is None:
                route = site.routes.get(urlsplit(path).path)
            if route is None:  # a path in Chinese arrives percent-encoded
                route = site.routes.get(unquote(urlsplit(path).path))
            if callable(route):
                route = route(method, path, payload)
            if route is None:
                route = Route(b"<html><body><h1>404 Not Found</h1></body></html>", status=404)
            status = route.status
            headers = dict(route.headers)
            if status == 200:
                headers.setdefault("ETag", route.etag)
                if route.last_modified is not None:
                    headers.setdefault(
                        "Last-Modified", email.utils.formatdate(route.last_modified, usegmt=True)
                    )
                if self._not_modified(route):
                    status = 304
            site.log(RequestLog(method, path, dict(self.headers.items()), status, arrived))
            if route.delay:
                time.sleep(route.delay)
            body = b"" if status == 304 or method == "HEAD" else route.body
            self.send_response(status)
            if status != 304:
                self.send_header("Content-Type", route.content_type)
            for name, value in headers.items():
                self.send_header(name, value)
            if route.stream:
                self.send_header("Connection", "close")
                self.close_connection = True
            else:
                self.send_header("Content-Length", str(len(body) if status != 304 else 0))
            try:
                self.end_headers()
                for start in range(0, len(body), 1 << 16):
                    self.wfile.write(body[start : start + (1 << 16)])
            except (BrokenPipeError, ConnectionResetError):
                pass

        def _not_modified(self, route: Route) -> bool:
            if not site.answers_not_modified:
                return False
            if_none_match = self.headers.get("If-None-Match")
            if if_none_match is not None:
                return route.etag in [tag.strip() for tag in if_none_match.split(",")]
            since = self.headers.get("If-Modified-Since")
            if since and route.last_modified is not None:
                parsed = email.utils.parsedate_to_datetime(since)
                return parsed is not None and route.last_modified <= parsed.timestamp()
            return False

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self._answer("GET")

        def do_HEAD(self) -> None:  # noqa: N802
            self._answer("HEAD")

        def do_POST(self) -> None:  # noqa: N802
            self._answer("POST")

    return Handler


def loopback_hosts(count: int) -> list[str]:
    """``count`` distinct loopback addresses, or 127.0.0.1 repeated where only it can be bound."""
    hosts = []
    for index in range(count):
        candidate = f"127.0.0.{index + 2}"
        try:
            with socket.socket() as probe:
                probe.bind((candidate, 0))
            hosts.append(candidate)
        except OSError:
            hosts.append("127.0.0.1")
    return hosts


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up early (a timeout, a cut-off download, a killed crawl) is normal
        here; anything else is printed as usual."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class SampleWeb:
    """Serves a set of SampleSites, each on its own port, in background threads."""

    def __init__(self, sites: list[SampleSite]):
        self.sites = {site.id: site for site in sites}
        self._servers: list[ThreadingHTTPServer] = []
        self._threads: list[threading.Thread] = []

    def __getitem__(self, site_id: str) -> SampleSite:
        return self.sites[site_id]

    def start(self, ports: dict[str, int] | None = None) -> SampleWeb:
        for site in self.sites.values():
            server = _Server((site.host, (ports or {}).get(site.id, 0)), _make_handler(site))
            site.port = server.server_address[1]
            thread = threading.Thread(
                target=server.serve_forever, name=f"sample-{site.id}", daemon=True
            )
            thread.start()
            self._servers.append(server)
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers.clear()

    def __enter__(self) -> SampleWeb:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def sites_toml(self, extra: dict[str, dict[str, str]] | None = None) -> str:
        """A sites.toml registry for the running sites; ``extra`` adds raw TOML lines per site."""
        blocks = []
        for site in self.sites.values():
            lines = [
                "[[site]]",
                f'id = "{site.id}"',
                f'name = "{site.name}"',
                f'region = "{site.region}"',
                f'start_urls = ["{site.base_url}/"]',
            ]
            for key, value in ((extra or {}).get(site.id) or {}).items():
                lines.append(f"{key} = {value}")
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks) + "\n"
