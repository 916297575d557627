"""The shortcuts extraction takes for speed give what the long way gives, page for page: the lines
written by libxslt against a walk over the tree, the family selectors searched only when the source
names them against a search for all, the densest block weighed from the top score down against
weighing every block, links resolved only when they can name a part against resolving all."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.etree
import lxml.html
import pytest
from conftest import REALPAGES_DIR

from crawler.demo.sites import build_sample_web
from crawler.discovery import forms as forms_module
from crawler.discovery.links import normalise_url
from crawler.discovery.parts import MAX_PARTS, part_links, part_number
from crawler.extract import content as content_module
from crawler.extract import extract_page, read_page
from crawler.extract import page as page_module
from crawler.extract.body import furniture_line
from crawler.extract.content import GENERIC_SELECTORS, page_names, select_by_family
from crawler.extract.page import (
    _CONTROL,
    CONTAINER_TAGS,
    PARAGRAPH_TAGS,
    _walked_text,
    clean_text,
    drop_noise,
    lines_of,
    parse_html,
    text_of,
)
from crawler.families import CONTENT_SELECTORS

HERE = Path(__file__).parent


def corpus() -> list[tuple[str, bytes]]:
    """Every page the tests hold: the labelled set, the saved pages, the sample web's pages and,
    beside the checkout, the real pages."""
    pages = [(p.name, p.read_bytes()) for p in sorted((HERE / "extraction" / "pages").glob("*"))]
    pages += [(p.name, p.read_bytes()) for p in sorted((HERE / "pages").glob("*.html"))]
    for site in build_sample_web().sites.values():
        for path, route in site.routes.items():
            body = getattr(route, "body", None)
            if isinstance(body, bytes) and body.lstrip()[:1] == b"<":
                pages.append((site.id + path, body))
    if REALPAGES_DIR.is_dir():
        pages += [(p.name, p.read_bytes()) for p in sorted((REALPAGES_DIR / "pages").glob("*"))]
    return pages


PAGES = corpus()


def walked_lines(element) -> list[str]:
    text = _walked_text(element) + (element.tail or "")
    return [clean_text(raw) for raw in text.split("\n") if raw and not raw.isspace()]


@pytest.fixture(scope="module")
def read_pages():
    out = []
    for name, raw in PAGES:
        try:
            page = read_page(raw, "text/html")
        except ValueError:
            continue
        drop_noise(page.doc)
        out.append((name, page))
    assert len(out) > 40
    return out


def test_noise_taken_out_in_one_pass_leaves_the_page_drop_tree_leaves():
    def one_by_one(doc):  # each removed with lxml.html's drop_tree, its tail kept before it
        page_module._placed_scripts(doc)
        for bad in list(doc.iter(lxml.etree.Comment, lxml.etree.ProcessingInstruction)):
            bad.drop_tree()
        for element in list(doc.iter(*page_module._DROP_TAGS)):
            if element.getparent() is not None:
                element.drop_tree()

    crafted = [
        "<div>一<script>x</script>二<!-- y -->三<noscript><iframe></iframe>四</noscript>五</div>",
        "<p><style>p{}</style>头<svg><text>图</text></svg>尾<select><option>甲</option></select></p>",
        "<div><!-- a --><!-- b -->文<?php x ?>字<button>按</button></div><p>x<sup>1</sup>2</p>",
    ]
    pages = [raw for _, raw in PAGES] + [f"<html><body>{c}</body></html>".encode() for c in crafted]
    checked = 0
    for raw in pages:
        try:
            ours, theirs = read_page(raw, "text/html").doc, read_page(raw, "text/html").doc
        except ValueError:
            continue
        page_module.drop_noise(ours)
        one_by_one(theirs)
        assert lxml.html.tostring(ours, encoding=str) == lxml.html.tostring(theirs, encoding=str)
        assert lines_of(ours) == lines_of(theirs)
        checked += 1
    assert checked > 40


def test_the_lines_libxslt_writes_are_the_lines_of_a_walk_over_the_tree(read_pages):
    checked = 0
    for name, page in read_pages:
        for element in [page.doc, *page.doc.iter("body", "div", "td", "p", "span", "a")][:400]:
            assert lines_of(element) == walked_lines(element), (name, element.tag)
            checked += 1
    assert checked > 1000  # 1,563 without ../shared's real pages, more with them
    # comments, tails and nested blocks, and an element's own tail
    doc = parse_html(
        "<html><body><div>a<!-- x -->b<span>c</span>d</div>e<p>f<br>g</p>h</body></html>"
    )
    assert lines_of(doc.body) == ["abcd", "e", "f", "g", "h"]
    assert lines_of(doc.body.find("div")) == ["abcd", "e"]


def test_the_block_texts_libxslt_writes_are_the_texts_read_in_python(read_pages):
    def in_python(element):
        return [(block, page_module._own_text(block)) for block in element.iter(*BLOCK_TAGS)]

    checked = 0
    for name, page in read_pages:
        for element in [page.doc, *page.doc.iter("body", "div", "td")][:100]:
            assert page_module.block_texts(element) == in_python(element), (name, element.tag)
            checked += 1
    assert checked > 500  # 633 without ../shared's real pages, more with them
    # a comment between texts; a text holding the stylesheet's separator (read in Python); a
    # second root (text after </html>), which the density of the first never reads; texts side
    # by side where drop_noise took a script and a comment out
    cases = {
        "<div>a<p>统战<b>工作</b>总结</p>b<!-- x -->c<span>d</span></div>": [
            "abc", "统战工作总结", "d"
        ],
        "<div>a\ufdd0b<p>统战</p>c</div>": ["a\ufdd0bc", "统战"],
        "<html><body><div>甲<p>乙</p></div></body></html><div>丙</div>": ["甲", "乙"],
        "<div>一<script>x</script>二<p>统<!-- y -->战</p>三 <!--z-->四</div>": [
            "一二三 四", "统战"
        ],
    }  # fmt: skip
    for html, texts in cases.items():
        doc = parse_html(html)
        page_module.drop_noise(doc)
        assert page_module.block_texts(doc) == in_python(doc)
        assert [text for _, text in page_module.block_texts(doc)] == texts, html


BLOCK_TAGS = (*PARAGRAPH_TAGS, *CONTAINER_TAGS)


def _searched_everywhere(doc, selectors):
    """select_by_family with every selector searched for, whatever names the page holds."""
    named_in = content_module._named_in
    content_module._named_in = lambda doc, selectors, names: selectors
    try:
        return select_by_family(doc, selectors)
    finally:
        content_module._named_in = named_in


def test_a_family_is_searched_for_only_where_the_page_names_it_and_found_alike(read_pages):
    found = 0
    for name, page in read_pages:
        for selectors in (CONTENT_SELECTORS, GENERIC_SELECTORS):
            everywhere = _searched_everywhere(page.doc, selectors)
            assert select_by_family(page.doc, selectors) is everywhere, name
            found += everywhere is not None
    assert found > 20
    # a tag selector is looked for in the tree, also after a second root (text after </html>)
    doc = parse_html(
        "<html><body><p>x</p></body></html><founder-content>" + "统战" * 30 + "</founder-content>"
    )
    assert select_by_family(doc) is not None
    doc = parse_html("<html><body><p>x</p></body></html><div id=zoom>" + "统战" * 30 + "</div>")
    assert select_by_family(doc) is not None
    # ids and classes written every way an HTML parser reads them, or only in a style or a script
    prose = "统战工作总结" * 10
    for attribute in (
        'id="zoom"', "id='zoom'", "id=zoom", "id = zoom ", 'id= "zoom"', "ID=zoom",
        'class="article-content"', "class=article-content", 'class="x TRS_Editor y"',
        "id=zoom/", 'id="zoom "', 'class="article-content-wrap"', 'data-x="zoom"',
        'class="x\tTRS_Editor\ny"', 'id="zo&#111;m"', 'class="TRS_Editor2"',
    ):  # fmt: skip
        for extra in ("", "<style>.a{zoom:1}</style><script>var x = zoom;</script>"):
            raw = f"<html><head>{extra}</head><body><div {attribute}>{prose}</div></body></html>"
            page = read_page(raw.encode(), "text/html")
            for selectors in (CONTENT_SELECTORS, GENERIC_SELECTORS):
                everywhere = _searched_everywhere(page.doc, selectors)
                assert select_by_family(page.doc, selectors) is everywhere, attribute
    # a name broken by a control character in the text is whole in the tree
    page = read_page(('<div id="zo\x01om">' + "统战工作" * 20 + "</div>").encode(), "text/html")
    assert select_by_family(page.doc, CONTENT_SELECTORS) is not None


def test_the_densest_block_weighed_from_the_top_is_the_densest_of_all(read_pages, monkeypatch):
    def weigh_all(scores):
        if not scores:
            return None
        ranked = {el: s * (1.0 - content_module._link_ratio(el)) for el, s in scores.items()}
        return max(ranked, key=ranked.get)

    shortcut = content_module._best_after_links
    chosen = []
    for name, page in read_pages:
        picked = content_module.select_by_density(page.doc)
        monkeypatch.setattr(content_module, "_best_after_links", weigh_all)
        assert content_module.select_by_density(page.doc) is picked, name
        monkeypatch.setattr(content_module, "_best_after_links", shortcut)
        chosen.append(picked)
    assert sum(1 for c in chosen if c is not None) > 40
    # ties go to the first block in page order, as max() gives them
    doc = parse_html(
        "<html><body><div><p>一二三四五六七八九十，</p></div><div><p>一二三四五六七八九十，</p></div></body></html>"
    )
    first, second = doc.body.findall("div")
    assert shortcut({second: 2.0, first: 2.0}) is second
    assert shortcut({first: 2.0, second: 2.0}) is first


def test_the_names_read_from_attribute_values_are_those_a_test_of_every_element_finds(
    read_pages,
):
    """page_names reads ids, classes and title blocks in one search over the attributes: the
    same as a test of every element."""
    case_blind = lxml.etree.XPath(
        "//h1|//h2|//h3|//*[contains(translate(@class,'TITLE','title'),'title') or "
        "contains(translate(@id,'TITLE','title'),'title')]"
    )
    named = 0
    for name, page in read_pages:
        names = page_names(page.doc)
        assert names.title_blocks == case_blind(page.doc), name
        assert names.ids == set(page.doc.xpath("//*/@id")), name
        assert names.classes == set(page.doc.xpath("//*/@class")), name
        named += sum(1 for element in names.title_blocks if element.tag not in ("h1", "h2", "h3"))
    doc = lxml.html.fromstring(
        '<html><body><div class="ArticleTITLE">a</div><p id="subTitle">b</p><h2 class="x">c</h2>'
        '<span class="titel">d</span><em class="title" id="Title">e</em></body></html>'
    )
    assert [element.text for element in page_names(doc).title_blocks] == ["a", "b", "c", "e"]
    assert named > 10, "the pages have blocks named for a title (20 without ../shared)"


def test_a_title_block_taken_out_of_the_content_box_is_no_headline():
    """The names are read before the content box loses what is not the article: a block named
    for a title that heads a related-articles list inside the article (taken out: prose follows
    it) is gone from the page by the time the headline is chosen, and is not chosen."""
    paragraph = "<p>今年以来，县委统战部坚持以习近平新时代中国特色社会主义思想为指导，扎实推进各项工作。</p>"
    html = (
        "<html><head><title>县委统战部2023年工作总结_某县网</title></head><body><div>"
        f"{paragraph}<p class='title'>相关新闻</p><p><a href='/a.html'>统战工作简讯一</a></p>"
        f"{paragraph * 6}</div></body></html>"
    )
    extracted = extract_page(html.encode(), "http://127.0.0.2/a.html")
    assert extracted.title == "县委统战部2023年工作总结"
    assert "相关新闻" not in extracted.body and "简讯" not in extracted.body


def test_title_blocks_are_judged_only_when_a_rule_would_take_them(monkeypatch):
    """A title block is checked for furniture, links and removal only when a rule would take
    it, and then as before: the block <title> repeats wins over a sidebar's, one in a nav bar or
    behind a link is passed over for the next, and the first sound block is the last resort."""
    paragraph = "<p>今年以来，县委统战部坚持以习近平新时代中国特色社会主义思想为指导，扎实推进各项工作。</p>"
    sidebar = "".join(
        f"<div class='side'><h3 class='news-title'>热点新闻第{n}条标题</h3></div>" for n in range(8)
    )

    def page(title: str, blocks: str, beside: str = sidebar) -> bytes:
        return (
            f"<html><head><title>{title}</title></head><body>{blocks}{beside}"
            f"<div class='article'>{paragraph * 6}</div></body></html>"
        ).encode()

    judged = []
    furniture_test = content_module._is_furniture_element
    monkeypatch.setattr(
        content_module,
        "_is_furniture_element",
        lambda element: judged.append(element) or furniture_test(element),
    )
    headline = "<div class='title'>县委统战部2023年工作总结</div>"
    found = extract_page(
        page("县委统战部2023年工作总结_某县网", headline), "http://127.0.0.2/a.html"
    )
    assert found.title == "县委统战部2023年工作总结"
    assert not any(element.get("class") == "news-title" for element in judged), "judged all"
    # the repeated block in a nav bar, or a link: the next block <title> repeats
    for first in (
        "<div class='nav'><div class='title'>县委统战部2023年工作总结（全文）</div></div>",
        "<div class='title'><a href='/x.html'>县委统战部2023年工作总结（全文）</a></div>",
    ):
        blocks = first + "<h2 class='title'>县委统战部2023年工作总结</h2>"
        title = "县委统战部2023年工作总结（全文）_某县网"
        assert extract_page(page(title, blocks), "http://127.0.0.2/a.html").title == (
            "县委统战部2023年工作总结"
        ), first
    # nothing <title> repeats, no h1 or h2, a breadcrumb above the text: the first sound block
    blocks = "<div class='nav'><div class='title'>网站导航标题栏</div></div>" + headline
    crumbs = "<div>当前位置：首页 &gt; 工作动态</div>"
    found = extract_page(page("某县网", blocks, crumbs), "http://127.0.0.2/a.html")
    assert found.title == "县委统战部2023年工作总结"


def test_the_metas_read_once_give_what_each_search_of_the_page_gives(read_pages):
    from crawler.extract import dates, titles
    from crawler.extract.page import meta_content, meta_pairs

    asked = [
        ("articletitle",), ("og:title",), titles._META_SOURCE_NAMES, dates._META_DATE_NAMES,
        dates._META_DATE_NAMES + dates._META_OTHER_DATE_NAMES,
    ]  # fmt: skip
    found = 0
    for name, page in read_pages:
        pairs = meta_pairs(page.doc)
        for names in asked:
            value = meta_content(page.doc, names)
            assert meta_content(page.doc, names, pairs) == value, (name, names)
            found += value is not None
    assert found > 20
    # the first that says something wins, whatever its case and whichever attribute names it
    doc = parse_html(
        "<html><head><meta name='ArticleTitle' content=' '><meta property='articletitle' "
        "content='县委统战部  工作总结'></head><body><meta itemprop='og:title' content='x'></body></html>"
    )
    assert meta_content(doc, ("articletitle",), meta_pairs(doc)) == "县委统战部 工作总结"
    assert meta_content(doc, ("og:title",), meta_pairs(doc)) == "x"


def test_text_of_is_text_content(read_pages):
    for name, page in read_pages[:30]:
        for element in page.doc.iter(lxml.etree.Element):
            assert text_of(element) == element.text_content(), name


def resolving_every_link(doc, page_url: str, first: str) -> dict[int, str]:
    found: dict[int, str] = {}
    for element in doc.iter("a"):
        url = normalise_url(element.get("href") or "", page_url)
        number = part_number(url, first) if url else None
        if number is not None and 1 < number <= MAX_PARTS:
            found.setdefault(number, url)
    return found


@pytest.mark.parametrize(
    "first",
    [
        "http://127.0.0.2:81/a/b/content_501.html",
        "http://h/show.php?id=77",
        "http://h/x/",
        "http://h/art/2023/01/art_5.shtml",
        "http://h/x/%E6%96%87%E7%AB%A0.html",
    ],
)
def test_part_links_resolved_only_where_they_can_name_a_part_are_all_the_parts(first):
    hrefs = [
        "content_501_2.html", "./content_501_3.html", "../b/content_501_4.html",
        "/a/b/content_501_5.html", "http://127.0.0.2:81/a/b/content_501_6.html", "?page=2",
        "?id=77&page=3", "show.php?id=77&page=4", "show.php?page=5&id=77", "?pageNo=6",
        "con\ntent_501_7.html", "content_501_8.html;jsessionid=abc", "#x", "", "javascript:go(2)",
        "art_5_2.shtml", "ART_5_2.SHTML", "art_5_3.SHTML", "index_2.html", "/x/?page=2",
        "./?page=3", " content_501_9.html ", "//h/show.php?id=77&page=7", "?", "?p=4",
        "文章_2.html", "%E6%96%87%E7%AB%A0_3.html", "art_5_2.shtml\t", " ?page=4",
        "other.php?page=2", "content_501.html?page=5", "art_5.shtml?page=6", "?page=2&id=77",
        "show.php;jsessionid=1?id=77&page=8", "../x/?p=3", "\n?page=9",
    ]  # fmt: skip
    for start in range(0, len(hrefs), 5):
        chosen = hrefs[start:] + hrefs[:start]
        html = "<html><body>" + "".join(f'<a href="{h}">x</a>' for h in chosen) + "</body></html>"
        doc = parse_html(html)
        assert part_links(doc, first, first) == resolving_every_link(doc, first, first)
    # and the shortcut finds parts at all
    doc = parse_html(
        '<html><body><a href="content_501_2.html">2</a><a href="?page=3">3</a></body></html>'
    )
    if first.endswith("content_501.html"):
        assert part_links(doc, first, first) == {
            2: first.replace(".html", "_2.html"),
            3: first + "?page=3",
        }


def test_a_page_parsed_from_its_utf8_bytes_is_the_tree_lxml_builds_from_its_text():
    """parse_html gives libxml2 UTF-8 bytes (control characters taken out byte by byte; a page
    read strictly as UTF-8 as its own bytes) and gives every element lxml.html's HtmlElement: the
    tree is the one lxml.html builds from the text, whatever charset the page's own meta names,
    and a form read for its fields has lxml.html's form classes."""
    pages = []
    for _name, raw in PAGES:
        try:
            pages.append((raw, read_page(raw, "text/html").decoded.text))
        except ValueError:
            continue
    texts = [
        '<html><head><meta charset="gbk"><title>统战</title></head><body><p>统战部\x01工作</p></body></html>',
        '<meta http-equiv="Content-Type" content="text/html; charset=big5"><p>總結 ① ⼾ \ufeff</p>',
        "\ufeff<html><body>字节顺序标记之后</body></html>",
        '<html><body><p>a</p></body></html><?xml version="1.0" encoding="gbk"?><p>尾</p>',
        '<?xml version="1.0" encoding="utf-8"?><html><body><p>声明之后</p></body></html>',
        "<p>\x00\x08\x0b\x0c\x0e\x1f\x7f控制字符</p>",
        "<table><tr><td>未闭合<td>单元格</table><form><input name=a value=1></form>",
    ]
    pages += [(text.encode("utf-8"), text) for text in texts]
    from_bytes = 0
    for raw, text in pages:
        # lxml reads no XML declaration in a str: parse_html takes a leading one out
        expected = lxml.html.document_fromstring(
            _CONTROL.sub("", re.sub(r"^\s*<\?xml[^>]*\?>", "", text))
        )
        got = parse_html(text)
        assert lxml.etree.tostring(got, encoding=str) == lxml.etree.tostring(expected, encoding=str)
        assert all(
            type(e) is (lxml.html.HtmlElement if isinstance(e.tag, str) else type(x))
            for e, x in zip(got.iter(), expected.iter(), strict=True)
        )
        try:
            page = read_page(raw, "text/html")
        except ValueError:  # NUL bytes: no page
            continue
        if page.decoded.text == text:
            from_bytes += page.decoded.utf8 is not None
            assert lxml.etree.tostring(page.doc, encoding=str) == lxml.etree.tostring(
                expected, encoding=str
            )
    assert from_bytes > 20
    form = forms_module._forms(parse_html(texts[-1]))[0]
    assert isinstance(form, lxml.html.FormElement)
    assert forms_module._fields(form) == [("a", "1")]


