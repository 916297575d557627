"""The generated web (crawler/demo/generated.py) written out as files and served by nginx, so that
a crawl benchmark measures the crawler, not the Python server feeding it (on a machine of two
cores the server's CPU would be taken from the crawl).

``pages`` (headline and bytes, as extraction.load_realpages reads them) gives the web pages the
size of real ones: each news article is a real saved page (../shared/realpages: real navigation,
scripts, markup, 18–770 KB, served as saved with no charset in the header, as many sites do),
listed by its headline; the summaries stay generated."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from crawler.demo.generated import PER_PAGE, GeneratedSite, GeneratedWeb, loopback_addresses


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def _paths(site: GeneratedSite) -> list[str]:
    pages = max(1, -(-site.articles // PER_PAGE))
    paths = ["/", "/robots.txt", "/tzgz/"]
    paths += [f"/tzgz/index_{page}.html" for page in range(1, pages)]
    paths += [f"/tzgz/art/2023/{n % 12 + 1:02d}/art_{n}.html" for n in range(site.articles)]
    return paths


@dataclass(frozen=True)
class RealPagesSite(GeneratedSite):
    """A generated site whose news articles are real saved pages: (headline, bytes) in turn."""

    real_pages: tuple[tuple[str, bytes], ...] = ()

    def _title(self, number: int) -> str:
        if self.is_summary(number):
            return super()._title(number)
        return self.real_pages[number % len(self.real_pages)][0]

    def _article(self, number: int) -> bytes:
        if self.is_summary(number):
            return super()._article(number)
        return self.real_pages[number % len(self.real_pages)][1]


class StaticWeb:
    """``count`` generated sites written under ``folder`` and served by one nginx."""

    def __init__(
        self,
        folder: Path,
        count: int,
        articles: int,
        summary_every: int = 5,
        pages: tuple[tuple[str, bytes], ...] = (),
    ):
        self.folder = folder
        self.web = GeneratedWeb(count, articles)
        self.charset = "" if pages else "charset utf-8;"  # real pages: the header names none
        port = _free_port("127.0.0.2")
        for index, host in enumerate(loopback_addresses(count)):
            if pages:
                site = RealPagesSite(index, host, port, articles, summary_every, pages)
            else:
                site = GeneratedSite(index, host, port, articles, summary_every)
            self.web.sites.append(site)
        self.process: subprocess.Popen | None = None

    def registry(self) -> str:
        return self.web.registry()

    def start(self) -> StaticWeb:
        servers = []
        for site in self.web.sites:
            root = self.folder / "sites" / site.id
            for path in _paths(site):
                target = root / (path.lstrip("/") or "index.html")
                if path.endswith("/"):
                    target = root / path.lstrip("/") / "index.html"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(site.page(path) or b"")
            servers.append(
                f"server {{ listen {site.host}:{site.port}; root {root}; "
                "location = /robots.txt { default_type text/plain; } }"
            )
        user = "user root;" if os.geteuid() == 0 else ""
        config = self.folder / "nginx.conf"
        config.write_text(
            f"{user} worker_processes 1; daemon off; pid {self.folder}/nginx.pid;\n"
            f"error_log {self.folder}/error.log warn;\n"
            "events { worker_connections 4096; }\n"
            f"http {{ access_log off; default_type text/html; {self.charset} sendfile on;\n"
            f"client_body_temp_path {self.folder}/tmp; proxy_temp_path {self.folder}/tmp;\n"
            f"fastcgi_temp_path {self.folder}/tmp; uwsgi_temp_path {self.folder}/tmp;\n"
            f"scgi_temp_path {self.folder}/tmp;\n" + "\n".join(servers) + "\n}\n"
        )
        (self.folder / "tmp").mkdir(exist_ok=True)
        self.process = subprocess.Popen(
            [nginx_binary(), "-p", str(self.folder), "-c", str(config), "-e", "stderr"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        first = self.web.sites[0]
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection((first.host, first.port), 0.5).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"nginx did not start: {(self.folder / 'error.log').read_text()}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
