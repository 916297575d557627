"""The crawl's components on their own: the failure mapper, the crawl state and its downloader
middlewares, and the CMS families' readers on saved HTML. The crawl tests run them together."""

from __future__ import annotations

import lxml.html
import pytest
from scrapy import Request
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError
from scrapy.http import HtmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler

from crawler.archive import ListPageState, SiteState
from crawler.crawl.failures import RobotsForbidden, SiteGivenUp, TooManyRedirects, describe_failure
from crawler.crawl.state import BlockedSiteMiddleware, ConditionalRequestMiddleware, CrawlState
from crawler.discovery.links import LinkKind
from crawler.families import hanweb, trs
from crawler.registry.sites import Site

SITE = Site(
    id="qingshan",
    name="青山统战网",
    region="青山县",
    start_urls=["http://tz.qingshan.example/"],
    allowed_domains=["tz.qingshan.example"],
)
URL = "http://tz.qingshan.example/gzdt/202303/t20230310_5501.html"


def http_error(status: int, headers: dict | None = None) -> HttpError:
    response = HtmlResponse(URL, status=status, headers=headers or {}, body=b"")
    return HttpError(response, "ignored")


@pytest.mark.parametrize(
    "status,kind,words",
    [
        (404, "http_404", "not found"),
        (410, "http_410", "gone"),
        (503, "http_503", "server error"),
        (403, "blocked", "refused the crawler"),
        (429, "blocked", "refused the crawler"),
    ],
)
def test_http_answers_map_to_kinds_a_user_can_act_on(status, kind, words):
    found = describe_failure(http_error(status), Request(URL), "qingshan", 1000)
    assert (found.kind, found.status, found.url) == (kind, status, URL)
    assert words in found.message


def test_a_redirect_off_the_site_names_where_it_went():
    error = http_error(302, {"Location": "http://elsewhere.example/"})
    found = describe_failure(error, Request(URL), "qingshan", 1000)
    assert found.kind == "offsite" and "http://elsewhere.example/" in found.message


def test_a_redirect_loop_is_recorded_under_the_first_url_with_its_chain():
    request = Request(URL + "?3", meta={"redirect_urls": [URL, URL + "?1", URL + "?2"]})
    found = describe_failure(TooManyRedirects("max redirections"), request, "qingshan", 1000)
    assert found.kind == "redirect_loop" and found.url == URL
    assert "3 redirects" in found.message and "?2" in found.message


def test_refusals_that_are_not_errors_are_only_counted():
    robots = describe_failure(RobotsForbidden("robots.txt"), Request(URL), "qingshan", 1000)
    given_up = describe_failure(SiteGivenUp("blocked"), Request(URL), "qingshan", 1000)
    assert (robots.kind, robots.counted) == (None, "robots_forbidden")
    assert (given_up.kind, given_up.counted) == (None, "cut")


def test_network_failures_by_type_not_by_message():
    timeout = describe_failure(DownloadTimeoutError("took too long"), Request(URL), "q", 1000)
    assert timeout.kind == "timeout"
    large = describe_failure(DownloadCancelledError("cancelled"), Request(URL), "q", 4096)
    assert large.kind == "too_large" and "4096 bytes" in large.message
    odd = describe_failure(ValueError("strange"), Request(URL), "q", 1000)
    assert (odd.kind, odd.message) == ("ValueError", "strange")


def crawl_state(**settings) -> tuple[CrawlState, object]:
    crawler = get_crawler(settings_dict={"ARCHIVE_DB": "", **settings})
    state = CrawlState.of(crawler)
    state.open([SITE])
    return state, crawler


def test_list_pages_read_before_are_asked_for_with_their_validators():
    state, crawler = crawl_state()
    column = "http://tz.qingshan.example/gzdt/"
    state.site("qingshan").list_pages[column] = ListPageState('"abc"', "Fri, 10 Mar 2023", [])
    middleware = ConditionalRequestMiddleware.from_crawler(crawler)
    listed = Request(column, meta={"site": SITE, "kind": "list"})
    middleware.process_request(listed)
    assert listed.headers[b"If-None-Match"] == b'"abc"'
    assert listed.headers[b"If-Modified-Since"] == b"Fri, 10 Mar 2023"
    article = Request(column, meta={"site": SITE, "kind": "article"})
    middleware.process_request(article)
    assert b"If-None-Match" not in article.headers
    middleware.process_response(listed, HtmlResponse(column, status=304, body=b""))
    assert state.counts("qingshan").not_modified == 1


def test_the_state_admits_each_page_once_and_counts_what_it_turns_away():
    state, _ = crawl_state()
    state.sites["qingshan"] = SiteState(known_articles={URL}, deferred={URL + "?x": "later"})
    column = "http://tz.qingshan.example/gzdt/"
    assert state.admit(SITE, column, column, "list")
    assert not state.admit(SITE, column + "index.html", column + "index.html", "list")  # alias
    assert not state.admit(SITE, URL, URL, "other")  # archived, whatever the link was taken for
    assert not state.admit(SITE, URL + "?x", URL + "?x", "article")  # failed, retried later
    counts = state.counts("qingshan")
    assert (counts.skipped_known, counts.deferred) == (1, 1)


