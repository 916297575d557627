"""The bundled sample web: three municipal sites written in the styles of the CMS families that
Chinese local governments use, serving the texts in articles.toml.

- 临江新闻网 (``linjiang-news``): a city news site, UTF-8, numbered list pages with 下一页, hot-news
  sidebar, 上一篇/下一篇, editor and footer lines around the text.
- 青山统战网 (``qingshan-tz``): a TRS WCM site served as GBK under a gb2312 meta tag, with
  JavaScript paging (createPageHTML), relative ``./YYYYMM/tYYYYMMDD_N.html`` article links whose
  anchor text is cut with "...", and a 他山之石 column that reposts a 临江 summary with other
  punctuation widths.
- 云溪区人民政府 (``yunxi-gov``): a Hanweb (大汉) site whose list records sit in a
  ``<script type="text/xml">`` datastore, articles at ``/art/Y/M/D/art_COL_N.html`` in ``#zoom``.
"""

from __future__ import annotations

import html
import tomllib
from dataclasses import dataclass, replace
from importlib import resources
from urllib.parse import parse_qs, urlsplit

from crawler.demo.server import Route, SampleSite, SampleWeb, loopback_hosts


@dataclass(frozen=True)
class SampleArticle:
    key: str
    kind: str
    title: str
    published: str
    source: str
    year: int
    body: str
    later: bool = False  # not on the sample web at first; tests publish it to simulate a new day

    @property
    def paragraphs(self) -> list[str]:
        return [line for line in self.body.strip().splitlines() if line.strip()]


def load_articles() -> dict[str, SampleArticle]:
    data = tomllib.loads(
        resources.files("crawler.demo").joinpath("articles.toml").read_text("utf-8")
    )
    return {entry["key"]: SampleArticle(**entry) for entry in data["article"]}


def swap_punctuation_width(text: str) -> str:
    """The repost habit of some sites: full-width ，：；（）！？ typed as half-width."""
    return text.translate(str.maketrans("，：；（）！？", ",:;()!?"))


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


# --- 临江新闻网: a plain news CMS -------------------------------------------------------------

_LJ_NAV = """<div class="nav"><ul>
<li><a href="/">首页</a></li><li><a href="/szyw/index.php">时政要闻</a></li>
<li><a href="/tongzhan/list.html">统战之窗</a></li><li><a href="/search/?q=统战">站内搜索</a></li>
<li><a href="javascript:void(0)">更多</a></li><li><a href="http://www.example.invalid/">合作媒体</a></li>
</ul></div>"""
_LJ_FOOTER = """<div class="footer"><p>新闻热线：0000-2891234 广告：2893888 E-mail：news@linjiang.example</p>
<p>临江日报社 主办 地址：临江市滨江路1号</p><p>临ICP备00000001号</p></div>"""


def _lj_page(title: str, main: str) -> str:
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{_esc(title)}_临江新闻网</title></head>
<body><div class="top-bar">临江新闻网 | 临江日报社主办</div>{_LJ_NAV}
<div class="wrap">{main}
<div class="sidebar hot"><h3>热点新闻</h3><ul>
<li><a href="/tongzhan/2023-03/02/content_1001.html">市委统战部召开新的社会阶层人士座谈会</a></li>
<li><a href="/tongzhan/2023-02/28/content_1002.html">2023年全市统一战线工作要点</a></li></ul></div>
</div>{_LJ_FOOTER}</body></html>"""


def _lj_article(article: SampleArticle, prev_link: str, next_link: str) -> str:
    paragraphs = "\n".join(f"<p>\u3000\u3000{_esc(p)}</p>" for p in article.paragraphs)
    main = f"""<div class="location">您当前的位置：<a href="/">首页</a> &gt; <a href="/tongzhan/list.html">统战之窗</a> &gt; 正文</div>
