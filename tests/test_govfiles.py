"""Government files from the real world's writers, read as a person reads them: titles as set
under the 版头, dates by their role, 版记 dropped, every figure as printed (no footnote number
fused into it, no digit lost between OFD objects), garbled text layers refused, radical forms
folded. The samples are made by real tools (crawler/demo/files/make_govfiles.py); each is read
through `crawler extract` and through a crawl."""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.cli import cli
from crawler.demo.badfiles import FILES, file
from crawler.demo.cms import load_articles
from crawler.demo.govfiles import BROWSER, SAMPLES
from crawler.demo.govsite import GARBLED, build_gov_web
from crawler.extract import extract_page
from crawler.extract.dates import is_sign_off_date, parse_date
from crawler.extract.files import extract_file
from crawler.extract.files.layout import Line
from crawler.extract.files.runs import Char, rows_of
from crawler.extract.variants import KANGXI_SIMPLIFIED, fold_variants
from crawler.fingerprint import content_hash
from tests.conftest import FAST, rows, run_crawler

# A figure as a researcher quotes it: digits with their separators and decimals.
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def numbers(text: str) -> list[str]:
    return sorted(NUMBER.findall(unicodedata.normalize("NFKC", text)))


@cache
def extracted(name: str):
    return extract_file(file(name))


