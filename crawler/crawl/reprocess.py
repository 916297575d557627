"""`crawler reprocess`: read the stored responses (WARC) again with the current extraction,
classification and fingerprint, with no network access at all, and record what changed: new
summaries, pages no longer taken for one, texts whose hash changed (a new version; the old one is
kept). Running it twice changes nothing the second time."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from crawler.archive import CHANGES, Archive, DocumentRecord, PageRecord
from crawler.crawl.items import PageItem, copy_fields
from crawler.crawl.pipelines import ClassifyPipeline, FingerprintPipeline
from crawler.crawl.warc import read_response, warc_dir_for
from crawler.extract import NotHTML, china_day, extract_page
from crawler.extract.files import FILE_TYPES, Unreadable, sniff
from crawler.extract.files.isolated import extract_file_isolated
from crawler.registry.sites import Site, SitesError, load_sites
from crawler.spiders.parts import joined


@dataclass
class ReprocessSummary:
    run_id: int
    pages: int = 0
    unreadable: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CHANGES.values(), 0))

    def text(self) -> str:
        return (
            f"reprocess run {self.run_id}: {self.pages} stored pages read again, "
            f"{self.counts['new_summaries']} new summaries, "
            f"{self.counts['no_longer_summaries']} no longer summaries, "
            f"{self.counts['texts_changed']} texts changed, {self.unreadable} unreadable"
        )


def _change(row: dict, item: PageItem) -> str | None:
    if item.is_summary and not row["is_summary"]:
        return "new summary"
    if row["is_summary"] and not item.is_summary:
        return "no longer a summary"
    if item.is_summary and item.content_hash != row["content_hash"]:
        return "text changed"
    return None


def reprocess(
    db_path: str | Path,
    sites: list[Site],
    site_ids: tuple[str, ...] = (),
    since: str | None = None,
    warc_dir: str | None = None,
) -> ReprocessSummary:
    """Read the stored article pages of the archive (of ``site_ids``, fetched ``since``) again."""
    folder = warc_dir_for(db_path, warc_dir)
    by_id = {site.id: site for site in sites}
    classify = ClassifyPipeline()
    classify.rules = {site.id: site.rules for site in sites}
    fingerprint = FingerprintPipeline()
    with Archive(db_path) as archive:
        classify.labels = archive.labels()  # a reader's label settles what the rules cannot
        summary = ReprocessSummary(archive.start_reprocess(site_ids, since))
        for row in archive.stored_pages(site_ids, since):
            summary.pages += 1
            site = by_id.get(row["site"])
            try:
                stored = read_response(folder, row["warc_file"], row["warc_offset"])
                if sniff(stored.body) in FILE_TYPES:  # a PDF or Word file (extract/files)
                    extracted = extract_file_isolated(
                        stored.body,
                        row["url"],
                        row["title"],  # the name the crawl gave it, for a file with no heading
                        row["published"],  # the date its list gave
                        china_day(stored.date),
                    )
                else:
                    extracted = extract_page(
                        stored.body,
                        row["url"],
                        stored.content_type,
                        site.encoding if site else None,
                        china_day(stored.date),
                    )
            except (OSError, StopIteration, ValueError, NotHTML, Unreadable):
                summary.unreadable += 1
                continue
            try:  # an article in pieces (spiders/parts.py): its further parts' stored responses
                extracted.body = _with_parts(folder, row, extracted.body, site)
            except (OSError, StopIteration, ValueError, NotHTML):
                summary.unreadable += 1
                continue
            item = copy_fields(
                extracted,
                PageItem,
                url=row["url"],
                site=row["site"],
                region=row["region"] or "",
                kind="article",
                status=stored.status,
                warc_file=row["warc_file"],
                warc_offset=row["warc_offset"],
            )
            fingerprint.process_item(classify.process_item(item))
            if item.is_summary and item.content_hash:
                archive.set_genre(item.content_hash, item.genre)  # the classifier may have changed
            change = _change(row, item)
            same = all(
                (row[name] or None) == (getattr(item, name) or None)
                for name in ("reason", "content_hash", "title", "published", "score")
            )
            if change is None and same and bool(row["is_summary"]) == bool(item.is_summary):
                continue
            document = (
                copy_fields(item, DocumentRecord)
                if change in ("new summary", "text changed")
                else None
            )
            archive.apply_reprocessed(
                summary.run_id,
                copy_fields(item, PageRecord),
                row["last_fetched"],
                change,
                document,
                old_hash=row["content_hash"],
            )
            if change:
                summary.counts[CHANGES[change]] += 1
        archive.finish_reprocess(
            summary.run_id,
            {"pages": summary.pages, "unreadable": summary.unreadable, **summary.counts},
        )
    return summary


def _with_parts(folder: Path, row: dict, body: str, site: Site | None) -> str:
    """The text of an article stored in pieces: its first page's and each part's, joined (an
    exception when a part's stored response cannot be read: the article is left as it was)."""
    parts = [link for link in json.loads(row["links"] or "[]") if link[1] == "part"]
    if not parts:
        return body
    bodies = [body]
    for url, _kind, warc_file, warc_offset in (part for part in parts if len(part) == 4):
        stored = read_response(folder, warc_file, warc_offset)
        encoding = site.encoding if site else None
        bodies.append(extract_page(stored.body, url, stored.content_type, encoding).body)
    return joined(bodies)


def sites_for_reprocess(sites_path: str) -> list[Site]:
    """The registry's sites (their classification rules and encodings), or none when there is no
    registry: the default rules then apply."""
    return load_sites(sites_path) if Path(sites_path).exists() else []


def check_site_ids(db_path: str | Path, sites: list[Site], site_ids: tuple[str, ...]) -> None:
    """Refuse (SitesError) a site id that is neither in the registry nor in the archive."""
    with Archive(db_path) as archive:
        known = archive.site_ids() | {site.id for site in sites}
    unknown = [site_id for site_id in site_ids if site_id not in known]
    if unknown:
        raise SitesError(
            f"unknown site id '{unknown[0]}': the archive and the registry know "
            f"{', '.join(sorted(known)) or 'no site'}"
        )