<div class="article">
<h1 class="article-title">{_esc(article.title)}</h1>
<div class="info">发布时间：{article.published} 09:30 &nbsp; 来源：{_esc(article.source)} &nbsp; 作者：记者 张明</div>
<div class="article-content">
{paragraphs}
<p>责任编辑：李晓</p>
</div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a></div>
<div class="pre-next"><p>上一篇：{prev_link}</p><p>下一篇：{next_link}</p></div>
</div>"""
    return _lj_page(article.title, main)


def _lj_list(
    column: str, items: list[tuple[str, SampleArticle]], page: int, pages: int, page_href
) -> str:
    rows = "\n".join(
        f'<li><a href="{url}" target="_blank">{_esc(a.title)}</a><span>{a.published}</span></li>'
        for url, a in items
    )
    pager = []
    if page > 1:
        pager.append(f'<a href="{page_href(page - 1)}">上一页</a>')
    for number in range(1, pages + 1):
        pager.append(f'<a href="{page_href(number)}">{number}</a>')
    if page < pages:
        pager.append(
            f'<a href="{page_href(page + 1)}">下一页</a> <a href="{page_href(pages)}">尾页</a>'
        )
    main = f"""<div class="location">您当前的位置：<a href="/">首页</a> &gt; {column}</div>
<div class="list"><h2>{column}</h2><ul>{rows}</ul><div class="pager">{" ".join(pager)}</div></div>"""
    return _lj_page(column, main)


class CmsSite(SampleSite):
    """A sample site whose columns hold articles, newest first; ``publish`` adds one and renders
    every route again, as a CMS regenerates its list pages."""

    per_page = 2

    def __init__(
        self,
        site_id: str,
        name: str,
        region: str,
        host: str,
        columns: dict[str, tuple[str, list[SampleArticle]]],
    ):
        super().__init__(site_id, name, region, host)
        self.columns = {slug: (title, list(items)) for slug, (title, items) in columns.items()}
        self._numbers: dict[str, int] = {}
        self.render()

    def number(self, article: SampleArticle) -> int:
        """A stable id per article, as a CMS assigns it once."""
        return self._numbers.setdefault(article.key, self.first_number + len(self._numbers) + 1)

    def publish(self, column: str, article: SampleArticle) -> None:
        """Put ``article`` at the top of ``column`` (older items move down the pages)."""
        self.columns[column][1].insert(0, article)
        self.render()

    def render(self) -> None:
        kept = {path: route for path, route in self.routes.items() if path in self.extra_routes}
        self.routes.clear()
        self.build()
        self.routes.update(kept)

    extra_routes: set[str] = set()
    first_number = 0

    def build(self) -> None:
        raise NotImplementedError

    def add_extra(
        self, path: str, body: bytes | str, content_type: str = "text/html; charset=utf-8", **kwargs
    ) -> None:
        """A route that survives ``render`` (tests add broken pages and redirects this way)."""
        self.extra_routes = self.extra_routes | {path}
        self.add(path, body, content_type, **kwargs)

    def pages_of(self, items: list) -> list[list]:
        return [items[i : i + self.per_page] for i in range(0, len(items), self.per_page)] or [[]]


def filler_news(prefix: str, place: str, count: int, start_day: int = 1) -> list[SampleArticle]:
    """Short news items that fill list pages, so that columns have several pages."""
    topics = [
        "召开党外人士情况通报会",
        "举办民族团结进步宣传活动",
        "开展同心助企走访",
        "召开侨联委员座谈会",
        "举行新乡贤代表见面会",
        "开展宗教场所安全检查",
    ]
    items = []
    for index in range(count):
        day = start_day + index
        topic = topics[index % len(topics)]
        body = f"1月{day}日，{place}{topic}，有关部门负责同志参加。\n活动围绕当前重点工作进行了交流，与会人员表示将认真抓好落实。"
        items.append(
            SampleArticle(
                f"{prefix}-{index + 1}",
                "news",
                f"{place}{topic}",
                f"2023-01-{day:02d}",
                f"{place}融媒体中心",
                2023,
                body,
            )
        )
    return items


class LinjiangNews(CmsSite):
    """A plain news CMS: list.html, list_2.html … with 下一页/尾页, and a column paged by ?page=N."""

    first_number = 1000

    def article_path(self, slug: str, article: SampleArticle) -> str:
        return f"/{slug}/{article.published[:7]}/{article.published[8:]}/content_{self.number(article)}.html"

    def build(self) -> None:
        for slug, (column, items) in self.columns.items():
            placed = [(self.article_path(slug, a), a) for a in items]
            for index, (url, article) in enumerate(placed):
                prev_link = (
                    f'<a href="{placed[index - 1][0]}">{_esc(placed[index - 1][1].title)}</a>'
                    if index
                    else "没有了"
                )
                next_link = (
                    f'<a href="{placed[index + 1][0]}">{_esc(placed[index + 1][1].title)}</a>'
                    if index + 1 < len(placed)
                    else "没有了"
                )
                self.add(url, _lj_article(article, prev_link, next_link))
            pages = self.pages_of(placed)
            if slug == "szyw":
                # an older section of the site, paged by query string
                def href(n: int) -> str:
                    return "index.php" if n == 1 else f"index.php?page={n}"
            else:

                def href(n: int) -> str:
                    return "list.html" if n == 1 else f"list_{n}.html"

            for number, chunk in enumerate(pages, start=1):
                self.add(
                    f"/{slug}/{href(number)}", _lj_list(column, chunk, number, len(pages), href)
                )
        home_items = "".join(
            f'<li><a href="{url}">{_esc(title)}</a></li>'
            for url, title in (("/tongzhan/list.html", "统战之窗"), ("/szyw/index.php", "时政要闻"))
        )
        self.add(
            "/", _lj_page("首页", f'<div class="home"><h2>栏目</h2><ul>{home_items}</ul></div>')
        )
        self.add(
            "/robots.txt", "User-agent: *\nDisallow: /search/\nDisallow: /admin/\n", "text/plain"
        )


# --- 青山统战网: TRS WCM, GBK ---------------------------------------------------------------


def _qs_page(title: str, main: str, charset_meta: bool = True) -> bytes:
    meta = (
        '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        if charset_meta
        else ""
    )
    text = f"""<html><head>{meta}<title>{_esc(title)}-青山统战网</title>
