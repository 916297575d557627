"""青山统战网 (qingshan-tz): a TRS WCM site served as GBK under a gb2312 meta tag, with JavaScript
paging (createPageHTML) and relative ./YYYYMM/tYYYYMMDD_N.html article links."""

from __future__ import annotations

from crawler.demo.cms import CmsSite, SampleArticle, esc, swap_punctuation_width

# --- 青山统战网: TRS WCM, GBK ---------------------------------------------------------------


def _qs_page(title: str, main: str, charset_meta: bool = True) -> bytes:
    meta = (
        '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        if charset_meta
        else ""
    )
    text = f"""<html><head>{meta}<title>{esc(title)}-青山统战网</title>
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
        text = "<br>\n".join(f"\u3000\u3000{esc(p)}" for p in body_paragraphs)
        content = f'<div class="TRS_Editor"><style>.TRS_Editor P{{line-height:2;}}</style><p>{text}</p></div>'
    else:
        content = (
            '<div class="TRS_Editor">'
            + "".join(f'<p style="text-indent:2em">{esc(p)}</p>' for p in body_paragraphs)
            + "</div>"
        )
    main = f"""<meta name="ArticleTitle" content="{esc(article.title)}">
<table width="100%"><tr><td class="position">当前位置：<a href="/">首页</a> &gt;&gt; 正文</td></tr>
<tr><td align="center"><div class="title">{esc(article.title)}</div></td></tr>
<tr><td align="center" class="info">发布日期：{article.published}&nbsp;&nbsp;信息来源：{esc(article.source)}&nbsp;&nbsp;【字号：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a>】</td></tr>
<tr><td>{content}</td></tr>
<tr><td align="right">【<a href="javascript:window.print()">打印本页</a>】【<a href="javascript:window.close()">关闭窗口</a>】</td></tr></table>"""
    return _qs_page(article.title, main, charset_meta)


def _qs_list(column: str, items: list[tuple[str, SampleArticle]], page: int, pages: int) -> bytes:
    def anchor(url: str, article: SampleArticle) -> str:
        short = article.title if len(article.title) <= 14 else article.title[:14] + "..."
        return f'<li><a href="{url}" title="{esc(article.title)}" target="_blank">{esc(short)}</a><span>{article.published}</span></li>'

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
