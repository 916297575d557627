"""云溪区人民政府 (yunxi-gov): a Hanweb (大汉) site whose list records sit in a
<script type="text/xml"> datastore, articles at /art/Y/M/D/art_COL_N.html in #zoom."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from crawler.demo.cms import CmsSite, SampleArticle, esc
from crawler.demo.server import Route

# --- 云溪区人民政府: Hanweb --------------------------------------------------------------------


def _yx_page(title: str, main: str) -> str:
    return f"""<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<title>{esc(title)} - 云溪区人民政府</title></head><body>
<div class="header"><div class="menu"><a href="/">首页</a><a href="/col/col4467/index.html">统战工作</a>
<a href="/col/col4470/index.html">通知公告</a><a href="/attach/2023/guide.pdf">办事指南(PDF)</a></div></div>
<div class="main">{main}</div>
<div class="foot">主办单位：云溪区人民政府办公室 技术支持：大汉网络 <br>网站标识码0000000003 云ICP备00000003号</div>
</body></html>"""


def _yx_article(article: SampleArticle) -> str:
    paragraphs = "".join(f'<p style="text-indent:2em;">{esc(p)}</p>' for p in article.paragraphs)
    main = f"""<meta name="ArticleTitle" content="{esc(article.title)}">
<meta name="PubDate" content="{article.published} 10:00">
<meta name="ContentSource" content="{esc(article.source)}">
<div class="bt-position">您的位置：<a href="/">首页</a> &gt; 统战工作</div>
<table class="article"><tr><td class="title">{esc(article.title)}</td></tr>
<tr><td class="info">发布日期：{article.published} 来源：{esc(article.source)} 浏览次数：<span id="c">0</span> 字体：[<a href="#">大</a> <a href="#">中</a> <a href="#">小</a>]</td></tr>
<tr><td><div id="zoom">{paragraphs}</div></td></tr>
<tr><td class="tools">【<a href="javascript:window.print()">打印本页</a>】 【<a href="javascript:window.close()">关闭窗口</a>】</td></tr></table>"""
    return _yx_page(article.title, main)


HANWEB_PER_PAGE = 1
HANWEB_GROUP = 2  # records embedded in the column page; the rest come from dataproxy.jsp


def _yx_record(url: str, article: SampleArticle) -> str:
    return (
        f'<record><![CDATA[<li><a href="{url}" title="{esc(article.title)}" target="_blank">{esc(article.title)}</a>'
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