@cache
def _extract_cli(name: str) -> dict:
    result = CliRunner().invoke(cli, ["extract", str(FILES / name)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda sample: sample.name)
def test_each_file_reads_as_printed(sample):
    found = _extract_cli(sample.name)
    assert found["title"] == sample.title
    assert (found["published"], found["published_from"]) == (
        sample.published,
        sample.published_from,
    )
    assert found["source"] == sample.source
    assert found["body"].split("\n") == sample.body
    for furniture in sample.furniture:  # 版头, 版记, field labels, site chrome: never the text
        assert furniture not in found["body"] and furniture not in found["title"]


def test_every_number_of_every_sample_is_read_unchanged():
    """For every sample file, the figures of its source text are the figures read from it, digit
    for digit: none fused with a note number, none split, none lost, none added."""
    articles = load_articles()
    sources = {sample.name: "\n".join(sample.body) for sample in SAMPLES}
    names = set(sources)
    web_copies = {
        "lj-summary-2022.pdf": "lj-summary-2022", "lj-summary-2022-cover.pdf": "lj-summary-2022",
        "yx-review-2022.pdf": "yx-review-2022", "qs-summary-2022.docx": "qs-summary-2022",
        "qs-summary-2022-gongwen.pdf": "qs-summary-2022", "qs-summary-2022-hongtou.pdf":
        "qs-summary-2022", "qs-summary-2022-hongtou.docx": "qs-summary-2022",
        "qs-summary-2022-hongtou.ofd": "qs-summary-2022", "qs-summary-2022-numbered.docx":
        "qs-summary-2022",
    }  # fmt: skip
    sources |= {name: articles[key].body for name, key in web_copies.items()}
    for name, source in sources.items():
        body = _extract_cli(name)["body"] if name in names else extracted(name).body
        assert numbers(body) == numbers(source), name


@settings(max_examples=60, deadline=None)
@given(
    figures=st.lists(st.tuples(st.integers(0, 99999), st.integers(0, 99)), min_size=1, max_size=4),
    notes=st.lists(st.sampled_from(["before", "after", "none"]), min_size=4, max_size=4),
    order=st.randoms(use_true_random=False),
    piece=st.integers(1, 4),
)
def test_note_numbers_never_join_a_figure_in_any_drawing_order(figures, notes, order, piece):
    """A printed line of figures, each with a superscript note number set before or after it,
    drawn in pieces of any length in any order: the line reads the figures as printed."""
    size, x, chars, expected = 16.0, 50.0, [], ""

    def draw(text: str, note: bool = False) -> None:
        nonlocal x
        for ch in text:
            if note:  # small, raised above the baseline
                chars.append(Char(x, x + 5, 91, 101, 9.5, ch))
                x += 5
            else:
                width = size * (0.5 if ch.isascii() else 1.0)
                chars.append(Char(x, x + width, 90, 106, size, ch))
                x += width

    for index, (whole, cents) in enumerate(figures):
        figure = f"{whole}.{cents:02d}"
        expected += f"指标为{figure}万元，"
        draw("指标为")
        if notes[index] == "before":
            draw(str(index + 1), note=True)
        draw(figure)
        if notes[index] == "after":
            draw(str(index + 1), note=True)
        draw("万元，")
    pieces = [chars[start : start + piece] for start in range(0, len(chars), piece)]
    order.shuffle(pieces)
    lines = [
        Line("".join(c.text for c in part), min(c.x0 for c in part), max(c.x1 for c in part),
             min(c.top for c in part), max(c.bottom for c in part), max(c.size for c in part),
             0, 842.0, part)
        for part in pieces
    ]  # fmt: skip
    (row,) = rows_of(lines)
    assert numbers(row.text) == numbers(expected)


def test_ofd_objects_of_one_character_are_all_read():
    body = extracted("gw-per-character.ofd").body
    assert "根据我市2023年第7次常务会议" in body and "青财发〔2012〕21号" in body
    assert "202\n" not in body and "\n年" not in body


def test_dates_by_their_role():
    assert is_sign_off_date("二〇二三年三月二十八日") and is_sign_off_date("2023年4月3日")
    assert is_sign_off_date("青山县人民政府　2023年4月3日")
    assert parse_date("二〇二三年三月二十八日") == "2023-03-28"
    assert parse_date("二零二三年十二月三十一日") == "2023-12-31"
    for not_signed in (
        "本条例自2011年3月1日起施行。",
        "（2010年12月28日青山县第十五届人民代表大会常务委员会第二十次会议通过）",
        "青山县财政局办公室 2023年7月14日印发",
        "本办法自2023年1月1日起生效",
        "审查会于2023年7月12日召开。",
    ):
        assert not is_sign_off_date(not_signed), not_signed
    regulation = extracted("regulation-effective.pdf")
    assert regulation.body.endswith("本条例自2011年3月1日起施行。")  # text, not a sign-off
    # metadata only as the last resort, zero-padded, and said so
    from crawler.extract.files import _dated_by

    assert _dated_by(["各单位："], {"created": "2023-7-2"}) == (
        "2023-07-02",
        "document metadata (no date printed)",
    )
    assert _dated_by(["各单位："], {}) == (None, None)
    # an OFD dated 2007 by its writer prints 2023年7月12日
    assert extracted("gw-per-character.ofd").published == "2023-07-12"


def test_a_garbled_text_layer_is_told_by_its_characters():
    result = CliRunner().invoke(cli, ["extract", str(FILES / GARBLED)])
    assert result.exit_code != 0 and "garbled_text" in result.output


# Kangxi radicals that NFKC folds to a traditional character, with the simplified one a reader of
# simplified Chinese expects.
RADICALS = {
    "⼾": ("戶", "户"), "⾒": ("見", "见"), "⾙": ("貝", "贝"), "⾞": ("車", "车"),
    "⾧": ("長", "长"), "⾨": ("門", "门"), "⾭": ("靑", "青"), "⾱": ("韋", "韦"),
    "⾴": ("頁", "页"), "⾵": ("風", "风"), "⾶": ("飛", "飞"), "⾺": ("馬", "马"),
    "⾾": ("鬥", "斗"), "⿂": ("魚", "鱼"), "⿃": ("鳥", "鸟"), "⿄": ("鹵", "卤"),
    "⿆": ("麥", "麦"), "⿈": ("黃", "黄"), "⿌": ("黽", "黾"), "⿑": ("齊", "齐"),
    "⿒": ("齒", "齿"), "⿓": ("龍", "龙"), "⿔": ("龜", "龟"),
}  # fmt: skip


def test_radicals_fold_to_the_simplified_characters():
    assert set(KANGXI_SIMPLIFIED) == set(RADICALS)
    for radical, (traditional, simplified) in RADICALS.items():
        assert unicodedata.normalize("NFKC", radical) == traditional
        assert fold_variants(radical) == simplified
    assert fold_variants("⼀⼈⺠") == "一人民"  # the rest as NFKC and Unicode's equivalents
    assert "户" in extracted("stats-footnotes.pdf").body  # printed from ⼾ (U+2F3E)
    page = extract_page(
        "<html><head><meta charset='utf-8'><title>t</title></head><body><h1>青山县2022年⼾籍"
        "人口统计工作总结</h1><div class='content'><p>全县⼾籍人口630.94万人，⾨诊量增长。</p>"
        "</div></body></html>".encode()
    )
    assert page.title == "青山县2022年户籍人口统计工作总结"
    assert page.body == "全县户籍人口630.94万人，门诊量增长。"


def test_the_record_of_an_official_document_is_dropped_on_a_page():
    html = (
        "<html><head><meta charset='utf-8'><title>关于2022年度工作的总结报告</title></head><body>"
        "<h1>关于2022年度工作的总结报告</h1><div class='content'><p>县委，县政府：</p>"
        "<p>2022年，全县新增市场主体4,126户，同比增长17.3%。</p><p>特此报告。</p>"
        "<p>青山县市场监管局</p><p>二〇二三年三月二十八日</p><p>（此件公开发布）</p>"
        "<p>抄送：市市场监管局，县委办公室，县人大常委会办公室，县政府办公室，</p>"
        "<p>县政协办公室。</p><p>青山县市场监管局办公室　2023年3月30日印发</p>"
        "<p>（共印20份）</p></div></body></html>"
    )
    page = extract_page(html.encode())
    assert page.body == "2022年，全县新增市场主体4,126户，同比增长17.3%。\n特此报告。"
    assert page.source == "青山县市场监管局"


def test_the_files_of_a_crawl_read_as_printed(tmp_path: Path):
    web, registry, where = build_gov_web()
    try:
        sites = tmp_path / "sites.toml"
        sites.write_text(registry, encoding="utf-8")
        db = tmp_path / "archive.db"
        result = run_crawler("crawl", "--sites", str(sites), "--db", str(db), *FAST)
        assert result.returncode == 0, result.stderr
    finally:
        web.stop()
    pages = {
        row["url"]: row
        for row in rows(db, "SELECT url, title, published, published_from FROM pages")
    }
    for sample in SAMPLES:  # dated by what each prints; a metadata date said to be one
        row = pages[where[sample.name]]
        assert (row["title"], row["published"], row["published_from"]) == (
            sample.title,
            sample.published,
            sample.published_from,
        ), sample.name
    errors = rows(db, "SELECT url, kind FROM crawl_errors")
    assert {"url": where[GARBLED], "kind": "garbled_text"} in errors
    # the page printed from the browser and the page itself: one document, two sightings
    (document,) = rows(
        db,
        "SELECT id, body, content_hash, published_from FROM documents WHERE title = ?",
        (BROWSER.title,),
    )
    assert document["body"] == "\n".join(BROWSER.body)
    assert document["published_from"] in ("sign-off in the text", "under the headline")
    sightings = rows(db, "SELECT url FROM sightings WHERE document_id = ?", (document["id"],))
    assert sorted(s["url"].rsplit(".", 1)[1] for s in sightings) == ["html", "pdf"]
    assert document["content_hash"] == content_hash(extracted(BROWSER.name).body)


def test_note_numbers_on_a_page_are_read_as_in_its_printed_file():
    """The statistics report's web page (<sup>1</sup> before and after figures, km<sup>2</sup>,
    CO<sub>2</sub>, ⼾) reads as its printed PDF does: the same figures, the same document."""
    page = extract_page(file("stats-footnotes.html"))
    printed = extracted("stats-footnotes.pdf")
    assert page.body == printed.body
    assert "1761.48万人" in page.body and "11761.48" not in page.body
    assert content_hash(page.body) == content_hash(printed.body)


def test_a_word_file_s_label_and_note_numbers_are_not_its_text():
    """A DOCX as Word writes an attachment: its label (附件3：) centred above the title, figures
    with footnote numbers set as superscript runs."""
    import io

    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = Document()
    for text in ("附件3：", "青山县2022年度统计工作总结"):
        document.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph = document.add_paragraph("年末全市常住人口")
    paragraph.add_run("1").font.superscript = True
    paragraph.add_run("1761.48万人，绿地86.5km")
    paragraph.add_run("2").font.superscript = True
    paragraph.add_run("，CO")
    paragraph.add_run("2").font.subscript = True
    paragraph.add_run("排放下降3.2%。")
    data = io.BytesIO()
    document.save(data)
    found = extract_file(data.getvalue())
    assert found.title == "青山县2022年度统计工作总结"
    assert found.body == "年末全市常住人口1761.48万人，绿地86.5km²，CO₂排放下降3.2%。"


def test_a_letters_issuer_mark_and_an_orders_number_are_not_the_title():
    """信函格式: the issuing body's name alone in large type over the 文号; 命令格式: …令 and
    第N号. Neither is the title."""
    from crawler.extract.files.layout import paragraphs

    def line(text: str, top: float, size: float, x0: float = 80) -> Line:
        return Line(text, x0, x0 + size * len(text), top, top + size, size, 0, 842.0)

    text = "2022年，全县上下团结奋斗，经济社会发展取得新成效，群众满意度进一步提升。"
    for head in (
        [line("青山县人民政府办公室", 80, 36, 120), line("青政办函〔2023〕5号", 140, 16, 380)],
        [line("青山县人民政府令", 80, 36, 150), line("第3号", 140, 16, 280)],
    ):
        layout = paragraphs([head + [
            line("关于2022年度工作情况的报告", 190, 22, 150), line(text, 240, 16, 112),
            line("特此报告。", 270, 16, 112),
        ]])  # fmt: skip
        assert layout.title_lines == ["关于2022年度工作情况的报告"]
