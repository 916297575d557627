"""Extraction as a pure function: saved pages in, title/date/source/body out."""

from pathlib import Path

import pytest
from conftest import placed_articles

from crawler.demo.sites import build_sample_web
from crawler.extract import NotHTML, date_from_url, extract_page, parse_date
from crawler.extract.gongwen import is_addressees
from crawler.fingerprint import content_hash

PAGES = Path(__file__).parent / "pages"
FURNITURE = [
    "ICP",
    "责任编辑",
    "分享到",
    "上一篇",
    "下一篇",
    "打印本页",
    "关闭窗口",
    "新闻热线",
    "您当前的位置",
    "热点新闻",
    "字号",
    "浏览次数",
    "版权所有",
    "来源",
]


def sample_article_pages():
    web = build_sample_web()
    articles = {a.title: a for a in placed_articles(web)}
    for site in web.sites.values():
        for path, route in site.routes.items():
            if any(marker in path for marker in ("content_", "/t20", "/art_")):
                yield site.id, path, route, articles


@pytest.mark.parametrize(
    "site_id,path,route,articles",
    list(sample_article_pages()),
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_sample_article_pages_extract_to_their_texts(site_id, path, route, articles):
    page = extract_page(route.body, url="http://127.0.0.1" + path)
    article = articles[page.title]  # the title is the article's own, without the site suffix
    assert page.published is not None
    assert page.source == article.source
    assert "\ufffd" not in page.body
    for word in FURNITURE:
        assert word not in page.body, f"page furniture {word!r} left in the body"
    if article.kind != "notice":  # a notice's closing date line is dropped as a sign-off
        assert content_hash(page.body) == content_hash(article.body)
    # as is a notice's 主送机关 line (各街道党工委，区直各单位：) above its text
    first = next(line for line in article.paragraphs if not is_addressees(line))
    assert (
        page.body.splitlines()[0] == first.translate(str.maketrans("，：；（）！？", ",:;()!?"))
        or page.body.splitlines()[0] == first
    )


def test_news_page_with_editor_note_keeps_the_note_and_drops_the_furniture():
    page = extract_page((PAGES / "news-editor-note.html").read_bytes())
    assert page.title == "创新举措凝心聚力 推进江北统战事业蓬勃发展"
    assert page.published == "2021-03-04"
    assert page.source == "江北日报"
    lines = page.body.splitlines()
    assert lines[0].startswith("编者按:2020年是极不平凡的一年")
    assert lines[-1].startswith("2021年,全市统一战线将")
    assert len(lines) == 6
    for word in ("热点推荐", "分享到", "上一篇", "ICP", "浏览", "来源", "您当前的位置"):
        assert word not in page.body


def test_a_page_that_names_no_source_is_its_sign_offs_issuer():
    paragraphs = "".join(
        f"<p>{text}</p>"
        for text in (
            "2022年，全县统一战线坚持稳中求进，各项工作取得新成效，凝聚人心汇聚力量。",
            "一是强化政治引领。组织党外代表人士学习二十次，开展调研十二次，形成报告九篇。",
            "2023年，全县统一战线将继续努力，为全面建设社会主义现代化贡献力量。",
            "中共青山县委统战部",
            "2023年1月10日",
        )
    )
    html = f"<html><body><h1>2022年统战工作总结</h1><div class='article'>{paragraphs}</div></body></html>"
    page = extract_page(html.encode("utf-8"))
    assert page.source == "中共青山县委统战部"
    assert page.body.splitlines()[-1].startswith("2023年，全县统一战线将继续努力")
    # an issuer beside the date on one line
    one_line = html.replace("中共青山县委统战部</p><p>", "中共青山县委统战部 ")
    assert extract_page(one_line.encode("utf-8")).source == "中共青山县委统战部"
    # a source the page names is kept
    named = html.replace("<h1>", "<div>来源：青山日报</div><h1>")
    assert extract_page(named.encode("utf-8")).source == "青山日报"


def test_a_page_with_a_whole_official_document_has_the_text_a_repost_has():
    from crawler.demo.cms import load_articles

    article = load_articles()["qs-summary-2022"]
    repost = extract_page(page_html(article.title, article.body.strip().splitlines()))
    whole = [
        "中共青山县委统战部文件", "青统发〔2023〕3号", article.title, "各乡镇党委，县直各单位：",
        *article.body.strip().splitlines(),
        "中共青山县委统战部", "2023年1月10日", "（此件公开发布）", "抄送：市委统战部。",
        "中共青山县委统战部办公室 2023年1月10日印发",
    ]  # fmt: skip
    copy = extract_page(page_html(article.title, whole))
    assert copy.body == repost.body  # 版头, 主送机关, sign-off, 附注 and 版记 are not the text
    assert copy.source == "中共青山县委统战部"
    # a salutation is the text's own
    speech = extract_page(page_html("在全县统战工作会议上的讲话", ["同志们：", *whole[4:8]]))
    assert speech.body.startswith("同志们：")


def page_html(title: str, lines: list[str]) -> bytes:
    paragraphs = "".join(f"<p>{line}</p>" for line in lines)
    return (
        f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        f"<h1>{title}</h1><div class='content'>{paragraphs}</div></body></html>"
    ).encode()


def test_table_layout_page_without_charset_or_title_tag():
    page = extract_page((PAGES / "table-layout-gbk.html").read_bytes())
    assert page.encoding == "gb18030"
    assert page.title == "石门县二〇〇九年统战工作总结"
    assert page.published == "2009-12-30"  # written 二〇〇九年十二月三十日
    lines = page.body.splitlines()
    assert len(lines) == 5 and lines[1].startswith("一是加强党外干部队伍建设")
    assert "栏目导航" not in page.body and "ICP" not in page.body


def test_epaper_founder_content():
    page = extract_page((PAGES / "epaper-founder.html").read_bytes())
    assert page.title == "砥砺奋进的一年"
    assert page.published == "2023-01-05"
    assert page.source == "临江日报"
    assert (
        page.body.splitlines()[0]
        == "过去的一年，全市侨务系统坚持为侨服务、凝聚侨心，各项工作取得新成效。"
    )
    assert "记者" not in page.body and "第02版" not in page.body


@pytest.mark.parametrize(
    "text,expected",
    [
        ("发布时间：2023-03-01 09:30", "2023-03-01"),
        ("2023/3/1", "2023-03-01"),
        ("2023年3月1日", "2023-03-01"),
        ("二〇二三年三月一日", "2023-03-01"),
        ("二〇〇九年十二月三十日", "2009-12-30"),
        ("2023年13月45日", None),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "url,expected",
    [
        ("http://x.gov.cn/tzyw/202303/t20230301_123456.html", "2023-03-01"),
        ("http://x.gov.cn/art/2023/3/1/art_4467_123456.html", "2023-03-01"),
        ("http://x.cn/news/2023/0301/123.html", "2023-03-01"),
        ("http://x.cn/news/2023-03/01/content_1.html", "2023-03-01"),
        ("http://x.cn/news/list.html", None),
    ],
)
def test_date_from_url(url, expected):
    assert date_from_url(url) == expected


def test_binary_and_empty_responses_are_refused():
    with pytest.raises(NotHTML):
        extract_page(b"%PDF-1.4 binary")
    with pytest.raises(NotHTML):
        extract_page(b"   ")


def test_random_bytes_without_nuls_are_refused_but_text_with_a_stray_control_is_not():
    """Regression: 40 KB of random bytes under .html passed as a page when its first kilobyte
    happened to hold no NUL (about 2 % of the time)."""
    import random

    rng = random.Random(3)
    noise = bytes(rng.randrange(1, 256) for _ in range(40_000))
    assert b"\x00" not in noise
    with pytest.raises(NotHTML):
        extract_page(noise)
    page = (PAGES / "news-editor-note.html").read_bytes().replace(b"<body>", b"<body>\x01\x02", 1)
    assert extract_page(page).body


def test_broken_html_still_extracts():
    html = (
        "<html><body><div class='content'><p>"
        + "全市统一战线凝心聚力，取得新成效。" * 10
        + "<p>第二段没有闭合".encode().decode()
    )
    page = extract_page(html.encode("utf-8"))
    assert page.body.startswith("全市统一战线凝心聚力")
    assert page.body.endswith("第二段没有闭合")


def test_a_date_only_the_pages_data_holds_is_read_from_its_scripts():
    """JSON-LD's datePublished, a WeChat-style Unix time (read in China time: 16:00 UTC is the
    next day there), and none from scripts that only hold quotes and words."""
    body = "<p>" + "县委统战部召开座谈会，听取党外人士意见建议。" * 5 + "</p>"

    def page(script: str) -> bytes:
        return (
            '<html><head><title>座谈会</title><script>var a = {"k": "v"}; function f() {}'
            f"</script><script>{script}</script></head><body><h1>座谈会</h1>{body}</body></html>"
        ).encode()

    cases = {
        '{"@type": "NewsArticle", "datePublished": "2023-01-05T08:00:00+08:00"}': "2023-01-05",
        'var nickname = "x"; var ct = "1581436800";': "2020-02-12",
        'window.data = {"pubtime": 1581436800}': "2020-02-12",
        'var publish_time = "1581436800"': "2020-02-12",
        'var ctx = "1581436800"; var s = "publishDate";': None,
    }
    for script, day in cases.items():
        extracted = extract_page(page(script), "http://127.0.0.2/news/a.html")
        assert extracted.published == day, script
        assert extracted.published_from == ("page data" if day else None), script