<script type="text/javascript" src="/js/common.js"></script></head>
<body><table width="1000" border="0" align="center"><tr><td class="nav">
<a href="/">网站首页</a> | <a href="/gzdt/">工作动态</a> | <a href="/tszs/">他山之石</a> | <a href="/zxft/zxft.jsp">在线访谈</a></td></tr>
<tr><td>{main}</td></tr>
<tr><td class="footer">版权所有：中共青山县委统战部 地址：青山县人民路8号 电话：0000-5123456<br>青ICP备00000002号</td></tr></table>
</body></html>"""
    return text.encode("gb18030")


def _qs_article(
    article: SampleArticle, body_paragraphs: list[str], use_br: bool, charset_meta: bool
) -> bytes:
    if use_br:
        text = "<br>\n".join(f"\u3000\u3000{_esc(p)}" for p in body_paragraphs)
        content = f'<div class="TRS_Editor"><style>.TRS_Editor P{{line-height:2;}}</style><p>{text}</p></div>'
    else:
        content = (
            '<div class="TRS_Editor">'
            + "".join(f'<p style="text-indent:2em">{_esc(p)}</p>' for p in body_paragraphs)
            + "</div>"
        )
    main = f"""<meta name="ArticleTitle" content="{_esc(article.title)}">
<table width="100%"><tr><td class="position">当前位置：<a href="/">首页</a> &gt;&gt; 正文</td></tr>
<tr><td align="center"><div class="title">{_esc(article.title)}</div></td></tr>
<tr><td align="center" class="info">发布日期：{article.published}&nbsp;&nbsp;信息来源：{_esc(article.source)}&nbsp;&nbsp;【字号：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a>】</td></tr>
<tr><td>{content}</td></tr>
<tr><td align="right">【<a href="javascript:window.print()">打印本页</a>】【<a href="javascript:window.close()">关闭窗口</a>】</td></tr></table>"""
    return _qs_page(article.title, main, charset_meta)


def _qs_list(column: str, items: list[tuple[str, SampleArticle]], page: int, pages: int) -> bytes:
    def anchor(url: str, article: SampleArticle) -> str:
        short = article.title if len(article.title) <= 14 else article.title[:14] + "..."
        return f'<li><a href="{url}" title="{_esc(article.title)}" target="_blank">{_esc(short)}</a><span>{article.published}</span></li>'

    rows = "\n".join(anchor(url, a) for url, a in items)
    main = f"""<div class="position">当前位置：<a href="/">首页</a> &gt;&gt; {column}</div>
