"""Sample sites that fight back or hide their text in scripts, each hiding one older summary:

- ``jsl``: every page (robots.txt too) behind a 加速乐-style challenge: HTTP 521 and a page whose
  inline script computes the ``__jsl_clearance_s`` cookie and reloads. The clearance is bound to
  the ``__jsluid_s`` cookie the 521 sets and to the User-Agent that asked, and it expires after
  ``uses`` requests (the challenge comes back). robots.txt forbids /private/.
- ``rs``: every page behind a 瑞数-style challenge: HTTP 412 and a page that loads an external
  script, which reads a token from a <meta>, sets its cookie and reloads.
- ``jsonshell``: articles whose HTML is a shell; its script fetches the text as JSON
  (``/api/content?id=N`` → ``{"title", "content", "pubDate"}``).
- ``concat``: a column written by script from a list API whose address the script concatenates
  (``"/api/content/list?channelId=" + channelId + "&pageNo=" + p``).

``leaky_site`` is a rendered page (and ``reach_for`` the snippet) that reaches for another host by
every way a page can: the browser's safety tests put a canary server there.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlsplit

from crawler.demo.cms import SampleArticle, esc, filler_news, load_articles
from crawler.demo.server import Route, SampleWeb, loopback_hosts
from crawler.demo.unseen import UnseenSite, _items, _page

MECHANISMS = {
    "jsl": "JS challenge, 521 inline script",
    "rs": "JS challenge, 412 external script",
    "jsonshell": "article text as JSON (shell)",
    "concat": "list API built by concatenation",
}


def _cookies(headers: dict[str, str]) -> dict[str, str]:
    jar = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:  # a cookie header the module cannot parse: no cookies
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


class ChallengedSite(UnseenSite):
    """A site whose every page but ``open_paths`` answers a challenge until the visitor carries
    the cookie its script sets; counts the challenges it served."""

    open_paths: tuple[str, ...] = ()

    def __init__(self, *args, uses: int = 1000, **kwargs):
        super().__init__(*args, **kwargs)
        self.uses = uses  # requests one clearance is good for
        self.served = 0  # challenges answered
        self.extra_head = ""  # more for the challenge page (the safety tests' canary reach)
        self._state_lock = threading.Lock()

    def gate(self, method: str, path: str, headers: dict[str, str]) -> Route | None:
        if urlsplit(path).path.startswith(self.open_paths):
            return None
        headers = {name.lower(): value for name, value in headers.items()}  # as HTTP reads them
        cookies, agent = _cookies(headers), headers.get("user-agent", "")
        with self._state_lock:
            if self.passes(cookies, agent):
                return None
            self.served += 1
            return self.challenge(cookies, agent)

    def passes(self, cookies: dict[str, str], agent: str) -> bool:
        raise NotImplementedError

    def challenge(self, cookies: dict[str, str], agent: str) -> Route:
        raise NotImplementedError


class JslSite(ChallengedSite):
    """加速乐 style: see the module's docstring."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.visitors: dict[str, dict] = {}  # __jsluid_s -> agent, epoch, uses
        self._ids = itertools.count(1)

    def clearance(self, uid: str) -> str:
        visitor = self.visitors[uid]
        digest = hashlib.sha1(f"jsl{uid}{visitor['epoch']}".encode()).hexdigest()[:12]
        return f"{visitor['epoch']}-{digest}"

    def passes(self, cookies: dict[str, str], agent: str) -> bool:
        visitor = self.visitors.get(cookies.get("__jsluid_s", ""))
        if visitor is None or visitor["agent"] != agent:
            return False
        if cookies.get("__jsl_clearance_s") != self.clearance(cookies["__jsluid_s"]):
            return False
        if visitor["uses"] >= self.uses:  # expired: a new clearance is needed
            visitor["epoch"] += 1
            visitor["uses"] = 0
            return False
        visitor["uses"] += 1
        return True

    def challenge(self, cookies: dict[str, str], agent: str) -> Route:
        uid = cookies.get("__jsluid_s", "")
        if uid not in self.visitors or self.visitors[uid]["agent"] != agent:
            uid = hashlib.md5(f"{next(self._ids)}{agent}".encode()).hexdigest()[:16]
            self.visitors[uid] = {"agent": agent, "epoch": 1, "uses": 0}
        codes = ",".join(str(ord(ch) + 7) for ch in self.clearance(uid))
        script = (
            "var _a=[" + codes + "],_s='';for(var _i=0;_i<_a.length;_i++)"
            "{_s+=String.fromCharCode(_a[_i]-7)}"
            "document.cookie=('__jsl_clear')+('ance_s=')+_s+(';max-age=3600;path=/');"
            "location.href=location.pathname+location.search"
        )
        body = f"<html>{self.extra_head}<script>{script}</script></html>"
        return Route(body.encode(), status=521, headers={"Set-Cookie": f"__jsluid_s={uid}; path=/"})