def test_folding_never_lengthens_a_text():
    """select_by_density passes over a block of fewer than 10 characters before cleaning its text:
    sound while cleaning (spaces collapsed, radicals folded one for one) never adds characters."""
    from crawler.extract.variants import _TABLE

    assert all(len(folded) == 1 for folded in _TABLE.values())
    assert len(clean_text(" ⼾ \u3000 ⺅  x ")) <= len(" ⼾ \u3000 ⺅  x ")


def test_noise_taken_out_in_one_pass_leaves_the_tree_tag_by_tag_passes_leave():
    from crawler.extract.page import _DROP_TAGS, _placed_scripts

    def tag_by_tag(doc):
        _placed_scripts(doc)
        for bad in list(doc.iter(lxml.etree.Comment, lxml.etree.ProcessingInstruction)):
            bad.drop_tree() if hasattr(bad, "drop_tree") else bad.getparent().remove(bad)
        for tag in _DROP_TAGS:
            for element in list(doc.iter(tag)):
                if element.getparent() is not None:
                    element.drop_tree()

    sources = [raw for _name, raw in PAGES] + [
        b"<p>a<style>s</style>b<script>x</script>c<object>o<iframe></iframe>i</object>d</p>"
        b"<div><select><option>1</select>e<button>b</button>f<svg><text>t</text></svg>g</div>"
    ]
    for raw in sources:
        try:
            one, other = read_page(raw, "text/html").doc, read_page(raw, "text/html").doc
        except ValueError:
            continue
        drop_noise(one)
        tag_by_tag(other)
        assert lxml.etree.tostring(one, encoding=str) == lxml.etree.tostring(other, encoding=str)


