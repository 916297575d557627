"""Page shapes seen on real sites, one mechanism each: every test builds a page of that shape and
checks what a reader of the archive would see (the article's text, its date), not internals."""

from __future__ import annotations

from datetime import date

from crawler.extract import clean_body_lines, extract_page
from crawler.extract.decode import decode_html

LEAD = "今年以来，全县统一战线坚持大团结大联合，凝聚各方力量推动高质量发展。"
MORE = "全县各民主党派、工商联和无党派人士围绕中心、服务大局，积极建言献策，成效明显。"
LATER = "下一步，县委统战部将持续深化理论学习，推动统一战线工作再上新台阶，争创一流业绩。"


def paragraphs(text: str, count: int, tag: str = "p") -> str:
    return "".join(f"<{tag}>{text}（{n}）</{tag}>" for n in range(count))


def page(body: str, title: str = "全县统一战线工作综述", head: str = "") -> bytes:
    return (
        f"<html><head><meta charset='utf-8'><title>{title}_某县新闻网</title>{head}</head>"
        f"<body><div class='nav'><a href='/'>首页</a> <a href='/a'>要闻</a></div>{body}"
        "<div class='footer'>版权所有 某县新闻网 ICP备12345678号</div></body></html>"
    ).encode()


def test_a_related_list_right_after_the_lead_does_not_cut_the_article():
    html = page(
        "<h1>全县统一战线工作综述</h1><div class='text'>"
        f"<p>{LEAD}</p><p><strong>相关新闻：</strong></p>"
        "<p><a href='/n/1.html'>我县召开民主党派座谈会</a></p>"
        "<p><a href='/n/2.html'>县委统战部开展专题调研</a></p>"
        f"{paragraphs(MORE, 4)}</div>"
    )
    body = extract_page(html).body
    assert body.startswith(LEAD)
    assert MORE in body and "（3）" in body
    assert "相关新闻" not in body and "座谈会" not in body


def test_a_related_list_at_the_end_still_ends_the_article():
    html = page(
        "<h1>全县统一战线工作综述</h1><div class='text'>"
        f"{paragraphs(MORE, 5)}<p>相关阅读：</p>"
        "<p><a href='/n/1.html'>我县召开民主党派座谈会</a></p>"
        "<p><a href='/n/2.html'>县委统战部开展专题调研</a></p></div>"
    )
    body = extract_page(html).body
    assert body.endswith("（4）") and "相关阅读" not in body


def test_a_text_standing_in_one_div_between_br_is_taken_without_the_header_around_it():
    html = page(
        "<div class='newscontent'><div class='news_path'>首页 > 要闻</div>"
        "<h1 class='news_title'>全县统一战线工作综述</h1>"
        "<div class='news_about'><p>某县发布</p><p>2023-02-01 09:30 来源：某县融媒体中心</p></div>"
        "<div class='news_size'>字号 <span>大</span> <span>中</span> <span>小</span></div>"
        "<div class='news_txt'>" + "<br>".join(f"{MORE}{n}" for n in range(8)) + "</div>"
        "<div class='news_keyword'>关键词 >> 统战, 综述</div></div>"
    )
    extracted = extract_page(html)
    assert extracted.body.splitlines()[0] == f"{MORE}0"
    assert "字号" not in extracted.body and "关键词" not in extracted.body
    assert extracted.published == "2023-02-01"


def test_a_long_thread_of_comments_does_not_outweigh_a_short_post():
    comments = "".join(
        f"<li class='comment-item'><span class='user'>网友{n}</span><p>{LATER}{MORE}</p></li>"
        for n in range(12)
    )
    html = page(
        f"<h1>全县统一战线工作综述</h1><div class='article'>{paragraphs(LEAD, 3)}</div>"
        f"<div class='commentList'><h3>网友评论</h3><ul>{comments}</ul></div>"
    )
    body = extract_page(html).body
    assert LEAD in body and "网友" not in body and LATER not in body


def test_on_a_forum_thread_the_first_post_is_the_article_even_when_a_reply_is_longer():
    def post(number: int, author: str, text: str) -> str:
        return (
            f"<div id='post_{number}' class='post'><table><tr>"
            f"<td class='pls'><div class='authi'><a href='/u/{number}'>{author}</a></div></td>"
            f"<td class='plc'><div class='pi'>发表于 2023-2-{number % 20 + 1} 10:00</div>"
            f"<td class='t_f' id='postmessage_{number}'>{text}</td></td></tr></table></div>"
        )

    opening = "<br>".join(f"{LEAD}{n}" for n in range(3))
    long_reply = "<br>".join(f"{LATER}{n}" for n in range(10))
    html = page(
        "<h1>全县统一战线工作综述</h1><div id='postlist'>"
        + post(101, "楼主", opening)
        + post(102, "网友甲", long_reply)
        + post(103, "网友乙", MORE)
        + "</div>",
        title="全县统一战线工作综述 - 某县论坛",
    )
    extracted = extract_page(html)
    assert extracted.body.splitlines() == [f"{LEAD}{n}" for n in range(3)]
    assert extracted.published == "2023-02-02"


def test_a_text_split_over_two_tables_is_kept_whole():
    html = page(
        "<h1>全县统一战线工作综述</h1>"
        "<div class='main'><table class='txt'><tr><td>"
        + paragraphs(LEAD, 4)
        + "</td></tr></table><div class='pic'><img src='/a.jpg'></div>"
        "<table class='txt'><tr><td>"
        + paragraphs(LATER, 4)
        + "</td></tr></table><div class='links'><a href='/1'>上一篇：某某</a></div></div>"
    )
    body = extract_page(html).body
    assert body.count(LEAD) == 4 and body.count(LATER) == 4
    assert body.index(LEAD) < body.index(LATER)