<ul class="list">{rows}</ul>
<div class="page"><script type="text/javascript">
var currentPage = {page};var countPage = {pages};
createPageHTML(countPage, currentPage, "index", "html");
</script></div>"""
    return _qs_page(column, main)


class QingshanTrs(CmsSite):
    """TRS WCM, GBK: createPageHTML paging, ./YYYYMM/tYYYYMMDD_N.html articles, TRS_Editor text."""

    first_number = 5500
    per_page = 1
    # Columns whose articles are reposts from elsewhere, shown with half-width punctuation.
    repost_columns = {"tszs"}

    def build(self) -> None:
        gbk = "text/html"  # no charset in the header: the meta tag (or detection) must decide
        for slug, (column, items) in self.columns.items():
            placed = []
            for article in items:
                stamp = article.published.replace("-", "")
                name = f"{stamp[:6]}/t{stamp}_{self.number(article)}.html"
                placed.append((f"./{name}", article))
                if slug in self.repost_columns:
                    body = [swap_punctuation_width(p) for p in article.paragraphs]
                    page = _qs_article(article, body, use_br=True, charset_meta=True)
                else:
                    # short news items use an old template without any charset declaration
                    page = _qs_article(
                        article,
                        article.paragraphs,
                        use_br=False,
                        charset_meta=article.kind != "news",
                    )
                self.add(f"/{slug}/{name}", page, gbk)
            pages = self.pages_of(placed)
            for index, chunk in enumerate(pages):
                listing = _qs_list(column, chunk, index, len(pages))
                self.add(
                    f"/{slug}/index.html" if index == 0 else f"/{slug}/index_{index}.html",
                    listing,
                    gbk,
                )
                if index == 0:
                    self.add(f"/{slug}/", listing, gbk)
        self.add("/", _qs_page("首页", '<div class="home">欢迎访问青山统战网</div>'), gbk)
        self.add("/robots.txt", "User-agent: *\nDisallow: /zxft/\n", "text/plain")


# --- 云溪区人民政府: Hanweb --------------------------------------------------------------------


def _yx_page(title: str, main: str) -> str:
    return f"""<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<title>{_esc(title)} - 云溪区人民政府</title></head><body>
<div class="header"><div class="menu"><a href="/">首页</a><a href="/col/col4467/index.html">统战工作</a>
<a href="/col/col4470/index.html">通知公告</a><a href="/attach/2023/guide.pdf">办事指南(PDF)</a></div></div>
<div class="main">{main}</div>
<div class="foot">主办单位：云溪区人民政府办公室 技术支持：大汉网络 <br>网站标识码0000000003 云ICP备00000003号</div>
</body></html>"""


def _yx_article(article: SampleArticle) -> str:
    paragraphs = "".join(f'<p style="text-indent:2em;">{_esc(p)}</p>' for p in article.paragraphs)
    main = f"""<meta name="ArticleTitle" content="{_esc(article.title)}">
<meta name="PubDate" content="{article.published} 10:00">
<meta name="ContentSource" content="{_esc(article.source)}">
<div class="bt-position">您的位置：<a href="/">首页</a> &gt; 统战工作</div>
<table class="article"><tr><td class="title">{_esc(article.title)}</td></tr>
<tr><td class="info">发布日期：{article.published} 来源：{_esc(article.source)} 浏览次数：<span id="c">0</span> 字体：[<a href="#">大</a> <a href="#">中</a> <a href="#">小</a>]</td></tr>
<tr><td><div id="zoom">{paragraphs}</div></td></tr>
<tr><td class="tools">【<a href="javascript:window.print()">打印本页</a>】 【<a href="javascript:window.close()">关闭窗口</a>】</td></tr></table>"""
    return _yx_page(article.title, main)


HANWEB_PER_PAGE = 1
HANWEB_GROUP = 2  # records embedded in the column page; the rest come from dataproxy.jsp


def _yx_record(url: str, article: SampleArticle) -> str:
    return (
        f'<record><![CDATA[<li><a href="{url}" title="{_esc(article.title)}" target="_blank">{_esc(article.title)}</a>'
        f"<span>{article.published}</span></li>]]></record>"
    )


def _yx_column(column_id: int, name: str, records: list[tuple[str, SampleArticle]]) -> str:
    embedded = "\n".join(_yx_record(url, a) for url, a in records[:HANWEB_GROUP])
    main = f"""<div class="bt-position">您的位置：<a href="/">首页</a> &gt; {name}</div>
