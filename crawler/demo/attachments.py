"""Two sample sites for summaries published as files: a county government whose 信息公开 column
lists its summaries as PDF and Word attachments (and a work plan, a spreadsheet, and files that go
wrong in every way real ones do), and a news site that publishes the same summaries as web pages.
A crawl of both should hold each summary once, with a sighting for every copy, whatever the
format. The files are made by real tools (crawler/demo/files/make.py)."""

from __future__ import annotations

from urllib.parse import quote

from crawler.demo.badfiles import DOC, DOCX, PDF, bad_files, file
from crawler.demo.cms import load_articles
from crawler.demo.hostile import page, site_block
from crawler.demo.server import SampleSite, SampleWeb, loopback_hosts


# (path, link text, list date, body, content type): the 信息公开 column of the county site.
def column_files() -> list[tuple[str, str, str, bytes, str]]:
    docx = file("qs-summary-2022.docx")
    return [
        ("/xxgk/P020230216512345.pdf", "临江市2022年统一战线工作综述", "2023-02-16",
         file("lj-summary-2022.pdf"), PDF),
        ("/xxgk/青山县委统战部2022年工作总结.docx", "青山县委统战部2022年工作总结", "2023-01-10",
         docx, DOCX),
        ("/xxgk/P020230110000001.doc", "青山县委统战部2022年工作总结（Word 2003）", "2023-01-10",
         file("qs-summary-2022.doc"), DOC),
        ("/xxgk/P020230110000009.ofd", "青山县委统战部2022年工作总结（OFD版式文件）", "2023-01-10",
         file("qs-summary-2022-hongtou.ofd"), "application/ofd"),
        ("/xxgk/P020230228000002.docx", "2023年全市统一战线工作要点", "2023-02-28",
         file("lj-plan-2023.docx"), DOCX),
        ("/xxgk/统计表.xls", "2022年统战工作统计表", "2023-01-05", b"\xd0\xcf\x11\xe0", "application/vnd.ms-excel"),
        *bad_files("/xxgk/bad/"),
    ]  # fmt: skip


def build_attachment_web() -> tuple[SampleWeb, str]:
    """The county site with attachments and the news site with the web copies, started, and
    their sites.toml entries."""
    articles = load_articles()
    county_host, news_host = loopback_hosts(2)
    county = SampleSite("shiqiao-gov", "石桥县人民政府", "测试省石桥县", county_host)
    news = SampleSite("hexi-news", "河西新闻网", "测试省河西市", news_host)
    rows = []
    for path, text, day, body, content_type in column_files():
        county.add(path, body, content_type)
        rows.append(f'<li><a href="{path}">{text}</a><span>{day}</span></li>')
    # An article whose text is its attachment: the link says nothing, the page's title does.
    review = articles["yx-review-2022"]
    county.add(
        "/xxgk/art_2023_7.html",
        page(review.title, "全文详见附件。<a href='/xxgk/P020230120000003.pdf'>附件1</a>"),
    )
    county.add("/xxgk/P020230120000003.pdf", file("yx-review-2022.pdf"), PDF)
    rows.append(
        f'<li><a href="/xxgk/art_2023_7.html">{review.title}</a><span>2023-01-20</span></li>'
    )
    # A 信息公开 detail page (index number, issuer, date in a table) whose text is its attachment,
    # reached from the home page, not from a dated list row: the page's date is the file's. The
    # file is the whole 红头文件 (letterhead, 文号, 主送机关, 版记): the same document as the web copy.
    county.add(
        "/zwgk/detail_88.html",
        "<html><head><meta charset='utf-8'><title>关于2022年工作情况的报告</title></head><body>"
        "<table class='xxgk'><tr><td>索引号：</td><td>11360000/2023-00012</td><td>发布机构：</td>"
        "<td>青山县委统战部</td></tr><tr><td>发布日期：</td><td>2023-01-25</td></tr></table>"
        "<h1>关于2022年工作情况的报告</h1><div class='content'><p>附件：<a href="
        "'/zwgk/P020230125000004.pdf'>青山县委统战部2022年工作情况报告.pdf</a></p></div>"
        "</body></html>",
    )
    county.add("/zwgk/P020230125000004.pdf", file("qs-summary-2022-hongtou.pdf"), PDF)
    # A download address that names no file (a Java CMS's download.do?fileId=…), under an article
    # whose text is its attachment: its type is read from the bytes, its name from the server's
    # Content-Disposition; the file numbers its headings automatically (Word's numbering).
    county.add(
        "/xxgk/art_2023_8.html",
        page("关于2022年度工作情况的报告",
             "附件下载：<a href='/module/download.do?fileId=8f3a1c'>附件1</a>"),
    )  # fmt: skip
    county.add(
        "/module/download.do?fileId=8f3a1c",
        file("qs-summary-2022-numbered.docx"),
        "application/octet-stream",
        headers={
            "Content-Disposition": "attachment; filename*=UTF-8''"
            + quote("青山县委统战部2022年工作总结.docx")
        },
    )
    rows.append(
        '<li><a href="/xxgk/art_2023_8.html">关于2022年度工作情况的报告</a><span>2023-01-12</span></li>'
    )
    county.add(
        "/xxgk/index.html",
        "<html><head><meta charset='utf-8'><title>政府信息公开_石桥县人民政府</title></head><body>"
        f"<h1>政府信息公开</h1><ul class='list'>{''.join(rows)}</ul></body></html>",
    )
    county.add(
        "/",
        "<html><head><meta charset='utf-8'><title>石桥县人民政府</title></head><body>"
        "<a href='/xxgk/index.html'>政府信息公开</a>"
        "<a href='/zwgk/detail_88.html'>关于2022年工作情况的报告</a></body></html>",
    )
    copies = ("lj-summary-2022", "qs-summary-2022", "yx-review-2022")
    items = []
    for number, key in enumerate(copies, start=1):
        article = articles[key]
        path = f"/news/2023-02/{number:02d}/content_{number}.html"
        news.add(path, page(article.title, article.body))
        items.append(f'<li><a href="{path}">{article.title}</a></li>')
    news.add(
        "/",
        "<html><head><meta charset='utf-8'><title>河西新闻网</title></head><body>"
        f"<ul>{''.join(items)}</ul></body></html>",
    )
    web = SampleWeb([county, news]).start()
    return web, site_block(county) + "\n" + site_block(news)
