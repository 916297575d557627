"""临江新闻网 (linjiang-news): a city news site, UTF-8, numbered list pages with 下一页, a hot-news
sidebar, 上一篇/下一篇, editor and footer lines around the text."""

from __future__ import annotations

from crawler.demo.cms import CmsSite, SampleArticle, esc

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
<html><head><meta charset="utf-8"><title>{esc(title)}_临江新闻网</title></head>
<body><div class="top-bar">临江新闻网 | 临江日报社主办</div>{_LJ_NAV}
<div class="wrap">{main}
<div class="sidebar hot"><h3>热点新闻</h3><ul>
<li><a href="/tongzhan/2023-03/02/content_1001.html">市委统战部召开新的社会阶层人士座谈会</a></li>
<li><a href="/tongzhan/2023-02/28/content_1002.html">2023年全市统一战线工作要点</a></li></ul></div>
</div>{_LJ_FOOTER}</body></html>"""


def _lj_article(article: SampleArticle, prev_link: str, next_link: str) -> str:
    paragraphs = "\n".join(f"<p>\u3000\u3000{esc(p)}</p>" for p in article.paragraphs)
    main = f"""<div class="location">您当前的位置：<a href="/">首页</a> &gt; <a href="/tongzhan/list.html">统战之窗</a> &gt; 正文</div>
<div class="article">
<h1 class="article-title">{esc(article.title)}</h1>
<div class="info">发布时间：{article.published} 09:30 &nbsp; 来源：{esc(article.source)} &nbsp; 作者：记者 张明</div>
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
        f'<li><a href="{url}" target="_blank">{esc(a.title)}</a><span>{a.published}</span></li>'
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
                    f'<a href="{placed[index - 1][0]}">{esc(placed[index - 1][1].title)}</a>'
                    if index
                    else "没有了"
                )
                next_link = (
                    f'<a href="{placed[index + 1][0]}">{esc(placed[index + 1][1].title)}</a>'
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
            f'<li><a href="{url}">{esc(title)}</a></li>'
            for url, title in (("/tongzhan/list.html", "统战之窗"), ("/szyw/index.php", "时政要闻"))
        )
        self.add(
            "/", _lj_page("首页", f'<div class="home"><h2>栏目</h2><ul>{home_items}</ul></div>')
        )
        self.add(
            "/robots.txt", "User-agent: *\nDisallow: /search/\nDisallow: /admin/\n", "text/plain"
        )
