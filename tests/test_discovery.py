"""Reading list pages: pure functions over small pages in the forms municipal CMSs use."""

from __future__ import annotations

import pytest

from crawler.discovery.links import LinkKind, page_number
from crawler.discovery.reader import discover
from crawler.extract import parse_html
from crawler.registry.sites import parse_sites

SITE = parse_sites(
    '[[site]]\nid = "s"\nname = "S"\nregion = "R"\nstart_urls = ["http://www.example.gov.cn/"]\n'
)[0]


def links_of(html: str, url: str) -> dict[str, LinkKind]:
    return {link.url: link.kind for link in discover(parse_html(html), url, SITE, html)}


def test_trs_paging_written_by_javascript():
    html = """<ul><li><a href="./202303/t20230301_123456.html" title="2022年全市统战工作综述（全文）">2022年全市统战工作...</a></li></ul>
    <script>createPageHTML(4, 0, "index", "html");</script>"""
    found = links_of(html, "http://www.example.gov.cn/tzyw/")
    assert found["http://www.example.gov.cn/tzyw/202303/t20230301_123456.html"] is LinkKind.ARTICLE
    for n in (1, 2, 3):
        assert found[f"http://www.example.gov.cn/tzyw/index_{n}.html"] is LinkKind.PAGE
    assert "http://www.example.gov.cn/tzyw/index.html" not in found, "page 0 is the page being read"


def test_links_left_to_scripts_are_followed_where_they_name_an_address():
    html = """<ul>
    <li><a href="javascript:void(0)" onclick="window.open('/art/2023/3/1/art_1_2.html')">2022年工作总结</a></li>
    <li><a href="#" data-url="./202303/t20230302_3.html">2022年统战工作综述</a></li>
    <li><a href="javascript:;" onclick="location.href='list_2.html'">下一页</a></li>
    <li><a href="javascript:openDetail('12345')">一个站点自己的写法</a></li></ul>"""
    found = links_of(html, "http://www.example.gov.cn/tzyw/list.html")
    assert found["http://www.example.gov.cn/art/2023/3/1/art_1_2.html"] is LinkKind.ARTICLE
    assert found["http://www.example.gov.cn/tzyw/202303/t20230302_3.html"] is LinkKind.ARTICLE
    assert found["http://www.example.gov.cn/tzyw/list_2.html"] is LinkKind.PAGE
    assert not [url for url in found if "12345" in url]  # no address named: nothing to follow


def test_trs_anchor_title_attribute_gives_the_full_title():
    html = '<a href="./202303/t20230301_1.html" title="完整的标题在这里">完整的...</a>'
    link = discover(parse_html(html), "http://www.example.gov.cn/tzyw/", SITE, html)[0]
    assert link.text == "完整的标题在这里"


def test_hanweb_records_hidden_in_a_script_datastore():
    html = """<div id="4467"><script type="text/xml"><datastore><recordset>
    <record><![CDATA[<li><a href="/art/2023/3/1/art_4467_123456.html" title="标题">标题</a></li>]]></record>
    </recordset></datastore></script></div>
    <script>$('#4467').jpage({dataStore:dataStore,perPage:15,groupSize:3,totalRecord:100,proxyUrl:'/module/web/jpage/dataproxy.jsp',
    ajaxParam:{col:1,appid:1,webid:3,path:'/',columnid:4467,sourceContentType:1,unitid:'5001',webname:'某市',permissiontype:0}});</script>"""
    links = discover(
        parse_html(html), "http://www.example.gov.cn/col/col4467/index.html", SITE, html
    )
    kinds = {link.url: link for link in links}
    assert (
        kinds["http://www.example.gov.cn/art/2023/3/1/art_4467_123456.html"].kind
        is LinkKind.ARTICLE
    )
    proxies = [link for link in links if "dataproxy.jsp" in link.url]
    # one record embedded, 45 per group: 2-46, 47-91, 92-136
    assert [link.url.split("?")[1] for link in proxies] == [
        "startrecord=2&endrecord=46&perpage=15",
        "startrecord=47&endrecord=91&perpage=15",
        "startrecord=92&endrecord=136&perpage=15",
    ]
    assert (
        dict(proxies[0].formdata)["columnid"] == "4467"
        and dict(proxies[0].formdata)["unitid"] == "5001"
    )


