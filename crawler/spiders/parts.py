"""Articles as the archive keeps them: one page row per article, whatever its addresses and however
many pages it is split over.

- **In pieces.** An article with a pager of its own (共3页 上一页 1 2 3 下一页 over
  ``content_501.html``, ``content_501_2.html`` …, or ``show.php?id=77`` and
  ``show.php?id=77&page=2``) has its further pages fetched one after the other and their texts
  joined in order; the article is recorded once, under its first page's URL, with its parts in
  its row's links (``[url, "part", warc file, warc offset]``: `crawler reprocess` reads them
  again), which later crawls count as known: no part is asked for again.
- **At many addresses.** A page whose ``<link rel="canonical">`` names another address of the
  same site is recorded under that address (``documents.url`` is the canonical one), with the
  address it was fetched at as an alias (``[url, "alias"]``); a copy fetched after its canonical
  was archived only adds its address to the canonical's row (an ``AliasItem``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from scrapy.http import Response

from crawler.crawl.items import AliasItem, ErrorItem, Judged, PageItem, copy_fields
from crawler.discovery.parts import part_links
from crawler.extract import NotHTML, extract, read_page
from crawler.registry.sites import Site

# A line of an article's own pager, left in its text: 共3页 上一页 1 2 3 下一页, 第2页
_PAGER_WORDS = r"共\s*\d+\s*页|第\s*\d+\s*页|上一页|下一页|前一页|后一页|首页|尾页|末页"
_PAGER_LINE = re.compile(rf"^(?:{_PAGER_WORDS}|[\s\d\[\]|/…<>«».·-])+$")


def joined(bodies: list[str]) -> str:
    """The parts' texts in order, one text, without the lines of their pagers."""
    lines = [
        line
        for body in bodies
        for line in body.splitlines()
        if not (_PAGER_LINE.match(line.strip()) and "页" in line)
    ]
    return "\n".join(line for line in lines if line.strip())


class ArticleAssembly:
    """The spider's part for articles in pieces and at many addresses (see the module)."""

    def _article(
        self, response: Response, site: Site, hops: int, base: dict, extracted, parts, canonical,
        attached: list, title: str | None, judged: Judged | None = None,
    ) -> Iterator:  # fmt: skip
        """An article's item, or the request for its next part."""
        assembly = {
            "first": response.url, "base": base, "extracted": extracted, "numbers": [1],
            "bodies": [extracted.body], "parts": [], "canonical": canonical,
            "attached": attached, "title": title, "hops": hops, "judged": judged,
        }  # fmt: skip
        yield from self._next_part(response, site, assembly, parts)

    def _next_part(self, response: Response, site: Site, assembly: dict, parts: dict) -> Iterator:
        later = sorted(n for n in parts if n > assembly["numbers"][-1])
        for number in later[:1]:
            request = self._request(parts[number], site, "part", assembly["hops"])
            if request is not None:
                yield request.replace(
                    callback=self.parse_part,
                    errback=self.on_part_error,
                    priority=10,
                    meta={**request.meta, "assembly": assembly, "part": number},
                )
                return
        yield from self._emit_article(response, site, assembly)

    def parse_part(self, response: Response) -> Iterator:
        """A further part of an article: its text kept, then the next part or the article."""
        site: Site = response.meta["site"]
        assembly = response.meta["assembly"]
        try:
            content_type = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
            try:
                page = read_page(response.body, content_type, site.encoding)
            except NotHTML as exc:
                yield ErrorItem(response.url, site.id, "empty", str(exc), response.status, "part")
                yield from self._emit_article(response, site, assembly)
                return
            parts = part_links(page.doc, response.url, assembly["first"])
            body = extract(page, response.url).body
            assembly["numbers"].append(response.meta["part"])
            assembly["bodies"].append(body)
            stored = response.meta.get("warc")  # where its response is kept, for reprocessing
            assembly["parts"].append(
                [response.url, "part"] + ([stored.file, stored.offset] if stored else [])
            )
            self.crawl_state.count(site.id, "parts_joined")
            yield from self._next_part(response, site, assembly, parts)
        finally:
            self.crawl_state.answered(response.request)

    def on_part_error(self, failure) -> Iterator:
        """A part that could not be fetched: recorded as a failure, and the article with the
        parts read so far."""
        request = failure.request
        yield from self.on_error(failure)
        yield from self._emit_article(None, request.meta["site"], request.meta["assembly"])

    def _learn_alias(self, site: Site, alias: str, canonical: str) -> Iterator[PageItem]:
        """A fold teaches how the alias's URL shape names canonical addresses; a rule that
        becomes active is recorded (a pages row of kind ``alias_rule``) for later crawls."""
        rule = self.crawl_state.alias_rules.learn(site.id, alias, canonical)
        if rule is not None:
            shape, index, template = rule
            yield PageItem(
                url=f"{urlsplit(alias).scheme}://{shape}", site=site.id, region=site.region,
                kind="alias_rule", status=None, links=[[shape, "alias_rule", index, template]],
                reason=f"alias rule: links of this shape are asked for at {template}",
            )  # fmt: skip

    def _emit_article(self, response: Response | None, site: Site, assembly: dict) -> Iterator:
        base = dict(assembly["base"])
        links = list(assembly["parts"])
        part_urls = [row[0] for row in links]
        canonical = assembly["canonical"]
        pending = self.__dict__.setdefault("_aliases_pending", {})
        emitted = self.__dict__.setdefault("_articles_emitted", set())
        if canonical:
            self.crawl_state.count(site.id, "aliases_folded")
            yield from self._learn_alias(site, base["url"], canonical)
            if canonical in self.crawl_state.site(site.id).known_articles or canonical in emitted:
                yield AliasItem(canonical, site.id, [base["url"], *part_urls])
                return
            if canonical in self.crawl_state.seen:  # asked for, not yet answered
                pending.setdefault(canonical, []).extend([base["url"], *part_urls])
                return
            self.crawl_state.seen.add(canonical)  # this copy stands for it
            links.append([base["url"], "alias"])
            base["url"] = canonical
        links += [[url, "alias"] for url in pending.pop(base["url"], [])]
        emitted.add(base["url"])
        extracted = assembly["extracted"]
        self.crawl_state.count(site.id, "articles")
        yield copy_fields(
            extracted, PageItem, kind="article",
            body=joined(assembly["bodies"]) if assembly["parts"] else extracted.body,
            links=links or None, judged=assembly.get("judged"), **base,
        )  # fmt: skip
        if response is not None:
            yield from self._attachments(
                response, site, assembly["hops"], assembly["attached"],
                extracted.title or assembly["title"], extracted.published,
            )  # fmt: skip