def test_the_headline_repeated_over_several_lines_at_the_top_of_the_text_is_not_body():
    title = "县委统战部关于开展二〇二三年度民主党派参政议政成果评选活动的通知"
    html = page(
        f"<h1>{title}</h1><div class='text'><p>县委统战部</p>"
        "<p>关于开展二〇二三年度民主党派参政议政</p><p>成果评选活动的通知</p>"
        f"{paragraphs(MORE, 5)}</div>",
        title=title,
    )
    extracted = extract_page(html)
    assert extracted.title == title
    assert extracted.body.splitlines()[0].startswith(MORE)


def test_interview_questions_are_text_and_bylines_are_not():
    lines = [
        "记者：张三 李四",
        "记者：今年全县统一战线工作的重点是什么？",
        "答：围绕中心，服务大局，凝聚共识。",
        "记者：请谈谈你们在民营经济统战工作方面的做法，以及取得的效果。",
        "责任编辑：王五",
        "编辑|赵六",
    ]
    assert clean_body_lines(lines) == lines[1:4]


def test_notes_credits_and_undecodable_symbols_are_not_body():
    lines = [
        "（原标题：某县统战工作亮点纷呈）",
        LEAD,
        "资料图",
        "▲本报记者张三摄",
        "图为座谈会现场。（李四摄）",
        "������",
        MORE,
    ]
    assert clean_body_lines(lines) == [LEAD, "图为座谈会现场。（李四摄）", MORE]


def test_dates_in_the_shapes_forums_blogs_and_offices_print_them():
    def dated(info: str, after: str = "", footer: str = "") -> str | None:
        html = page(
            f"<h1>全县统一战线工作综述</h1><div class='info'>{info}</div>"
            f"<div class='text'>{paragraphs(MORE, 5)}</div>{after}"
            f"<div class='bottom'>{footer}</div>"
        )
        return extract_page(html).published

    assert dated("2023-03-01 10:00 更新") == "2023-03-01"
    assert dated("发表于 2023-3-1 10:00") == "2023-03-01"
    assert dated("作者：张三 3/1/2023") == "2023-03-01"
    assert dated("", after="<p>县委统战部</p><p>2023年3月1日</p>") == "2023-03-01"
    # a labelled date in the footer comes after the date signed under the text
    assert dated("", after="<p>2023年3月1日</p>", footer="更新时间：2024-06-30") == "2023-03-01"


def test_a_date_at_the_top_of_the_content_box_is_the_date():
    html = page(
        "<h1>全县统一战线工作综述</h1><div class='text'>"
        f"<p>2023年03月01日 来源：县委统战部</p>{paragraphs(MORE, 5)}</div>",
        head="",
    )
    assert extract_page(html).published == "2023-03-01"


def test_a_relative_date_counts_from_the_day_the_page_was_fetched():
    html = page(
        "<h1>全县统一战线工作综述</h1><div class='time'>昨天</div>"
        f"<div class='text'>{paragraphs(MORE, 5)}</div>"
    )
    assert extract_page(html, fetched_on=date(2023, 3, 2)).published == "2023-03-01"
    assert extract_page(html).published is None  # no day to count from: no guess


def test_one_bad_byte_in_a_gbk_page_costs_one_character_not_the_page():
    text = "<html><body><p>" + LEAD * 20 + "</p></body></html>"
    raw = text.encode("gbk")
    broken = raw[:301] + b"\xff" + raw[301:]  # between two characters
    for label in (None, "utf-8", "gb2312"):
        decoded = decode_html(broken, header_charset=label)
        assert decoded.encoding == "gb18030", label
        assert decoded.text.count("\ufffd") == 1
        assert decoded.text.count(LEAD) == 19
        assert "invalid" in decoded.reason


def test_crawler_extract_counts_a_saved_pages_relative_date_from_the_day_given(tmp_path):
    import json

    from click.testing import CliRunner

    from crawler.cli import cli

    saved = tmp_path / "page.html"
    saved.write_bytes(
        page(
            "<h1>全县统一战线工作综述</h1><div class='time'>前天</div>"
            f"<div class='text'>{paragraphs(MORE, 5)}</div>"
        )
    )
    result = CliRunner().invoke(cli, ["extract", "--fetched-on", "2023-03-03", str(saved)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["published"] == "2023-03-01"
    result = CliRunner().invoke(cli, ["extract", str(saved)])
    assert json.loads(result.output)["published"] is None


def test_a_first_post_whose_text_stands_alone_in_its_cell_is_read_without_the_post_furniture():
    # The post's message is one run of text with no element inside it: the densest block of the
    # post is that childless cell, and it (not the whole post, author and posting time) is the text.
    def post(number: int, author: str, text: str) -> str:
        return (
            f"<div id='post_{number}' class='post'><table><tr>"
            f"<td class='pls'><div class='authi'><a href='/u/{number}'>{author}</a>"
            f"（{author}的个人空间，积分一千二百分，注册于二〇一五年）</div></td>"
            f"<td class='plc'><div class='pi'>发表于 2023-2-{number % 20 + 1} 10:00</div>"
            f"<td class='t_f'>{text}</td></td></tr></table></div>"
        )

    html = page(
        "<h1>全县统一战线工作综述</h1><div id='postlist'>"
        + post(101, "楼主", LEAD + MORE)
        + post(102, "网友甲", LATER * 4)
        + "</div>",
        title="全县统一战线工作综述 - 某县论坛",
    )
    assert extract_page(html).body == LEAD + MORE