def test_the_budget_cuts_and_counts():
    state, _ = crawl_state()
    state.budgets["qingshan"] = 2
    admitted = [state.admit(SITE, f"{URL}?{n}", f"{URL}?{n}", "article") for n in range(4)]
    assert admitted == [True, True, False, False]
    assert state.counts("qingshan").cut == 2 and state.stopped(SITE)


def test_a_site_is_given_up_at_the_blocked_limit_and_its_queued_requests_dropped():
    state, crawler = crawl_state(ARCHIVE_BLOCKED_LIMIT=2)
    middleware = BlockedSiteMiddleware.from_crawler(crawler)
    request = Request(URL, meta={"site": SITE})
    refused = HtmlResponse(URL, status=403, body=b"")
    middleware.process_response(request, refused)
    middleware.process_request(request)  # one answer: still asked
    middleware.process_response(request, refused)  # the limit: given up, this one still read
    with pytest.raises(SiteGivenUp):
        middleware.process_request(request)
    with pytest.raises(SiteGivenUp):
        middleware.process_response(request, refused)
    assert state.counts("qingshan").blocked == 3


def test_trs_paging_written_by_script_gives_every_page_of_the_column():
    doc = lxml.html.fromstring(
        "<html><body><script>var countPage = 3;createPageHTML(countPage, 0, 'index', 'html');"
        "</script></body></html>"
    )
    found = trs.paging_links(doc, "http://tz.qingshan.example/gzdt/", "")
    assert [url for url, _, _ in found] == [
        "http://tz.qingshan.example/gzdt/index.html",
        "http://tz.qingshan.example/gzdt/index_1.html",
        "http://tz.qingshan.example/gzdt/index_2.html",
    ]
    assert {kind for _, _, kind in found} == {LinkKind.PAGE}


def test_hanweb_records_and_the_dataproxy_pages_beyond_them():
    raw = (
        '<html><body><script type="text/xml"><datastore><recordset>'
        '<record><![CDATA[<li><a href="/art/2023/3/8/art_4467_2301.html" title="侨心汇聚">侨心…'
        "</a></li>]]></record></recordset></datastore></script>"
        "<script>new jpage({totalRecord:46, perPage:15, groupSize:3, proxyUrl:"
        "'/module/web/jpage/dataproxy.jsp', ajaxParam:{col:1, appid:1, webid:1, "
        "columnid:4467, unitid:12}});</script></body></html>"
    )
    page_url = "http://www.yunxi.example/col/col4467/index.html"
    records = hanweb.embedded_records(lxml.html.fromstring(raw), page_url, raw)
    assert records == [
        ("http://www.yunxi.example/art/2023/3/8/art_4467_2301.html", "侨心汇聚", LinkKind.ARTICLE)
    ]
    pages = hanweb.proxy_pages(raw, page_url)
    assert [page.url.split("?")[1] for page in pages] == [
        "startrecord=2&endrecord=46&perpage=15",
    ]
    assert dict(pages[0].formdata)["columnid"] == "4467"


def test_a_page_without_refresh_in_its_bytes_is_passed_on_as_scrapy_would():
    """The meta-refresh middleware rules a redirect out from the bytes where Scrapy decodes the
    whole page: the same answer on every saved page and on pages that do redirect."""
    from pathlib import Path

    from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware

    from crawler.crawl.middlewares import MetaRefreshLimitMiddleware

    crawler = get_crawler(settings_dict={"METAREFRESH_ENABLED": True})
    ours = MetaRefreshLimitMiddleware.from_crawler(crawler)
    scrapys = MetaRefreshMiddleware.from_crawler(crawler)
    here = Path(__file__).parent
    bodies = [p.read_bytes() for p in sorted((here / "pages").glob("*.html"))]
    bodies += [p.read_bytes() for p in sorted((here / "extraction" / "pages").glob("*"))]
    redirecting = [
        b'<html><head><meta http-equiv="refresh" content="0; url=/new.html"></head></html>',
        b"<html><head><META HTTP-EQUIV='REFRESH' CONTENT='1;URL=/b'></head><body>x</body></html>",
        '<html><head><meta charset="gbk"><meta http-equiv="Refresh" content="0;url=/c">'
        "</head><body>统战</body></html>".encode("gbk"),
        '<html><head><meta http-equiv="refresh" content="0; url=/d"></head></html>'.encode(
            "utf-16"
        ),
        b"<html><head><script>/* refresh */</script></head><body>none</body></html>",
    ]
    outcomes = []
    for body in bodies + redirecting:
        answers = []
        for middleware in (ours, scrapys):
            request = Request(URL)
            response = HtmlResponse(URL, body=body, headers={"Content-Type": "text/html"})
            answer = middleware.process_response(request, response)
            answers.append(answer.url if isinstance(answer, Request) else answer is response)
        assert answers[0] == answers[1], body[:200]
        outcomes.append(answers[0])
    assert len(bodies) > 30
    assert outcomes[-5:] == [
        "http://tz.qingshan.example/new.html", "http://tz.qingshan.example/b",
        "http://tz.qingshan.example/c", "http://tz.qingshan.example/d", True,
    ]  # fmt: skip
