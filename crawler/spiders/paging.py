"""The spider's part for where paging and navigation should stop, or reach further:

- every address is asked for without its tracking parameters (discovery/urls.py), and not at
  all when its URL shape was found to be a trap (discovery/traps.py);
- a page that is not an article tells the trap guard whether it held articles; the answer that
  makes its shape a trap is recorded as a pages row of kind ``trap`` (url: the shape);
- a column's paging stops at a further page that holds no article link the column had not shown
  (an empty page, a 200 页面不存在, a repeat of an earlier page);
- on a re-crawl, a column whose dates run oldest first (discovery/order.py) is read at its last
  page too, and paged on from there while that end holds something new.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from scrapy.http import Response

from crawler.crawl.items import ColumnItem, PageItem
from crawler.discovery.links import Link, LinkKind, page_number
from crawler.discovery.order import oldest_first_columns
from crawler.discovery.urls import clean_url
from crawler.registry.sites import Site
from crawler.spiders.page_fields import page_of


class PagingGuards:
    """Mixed into MunicipalSpider (see the module)."""

    def _address(self, url: str, site: Site, kind: str) -> str | None:
        """The address to ask for (tracking parameters off), or None for a page of a trap."""
        url = clean_url(url)
        if kind == "article":  # an alias whose canonical address a learnt rule names
            canonical = self.crawl_state.alias_rules.rewrite(site.id, url)
            if canonical != url:
                self.crawl_state.count(site.id, "aliases_folded")
                return canonical
        if kind in ("list", "other") and self.crawl_state.traps.is_cut(site.id, url):
            self.crawl_state.count(site.id, "trap_cut", self.crawl_state.traps.newly_cut([url]))
            return None
        return url

    def _shape_answered(self, response: Response, site: Site, links: list[Link]) -> Iterator:
        """Tell the trap guard what a page that is not an article held; record a new trap."""
        if response.meta.get("kind") == "home":
            return
        articles = sum(1 for link in links if link.kind is LinkKind.ARTICLE)
        shape = self.crawl_state.traps.answered(site.id, response.url, articles)
        if shape is not None:
            yield PageItem(
                url=f"{urlsplit(response.url).scheme}://{shape}",
                site=site.id,
                region=site.region,
                kind="trap",
                status=None,
                links=[[shape, "trap"]],
                reason=f"trap: {self.crawl_state.traps.limit} pages of this URL shape held no "
                "article; its further pages are not asked for, now or in later crawls",
            )

    def _paging_stops(self, response: Response, site: Site, column: str, links: list[Link]) -> bool:
        """Whether a further page of a column holds no article link the column had not shown:
        its paging ends here, and the further pages its pager names are counted as cut."""
        items = [link.url for link in links if link.kind is LinkKind.ARTICLE]
        # an index's (API, sitemap, feed) items of unknown shape are its articles too
        fresh = self.crawl_state.columns.new_links(column, items + response.meta.get("items", []))
        if not response.meta.get("column") or fresh:
            return False
        current = response.meta.get("page") or page_number(response.url)
        further = {
            link.url
            for link in [*links, *response.meta.get("pending", [])]
            if link.kind is LinkKind.PAGE and page_of(link) > current
        }
        self.crawl_state.count(site.id, "trap_cut", self.crawl_state.traps.newly_cut(further))
        return True

    def _oldest_first_tail(
        self, response: Response, site: Site, hops: int, column: str
    ) -> Iterator:
        """On a re-crawl, the last stored page of a column listed oldest first (from its first
        page: the column's own later pages come from there)."""
        if response.meta.get("column"):
            return
        tails = self.__dict__.setdefault("_oldest_first", {})
        if site.id not in tails:
            state = self.crawl_state.site(site.id)
            tails[site.id] = oldest_first_columns(
                state.walked_columns, state.list_pages, state.published
            )
        last = tails[site.id].get(column)
        if last:
            request = self._request(
                last, site, "list", hops, column=column, backfill=False,
                page=page_number(last), tail=True,
            )  # fmt: skip
            if request is not None:
                yield request

    def _tail_goes_on(self, response: Response, site: Site, links: list[Link]) -> bool:
        """The last page of an oldest-first column names a next page no crawl has read (where
        the column grew); a next page read before lay past the column's end."""
        if not response.meta.get("tail"):
            return False
        current = response.meta.get("page") or page_number(response.url)
        further = [link for link in links if link.kind is LinkKind.PAGE and page_of(link) > current]
        if not further:
            return False
        following = min(further, key=page_of)
        return following.url not in self.crawl_state.site(site.id).list_pages

    def _column_walked(self, site: Site, column: str) -> Iterator[ColumnItem]:
        """The column's paging stopped where it should (not cut short by a budget or a block)."""
        state = self.crawl_state.site(site.id)
        if column not in state.walked_columns and not self.crawl_state.stopped(site):
            state.walked_columns.add(column)
            yield ColumnItem(column, walked=True)
