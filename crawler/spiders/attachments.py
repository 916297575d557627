"""The municipal spider's part for linked document files: which to fetch (the site's
``attachments`` policy, crawler/discovery/attachments.py), within the site's request budget and
a size limit of their own, and reading what arrives, in a separate process (crawler/extract/files)
so that a hostile file costs that process and not the crawl.

A file that reads is an article like any page: classified, fingerprinted and archived, so that a
PDF whose text is an HTML copy's is one more sighting of the same document. One that does not
read is recorded with the reason (encrypted, no_text, corrupt_file, file_too_large,
not_a_document, unreadable_format, read_timeout), and its stored copy is kept for
``crawler reprocess``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from urllib.parse import unquote

from scrapy.http import Response
from w3lib.url import safe_url_string

from crawler.crawl.items import ErrorItem, PageItem, copy_fields
from crawler.discovery.attachments import is_document, wanted
from crawler.discovery.links import Link
from crawler.extract import china_day
from crawler.extract.files import FILE_TYPES, Unreadable, sniff
from crawler.extract.files.isolated import extract_file_isolated
from crawler.registry.sites import Site
from crawler.spiders.page_fields import page_fields


class AttachmentReading:
    """Mixed into MunicipalSpider (which provides _request, crawl_state and settings)."""

    def _attachments(
        self,
        response: Response,
        site: Site,
        hops: int,
        links: list[tuple[Link, str | None]],
        page_title: str | None,
        page_date: str | None = None,
    ) -> Iterator:
        """Requests for the linked files worth reading (with the date of their list row, else of
        the linking page); a record of each other one, once."""
        state = self.crawl_state.site(site.id)
        for link, row_date in links:
            if not is_document(link) or link.url in state.known_articles:
                continue
            fetch, why = wanted(link, site.attachments, page_title, site.rules)
            if fetch:
                request = self._request(
                    link,
                    site,
                    "attachment",
                    hops,
                    link_text=link.text,
                    linked_date=row_date or page_date,
                    download_maxsize=self.settings.getint("ARCHIVE_ATTACHMENT_MAXSIZE"),
                    download_warnsize=self.settings.getint("ARCHIVE_ATTACHMENT_MAXSIZE") // 2,
                )
                if request is not None:
                    yield request
                continue
            if link.url in state.recorded_attachments or link.url in self.crawl_state.seen:
                continue
            self.crawl_state.seen.add(link.url)
            url = safe_url_string(link.url)  # as a fetch would have it (percent-encoded)
            label = f"'{link.text}' " if link.text else ""
            yield ErrorItem(
                url,
                site.id,
                "attachment",
                f"document attachment {label}linked from {response.url}; not fetched: {why}",
                page_kind="attachment",
            )

    async def _read_file(self, response: Response) -> AsyncIterator[PageItem | ErrorItem]:
        try:
            for item in await self._file_items(response):
                yield item
        finally:
            self.crawl_state.answered(response.request)

    async def _file_items(self, response: Response) -> list[PageItem | ErrorItem]:
        site: Site = response.meta["site"]
        base = page_fields(response, site)
        kind = sniff(response.body)
        stored = {"warc_file": base.get("warc_file"), "warc_offset": base.get("warc_offset")}
        try:
            extracted = await asyncio.to_thread(
                extract_file_isolated,
                response.body,
                response.url,
                _name(response),
                response.meta.get("linked_date"),
                china_day(response.headers.get("Date")),
                self.settings.getfloat("ARCHIVE_ATTACHMENT_TIME_LIMIT"),
            )
        except Unreadable as exc:
            return [
                ErrorItem(
                    response.url,
                    site.id,
                    exc.kind,
                    exc.message,
                    response.status,
                    # Something else under a document's link (an error page served as a PDF) is
                    # not read again; a real file that would not read is, by `crawler reprocess`.
                    "attachment" if exc.kind == "not_a_document" else "article",
                    file_type=kind if kind in FILE_TYPES else None,
                    **stored,
                )
            ]
        self.crawl_state.count(site.id, "articles")
        return [
            copy_fields(extracted, PageItem, kind="article", **base, encoding=extracted.encoding)
        ]


def _name(response: Response) -> str | None:
    """What the file is called: the link's text, else the name the server gives it
    (Content-Disposition: filename*=UTF-8''…, or a filename in UTF-8, GBK or percent-encoded)."""
    text = response.meta.get("link_text") or ""
    if sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff") >= 4:
        return text
    return disposition_name(response.headers.get(b"Content-Disposition")) or text or None


def disposition_name(header: bytes | None) -> str | None:
    if not header:
        return None
    extended = re.search(rb"filename\*\s*=\s*([\w-]+)'[^']*'([^;]+)", header, re.IGNORECASE)
    if extended:
        charset = extended.group(1).decode("ascii", "replace")
        try:
            return unquote(extended.group(2).decode("ascii", "replace"), encoding=charset).strip()
        except LookupError:
            return None
    plain = re.search(rb'filename\s*=\s*"?([^";]+)"?', header, re.IGNORECASE)
    if not plain:
        return None
    raw = plain.group(1).strip()
    for codec in ("utf-8", "gb18030"):
        try:
            return unquote(raw.decode(codec))
        except UnicodeDecodeError:
            continue
    return None