class RsSite(ChallengedSite):
    """瑞数 style: see the module's docstring."""

    open_paths = ("/rs/",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tokens: dict[str, dict] = {}  # token -> agent, uses
        self._ids = itertools.count(1)
        self.add(
            "/rs/c.js",
            "(function(){var n=document.getElementById('rs-t').getAttribute('content');"
            "document.cookie='RS_T='+n+'.'+n.split('').reverse().join('')+'; path=/';"
            "setTimeout(function(){location.reload()},50)})();",
            "application/javascript",
        )

    def passes(self, cookies: dict[str, str], agent: str) -> bool:
        token, _, check = cookies.get("RS_T", "").partition(".")
        issued = self.tokens.get(token)
        if issued is None or issued["agent"] != agent or check != token[::-1]:
            return False
        if issued["uses"] >= self.uses:
            return False
        issued["uses"] += 1
        return True

    def challenge(self, cookies: dict[str, str], agent: str) -> Route:
        token = hashlib.sha1(f"rs{next(self._ids)}".encode()).hexdigest()[:20]
        self.tokens[token] = {"agent": agent, "uses": 0}
        body = (
            f'<html><head><meta charset="utf-8"><meta id="rs-t" content="{token}">'
            f'{self.extra_head}<script type="text/javascript" src="/rs/c.js"></script>'
            "</head><body></body></html>"
        )
        return Route(body.encode(), status=412)


def _column(site: UnseenSite, base: str, name: str, pages: list[list[tuple[str, SampleArticle]]]):
    """A column of numbered pages (index.html, index_1.html, …) with 下一页."""
    site.add("/", _page(site.name, f'<a href="{base}index.html">{name}</a>'))
    for number, entries in enumerate(pages):
        here = f"{base}index{'_' + str(number) if number else ''}.html"
        pager = f'<a href="index_{number + 1}.html">下一页</a>' if number + 1 < len(pages) else ""
        site.add(here, _page(name, f"<ul>{_items(entries)}</ul>{pager}"))
        site.articles(entries)


def jsl_site(host: str, summary: SampleArticle, news: list[SampleArticle]) -> JslSite:
    site = JslSite("jsl", "加速乐测试网", "测试市", host)
    pages = [
        [(f"/xxgk/tzgz/202301/t2023010{n + 1}_{90 + n}.html", a) for n, a in enumerate(news[:3])],
        [
            ("/xxgk/tzgz/202212/t20221230_60.html", summary),
            ("/xxgk/tzgz/202212/t20221201_59.html", news[3]),
        ],
    ]
    site.hidden, site.summary = pages[1][0][0], summary
    _column(site, "/xxgk/tzgz/", "统战工作", pages)
    home = site.routes["/"]
    site.add(
        "/", home.body.decode().replace("</body>", '<a href="/private/a.html">内部</a></body>')
    )
    site.add("/private/a.html", _page("内部", "<p>robots.txt 不许抓取此页。</p>"))
    site.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
    return site


def rs_site(host: str, summary: SampleArticle, news: list[SampleArticle]) -> RsSite:
    site = RsSite("rs", "瑞数测试网", "测试市", host)
    pages = [
        [(f"/zwgk/xxgk/202301/t2023011{n}_{7700 + n}.shtml", a) for n, a in enumerate(news[:3])],
        [
            ("/zwgk/xxgk/202212/t20221229_7600.shtml", summary),
            ("/zwgk/xxgk/202212/t20221202_7599.shtml", news[3]),
        ],
    ]
    site.hidden, site.summary = pages[1][0][0], summary
    _column(site, "/zwgk/xxgk/", "信息公开", pages)
    return site


def jsonshell_site(host: str, summary: SampleArticle, news: list[SampleArticle]) -> UnseenSite:
    site = UnseenSite("jsonshell", "接口正文网", "测试市", host)
    entries = [(f"/xwzx/detail/{3300 + n}.html", a) for n, a in enumerate([*news[:3], summary])]
    site.hidden, site.summary = entries[-1][0], summary
    site.add("/", _page(site.name, '<a href="/xwzx/index.html">新闻中心</a>'))
    site.add("/xwzx/index.html", _page("新闻中心", f"<ul>{_items(entries)}</ul>"))
    records = {}
    for path, article in entries:
        number = path.rsplit("/", 1)[1].split(".")[0]
        records[number] = {
            "code": 200,
            "data": {"title": article.title, "pubDate": article.published,
                     "source": article.source,
                     "content": "".join(f"<p>{esc(p)}</p>" for p in article.paragraphs)},
        }  # fmt: skip
        script = (
            f'<script>var id = "{number}";'
            'fetch("/api/content?id=" + id).then(function (r) { return r.json(); })'
            ".then(function (d) { document.getElementById('title').textContent = d.data.title;"
            "document.getElementById('time').textContent = '发布时间：' + d.data.pubDate;"
            "document.getElementById('content').innerHTML = d.data.content; });</script>"
        )
        site.add(
            path,
            _page("新闻中心", '<h1 id="title"></h1><div class="info" id="time"></div>'
                  f'<div class="content" id="content"></div>{script}'),
        )  # fmt: skip

    def api(method: str, path: str, payload: bytes) -> Route:
        record = records.get(dict(parse_qsl(urlsplit(path).query)).get("id", ""))
        if record is None:
            return Route(b'{"code": 404, "msg": "not found"}', "application/json", status=404)
        return Route(json.dumps(record, ensure_ascii=False).encode(), "application/json")

    site.routes["/api/content"] = api
    return site


def concat_site(host: str, summary: SampleArticle, news: list[SampleArticle]) -> UnseenSite:
    site = UnseenSite("concat", "拼接接口网", "测试市", host)
    entries = [(f"/zwgk/content/{8800 - n}.html", a) for n, a in enumerate([*news[:3], summary])]
    site.hidden, site.summary = entries[-1][0], summary
    site.add("/", _page(site.name, '<a href="/zwgk/list.html">政务公开</a>'))
    script = (
        '<script>var channelId = "1024"; var pageSize = 3;'
        'function getList(p) { $.getJSON("/api/content/list?channelId=" + channelId + '
        '"&pageNo=" + p + "&pageSize=" + pageSize, function (res) {'
        "res.list.forEach(function (it) { $('#list').append('<li><a href=\"' + it.url + '\">'"
        " + it.title + '</a></li>'); }); }); } getList(1);</script>"
    )
    site.add("/zwgk/list.html", _page("政务公开", f'<ul id="list"></ul>{script}'))

    def api(method: str, path: str, payload: bytes) -> Route:
        query = dict(parse_qsl(urlsplit(path).query))
        if query.get("channelId") != "1024" or not query.get("pageNo", "").isdigit():
            return Route(b'{"code": 400, "msg": "channelId"}', "application/json", status=400)
        number, size = int(query["pageNo"]), int(query.get("pageSize") or 3)
        chosen = entries[(number - 1) * size : number * size]
        answer = {"total": len(entries), "pageSize": size,
                  "list": [{"title": a.title, "url": p, "pubDate": a.published}
                           for p, a in chosen]}  # fmt: skip
        return Route(json.dumps(answer, ensure_ascii=False).encode(), "application/json")

    site.routes["/api/content/list"] = api
    site.articles(entries)
    return site


def build_challenge_web(uses: int = 1000) -> SampleWeb:
    """The four sites, not yet started; ``uses``: requests a challenge's cookie is good for."""
    articles = load_articles()
    makers = [jsl_site, rs_site, jsonshell_site, concat_site]
    summaries = ["lj-summary-2022", "qs-summary-2022", "yx-review-2022", "lj-halfyear-2023"]
    hosts = loopback_hosts(len(makers))
    sites = []
    for n, (make, host, key) in enumerate(zip(makers, hosts, summaries, strict=True)):
        site = make(host, articles[key], filler_news(f"c{n}", "测试市", 4, start_day=5))
        if isinstance(site, ChallengedSite):
            site.uses = uses
        sites.append(site)
    return SampleWeb(sites)


def reach_for(base: str) -> str:
    """HTML that reaches for ``base`` (another host) by every way a page can: a script tag, an
    iframe, fetch, XHR, a WebSocket, a form post, a meta refresh and ``location =``."""
    ws = "ws" + base[4:]
    return (
        f'<meta http-equiv="refresh" content="0; url={base}/meta-refresh">'
        f'<script src="{base}/script.js"></script>'
        f'<iframe src="{base}/iframe"></iframe>'
        f'<form id="leak" method="post" action="{base}/form"><input name="q" value="1"></form>'
        "<script>"
        f"try {{ fetch('{base}/fetch'); }} catch (e) {{}}"
        f"try {{ var x = new XMLHttpRequest(); x.open('GET', '{base}/xhr'); x.send(); }} catch (e) {{}}"
        f"try {{ new WebSocket('{ws}/ws'); }} catch (e) {{}}"
        "setTimeout(function () { try { document.getElementById('leak').submit(); } catch (e) {} }, 20);"
        f"setTimeout(function () {{ location = '{base}/location'; }}, 40);"
        "</script>"
    )


def leaky_site(host: str, canary: str) -> UnseenSite:
    """A site to be rendered whose column page reaches for ``canary`` (see :func:`reach_for`)
    while its own list is written by its own script; one of its articles has its text written by
    a script too (``site.scripted``: rendered because reading it plainly finds no text)."""
    articles = load_articles()
    site = UnseenSite("leaky", "外联测试网", "测试市", host)
    entries = [("/news/1001.html", articles["lj-summary-2022"])]
    site.hidden, site.summary = entries[0][0], entries[0][1]
    scripted = ("/news/1002.html", articles["yx-review-2022"])  # its text written by script
    site.scripted = scripted
    site.add("/", _page(site.name, '<a href="/news/list.html">新闻</a>'))
    # its own list first, written as the page is read; then the reaching out
    own = (
        "<script>document.getElementById('list').innerHTML = "
        + json.dumps(_items([*entries, scripted]))
        + ";</script>"
    )
    site.add("/news/list.html", _page("新闻", f'<ul id="list"></ul>{own}{reach_for(canary)}'))
    site.articles(entries)
    paragraphs = "".join(f"<p>{esc(p)}</p>" for p in scripted[1].paragraphs)
    site.add(
        scripted[0],
        _page(scripted[1].title, '<div id="main"></div><script>var doc = '
              + json.dumps({"title": scripted[1].title, "date": scripted[1].published,
                            "html": paragraphs}, ensure_ascii=False)
              + ";document.getElementById('main').innerHTML = '<h1>' + doc.title + '</h1>"
              "<div class=\"info\">发布时间：' + doc.date + '</div><div class=\"content\">'"
              " + doc.html + '</div>';</script>"),
    )  # fmt: skip
    return site


__all__ = ["MECHANISMS", "build_challenge_web", "leaky_site", "reach_for"]