def test_hanweb_dataproxy_answer_is_read_as_records():
    xml = '<?xml version="1.0" encoding="UTF-8"?><datastore><recordset><record><![CDATA[<li><a href="/art/2023/1/2/art_4467_9.html">x</a></li>]]></record></recordset></datastore>'
    found = links_of(
        xml,
        "http://www.example.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15",
    )
    assert found == {"http://www.example.gov.cn/art/2023/1/2/art_4467_9.html": LinkKind.ARTICLE}


@pytest.mark.parametrize(
    "page,next_href,expected",
    [
        ("list.html", "list_2.html", "list_2.html"),
        ("news.aspx", "news.aspx?PageIndex=2", "news.aspx?PageIndex=2"),
        ("list.jsp?channel=7", "list.jsp?channel=7&pageNo=2", "list.jsp?channel=7&pageNo=2"),
        ("index.php", "index.php?page=2", "index.php?page=2"),
    ],
)
def test_plain_and_query_string_paging(page, next_href, expected):
    html = f'<a href="/c/art_1.html">a</a><div class="pager"><a href="{next_href}">下一页</a><a href="{next_href}">2</a></div>'
    found = links_of(html, f"http://www.example.gov.cn/col/{page}")
    assert found[f"http://www.example.gov.cn/col/{expected}"] is LinkKind.PAGE


def test_other_query_strings_are_not_paging():
    html = '<a href="list.jsp?channel=8">另一栏目</a>'
    found = links_of(html, "http://www.example.gov.cn/col/list.jsp?channel=7")
    assert found["http://www.example.gov.cn/col/list.jsp?channel=8"] is not LinkKind.PAGE


def test_what_is_never_fetched():
    html = """<a href="javascript:void(0)">更多</a><a href="mailto:a@b.cn">信箱</a>
    <a href="http://www.other-city.gov.cn/a.html">外站</a><a href="/files/2023/report.pdf">附件</a>
    <a href="/files/2023/report.DOCX">附件</a><a href="#top">顶部</a><a href="file:///etc/passwd">x</a>"""
    found = links_of(html, "http://www.example.gov.cn/")
    assert found == {
        "http://www.example.gov.cn/files/2023/report.pdf": LinkKind.IGNORE,
        "http://www.example.gov.cn/files/2023/report.DOCX": LinkKind.IGNORE,
    }


def test_subdomains_belong_to_the_site():
    found = links_of(
        '<a href="http://news.example.gov.cn/2023/0301/c1.html">x</a>', "http://www.example.gov.cn/"
    )
    assert found == {"http://news.example.gov.cn/2023/0301/c1.html": LinkKind.ARTICLE}


def test_site_hints_override_the_guess():
    site = parse_sites(
        '[[site]]\nid = "s"\nname = "S"\nregion = "R"\nstart_urls = ["http://www.example.gov.cn/"]\n'
        "article_patterns = ['/show/\\d+$']\nignore_patterns = ['/print/']\n"
    )[0]
    html = '<a href="/show/123">文章</a><a href="/print/list.html">打印</a>'
    found = {
        link.url: link.kind
        for link in discover(parse_html(html), "http://www.example.gov.cn/", site, html)
    }
    assert found == {
        "http://www.example.gov.cn/show/123": LinkKind.ARTICLE,
        "http://www.example.gov.cn/print/list.html": LinkKind.IGNORE,
    }


def test_page_numbers_order_a_column():
    urls = [
        "index_10.html",
        "index.html",
        "index_2.html",
        "list.php?page=3",
        "dataproxy.jsp?startrecord=46&endrecord=90",
    ]
    assert [page_number(u) for u in urls] == [10, 0, 2, 3, 46]
