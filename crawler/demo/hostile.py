"""A site whose pages go wrong in every way real sites do (4xx and 5xx answers, anti-bot answers,
redirect loops, a redirect to another host or to file://, huge, binary and empty bodies, a wrong
or missing charset, a page cut short, a slow answer, a flaky server, an attachment), next to pages
that are fine: for the bad-input tests and for comparing the local and the distributed paths."""

from __future__ import annotations

import os
import socket

from crawler.demo.badfiles import bad_files
from crawler.demo.cms import load_articles
from crawler.demo.server import Route, SampleSite, SampleWeb, loopback_hosts

ARTICLES = load_articles()
ARTICLE = "/news/2023-02/{:02d}/content_{}.html"


def page(title: str, body: str, charset: str | None = "utf-8") -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    paragraphs = "".join(f"<p>{line}</p>" for line in body.strip().splitlines())
    return (
        f"<html><head>{meta}<title>{title}_测试站</title></head><body>"
        f'<div class="nav"><a href="/">首页</a></div>'
        f'<h1 class="title">{title}</h1><div class="content">{paragraphs}</div>'
        '<div class="footer">版权所有 测试站</div></body></html>'
    )


def free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class HostileSite(SampleSite):
    """A site whose pages go wrong in every way the issue lists, next to pages that are fine."""

    def __init__(self, host: str):
        super().__init__("hostile", "故障测试站", "测试市", host)
        self.cases: dict[str, str] = {}  # path -> case name
        self.flaky_calls = 0

    def case(self, number: int, name: str) -> str:
        path = ARTICLE.format(number % 28 + 1, 1000 + number)
        self.cases[path] = name
        return path

    def build(self, other_host: str, other_port: int) -> None:
        good = ARTICLES["lj-summary-2022"]
        gbk = ARTICLES["qs-summary-2022"]
        slogan = ARTICLES["yx-slogan-2022"]
        review = ARTICLES["yx-review-2022"]
        for status, name in (
            (404, "404"),
            (410, "410"),
            (500, "500"),
            (403, "403"),
            (412, "412"),
            (521, "521"),
        ):
            self.add(self.case(status, name), f"<h1>{status}</h1>", status=status)
        self.add(self.case(1, "good"), page(good.title, good.body))
        self.add(self.case(2, "slow"), page(good.title, good.body), delay=4)
        loop_a, loop_b = self.case(3, "loop"), ARTICLE.format(4, 3003)
        self.add(loop_a, b"", status=302, headers={"Location": loop_b})
        self.add(loop_b, b"", status=302, headers={"Location": loop_a})
        self.add(self.case(16, "file"), b"", status=302, headers={"Location": "file:///etc/passwd"})
        self.add(
            self.case(5, "away"),
            b"",
            status=302,
            headers={"Location": f"http://{other_host}:{other_port}/news/stolen.html"},
        )
        huge = (
            b"<html><body>"
            + b"<p>"
            + "统战".encode() * 1024
            + b"</p>" * (30 * 1024 // 7)
            + b"</body></html>"
        )
        huge = huge.ljust(30 * 1024 * 1024, b" ")
        self.add(self.case(6, "huge"), huge)
        self.add(self.case(7, "huge_streamed"), huge, stream=True)
        self.add(self.case(8, "binary"), os.urandom(40_000), "text/html")
        self.add(self.case(9, "pdf"), b"%PDF-1.4\n" + os.urandom(20_000), "application/pdf")
        # Malformed and cut short: unclosed and stray tags, and the page ends in its last paragraph.
        broken = page(slogan.title, slogan.body).replace("</p><p>", "<p><b><i>", 3)
        broken = broken.replace("</h1>", "</h2></span>")
        self.add(self.case(10, "truncated"), broken[: broken.rindex("</p>")])
        self.add(
            self.case(11, "wrong_charset"),
            page(gbk.title, gbk.body, "utf-8").encode("gbk"),
            "text/html; charset=utf-8",
        )
        self.add(
            self.case(12, "no_charset"),
            page(review.title, review.body, None).encode("gbk"),
            "text/html",
        )
        self.add(self.case(13, "empty"), b"")
        self.add(
            self.case(14, "nav_only"),
            '<html><head><meta charset="utf-8"><title>栏目导航</title></head><body><ul>'
            + "".join(f'<li><a href="/col{n}/">栏目{n}</a></li>' for n in range(12))
            + "</ul></body></html>",
        )
        self.routes[self.case(15, "flaky")] = self._flaky
        links = "".join(
            f'<li><a href="{path}">第{n}篇文章标题</a></li>' for n, path in enumerate(self.cases)
        )
        for path, text, _day, body, content_type in bad_files("/files/bad/"):
            self.add(path, body, content_type)
            links += f'<li><a href="{path}">{text}</a></li>'

        self.add(
            "/",
            f'<html><head><meta charset="utf-8"><title>故障测试站</title></head><body><ul>{links}'
            '<li><a href="/files/2022年工作总结.pdf">2022年统战工作总结（PDF）</a></li>'
            "</ul></body></html>",
        )

    def _flaky(self, method: str, path: str, payload: bytes) -> Route:
        """503 on the first request, the page on the retry."""
        self.flaky_calls += 1
        if self.flaky_calls == 1:
            return Route(b"<h1>503</h1>", status=503)
        review = ARTICLES["lj-halfyear-2023"]
        return Route(page(review.title, review.body).encode("utf-8"))


def site_block(site: SampleSite) -> str:
    """The site's [[site]] entry for a sites.toml."""
    return (
        f'[[site]]\nid = "{site.id}"\nname = "{site.name}"\nregion = "{site.region}"\n'
        f'start_urls = ["{site.base_url}/"]\n'
    )


def start_hostile_web() -> tuple[SampleWeb, HostileSite, SampleSite, str]:
    """The hostile site and the other host it redirects to, started, with the registry entries of
    the hostile site and of a site whose port refuses connections."""
    host, other_host = loopback_hosts(2)
    site = HostileSite(host)
    other = SampleSite("other", "别的网站", "别处", other_host)
    other.add(
        "/news/stolen.html",
        page(ARTICLES["lj-summary-2022"].title, ARTICLES["lj-summary-2022"].body),
    )
    web = SampleWeb([site, other]).start()
    site.build(other_host, other.port)
    refused_port = free_port(other_host)
    registry = site_block(site) + (
        '\n[[site]]\nid = "refused"\nname = "关闭的网站"\nregion = "测试市"\n'
        f'start_urls = ["http://{other_host}:{refused_port}/"]\n'
    )
    return web, site, other, registry