<div id="{column_id}"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=3&path=/&columnid={column_id}&unitid=12345&webname=%E4%BA%91%E6%BA%AA&permissiontype=0"></a>]]></nextgroup>
<recordset>
{embedded}
</recordset></datastore></script></div>
<script language="javascript" src="/module/web/jpage/jpage.js"></script>
<script>$(document).ready(function(){{$('#{column_id}').jpage({{dataStore:dataStore,perPage:{HANWEB_PER_PAGE},groupSize:{HANWEB_GROUP},totalRecord:{len(records)},
proxyUrl:'/module/web/jpage/dataproxy.jsp',ajaxParam:{{col:1,appid:1,webid:3,path:'/',columnid:{column_id},sourceContentType:1,unitid:'12345',webname:'云溪区人民政府',permissiontype:0}}}});}});</script>"""
    return _yx_page(name, main)


class YunxiHanweb(CmsSite):
    """Hanweb (大汉): /col/colN/index.html, records in a text/xml datastore, later records from
    /module/web/jpage/dataproxy.jsp (POST, startrecord/endrecord/perpage)."""

    first_number = 2300

    def records(self, column_id: int) -> list[tuple[str, SampleArticle]]:
        placed = []
        for article in self.columns[str(column_id)][1]:
            year, month, day = (int(part) for part in article.published.split("-"))
            placed.append(
                (f"/art/{year}/{month}/{day}/art_{column_id}_{self.number(article)}.html", article)
            )
        return placed

    def build(self) -> None:
        for slug, (name, _items) in self.columns.items():
            column_id = int(slug)
            records = self.records(column_id)
            for url, article in records:
                self.add(url, _yx_article(article))
            self.add(f"/col/col{column_id}/index.html", _yx_column(column_id, name, records))
        self.routes["/module/web/jpage/dataproxy.jsp"] = self._dataproxy
        self.add("/", _yx_page("首页", '<div class="home">云溪区人民政府门户网站</div>'))
        self.add("/attach/2023/guide.pdf", b"%PDF-1.4\n% sample attachment\n", "application/pdf")
        self.add("/robots.txt", "User-agent: *\nDisallow: /module/search/\n", "text/plain")

    def _dataproxy(self, method: str, path: str, payload: bytes) -> Route:
        query = parse_qs(urlsplit(path).query)
        form = parse_qs(payload.decode("utf-8", "replace"))
        try:
            start = int(query["startrecord"][0])
            end = int(query["endrecord"][0])
            column_id = int((form.get("columnid") or query.get("columnid"))[0])
        except (KeyError, TypeError, ValueError):
            return Route(
                b"<datastore><recordset></recordset></datastore>", "text/xml; charset=utf-8"
            )
        if str(column_id) not in self.columns:
            return Route(
                b"<datastore><recordset></recordset></datastore>", "text/xml; charset=utf-8"
            )
        chosen = self.records(column_id)[start - 1 : end]
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?><datastore><recordset>'
            + "".join(_yx_record(u, a) for u, a in chosen)
            + "</recordset></datastore>"
        )
        return Route(xml.encode("utf-8"), "text/xml; charset=utf-8")


def build_sample_web() -> SampleWeb:
    """The three sample sites, not yet started."""
    articles = load_articles()
    hosts = loopback_hosts(3)
    linjiang = LinjiangNews(
        "linjiang-news",
        "临江新闻网",
        "临江市",
        hosts[0],
        {
            "tongzhan": (
                "统战之窗",
                [articles["lj-news-forum"], articles["lj-plan-2023"], articles["lj-summary-2022"]],
            ),
            "szyw": ("时政要闻", filler_news("lj-szyw", "临江市", 3)),
        },
    )
    repost = replace(
        articles["lj-summary-2022"], published="2023-02-20"
    )  # reposted a few days later
    qingshan = QingshanTrs(
        "qingshan-tz",
        "青山统战网",
        "临江市青山县",
        hosts[1],
        {
            "gzdt": ("工作动态", [articles["qs-news-training"], articles["qs-summary-2022"]]),
            "tszs": ("他山之石", [repost]),
        },
    )
    yunxi = YunxiHanweb(
        "yunxi-gov",
        "云溪区人民政府",
        "临江市云溪区",
        hosts[2],
        {
            "4467": (
                "统战工作",
                [
                    articles["yx-slogan-2022"],
                    articles["yx-news-xiangxian"],
                    *filler_news("yx-tz", "云溪区", 2, 20),
                    articles["yx-review-2022"],
                ],
            ),
            "4470": ("通知公告", [articles["yx-notice-2022"]]),
        },
    )
    return SampleWeb([linjiang, qingshan, yunxi])
