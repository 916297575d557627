"""Thin glue from spider items to the classifier, the fingerprint and the archive.

One concern per pipeline, ordered by number in settings.ITEM_PIPELINES.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.defer import deferred_from_coro

from crawler.archive import Archive, DocumentRecord, PageRecord
from crawler.archive.journal import Journal
from crawler.classify import classify, refine_region, review_year
from crawler.crawl.items import (
    AliasItem,
    ColumnItem,
    ErrorItem,
    Judged,
    PageItem,
    copy_fields,
)
from crawler.crawl.state import CrawlState, site_done
from crawler.fingerprint import content_hash

logger = logging.getLogger(__name__)


def _is_article(item: object) -> bool:
    return isinstance(item, PageItem) and item.kind == "article" and item.status == 200


def _judged(item: PageItem) -> Judged | None:
    """The reader's decision and hash when they are for the item's title and body."""
    judged = item.judged
    return judged if judged is not None and judged.holds(item) else None


class ClassifyPipeline:
    """Decide whether an article is a work summary, with the site's rules; the reason goes with
    it to the archive. A reader's label (crawler/archive/labels.py) settles it whatever the rules
    say; the classifier's score and reason are kept beside it."""

    def __init__(self, crawler=None):
        self.crawler = crawler
        self.rules: dict = {}
        self.labels: dict[str, dict] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        spider = self.crawler.spider if self.crawler is not None else None
        self.rules = {site.id: site.rules for site in getattr(spider, "sites", ())}
        settings = self.crawler.settings if self.crawler is not None else None
        # a worker's crawl (ARCHIVE_JOURNAL) has no archive to read: there the labels are applied
        # by `crawler reprocess` on the archive the writer keeps
        path = (
            settings.get("ARCHIVE_DB") if settings and not settings.get("ARCHIVE_JOURNAL") else None
        )
        if path and Path(path).exists():
            with Archive(path) as archive:
                self.labels = archive.labels()

    def process_item(self, item):
        if _is_article(item):
            rules = self.rules.get(item.site)
            judged = _judged(item)
            if judged is not None and rules is None:  # decided by the reader, with these rules
                decision = judged.decision
            else:
                decision = classify(item.title, item.body or "", rules)
            item.is_summary = decision.is_summary
            item.reason = decision.reason
            item.genre = decision.genre
            item.score = round(decision.score, 3)
            item.near_line = decision.near_line
            label = self.labels.get(item.url)
            if label is not None:
                item.is_summary = label["label"] == "summary"
                item.reason = (
                    f"labelled {label['label']} by {label['who']} at {label['at']}; "
                    f"the rules said: {decision.reason}"
                )
                if item.is_summary and not item.genre:
                    item.genre = "综述"
            if item.is_summary:
                item.year = review_year(item.title, item.body or "", item.published)
                item.region = refine_region(item.region, item.title, item.body or "")
        return item


class FingerprintPipeline:
    """The content hash of the normalised body: the identity of a document."""

    def process_item(self, item):
        if _is_article(item) and item.body:
            judged = _judged(item)
            item.content_hash = content_hash(item.body) if judged is None else judged.content_hash
        return item