def test_scrapys_deprecated_classes_are_named_by_their_module_as_inspect_names_them():
    """A crawl process makes Scrapy's look-up of a deprecated class's module cheap
    (crawl/runner.py): each class gets the module the long way (``inspect.stack``) gives."""
    import subprocess
    import sys

    names = ("scrapy.core.downloader.contextfactory", "scrapy.core.downloader.tls")
    script = (
        "import sys, importlib; from crawler.crawl import runner\n"
        "if sys.argv[1] == 'quick': runner._quick_deprecation_lookups()\n"
        "for name in sys.argv[2:]:\n"
        "    module = importlib.import_module(name)\n"
        "    for attr in sorted(vars(module)):\n"
        "        value = getattr(module, attr)\n"
        "        if type(value).__name__ == 'DeprecatedClass':\n"
        "            print(name, attr, value.__module__)\n"
    )
    made = {
        way: subprocess.run(
            [sys.executable, "-c", script, way, *names], capture_output=True, text=True, check=True
        ).stdout.split("\n")  # fmt: skip
        for way in ("long", "quick")
    }
    assert len([line for line in made["long"] if line]) >= 3, made
    assert made["quick"] == made["long"]
    assert all(line.split()[0] == line.split()[2] for line in made["long"] if line), made


def test_a_download_address_is_told_by_its_words_as_by_the_expression(read_pages):
    from crawler.discovery.attachments import _DOWNLOAD, _download_address

    addresses = [
        target
        for _name, page in read_pages
        for anchor in page.doc.iter("a", "iframe", "embed", "object")
        for target in (anchor.get("href"), anchor.get("src"), anchor.get("data"))
        if target
    ]
    addresses += [
        "/module/download.do?fileId=8f3a", "/attach/getFile?id=12", "/x/DownLoadFile.aspx",
        "/a/b?FID=3", "/a/b?x=1&att_id=2", "/uploads/fujian/1.html", "/down/a?x=1",
        "/x?y=/download", "/x?attachid=1", "/x?q=1&file_ID=3", "/ｄownload/1", "/\u212aattach/1",
        "/fuj\u0131an/x", "/page?id=7", "",
    ]  # fmt: skip
    assert len(addresses) > 500  # 532 without ../shared's real pages, 8,255 with them
    told = [_download_address(url) for url in addresses]
    assert told == [_DOWNLOAD.search(url) is not None for url in addresses]
    assert sum(told) >= 9


