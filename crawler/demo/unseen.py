"""Sample sites of publishing habits the first sample web does not show, each hiding one older
summary where only that habit's own mechanism reaches it:

- ``arrows``: a column paged as column-index-N.shtml with arrows only (‹ 1 2 ›);
- ``curpage``: a column paged by a query parameter of its own (?cur_page=N&channel=…) and 下页;
- ``framed``: a column page whose list is an <iframe> of list.asp?page=N;
- ``sitemapped``: a column that shows only its latest items; older ones are in the sitemap that
  robots.txt names (a sitemap index, then a sitemap with <lastmod>);
- ``fed``: a column written by script (onclick, no href) and an RSS feed announced by
  <link rel="alternate">;
- ``formpaged``: a column paged by a GET form whose hidden cur_page a script fills
  (``javascript:goPage(2)``), the number of pages only in ``var countPage = 3``;
- ``postback``: an ASP.NET WebForms column paged by ``__doPostBack('ctl00$…$AspNetPager1','2')``,
  each page a POST of the form with its __VIEWSTATE;
- ``scripted``: a column whose list a script fills from a JSON API (``$.ajax({url:
  "/api/article/list", data: {channelId: 35, pageNo: pageNo, pageSize: 2}})``), paged by the
  answer's total.

The hidden summary of each is ``site.hidden`` (its path).
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

from crawler.demo.cms import SampleArticle, esc, filler_news, load_articles
from crawler.demo.server import Route, SampleSite, SampleWeb, loopback_hosts


def _page(title: str, content: str, head: str = "") -> str:
    return (
        f'<html><head><meta charset="utf-8"><title>{esc(title)}</title>{head}</head><body>'
        f'<div class="nav"><a href="/">首页</a></div>{content}'
        '<div class="footer">版权所有</div></body></html>'
    )


def _article(article: SampleArticle) -> str:
    paragraphs = "".join(f"<p>{esc(line)}</p>" for line in article.paragraphs)
    return _page(
        article.title,
        f'<h1>{esc(article.title)}</h1><div class="info">发布时间：{article.published} '
        f'来源：{esc(article.source)}</div><div class="content">{paragraphs}</div>',
    )


def _items(entries: list[tuple[str, SampleArticle]]) -> str:
    return "".join(
        f'<li><a href="{path}">{esc(article.title)}</a><span>{article.published}</span></li>'
        for path, article in entries
    )


class UnseenSite(SampleSite):
    hidden: str = ""

    def articles(self, entries: list[tuple[str, SampleArticle]]) -> None:
        for path, article in entries:
            self.add(path, _article(article))


def _arrows(host: str, summary: SampleArticle, news: list[SampleArticle]) -> UnseenSite:
    site = UnseenSite("arrows", "箭头翻页网", "测试市", host)
    first = [(f"/tzgz/content-{2000 + n}.shtml", a) for n, a in enumerate(news[:3])]
    older = [(f"/tzgz/content-{1000 + n}.shtml", a) for n, a in enumerate([summary, news[3]])]
    site.hidden = older[0][0]
    site.add("/", _page(site.name, '<a href="/tzgz/column-index.shtml">统战工作</a>'))
    pager = '<div class="pager"><span>‹</span> <b>1</b> <a href="column-index-2.shtml">2</a> <a href="column-index-2.shtml">›</a></div>'  # noqa: E501
    site.add("/tzgz/column-index.shtml", _page("统战工作", f"<ul>{_items(first)}</ul>{pager}"))
    pager = '<div class="pager"><a href="column-index.shtml">‹</a> <a href="column-index.shtml">1</a> <b>2</b> <span>›</span></div>'  # noqa: E501
    site.add("/tzgz/column-index-2.shtml", _page("统战工作", f"<ul>{_items(older)}</ul>{pager}"))
    site.articles(first + older)
    return site


def _curpage(host: str, summary: SampleArticle, news: list[SampleArticle]) -> UnseenSite:
    site = UnseenSite("curpage", "参数翻页网", "测试市", host)
    first = [(f"/news/show.asp?id={300 + n}", a) for n, a in enumerate(news[:3])]
    older = [(f"/news/show.asp?id={100 + n}", a) for n, a in enumerate([summary, news[3]])]
    site.hidden = older[0][0]
    site.add(
        "/", _page(site.name, '<a href="/news/list.asp?cur_page=1&amp;channel=7">工作动态</a>')
    )
    site.add(
        "/news/list.asp?cur_page=1&channel=7",
        _page(
            "工作动态",
            f'<ul>{_items(first)}</ul><a href="list.asp?cur_page=2&amp;channel=7">下页</a>',
        ),
    )
    site.add(
        "/news/list.asp?cur_page=2&channel=7",
        _page(
            "工作动态",
            f'<ul>{_items(older)}</ul><a href="list.asp?cur_page=1&amp;channel=7">上页</a>',
        ),
    )
    site.articles(first + older)
    return site


def _framed(host: str, summary: SampleArticle, news: list[SampleArticle]) -> UnseenSite:
    site = UnseenSite("framed", "框架网", "测试市", host)
    first = [(f"/zwgk/detail_{500 + n}.html", a) for n, a in enumerate(news[:3])]
    older = [(f"/zwgk/detail_{400 + n}.html", a) for n, a in enumerate([summary, news[3]])]
    site.hidden = older[0][0]
    site.add("/", _page(site.name, '<a href="/zwgk/">政务公开</a>'))
    site.add(
        "/zwgk/",
        _page("政务公开", '<iframe src="/zwgk/list.asp?page=1" width="600" height="400"></iframe>'),
    )
    site.add(
        "/zwgk/list.asp?page=1",
        _page("列表", f'<ul>{_items(first)}</ul><a href="list.asp?page=2">下一页</a>'),
    )
    site.add("/zwgk/list.asp?page=2", _page("列表", f"<ul>{_items(older)}</ul>"))
    site.articles(first + older)
    return site


def _sitemapped(host: str, summary: SampleArticle, news: list[SampleArticle]) -> UnseenSite:
    site = UnseenSite("sitemapped", "站点地图网", "测试市", host)
    latest = [(f"/xwzx/article/{700 + n}.html", a) for n, a in enumerate(news[:3])]
    older = [(f"/xwzx/article/{600 + n}.html", a) for n, a in enumerate([summary, news[3]])]
    site.hidden = older[0][0]
    site.add("/", _page(site.name, '<a href="/xwzx/">新闻中心</a>'))
    site.add("/xwzx/", _page("新闻中心", f"<ul>{_items(latest)}</ul><p>仅显示最新3条</p>"))
    site.articles(latest + older)
    urls = "".join(
        f"<url><loc>{{base}}{path}</loc><lastmod>{article.published}</lastmod></url>"
        for path, article in latest + older
    )
    site.sitemap = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    )
    return site


def _fed(host: str, summary: SampleArticle, news: list[SampleArticle]) -> UnseenSite:
    site = UnseenSite("fed", "订阅网", "测试市", host)
    entries = [(f"/article.jsp?id={900 + n}", a) for n, a in enumerate([*news[:3], summary])]
    site.hidden = entries[-1][0]
    feed = '<link rel="alternate" type="application/rss+xml" title="RSS" href="/rss.xml">'
    site.add("/", _page(site.name, '<a href="/tzdt/">统战动态</a>', feed))
    scripted = "".join(
        f'<li onclick="openArticle({path.rsplit("=", 1)[1]})">{esc(a.title)}</li>'
        for path, a in entries[:3]
    )
    site.add(
        "/tzdt/",
        _page("统战动态", f"<ul>{scripted}</ul><script>function openArticle(i){{}}</script>", feed),
    )
    site.articles(entries)
    site.feed_entries = entries
    return site


def _formpaged(host: str, summary: SampleArticle, news: list[SampleArticle]) -> UnseenSite:
    site = UnseenSite("formpaged", "表单翻页网", "测试市", host)
    pages = [
        [(f"/content/{800 + n}.htm", a) for n, a in enumerate(news[:2])],
        [(f"/content/{700 + n}.htm", a) for n, a in enumerate(news[2:4])],
        [("/content/600.htm", summary)],
    ]
    site.hidden = pages[-1][0][0]
    site.add("/", _page(site.name, '<a href="/channel/list.do?cid=8">工作动态</a>'))

    def column(method: str, path: str, payload: bytes) -> Route | None:
        query = dict(parse_qsl(urlsplit(path).query))
        number = int(query.get("cur_page", "1") or 1)
        if query.get("cid") != "8" or not 1 <= number <= len(pages):
            return None
        pager = " ".join(
            f'<a href="javascript:void(0)" onclick="goPage({n})">{n}</a>'
            for n in range(1, len(pages) + 1)
        )
        form = (
            '<form id="pageForm" action="list.do" method="get">'
            f'<input type="hidden" name="cid" value="8"><input type="hidden" name="cur_page" '
            f'value="{number}"></form>'
            f"<script>var countPage = {len(pages)};"
            "function goPage(n){document.getElementById('pageForm').cur_page.value=n;"
            "document.getElementById('pageForm').submit();}</script>"
        )
        content = f"<ul>{_items(pages[number - 1])}</ul><div class='pager'>{pager}</div>{form}"
        return Route(_page("工作动态", content).encode("utf-8"))

    site.routes["/channel/list.do"] = column
    site.articles([entry for page in pages for entry in page])
    return site


def _postback(host: str, summary: SampleArticle, news: list[SampleArticle]) -> UnseenSite:
    site = UnseenSite("postback", "网页表单网", "测试市", host)
    pages = [
        [(f"/News/Show.aspx?id={900 + n}", a) for n, a in enumerate(news[:2])],
        [(f"/News/Show.aspx?id={800 + n}", a) for n, a in enumerate([summary, news[2]])],
    ]
    site.hidden = pages[-1][0][0]
    site.add("/", _page(site.name, '<a href="/News/List.aspx">新闻动态</a>'))
    target = "ctl00$ContentPlaceHolder1$AspNetPager1"

    def column(method: str, path: str, payload: bytes) -> Route | None:
        number = 1
        if method == "POST":
            fields = dict(parse_qsl(payload.decode("utf-8")))
            if fields.get("__EVENTTARGET") != target or not fields.get("__VIEWSTATE"):
                return Route(b"<h1>invalid postback</h1>", status=500)
            number = int(fields.get("__EVENTARGUMENT") or 1)
        if not 1 <= number <= len(pages):
            return None
        pager = " ".join(
            f"<a href=\"javascript:__doPostBack('{target}','{n}')\">{n}</a>"
            for n in range(1, len(pages) + 1)
        )
        content = (
            '<form method="post" action="./List.aspx" id="aspnetForm">'
            f'<input type="hidden" name="__VIEWSTATE" value="/wEPDwUKMTY{number}NzA=">'
            '<input type="hidden" name="__EVENTVALIDATION" value="/wEdAAL0a1b2">'
            '<input type="hidden" name="__EVENTTARGET" value="">'
            '<input type="hidden" name="__EVENTARGUMENT" value="">'
            f"<ul>{_items(pages[number - 1])}</ul><div id='AspNetPager1'>{pager}</div></form>"
        )
        return Route(_page("新闻动态", content).encode("utf-8"))

    site.routes["/News/List.aspx"] = column
    site.articles([entry for page in pages for entry in page])
    return site


def _scripted(host: str, summary: SampleArticle, news: list[SampleArticle]) -> UnseenSite:
    site = UnseenSite("scripted", "接口列表网", "测试市", host)
    entries = [(f"/tzgz/2023/01{10 - n:02d}/{4400 + n}.html", a) for n, a in enumerate(news[:3])]
    entries.append(("/tzgz/2022/1230/4300.html", summary))
    site.hidden = entries[-1][0]
    site.add("/", _page(site.name, '<a href="/tzgz/index.html">统战工作</a>'))
    script = (
        '<script>function load(pageNo){$.ajax({url: "/api/article/list", type: "GET", '
        "data: {channelId: 35, pageNo: pageNo, pageSize: 2}, success: function(res){"
        "res.data.list.forEach(function(item){$('#list').append('<li><a href=\"'+item.url+'\">'"
        "+item.title+'</a></li>');});}});} load(1);</script>"
    )
    site.add("/tzgz/index.html", _page("统战工作", f'<ul id="list"></ul>{script}'))

    def api(method: str, path: str, payload: bytes) -> Route | None:
        query = dict(parse_qsl(urlsplit(path).query))
        if query.get("channelId") != "35":
            return Route(b'{"code": 1, "msg": "channel"}', "application/json")
        number, size = int(query.get("pageNo", "1")), int(query.get("pageSize", "2"))
        chosen = entries[(number - 1) * size : number * size]
        answer = {
            "code": 0,
            "data": {
                "total": len(entries), "pageNo": number, "pageSize": size,
                "list": [{"id": int(p.rsplit("/", 1)[1][:4]), "title": a.title, "url": p,
                          "publishTime": a.published} for p, a in chosen],
            },
        }  # fmt: skip
        return Route(json.dumps(answer, ensure_ascii=False).encode("utf-8"), "application/json")

    site.routes["/api/article/list"] = api
    site.articles(entries)
    return site


def build_unseen_web() -> SampleWeb:
    """The five sites, not yet started; call :func:`finish_unseen_web` once they are."""
    articles = load_articles()
    summaries = ["lj-summary-2022", "qs-summary-2022", "yx-slogan-2022", "yx-review-2022",
                 "lj-halfyear-2023", "qs-summary-2022", "lj-summary-2022", "yx-review-2022"]  # fmt: skip
    makers = [_arrows, _curpage, _framed, _sitemapped, _fed, _formpaged, _postback, _scripted]
    hosts = loopback_hosts(len(makers))
    sites = [
        make(host, articles[key], filler_news(f"u{n}", "测试市", 4, start_day=3))
        for n, (make, host, key) in enumerate(zip(makers, hosts, summaries, strict=True))
    ]
    return SampleWeb(sites)


def finish_unseen_web(web: SampleWeb) -> SampleWeb:
    """What needs the sites' addresses: the sitemaps and robots.txt, the feed."""
    mapped = web["sitemapped"]
    base = mapped.base_url
    mapped.add("/sitemap-2022.xml", mapped.sitemap.replace("{base}", base), "application/xml")
    mapped.add(
        "/sitemap_index.xml",
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{base}/sitemap-2022.xml</loc></sitemap></sitemapindex>",
        "application/xml",
    )
    mapped.add("/robots.txt", f"User-agent: *\nSitemap: {base}/sitemap_index.xml\n", "text/plain")
    fed = web["fed"]
    items = "".join(
        f"<item><title>{esc(a.title)}</title><link>{fed.base_url}{path}</link>"
        f"<pubDate>{a.published}</pubDate></item>"
        for path, a in fed.feed_entries
    )
    fed.add(
        "/rss.xml",
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{fed.name}'
        f"</title>{items}</channel></rss>",
        "application/rss+xml",
    )
    return web


