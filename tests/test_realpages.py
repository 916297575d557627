"""Extraction on real pages nobody here designed (../shared/realpages, hand-written gold): the
figures may rise, never fall below these floors. `python benchmarks/run.py extraction` prints
them beside trafilatura, readability-lxml and GNE."""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

from conftest import REALPAGES_DIR, needs_shared

from crawler.extract import extract_page

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from extraction import body_scores, date_right, load_realpages, ours, squeeze  # noqa: E402


@needs_shared
def test_real_pages_stay_above_the_floors():
    pages = load_realpages(REALPAGES_DIR)
    results = [(page, ours(page)) for page in pages]
    f1 = statistics.mean(body_scores(r.body, p.body)[2] for p, r in results)
    titles = sum(squeeze(r.title) == squeeze(p.title) for p, r in results)
    dates = sum(date_right(r.published, p.published) for p, r in results)
    print(f"real pages: F1 {f1:.3f}, titles {titles}/{len(pages)}, dates {dates}/{len(pages)}")
    # measured 0.993, 43/43, 43/43; readability-lxml 0.924, GNE 41 titles, trafilatura 40 dates
    assert f1 >= 0.985 and titles >= 43 and dates >= 43


def test_a_title_block_with_byline_and_date_gives_the_headline_and_the_date():
    page = (
        "<html><head><title>某县召开统战工作会议_某县新闻网</title>"
        '<meta name="dateUpdate" content="2023-02-01 10:00:00"></head><body>'
        '<div class="article-title">某县召开统战工作会议 某县发布 发布时间：01-3109:30</div>'
        "<div><p>" + "会议回顾了一年来全县统一战线工作，部署了今年的重点任务。" * 8 + "</p></div>"
        '<div class="footer">发布日期：2024-05-05</div></body></html>'
    ).encode()
    extracted = extract_page(page)
    assert extracted.title == "某县召开统战工作会议"
    assert extracted.published == "2023-01-31"


def test_a_dated_line_under_the_headline_wins_over_a_labelled_date_in_the_footer():
    page = (
        "<html><head><title>全市民族工作综述</title></head><body>"
        "<h1>全市民族工作综述</h1><div>2023-03-01 10:00 更新</div>"
        "<div><p>" + "一年来，全市民族工作取得新成效，各族群众共同团结奋斗。" * 8 + "</p></div>"
        "<div>发布时间：2024-06-30</div></body></html>"
    ).encode()
    assert extract_page(page).published == "2023-03-01"


def test_a_wrapper_named_for_its_share_buttons_that_holds_the_article_is_kept():
    text = "今年以来，我区坚持大团结大联合，凝聚各方力量推动高质量发展。"
    page = (
        "<html><head><title>工作回顾</title></head><body><h1>工作回顾</h1>"
        '<div class="js_img_share_area">'
        + "".join(f"<p>{text}{n}</p>" for n in range(12))
        + "</div>"
        '<div class="content"><a href="/a">热点一</a><p>侧栏短讯，不是正文的内容。</p></div>'
        "</body></html>"
    ).encode()
    body = extract_page(page).body
    assert body.count(text) == 12 and "侧栏" not in body