# furniture_line as one pattern, as it reads best (crawler/extract/body.py splits it in two for
# speed): the reference the split is checked against.
_FURNITURE_LINE = re.compile(
    r"ICP备|ICP证|公网安备|版权所有|Copyright|©|技术支持[:：]|主办单位[:：]|承办单位[:：]|"
    r"打印本页|【?打印】?\s*【?关闭】?|关闭窗口|分享到|扫一扫|扫描二维码|二维码|手机扫码|"
    r"上一篇[:：]|下一篇[:：]|^上一篇|^下一篇|浏览次数|阅读次数|点击数[:：]|字号[:：]?\s*[【\[]?\s*大|"
    r"^【?\s*字体[:：]|^【?\s*(大|中|小)\s*】?\s*【?\s*(大|中|小)|新闻热线|举报电话|投稿邮箱|投稿QQ|广告热线|"
    r"^联系电话[:：]|^地址[:：].{0,40}(邮编|电话)|您当前的位置|当前位置[:：]|您的位置[:：]|网站首页\s*[>»]",
    re.IGNORECASE,
)


def test_furniture_lines_are_those_the_single_pattern_finds(read_pages):
    lines = []
    for _, page in read_pages:
        body = page.doc.find("body")
        lines += lines_of(body if body is not None else page.doc)
    lines += [
        "COPYRIGHT 2023", "CopyRıght", "İCP备", "icp证", "投稿qq", "【打印】 【关闭】", "打印",
        "字号：大 中 小", "【大】【中】【小】", "中 小 是", "地址：某某路1号 邮编", "x上一篇",
        "上一篇", "网站首页 >", "本页二维码", "当前位置", "x当前位置：",
    ]  # fmt: skip
    found = [line for line in lines if furniture_line(line)]
    assert found == [line for line in lines if _FURNITURE_LINE.search(line)]
    # 892 lines, 232 of furniture without ../shared's real pages; 10,168 and 358 with them
    assert len(lines) > 800 and len(found) > 200, (len(lines), len(found))


