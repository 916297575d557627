"""The municipal spider's part for an article's text once its page is read: where the page was
read (in the crawl's process, or in a reader beside it: crawler/crawl/readers.py) changes nothing
of what follows. A page with no text is asked again through its JSON or a browser
(crawl/fallback.py), one that says it does not exist is recorded so, and an article is assembled
(spiders/parts.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from scrapy.http import Response

from crawler.crawl.fallback import article_api, render_again
from crawler.crawl.items import ErrorItem, PageItem
from crawler.crawl.readers import ArticleRead, Readers, read_article
from crawler.discovery.links import Link
from crawler.discovery.traps import says_not_found
from crawler.extract import china_day
from crawler.registry.sites import Site
from crawler.spiders.page_fields import link_rows, page_fields

# A page reached as "other" is taken for an article when it lists no articles itself and carries
# at least this many Chinese characters of main text.
ARTICLE_MIN_CJK = 150


def content_type_of(response: Response) -> str:
    return response.headers.get(b"Content-Type", b"").decode("latin-1").lower()


class ArticleReading:
    """Mixed into MunicipalSpider (which provides _read_page, _article, _follow_list,
    _shape_answered, crawl_state and settings)."""

    readers: Readers

    def _reads_aside(self, response: Response) -> bool:
        """Whether an answer is an article page for a reader (crawl/readers.py)."""
        return (
            response.meta["kind"] == "article"
            and response.status == 200
            and "article_of" not in response.meta  # an article shell's JSON: read here
            and self.readers.takes(response.body)
        )

    async def _page_items_aside(self, response: Response) -> AsyncIterator:
        """An article's items once a reader has read its page; the crawl fetches meanwhile."""
        try:
            read = await self.readers.read(*self._reading(response, judge=True))
            for item in self._read_page(response, read):
                yield item
        finally:  # after the requests the page led to were admitted: the site's count is exact
            self.crawl_state.answered(response.request)

    def _reading(self, response: Response, judge: bool = False) -> tuple:
        """The arguments of read_article for an article's answer; ``judge``: a reader also
        classifies and hashes its text for a site with the default rules (the pipelines do it
        for a page read here)."""
        site: Site = response.meta["site"]
        return (
            response.body,
            content_type_of(response),
            site.encoding,
            response.url,
            china_day(response.headers.get("Date")),
            site.attachments != "none",
            site.allowed_domains,
            judge and site.rules is None,
        )

    def _read_article(
        self, response: Response, site: Site, hops: int, read: ArticleRead | None
    ) -> Iterator:
        """An article asked for as one: read here unless a reader has read it."""
        read = read or read_article(*self._reading(response))
        if read.not_html is not None:
            yield ErrorItem(
                response.url, site.id, "empty", read.not_html, response.status, "article"
            )
            return
        base = page_fields(response, site) | {"encoding": read.encoding}
        yield from self._read_text(response, site, hops, base, read, "article", [])

    def _read_text(
        self, response: Response, site: Site, hops: int, base: dict, read: ArticleRead,
        requested: str, links: list[Link],
    ) -> Iterator:  # fmt: skip
        """What a read page's text makes of it: an article, another page, a page to ask again."""
        extracted = read.extracted
        text = extracted.body
        if (
            requested != "article"
            and sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff") < ARTICLE_MIN_CJK
        ):
            yield from self._shape_answered(response, site, links)
            yield PageItem(kind="other", links=link_rows(links), **base)
            # a 信息公开 detail page whose text is its attachment: the page's date is the file's
            yield from self._follow_list(
                response, site, hops, links, read.title, read.attached, extracted.published
            )
            return
        if not text and (
            again := article_api(response, read.text, site, self.crawl_state)
            or render_again(response, site, self.crawl_state, self.settings)
        ):
            yield again  # its text is the script's (crawl/fallback.py)
            return
        if not text or says_not_found(text, extracted.title or read.title):
            why = "says it does not exist (200 页面不存在)" if text else "no main text on the page"
            kind = "soft_404" if text else "no_text"
            yield ErrorItem(response.url, site.id, kind, why, response.status, requested)
            return
        yield from self._article(
            response, site, hops, base, extracted, read.parts, read.canonical, read.attached,
            read.title, read.judged,
        )  # fmt: skip

    def closed(self, reason: str) -> None:
        self.readers.close()
        self.crawler.stats.set_value("readers/pages", self.readers.handed)
