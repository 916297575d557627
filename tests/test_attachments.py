"""Summaries published as PDF and Word files: fetched by their names, read like pages, archived as
one document with the web copies of the same text; bad files recorded with their reasons."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import FAST, copy_archive, rows, run_crawler

from crawler.demo.attachments import build_attachment_web
from crawler.demo.badfiles import BAD_FILE_KINDS, bad_files, file
from crawler.demo.cms import load_articles
from crawler.demo.hostile import page
from crawler.extract import extract_page
from crawler.extract.files import Unreadable, extract_file, sniff, tidy
from crawler.extract.files.isolated import extract_file_isolated
from crawler.fingerprint import containment, content_hash, shingles

ARTICLES = load_articles()
# Old Word files are read by Debian's antiword or catdoc (.ci/run installs them).
WORD_TOOLS = bool(shutil.which("antiword") or shutil.which("catdoc"))


@pytest.fixture
def attachment_web(tmp_path: Path):
    web, registry = build_attachment_web()
    sites = tmp_path / "sites.toml"
    sites.write_text(registry, encoding="utf-8")
    yield web, sites
    web.stop()


def crawl(sites: Path, db: Path, *extra: str):
    result = run_crawler("crawl", "--sites", str(sites), "--db", str(db), *FAST, *extra)
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def first_crawl(tmp_path_factory: pytest.TempPathFactory):
    """The attachment web, started once for the module, and one crawl of it with the default
    policy: its archive and the requests it made."""
    web, registry = build_attachment_web()
    folder = tmp_path_factory.mktemp("attachments")
    sites = folder / "sites.toml"
    sites.write_text(registry, encoding="utf-8")
    db = folder / "archive.db"
    crawl(sites, db)
    requests = {site.id: list(site.requests) for site in web.sites.values()}
    yield web, registry, db, requests
    web.stop()


@pytest.fixture
def crawled_web(first_crawl, tmp_path: Path):
    """The first crawl of the attachment web, for a test that reads it or crawls again: the web
    with its request logs as that crawl left them, this test's copy of the registry and of the
    archive."""
    web, registry, first_db, requests = first_crawl
    for site in web.sites.values():
        site.clear_log()
        site.requests.extend(requests[site.id])
    sites = tmp_path / "sites.toml"
    sites.write_text(registry, encoding="utf-8")
    return web, sites, copy_archive(first_db, tmp_path)


def test_file_copies_are_one_document_with_their_web_copies(crawled_web):
    web, sites, db = crawled_web  # crawled once for the module
    documents = rows(db, "SELECT id, title, content_hash FROM documents ORDER BY id")
    assert sorted(d["title"] for d in documents) == sorted(
        ARTICLES[key].title for key in ("lj-summary-2022", "qs-summary-2022", "yx-review-2022")
    )
    copies = {
        d["title"]: sorted(
            (s["site"], s["url"].rsplit(".", 1)[-1])
            for s in rows(db, "SELECT site, url FROM sightings WHERE document_id = ?", (d["id"],))
        )
        for d in documents
    }
    assert copies == {
        ARTICLES["lj-summary-2022"].title: [("hexi-news", "html"), ("shiqiao-gov", "pdf")],
        ARTICLES["qs-summary-2022"].title: [
            ("hexi-news", "html"), ("shiqiao-gov", "do?fileId=8f3a1c"),
            *([("shiqiao-gov", "doc")] if WORD_TOOLS else []),
            ("shiqiao-gov", "docx"), ("shiqiao-gov", "ofd"), ("shiqiao-gov", "pdf"),
        ],
        ARTICLES["yx-review-2022"].title: [("hexi-news", "html"), ("shiqiao-gov", "pdf")],
    }  # fmt: skip
    files = {
        p["url"].rsplit("/", 1)[-1]: p
        for p in rows(db, "SELECT * FROM pages WHERE file_type IS NOT NULL AND is_summary = 1")
    }
    assert {name: p["file_type"] for name, p in files.items()} == {
        "P020230216512345.pdf": "pdf",
        "%E9%9D%92%E5%B1%B1%E5%8E%BF%E5%A7%94%E7%BB%9F%E6%88%98%E9%83%A82022%E5%B9%B4%E5%B7%A5%E4%BD%9C%E6%80%BB%E7%BB%93.docx": "docx",
        **({"P020230110000001.doc": "doc"} if WORD_TOOLS else {}),
        "P020230120000003.pdf": "pdf",
        "P020230125000004.pdf": "pdf",
        "download.do?fileId=8f3a1c": "docx",  # a download address: the type is the bytes'
        "P020230110000009.ofd": "ofd",
    }
    if not WORD_TOOLS:  # recorded with the reason and the remedy, kept for `crawler reprocess`
        doc = rows(db, "SELECT kind, message FROM crawl_errors WHERE url LIKE '%.doc'")
        assert doc[0]["kind"] == "unreadable_format" and "antiword" in doc[0]["message"]
    # The date is the list's, not the file's metadata (Chromium printed it today).
    assert files["P020230216512345.pdf"]["published"] == "2023-02-16"
    assert files["P020230216512345.pdf"]["warc_file"]  # the file is kept as fetched
    # A file on a detail page with no list row: the page's date (发布日期), not the sign-off's; the
    # issuer of its sign-off is its source.
    detail = rows(
        db, "SELECT published, source FROM sightings WHERE url LIKE '%P020230125000004.pdf'"
    )
    assert detail == [{"published": "2023-01-25", "source": "中共青山县委统战部"}]


def test_a_work_plan_and_a_spreadsheet_are_recorded_not_fetched(crawled_web):
    web, sites, db = crawled_web  # crawled once for the module
    county = web["shiqiao-gov"]
    requested = county.paths_requested()
    assert "/xxgk/P020230228000002.docx" not in requested  # 2023年全市统一战线工作要点
    assert "/xxgk/统计表.xls" not in requested
    recorded = {
        e["url"].rsplit("/", 1)[-1]: e["message"]
        for e in rows(db, "SELECT url, message FROM crawl_errors WHERE kind = 'attachment'")
    }
    assert "does not read like a summary" in recorded["P020230228000002.docx"]
    assert "not a PDF or Word file" in recorded["%E7%BB%9F%E8%AE%A1%E8%A1%A8.xls"]
    # A second crawl fetches no file again and records nothing twice.
    crawl(sites, db)
    again = county.paths_requested()[len(requested) :]
    assert again and not [
        p for p in again if p.rsplit(".", 1)[-1] in ("pdf", "doc", "docx", "wps", "ofd")
    ]
    assert len(rows(db, "SELECT 1 FROM crawl_errors WHERE kind = 'attachment'")) == 2


def test_every_bad_file_has_its_reason_and_the_crawl_goes_on(crawled_web):
    _web, sites, db = crawled_web  # crawled once for the module
    found = {
        e["url"].rsplit("/", 1)[-1]: e["kind"]
        for e in rows(db, "SELECT url, kind FROM crawl_errors WHERE url LIKE '%/bad/%'")
    }
    assert found == BAD_FILE_KINDS
    assert rows(db, "SELECT status FROM crawl_runs") == [{"status": "ok"}]
    assert len(rows(db, "SELECT 1 FROM documents")) == 3


def test_the_policy_decides_which_files_are_fetched(attachment_web, tmp_path):
    web, sites = attachment_web
    text = sites.read_text(encoding="utf-8")
    county = web["shiqiao-gov"]
    sites.write_text(
        text.replace('name = "石桥县人民政府"', 'name = "石桥县人民政府"\nattachments = "none"')
    )
    crawl(sites, tmp_path / "none.db")
    assert not [
        p for p in county.paths_requested() if p.rsplit(".", 1)[-1] in ("pdf", "docx", "doc")
    ]
    sites.write_text(
        text.replace('name = "石桥县人民政府"', 'name = "石桥县人民政府"\nattachments = "all"')
    )
    crawl(sites, tmp_path / "all.db")
    plan = rows(
        tmp_path / "all.db",
        "SELECT is_summary, reason FROM pages WHERE url LIKE '%P020230228000002.docx'",
    )
    assert plan and plan[0]["is_summary"] == 0  # read, and not taken for a summary
    sites.write_text(
        text.replace('name = "石桥县人民政府"', 'name = "石桥县人民政府"\nattachments = "some"')
    )
    result = run_crawler("crawl", "--sites", str(sites), "--db", str(tmp_path / "x.db"))
    assert result.returncode != 0
    assert "attachments" in result.stderr and "'likely'" in result.stderr


def test_reprocess_reads_the_stored_files_again_and_changes_nothing(crawled_web):
    _web, sites, db = crawled_web  # crawled once for the module
    before = rows(db, "SELECT url, content_hash, title, published, reason FROM pages ORDER BY url")
    result = run_crawler("reprocess", "--db", str(db), "--sites", str(sites))
    assert result.returncode == 0, result.stderr
    # 3 web pages, 4 files that read, 5 stored files that do not (the bomb, the page served as
    # a PDF and the others are kept as fetched)
    assert (
        "0 new summaries, 0 no longer summaries, 0 texts changed" in result.stdout + result.stderr
    )
    stored = rows(db, "SELECT COUNT(*) AS n FROM pages WHERE file_type IS NOT NULL")[0]["n"]
    assert stored >= 4 + 4
    assert (
        rows(db, "SELECT url, content_hash, title, published, reason FROM pages ORDER BY url")
        == before
    )


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("lj-summary-2022.pdf", "lj-summary-2022"),  # Chromium: embedded fonts, running header
        ("lj-summary-2022-cover.pdf", "lj-summary-2022"),  # a cover page before the text
        ("yx-review-2022.pdf", "yx-review-2022"),  # non-embedded Adobe-GB1 font, no ToUnicode
        # LibreOffice, laid out as an official document: running header, 「— N —」, signature
        ("qs-summary-2022-gongwen.pdf", "qs-summary-2022"),
        # the whole 红头文件: 标志 over two lines, 文号, 主送机关, 附注, 版记
        ("qs-summary-2022-hongtou.pdf", "qs-summary-2022"),
        ("qs-summary-2022-hongtou.docx", "qs-summary-2022"),
        ("qs-summary-2022.docx", "qs-summary-2022"),
        # the 红头 PDF made OFD by easyofd (the national fixed-layout format)
        ("qs-summary-2022-hongtou.ofd", "qs-summary-2022"),
        # headings numbered by Word's automatic numbering (一、 not in the text runs)
        ("qs-summary-2022-numbered.docx", "qs-summary-2022"),
        pytest.param(
            "qs-summary-2022.doc",
            "qs-summary-2022",
            marks=pytest.mark.skipif(
                not WORD_TOOLS,
                reason="needs Debian's antiword or catdoc (apt-get install antiword)",
            ),
        ),
    ],
)
def test_a_file_reads_like_its_web_copy(name, key):
    article = ARTICLES[key]
    web = extract_page(page(article.title, article.body).encode("utf-8"))
    got = extract_file(file(name))
    assert got.title == article.title
    assert got.body == web.body  # paragraph for paragraph, punctuation as typed
    assert content_hash(got.body) == content_hash(web.body)
    assert article.title not in got.body  # the heading is not repeated in the body
    assert "file://" not in got.body and "/2\n" not in got.body + "\n"  # Chromium's header, footer


def test_an_official_documents_issuer_is_its_source():
    for name in ("qs-summary-2022-gongwen.pdf", "qs-summary-2022-hongtou.pdf"):
        got = extract_file(file(name))
        assert got.source == "中共青山县委统战部", name  # the name above the closing date
        assert "中共青山县委统战部" not in got.body.splitlines()[-1], name  # and out of the text
        assert got.published == "2023-01-10", name  # 成文日期, not the 印发 date below it
    assert extract_file(file("qs-summary-2022.docx")).source is None  # no sign-off: none


def test_text_whose_fonts_say_nothing_of_its_characters_is_not_taken_for_text():
    from crawler.extract.files import GARBLED_SHARE, garbled_share

    chinese = [
        "2022年，全县统一战线凝心聚力（同比增长15%），“五好”场所·示范点×3，气温−5°C。",
        "Qīngshān（青山）县委统战部：党外代表人士学习二十次。",
    ]
    assert garbled_share(chinese) < GARBLED_SHARE  # pinyin and the signs Chinese texts use
    assert garbled_share(["(cid:3)(cid:4)(cid:5) (cid:10)(cid:11)"]) == 1.0
    assert (
        garbled_share(["—'‚(cid:141)ıC(cid:176)˙&C’(cid:130)"]) > GARBLED_SHARE
    )  # a fallback encoding
    # one bullet from a symbol font in a readable text is no reason to refuse it
    assert garbled_share(["(cid:3)" + chinese[0]]) < GARBLED_SHARE
    with pytest.raises(Unreadable) as caught:
        extract_file(file("nomap.pdf"))  # every glyph a CID: the maps were taken out
    assert caught.value.kind == "garbled_text" and "ToUnicode" in caught.value.message


def test_a_few_glyphs_without_unicode_are_dropped_and_the_text_kept():
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    # LibreOffice wrote two font subsets; the second, about 3 % of the characters, loses its map
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(file("qs-summary-2022-gongwen.pdf"))))
    for sheet in writer.pages:
        fonts = sheet["/Resources"]["/Font"]
        if "/F2" in fonts:
            fonts["/F2"].get_object().pop(NameObject("/ToUnicode"), None)
    damaged = io.BytesIO()
    writer.write(damaged)
    got = extract_file(damaged.getvalue())
    article = ARTICLES["qs-summary-2022"]
    assert got.title == article.title
    assert "(cid:" not in got.body
    web = extract_page(page(article.title, article.body).encode("utf-8"))
    assert containment(shingles(got.body), shingles(web.body)) > 0.8  # its family, not nonsense


def test_automatic_numbers_are_drawn_as_word_draws_them():
    from lxml import etree

    from crawler.extract.files.numbering import Numbering, format_number

    assert [format_number(n, "chineseCounting") for n in (1, 10, 11, 20, 105, 110)] == [
        "一", "十", "十一", "二十", "一百零五", "一百一十",
    ]  # fmt: skip
    assert format_number(13, "chineseLegalSimplified") == "壹拾叁"
    assert format_number(3, "ideographTraditional") == "丙"
    assert format_number(2, "decimalEnclosedCircle") == "②"
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    numbering = f"""<w:numbering {ns}>
      <w:abstractNum w:abstractNumId="1">
        <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>
        <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>
        <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:isLgl/><w:lvlText w:val="%1.%2.%3"/></w:lvl>
      </w:abstractNum>
      <w:abstractNum w:abstractNumId="2"><w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/><w:lvlText w:val="●"/></w:lvl></w:abstractNum>
      <w:num w:numId="1"><w:abstractNumId w:val="1"/></w:num>
      <w:num w:numId="2"><w:abstractNumId w:val="1"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="3"/></w:lvlOverride></w:num>
      <w:num w:numId="3"><w:abstractNumId w:val="2"/></w:num>
    </w:numbering>""".encode()
    styles = f"""<w:styles {ns}><w:style w:styleId="H2"><w:pPr><w:numPr><w:ilvl w:val="1"/><w:numId w:val="1"/></w:numPr></w:pPr></w:style>
      <w:style w:styleId="H2b"><w:basedOn w:val="H2"/></w:style></w:styles>""".encode()
    parser = etree.XMLParser(resolve_entities=False)
    reading = Numbering(numbering, styles, parser)

    def para(num_id=None, level=None, style=None):
        props = f'<w:pStyle w:val="{style}"/>' if style else ""
        if num_id is not None:
            props += f'<w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>'
        return etree.fromstring(f"<w:p {ns}><w:pPr>{props}</w:pPr></w:p>")

    labels = [
        reading.label(paragraph)
        for paragraph in (
            para(1, 0), para(1, 1), para(style="H2"), para(1, 2), para(), para(1, 0),
            para(style="H2b"), para(2, 0), para(3, 0), para(1, 0),
        )
    ]  # fmt: skip
    assert labels == [
        "一、", "（一）", "（二）", "1.2.1", "", "二、",  # a level restarts under a new heading
        "（一）", "三、", "", "三、",  # a list with its own start; bullets are no text
    ]  # fmt: skip


def test_an_ofd_in_the_standards_own_shape_is_read():
    # GB/T 33190's namespace, Size, X/Y carried over from the code before, DeltaX as a list, an
    # absolute BaseLoc, a template page (a running header) that is not read
    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    lines = ["2022年，全县统一战线坚持稳中求进，各项工作取得新成效，凝聚人心汇聚力量。",
             "这一年，我们聚焦主题主线，党外代表人士学习二十次，开展调研十二次。"]  # fmt: skip
    # each paragraph over two printed lines: the first indented two characters, as Chinese text is
    # set, the second at the margin
    printed = [
        (33.4, lines[0][:26]),
        (25, lines[0][26:]),
        (33.4, lines[1][:24]),
        (25, lines[1][24:]),
    ]
    objects = "".join(
        f'<ofd:TextObject ID="{n + 10}" Boundary="{x} {40 + 6 * n} 160 6" Font="1" Size="4.2">'
        f'<ofd:TextCode X="0" Y="4.2" DeltaX="{" ".join(["4.2"] * (len(text) - 1))}">{text}'
        "</ofd:TextCode></ofd:TextObject>"
        for n, (x, text) in enumerate(printed)
    )
    title = (
        '<ofd:TextObject ID="5" Boundary="40 20 130 10" Font="1" Size="7.4">'
        '<ofd:TextCode X="0" Y="7.4" DeltaX="g 8 7.4">青山县2022年工作总结</ofd:TextCode></ofd:TextObject>'
    )
    parts = {
        "OFD.xml": f"<ofd:OFD {ns} DocType='OFD'><ofd:DocBody><ofd:DocInfo><ofd:Title>青山县2022年工作总结"
        "</ofd:Title><ofd:CreationDate>2023-01-10</ofd:CreationDate></ofd:DocInfo>"
        "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
        "Doc_0/Document.xml": f"<ofd:Document {ns}><ofd:CommonData><ofd:PageArea><ofd:PhysicalBox>"
        "0 0 210 297</ofd:PhysicalBox></ofd:PageArea><ofd:TemplatePage ID='2' BaseLoc='Tpls/Tpl_0.xml'/>"
        "</ofd:CommonData><ofd:Pages><ofd:Page ID='1' BaseLoc='/Doc_0/Pages/Page_0/Content.xml'/>"
        "</ofd:Pages></ofd:Document>",
        "Doc_0/Tpls/Tpl_0.xml": f"<ofd:Page {ns}><ofd:Content><ofd:Layer><ofd:TextObject ID='3' "
        "Boundary='20 8 100 4' Size='3'><ofd:TextCode X='0' Y='3'>青山县人民政府办公室</ofd:TextCode>"
        "</ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>",
        "Doc_0/Pages/Page_0/Content.xml": f"<ofd:Page {ns}><ofd:Content><ofd:Layer>{title}{objects}"
        "</ofd:Layer></ofd:Content></ofd:Page>",
    }  # fmt: skip
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    got = extract_file(data.getvalue())
    assert got.title == "青山县2022年工作总结"
    assert got.body.splitlines() == lines  # the template's running header is not text
    assert got.published == "2023-01-10" and got.file_type == "ofd"
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("OFD.xml", f"<ofd:OFD {ns}><ofd:DocBody/></ofd:OFD>")
    with pytest.raises(Unreadable) as caught:
        extract_file(broken.getvalue())
    assert caught.value.kind == "corrupt_file" and "DocRoot" in caught.value.message


def test_a_letter_spaced_title_reads_as_typed():
    from crawler.extract.files import _unspaced

    assert _unspaced("工 作 报 告") == "工作报告" and _unspaced("通  知") == "通知"
    assert _unspaced("同心聚力谱新篇 砥砺奋进开新局") == "同心聚力谱新篇 砥砺奋进开新局"


def test_text_is_folded_to_what_the_web_copy_has():
    # Kangxi radicals (⼀ ⼯) and CJK radical forms (⺠ ⻅) that PDF fonts map to, the two-em dash
    assert tidy("统⼀战线⼯作 ⺠族 意⻅ 砥砺奋进⸺综述") == "统一战线工作 民族 意见 砥砺奋进——综述"
    # the gap a word processor sets between Chinese and digits is no space in the text
    assert tidy("青山县 2022 年工作总结，增长 15% 以上") == "青山县2022年工作总结，增长15%以上"


def test_the_type_is_read_from_the_bytes():
    assert sniff(file("lj-summary-2022.pdf")) == "pdf"
    assert sniff(file("qs-summary-2022.docx")) == "docx"
    assert sniff(file("qs-summary-2022.doc")) == "doc"
    assert sniff(b"<html><body>not found</body></html>") is None
    assert sniff(b"\r\n%PDF-1.7\n") == "pdf"  # a few bytes before the header, as readers allow
    assert sniff(b"<html><p>%PDF-1.4 is a version of the format</p></html>") is None
    assert sniff(file("qs-summary-2022-hongtou.ofd")) == "ofd"
    for path, _text, _day, body, _type in bad_files("/"):
        with pytest.raises(Unreadable) as caught:
            extract_file(body)
        assert caught.value.kind == BAD_FILE_KINDS[path[1:]], path


def test_a_reader_past_its_limits_is_stopped_and_said_so():
    body = file("lj-summary-2022.pdf")
    with pytest.raises(Unreadable) as caught:
        extract_file_isolated(body, time_limit=0.05)
    assert caught.value.kind == "read_timeout"
    with pytest.raises(Unreadable) as caught:
        extract_file_isolated(body, memory_limit=40 * 1024**2)
    assert caught.value.kind == "file_too_large"
    assert "memory" in caught.value.message
    assert extract_file_isolated(body) == extract_file(body)


def test_crawler_extract_reads_a_file_as_a_crawl_would(tmp_path):
    target = tmp_path / "summary.pdf"
    target.write_bytes(file("lj-summary-2022.pdf"))
    result = run_crawler("extract", str(target), "--linked-date", "2023-02-16")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["file_type"] == "pdf" and found["is_summary"] is True
    assert (
        found["published"] == "2023-02-16" and found["title"] == ARTICLES["lj-summary-2022"].title
    )
    broken = tmp_path / "summary.docx"
    broken.write_bytes(file("qs-summary-2022.docx")[:5000])
    result = run_crawler("extract", str(broken))
    assert result.returncode != 0
    assert "corrupt_file" in result.stderr and "Traceback" not in result.stderr


def test_an_archive_of_an_older_version_gains_the_file_type_column(tmp_path):
    from crawler.archive import Archive

    db = tmp_path / "archive.db"
    with Archive(db):
        pass
    columns = {row[1] for row in sqlite3.connect(db).execute("PRAGMA table_info(pages)")}
    assert "file_type" in columns


def test_datasette_shows_the_file_type_and_serves_the_stored_file(crawled_web):
    import asyncio
    from urllib.parse import quote

    from datasette.app import Datasette

    from crawler.datasette.serve import metadata_for

    _web, sites, db = crawled_web  # crawled once for the module
    pdf = rows(db, "SELECT url, document_id FROM sightings WHERE url LIKE '%P020230216512345.pdf'")[
        0
    ]

    async def fetch(*paths: str):
        datasette = Datasette([str(db)], metadata=metadata_for(db))
        return [await datasette.client.get(path) for path in paths]

    stored, sightings, missing, pages = asyncio.run(
        fetch(
            "/-/stored?url=" + quote(pdf["url"], safe=""),
            f"/archive/sightings?document_id={pdf['document_id']}",
            "/-/stored?url=" + quote("http://127.0.0.9/none.pdf", safe=""),
            "/archive/pages.json?_shape=objects&is_summary=1",
        )
    )
    # the pages of summaries can be faceted by the kind of file they were read from
    facet = pages.json()["facet_results"]["file_type"]["results"]
    counts = {item["value"]: item["count"] for item in facet}
    assert counts["pdf"] >= 3 and counts["docx"] >= 2 and counts["ofd"] == 1
    assert stored.status_code == 200
    assert stored.headers["content-type"] == "application/pdf"
    assert stored.content == file("lj-summary-2022.pdf")  # as fetched, byte for byte
    assert sightings.status_code == 200
    assert "PDF · <a href=" in sightings.text and "存档副本 · stored copy" in sightings.text
    assert sightings.text.count("存档副本") == 1  # the web copy has none
    assert missing.status_code == 404


def test_files_are_found_however_a_page_links_them():
    import lxml.html

    from crawler.discovery.attachments import attachment_links, wanted

    doc = lxml.html.fromstring(
        "<html><body><ul>"
        '<li><a href="/a/P020230105.pdf" title="石桥县2022年工作总结.pdf">下载</a> <span>2023-01-05</span></li>'
        '<li><a href="/a/P020230106.pdf">附件2</a><span>2023-01-06</span></li></ul>'
        '<table><tr><td><a href="/b/plan.docx">2023年工作计划</a></td><td>2023-02-01</td></tr></table>'
        '<iframe src="/pdfjs/web/viewer.html?file=/uploads/2023/abc.pdf"></iframe>'
        '<a href="/module/download/downfile.jsp?classid=0&amp;filename=2022%E5%B9%B4%E5%B7%A5%E4%BD%9C%E6%80%BB%E7%BB%93.docx">附件</a>'
        + "正文"
        * 100
        + '<a href="/c/report.html">2022年工作总结</a><a href="/d/table.xls">统计表</a>'
        # files left to scripts: quoted in a javascript: address or an onclick, or in data-url
        "<a href=\"javascript:openFile('/e/2022总结.pdf')\">2022年度工作总结</a>"
        "<a href='#' onclick=\"window.open('/f/review.docx?v=2');return false\">工作回顾</a>"
        '<a href="javascript:void(0)" data-url="/g/P0202301.wps">附件</a>'
        "<a href=\"javascript:show('/news/1.html')\">新闻</a>"
        "</body></html>"
    )
    found = {
        link.url.split("/", 3)[-1]: (link, day)
        for link, day in attachment_links(doc, "http://x.gov.cn/art/1.html")
    }
    assert set(found) == {
        "a/P020230105.pdf", "a/P020230106.pdf", "b/plan.docx", "uploads/2023/abc.pdf",
        "module/download/downfile.jsp?classid=0&filename=2022%E5%B9%B4%E5%B7%A5%E4%BD%9C%E6%80%BB%E7%BB%93.docx",
        "d/table.xls", "e/2022总结.pdf", "f/review.docx?v=2", "g/P0202301.wps",
    }  # fmt: skip
    decide = {
        name: wanted(link, "likely", "关于印发2023年工作要点的通知")[0]
        for name, (link, _) in found.items()
    }
    assert decide == {
        "a/P020230105.pdf": True,  # its title attribute names it
        "a/P020230106.pdf": False,  # says nothing; the page is a notice of a plan
        "b/plan.docx": False,
        "uploads/2023/abc.pdf": False,
        "module/download/downfile.jsp?classid=0&filename=2022%E5%B9%B4%E5%B7%A5%E4%BD%9C%E6%80%BB%E7%BB%93.docx": True,
        "d/table.xls": False,
        "e/2022总结.pdf": True,
        "f/review.docx?v=2": True,  # 工作回顾
        "g/P0202301.wps": False,
    }  # fmt: skip
    # the date of a file's list row, table row included; none from a long text around a link
    assert found["a/P020230105.pdf"][1] == "2023-01-05"
    assert found["b/plan.docx"][1] == "2023-02-01"
    assert found["uploads/2023/abc.pdf"][1] is None
    assert wanted(found["uploads/2023/abc.pdf"][0], "likely", "石桥县2022年工作总结")[0]
    # a notice that issues a work is named by it: its 附件 is the work
    attached = found["a/P020230106.pdf"][0]  # 附件2
    assert wanted(attached, "likely", "关于印发《石桥县2022年工作总结》的通知")[0]
    assert not wanted(attached, "likely", "关于印发《石桥县2023年工作要点》的通知")[0]
    assert not wanted(attached, "likely", "关于报送2022年度工作总结的通知")[0]  # forms to fill


def test_check_site_lists_file_summaries_and_why_other_files_were_left(attachment_web):
    web, _sites = attachment_web
    report = run_crawler("check-site", *FAST, web["shiqiao-gov"].base_url + "/")
    assert report.returncode == 0, report.stderr
    out = report.stdout
    assert "P020230216512345.pdf" in out.split("other articles")[0]  # among the summaries
    left = out.split("linked documents, not fetched")[1]
    assert "P020230228000002.docx" in left and "does not read like a summary" in left
    assert "not a PDF or Word file" in left


def test_the_name_a_server_gives_a_file_is_read_in_any_encoding():
    from crawler.spiders.attachments import disposition_name

    name = "2022年工作总结.pdf"
    assert disposition_name(b"attachment; filename*=UTF-8''" + quote(name).encode()) == name
    assert disposition_name(f'attachment; filename="{name}"'.encode("gbk")) == name
    assert disposition_name(f"attachment; filename={name}".encode()) == name
    assert disposition_name(b"attachment; filename=" + quote(name).encode()) == name
    assert disposition_name(b"inline") is None and disposition_name(None) is None