def test_the_links_weighed_for_files_give_the_files_every_link_gives(monkeypatch):
    """attachment_links weighs only the links whose attributes or text hold a file's extension or a
    download word (all links searched at once): the files it finds are those found by weighing
    every link, on every page the tests hold and on links written to slip past a search."""
    from crawler.discovery import attachments

    links = [
        '<a href="/u/a.PDF">一</a>', '<a href="/x/DownLoad.do?id=1">附件一</a>',
        '<a href="javascript:openFile(\'/u/2023/总结.Docx\')">二</a>', '<a href="#" onclick="window.open(\'/f/b.wps\')">三</a>',
        '<a data-url="/u/c.XLSX">四</a>', '<iframe src="/pdfjs/web/viewer.html?file=/u/d.pdf"></iframe>',
        '<a href="/x/1" title="2023年工作总结.pdf">下载</a>', '<a href="/x/2">2023年工作总结.Pdf</a>',
        '<a href="/u/e&#46;pdf">五</a>', '<a href="/x?q=1&amp;file_ID=3">下载附件</a>',
        '<embed src="/u/f.pdf">', '<a href="/p/1.html">一条新闻</a>', '<a href="/x?att_id=9">全文下载</a>',
        '<a href="/u/g.pdf"><span>2022年</span>工作总结</a>', '<a>无地址.doc</a>',
    ]  # fmt: skip
    # letters a case-blind expression takes for ASCII ones, each on a page of its own
    odd = [
        '<a href="/\u212aattach/getfile?x=1">附件全文</a>', '<a href="/a/b?F\u0130D=3">附件二</a>',
        '<a href="/fuj\u0131an/x">附件三：总结</a>', '<a href="/s.wp\u017f">六</a>',
    ]  # fmt: skip
    pages = [raw for _name, raw in PAGES]
    for start in range(0, len(links), 4):
        chosen = links[start:] + links[:start]
        pages.append(("<html><body><ul>" + "".join(f"<li>{a}</li>" for a in chosen)).encode())
    pages += [f"<html><body><ul><li>{a}</li><li>{links[0]}</li></ul>".encode() for a in odd]
    found = [attachment_links_of(raw) for raw in pages]
    monkeypatch.setattr(
        attachments, "_may_name_files", lambda doc: list(doc.iter("a", "iframe", "embed", "object"))
    )
    assert found == [attachment_links_of(raw) for raw in pages]
    assert sum(len(links) for links in found if links) > 30  # the pages do link files


def attachment_links_of(raw: bytes) -> list | None:
    """A page's attachment links as plain values; None for bytes that are no HTML page."""
    from crawler.discovery.attachments import attachment_links

    try:
        page = read_page(raw, "text/html")
    except ValueError:
        return None
    return [
        (link.url, link.text, day) for link, day in attachment_links(page.doc, "http://h/a/1.html")
    ]