def rendered_site(host: str) -> UnseenSite:
    """A site only a browser can read (``render = true``): its column's list is written by an
    external script that builds its API address in code, so that no reading of the HTML finds it;
    the older summary is on the API's second page."""
    articles = load_articles()
    news = filler_news("r", "测试市", 3, start_day=3)
    site = UnseenSite("rendered", "渲染网", "测试市", host)
    entries = [(f"/xxgk/{5500 + n}.html", a) for n, a in enumerate(news)]
    entries.append(("/xxgk/5400.html", articles["lj-halfyear-2023"]))
    site.hidden = entries[-1][0]
    site.add("/", _page(site.name, '<a href="/xxgk/list.html">信息公开</a>'))
    site.add(
        "/xxgk/list.html",
        _page("信息公开", '<ul id="list"></ul>', '<script src="/js/list.js"></script>'),
    )
    site.add(
        "/js/list.js",
        "window.addEventListener('DOMContentLoaded', function () {"
        "  var base = ['', 'open', 'items'].join('/');"
        "  fetch(base + '?' + 'p' + 'age=1&size=2').then(function (r) { return r.json(); })"
        "  .then(function (d) { d.rows.forEach(function (row) {"
        "    var li = document.createElement('li');"
        "    li.innerHTML = '<a href=\"' + row.href + '\">' + row.name + '</a>';"
        "    document.getElementById('list').appendChild(li); }); });"
        "});",
        "application/javascript",
    )

    def api(method: str, path: str, payload: bytes) -> Route | None:
        query = dict(parse_qsl(urlsplit(path).query))
        number, size = int(query.get("page", "1")), int(query.get("size", "2"))
        chosen = entries[(number - 1) * size : number * size]
        answer = {"total": len(entries), "rows": [{"href": p, "name": a.title} for p, a in chosen]}
        return Route(json.dumps(answer, ensure_ascii=False).encode("utf-8"), "application/json")

    site.routes["/open/items"] = api
    site.articles(entries)
    return site