class ArchivePipeline:
    """Writes every item to archive.db and keeps the crawl_runs row of this run.

    The run is finished on spider_closed rather than in close_spider, because only that signal
    carries the reason the crawl ended (finished, shutdown, ...). A write that fails (disk full,
    the file made read-only, an I/O error) stops the crawl at once: every transaction either
    landed or did not, so what was archived before stays as it was.
    """

    def __init__(self, crawler, path: str):
        self.crawler = crawler
        self.path = path
        # A failing URL is asked for again after base, 2 × base … days, at most max (failed_urls).
        self.backoff_days = (
            crawler.settings.getfloat("ARCHIVE_RETRY_AFTER_DAYS", 1.0),
            crawler.settings.getfloat("ARCHIVE_RETRY_AFTER_MAX_DAYS", 32.0),
        )
        self.archive: Archive | None = None
        self.run_id: int | None = None
        self.write_error: str | None = None
        self.write_seconds = 0.0  # spent in the archive's writes, saved with the run

    @classmethod
    def from_crawler(cls, crawler):
        path = crawler.settings.get("ARCHIVE_DB")
        if not path:
            raise NotConfigured("ARCHIVE_DB is empty")
        pipeline = cls(crawler, path)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(pipeline.site_done, signal=site_done)
        return pipeline

    def open_spider(self):
        spider = self.crawler.spider
        journal = self.crawler.settings.get("ARCHIVE_JOURNAL")
        self.archive = Journal(journal) if journal else Archive(self.path)
        self.archive.register_sites(spider.sites)
        # `crawler crawl` opens the run before the crawl starts (refusing a site another crawl has);
        # a plain `scrapy crawl` opens it here.
        self.run_id = self.crawler.settings.getint("ARCHIVE_RUN_ID") or self.archive.start_run(
            [site.id for site in spider.sites]
        )
        spider.run_id = self.run_id
        logger.info(
            "archive %s: run %s started for %s",
            self.path,
            self.run_id,
            ", ".join(s.id for s in spider.sites),
        )

    def process_item(self, item):
        if self.write_error is not None:
            raise DropItem(f"not archived: {self.write_error}")
        try:
            started = time.perf_counter()
            self._store(item)
            self.write_seconds += time.perf_counter() - started
            site_id = getattr(item, "site", None)
            if site_id in CrawlState.of(self.crawler).done_at:
                # the tail of a site that has ended: its saved counts follow
                self.site_done(site_id)
        except sqlite3.Error as exc:
            self.write_error = f"cannot write archive {self.path}: {exc}"
            self.crawler.spider.archive_error = self.write_error
            logger.critical(
                "%s; the crawl stops here, and what was archived before is kept", self.write_error
            )
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="archive_error"))
            raise DropItem(f"not archived: {self.write_error}") from exc
        return item

    def _store(self, item) -> None:
        state = CrawlState.of(self.crawler)
        if isinstance(item, ColumnItem):
            self.archive.mark_column(item.url, item.walked)
            return
        if isinstance(item, AliasItem):
            self.archive.note_aliases(item.url, item.aliases)
            return
        if isinstance(item, ErrorItem):
            page = None
            if item.site and (item.status is not None or item.page_kind == "attachment"):
                page = PageRecord(
                    item.url,
                    item.site,
                    item.page_kind or "other",
                    item.status,
                    reason=f"{item.kind}: {item.message}",
                    warc_file=item.warc_file,
                    warc_offset=item.warc_offset,
                    file_type=item.file_type,
                )
            self.archive.record_error(
                self.run_id,
                item.site,
                item.url,
                item.kind,
                item.message,
                item.status,
                page,
                backoff_days=self.backoff_days,
                page_kind=item.page_kind,
            )
            if item.site in state.sites and item.kind != "attachment":
                state.count(item.site, "errors")
            return
        if item.status == 304:
            self.archive.touch_page(self.run_id, item.url)
            return
        document = None
        if item.is_summary and item.content_hash:
            document = copy_fields(item, DocumentRecord)
        page = copy_fields(item, PageRecord)
        outcome = self.archive.record_page(self.run_id, page, document)
        if outcome.new_document:
            state.count(item.site, "documents_new")
        if outcome.new_sighting:
            state.count(item.site, "sightings_new")
        if outcome.changed:
            state.count(item.site, "changed")

    def site_done(self, site_id: str) -> None:
        """A site's crawl ended before the others': its outcome is saved now, so that it stands
        even if the crawl is later stopped hard (a time limit, a kill)."""
        if self.archive is None or self.write_error is not None:
            return
        state = CrawlState.of(self.crawler)
        if state.outstanding[site_id] > 0:  # more was found for it since
            return
        try:
            self.archive.finish_site(
                self.run_id, site_id, state.counts(site_id), "ok", state.done_at[site_id]
            )
        except sqlite3.Error as exc:  # said at the end of the run, which writes it again
            logger.warning("cannot record the end of site %s yet: %s", site_id, exc)

    def spider_closed(self, spider, reason: str):
        if self.archive is None:
            return
        status = {"finished": "ok", "shutdown": "interrupted", "archive_error": "failed"}.get(
            reason, reason
        )
        state = CrawlState.of(self.crawler)
        outcomes = {site.id: state.outcome(site.id, status) for site in spider.sites}
        try:
            self.archive.finish_run(
                self.run_id,
                status,
                {site.id: state.counts(site.id) for site in spider.sites},
                message=self.write_error or (None if reason == "finished" else f"closed: {reason}"),
                outcomes={site_id: (o.status, o.finished) for site_id, o in outcomes.items()},
                write_s=round(self.write_seconds, 3),
            )
        except sqlite3.Error as exc:
            # The next crawl closes the run as interrupted; nothing else is left half-done.
            logger.critical(
                "cannot record the end of run %s in %s: %s", self.run_id, self.path, exc
            )
            self.archive.close()
            self.archive = None
            return
        logger.info(
            "archive %s: run %s %s %s",
            self.path,
            self.run_id,
            status,
            self.archive.run(self.run_id),
        )
        self.archive.close()
        self.archive = None
