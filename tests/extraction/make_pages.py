"""Write the labelled extraction set: tests/extraction/pages/*.html and gold.toml.

The texts are those of tests/labelled/texts.toml (written for this project). Each is laid out as
one of the page families the crawler meets on municipal and news sites, with the furniture those
templates carry (navigation, breadcrumbs, 来源 and 责任编辑 lines, 打印本页/关闭窗口, share bars,
QR-code captions, hot-news sidebars, 上一篇/下一篇, ICP and hotline footers), some of it inside
the content box, and in the encodings they are served in (GBK with a gb2312 label, GBK with no
charset at all, GBK under a wrong utf-8 label, UTF-8). gold.toml holds the title, date and body a
reader would take from each page. Run it again only to change the set:

    python tests/extraction/make_pages.py
"""

from __future__ import annotations

import html
import random
import tomllib
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
TEXTS = HERE.parent / "labelled" / "texts.toml"
CN_DIGITS = "〇一二三四五六七八九"


@dataclass
class Text:
    title: str
    published: str
    paragraphs: list[str]
    source: str


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def cn_number(value: int) -> str:
    if value < 10:
        return CN_DIGITS[value]
    tens, ones = divmod(value, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


def cn_date(date: str) -> str:
    year, month, day = date.split("-")
    return (
        "".join(CN_DIGITS[int(c)] for c in year)
        + f"年{cn_number(int(month))}月{cn_number(int(day))}日"
    )


def paragraphs_html(text: Text, indent: bool = False) -> str:
    pad = "\u3000\u3000" if indent else ""
    return "\n".join(f"<p>{pad}{esc(p)}</p>" for p in text.paragraphs)


# --- the page families ------------------------------------------------------------------------


def trs(text: Text, n: int) -> tuple[str, str]:
    """A TRS WCM government site: TRS_Editor content box, meta ArticleTitle/PubDate/ContentSource,
    a <title> with the site's name, and print/close links and a QR caption inside the box."""
    ymd = text.published.replace("-", "")
    page = f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<meta name="ArticleTitle" content="{esc(text.title)}">
<meta name="PubDate" content="{text.published} 10:2{n % 10}">
<meta name="ContentSource" content="{esc(text.source)}">
<title>{esc(text.title)}_南岭市人民政府门户网站</title></head>
<body><div class="top"><a href="/">首页</a><a href="/zwgk/">政务公开</a><a href="/hdjl/">互动交流</a></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="../">工作动态</a> &gt; 正文</div>
<div class="article"><h1 class="article-title">{esc(text.title)}</h1>
<div class="article-info">发布时间：{text.published} 来源：{esc(text.source)} 字号：[<a>大</a> <a>中</a> <a>小</a>]</div>
<div class="TRS_Editor">
{paragraphs_html(text, indent=True)}
<p>【打印本页】【关闭窗口】</p>
<p>扫一扫在手机打开当前页</p>
</div></div>
<div class="foot"><p>主办：南岭市人民政府办公室 承办：南岭市大数据中心</p><p>湘ICP备00000011号 网站标识码4300000011</p></div>
</body></html>"""
    return page, f"/zwgk/gzdt/{ymd[:6]}/t{ymd}_{400000 + n}.html"


def hanweb(text: Text, n: int) -> tuple[str, str]:
    """A Hanweb site: #zoom content box in a table layout, 发布日期/信息来源 cells, share bar."""
    y, m, d = (int(x) for x in text.published.split("-"))
    page = f"""<html><head><meta charset="utf-8"><title>{esc(text.title)}-碧水县人民政府</title></head>
<body><table width="1000" align="center"><tr><td class="nav"><a href="/">网站首页</a> | <a href="/col/col4467/">统战工作</a> | <a href="/col/col4470/">民族宗教</a></td></tr>
<tr><td><table width="100%"><tr><td class="title" align="center">{esc(text.title)}</td></tr>
<tr><td align="center"><span>发布日期：{text.published}</span> <span>信息来源：{esc(text.source)}</span> <span>浏览次数：{120 + n}</span></td></tr>
<tr><td><div id="zoom">
{paragraphs_html(text)}
</div></td></tr>
<tr><td><div class="bdsharebuttonbox">分享到：<a class="bds_weixin">微信</a><a class="bds_tsina">微博</a><a class="bds_qzone">QQ空间</a></div></td></tr>
<tr><td>【<a href="javascript:window.print()">打印</a>】【<a href="javascript:window.close()">关闭</a>】</td></tr>
</table></td></tr>
<tr><td class="foot">版权所有：碧水县人民政府 主办：碧水县人民政府办公室 浙ICP备00000012号<br>联系电话：0000-5551234</td></tr></table>
</body></html>"""
    return page, f"/art/{y}/{m}/{d}/art_4467_{2300 + n}.html"


def epaper(text: Text, n: int) -> tuple[str, str]:
    """A newspaper e-paper (Founder): founder-content, the date in the issue line, and a
    reporter line at the end of the text."""
    y, m, d = text.published.split("-")
    paragraphs = "\n".join(f"<p>\u3000\u3000{esc(p)}</p>" for p in text.paragraphs)
    page = f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta name="ContentSource" content="{esc(text.source)}">
<title>南岭日报数字报-{esc(text.title)}</title></head>
<body><div class="nav"><a href="../../../html/{y}-{m}/{d}/node_1.htm">第01版：要闻</a> <a href="../../../html/{y}-{m}/{d}/node_2.htm">第02版：综合</a></div>
<table><tr><td class="title-list"><a href="content_1.htm">市人大常委会举行会议</a><br><a href="content_3.htm">全市春运工作部署</a></td>
<td><h1>{esc(text.title)}</h1>
<div class="date">{y}年{m}月{d}日 第02版：综合</div>
<founder-content>
{paragraphs}
<p>\u3000\u3000（记者 周文 通讯员 陈丽）</p>
</founder-content>
</td></tr></table>
<div class="foot">南岭日报社版权所有 未经书面授权 不得复制或建立镜像</div>
</body></html>"""
    return page, f"/html/{y}-{m}/{d}/content_{700 + n}.htm"


def table_2000s(text: Text, n: int) -> tuple[str, str]:
    """A 2000s table layout: no charset, a <title> with only the site's name, <br>-separated
    paragraphs, the date as a Chinese-numeral line under the title."""
    body = "<br>\n".join(f"\u3000\u3000{esc(p)}" for p in text.paragraphs)
    page = f"""<html><head><title>统战工作</title></head>
<body bgcolor="#FFFFFF"><table width="778" border="0" align="center">
<tr><td><a href="/">首页</a> | <a href="/zxdt/">政协动态</a> | <a href="/tzgz/">统战工作</a> | <a href="/lxwm/">联系我们</a></td></tr>
<tr><td><table width="100%"><tr>
<td width="180" valign="top"><b>栏目导航</b><br><a href="/zxdt/">政协动态</a><br><a href="/tzgz/">统战工作</a><br><a href="/mzzj/">民族宗教</a></td>
<td valign="top"><table width="100%">
<tr><td align="center" class="biaoti"><font size="4"><b>{esc(text.title)}</b></font></td></tr>
<tr><td align="center">{cn_date(text.published)}\u3000\u3000{esc(text.source)}</td></tr>
<tr><td class="zw">
{body}
</td></tr></table></td></tr></table></td></tr>
<tr><td align="center">版权所有：{esc(text.source)}\u3000联系电话：0000-7654321<br>湘ICP备00000010号</td></tr>
</table></body></html>"""
    return page, f"/tzgz/ShowArticle.asp?ArticleID={3000 + n}"


def news(text: Text, n: int) -> tuple[str, str]:
    """A city news site: article-content box, 来源 and 责任编辑 lines inside it, a hot-news
    sidebar, 上一篇/下一篇 and a share bar."""
    page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{esc(text.title)}_南岭新闻网</title>
<meta name="keywords" content="统战,南岭"></head>
<body><div class="header"><a href="/">首页</a><a href="/szyw/">时政要闻</a><a href="/tongzhan/">统战之窗</a><a href="/shms/">社会民生</a></div>
<div class="main"><div class="left">
<div class="crumb">您的位置：<a href="/">首页</a> &gt; <a href="/tongzhan/">统战之窗</a></div>
<h2 class="headline">{esc(text.title)}</h2>
<div class="meta"><span>{text.published} 09:{10 + n % 50}:12</span> <span>来源：{esc(text.source)}</span></div>
<div class="article-content">
{paragraphs_html(text)}
<p>来源：{esc(text.source)}</p>
<p>责任编辑：李明</p>
</div>
<div class="share">分享到：<a>微信</a> <a>微博</a> <a>QQ</a></div>
<div class="prenext"><a href="/tongzhan/{text.published[:7]}/01/content_{800 + n - 1}.html">上一篇：全市统战部长会议召开</a><a href="/tongzhan/{text.published[:7]}/02/content_{800 + n + 1}.html">下一篇：民主党派开展专题调研</a></div>
</div>
<div class="right"><div class="hot-news"><h3>热点新闻</h3><ul>
<li><a href="/a/1.html">我市举办新阶层人士座谈会，共商城市发展大计</a></li>
<li><a href="/a/2.html">民营经济人士理想信念教育培训班开班</a></li>
<li><a href="/a/3.html">市侨联开展“寻根之旅”夏令营活动</a></li>
<li><a href="/a/4.html">全市民族团结进步创建工作推进会召开</a></li></ul></div></div></div>
<div class="footer"><p>新闻热线：0000-2891234 广告热线：0000-2893888</p><p>南岭日报社主办 湘ICP备00000013号</p></div>
</body></html>"""
    y, m, d = text.published.split("-")
    return page, f"/tongzhan/{y}-{m}/{d}/content_{800 + n}.html"


def plain(text: Text, n: int) -> tuple[str, str]:
    """A site of no known CMS: a section of paragraphs, the date in Chinese with the weekday,
    the source in an info line, a QR code box and a signature line closing the text."""
    y, m, d = (int(x) for x in text.published.split("-"))
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{esc(text.title)} - 青川统战</title></head>
<body><header><nav><a href="/">首页</a><a href="/news/">统战要闻</a><a href="/work/">工作动态</a><a href="/about/">关于我们</a></nav></header>
<main><div class="wrap"><div class="post">
<h2>{esc(text.title)}</h2>
<div class="info">{y}年{m}月{d}日 星期三 | 信息来源：{esc(text.source)} | 阅读：{300 + n}</div>
<section class="post-body">
{paragraphs_html(text, indent=True)}
</section>
<div class="qrcode"><img src="/qr.png" alt=""><p>扫描二维码分享到微信</p></div>
</div>
<aside><h3>推荐阅读</h3><a href="/news/1.html">新的社会阶层人士联谊会成立</a><a href="/news/2.html">侨联开展春节慰问</a></aside>
</div></main>
<footer>青川市委统战部 版权所有 地址：青川市人民路8号 电话：0000-6661234 浙ICP备00000014号</footer>
</body></html>"""
    return page, f"/work/{y}{m:02d}/{5000 + n}.html"


def url_dated(text: Text, n: int) -> tuple[str, str]:
    """A page that gives its date only in its URL (/2023/0118/), with a 编辑 line in the box."""
    y, m, d = text.published.split("-")
    page = f"""<html><head><meta charset="utf-8"><title>{esc(text.title)}</title></head>
<body><div id="nav"><a href="/">首页</a> <a href="/list/">通知公告</a> <a href="/dt/">工作动态</a></div>
<div class="content">
<h3>{esc(text.title)}</h3>
{paragraphs_html(text)}
<p>（编辑：王芳）</p>
</div>
<div id="footer">技术支持：某网络公司 备案号：湘ICP备00000015号-1</div></body></html>"""
    return page, f"/dt/{y}/{m}{d}/{9000 + n}.html"


FAMILIES = [trs, hanweb, epaper, table_2000s, news, plain, url_dated]
# How each family is served: (bytes encoding, Content-Type header or None). The TRS pages are
# GBK with their gb2312 label; some Hanweb and news pages carry GBK under a wrong utf-8 label; the
# table pages declare no charset at all.
SERVING = {
    "trs": [("gbk", "text/html; charset=gb2312"), ("gbk", None)],
    "hanweb": [("utf-8", "text/html; charset=utf-8"), ("gbk", "text/html; charset=utf-8")],
    "epaper": [("utf-8", None)],
    "table_2000s": [("gbk", "text/html"), ("gbk", None)],
    "news": [("utf-8", "text/html; charset=utf-8"), ("gbk", None)],
    "plain": [("utf-8", "text/html; charset=utf-8")],
    "url_dated": [("utf-8", None)],
}
SOURCES = ["南岭市委统战部", "碧水县委统战部", "南岭日报", "青川统战", "县工商联", "市民族宗教局"]


def main() -> None:
    rng = random.Random(2026)
    texts = tomllib.loads(TEXTS.read_text("utf-8"))["text"]
    rng.shuffle(texts)
    pages = HERE / "pages"
    pages.mkdir(exist_ok=True)
    for old in pages.glob("*.html"):
        old.unlink()
    gold = [
        "# Gold title, date and body of each page in pages/ (see make_pages.py). Written by\n"
        "# make_pages.py from tests/labelled/texts.toml.\n"
    ]
    count = 35
    for n, entry in enumerate(texts[:count]):
        family = FAMILIES[n % len(FAMILIES)]
        published = entry.get("published") or (
            f"20{rng.randint(19, 23)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        )
        text = Text(
            entry["title"],
            published,
            [line.strip() for line in entry["body"].strip().splitlines() if line.strip()],
            rng.choice(SOURCES),
        )
        markup, path = family(text, n)
        encoding, content_type = SERVING[family.__name__][
            n // len(FAMILIES) % len(SERVING[family.__name__])
        ]
        name = f"{n:02d}-{family.__name__}-{encoding}.html"
        (pages / name).write_bytes(markup.encode(encoding))
        header = f'"{content_type}"' if content_type else '""'
        body = "\n".join(text.paragraphs).replace("\\", "\\\\").replace('"""', '\\"""')
        gold.append(
            f"""
[[page]]
file = "{name}"
family = "{family.__name__}"
url = "http://www.example.gov.cn{path}"
content_type = {header}
title = "{text.title}"
published = "{text.published}"
body = \"\"\"
{body}
\"\"\"
"""
        )
    (HERE / "gold.toml").write_text("".join(gold), encoding="utf-8")
    print(f"wrote {count} pages to {pages}")


if __name__ == "__main__":
    main()
