"""The records the crawl hands to the archive and the state it reads back: one type per table row
it writes, so that a new column is a field here and a key in the writer."""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, dataclass, field, fields


def _fields_of(record) -> dict:
    """A record's fields as they are: ``asdict`` copies every value deeply (160 µs for a list
    page's row with 20 links, 3 µs this way), and a row's values are written, never changed."""
    return {name: getattr(record, name) for name in _names(type(record))}


@functools.cache
def _names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(kind))


@dataclass
class PageRecord:
    """What the crawl learned about one fetched URL."""

    url: str
    site: str
    kind: str  # list | article | other
    status: int | None
    is_summary: bool | None = None
    reason: str | None = None
    content_hash: str | None = None
    title: str | None = None
    published: str | None = None
    encoding: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    # What a list page links to, as [url, kind] or [url, kind, form fields]: replayed on a 304.
    links: list[list] | None = None
    # Where the fetched response is kept (crawler/crawl/warc.py), when WARC writing is on.
    warc_file: str | None = None
    warc_offset: int | None = None
    # How the page was reached: link, frame, form (a POSTed list), sitemap, feed.
    via: str | None = None
    # A document file's type (pdf, docx, doc, ofd: crawler/extract/files); None for a web page.
    file_type: str | None = None
    # Which evidence the date was read from (crawler/extract): "under the headline", "sign-off in
    # the text", "document metadata (no date printed)" (a file's last resort) …
    published_from: str | None = None
    # The classifier's score, and whether it is near the line (a candidate for a reader).
    score: float | None = None
    near_line: bool | None = None

    def as_row(self) -> dict:
        """The pages row (without the timestamps and run the writer adds)."""
        row = _fields_of(self)
        row["is_summary"] = None if self.is_summary is None else int(self.is_summary)
        row["links"] = None if self.links is None else json.dumps(self.links, ensure_ascii=False)
        return row


@dataclass
class DocumentRecord:
    """A work summary as extracted from one page."""

    content_hash: str
    title: str | None
    body: str
    published: str | None
    year: int | None
    source: str | None
    site: str
    region: str
    url: str
    genre: str | None = None  # 综述, 总结, 工作报告, 盘点/回眸 (crawler/classify_rules.toml)
    published_from: str | None = None  # which evidence the date was read from (PageRecord)

    def as_row(self) -> dict:
        """The documents row (without the timestamps the writer adds)."""
        return _fields_of(self) | {"chars": len(self.body.replace("\n", ""))}


@dataclass
class PageOutcome:
    document_id: int | None = None
    new_document: bool = False  # a new summary: a text never archived, at a URL new to it
    new_sighting: bool = False
    changed: bool = False  # the URL showed another text before: a new version of its summary


@dataclass
class SiteCounts:
    """A crawl_run_sites row: what one run did for one site (the crawl counts them in its stats as
    site/<id>/<name>)."""

    requests: int = 0
    not_modified: int = 0
    list_pages: int = 0
    articles: int = 0
    documents_new: int = 0
    sightings_new: int = 0
    errors: int = 0
    cut: int = 0
    skipped_known: int = 0
    depth_cut: int = 0
    deferred: int = 0  # URLs not asked for: they failed before and their retry_after is later
    robots_forbidden: int = 0  # URLs robots.txt does not allow
    blocked: int = 0  # anti-bot answers (401, 403, 412, 429, 451, 521)
    challenges_solved: int = 0  # JS challenges the browser got through (crawl/browsing.py)
    challenges_unsolved: int = 0  # JS challenges not got through (no browser, or it failed)
    rendered: int = 0  # pages read in the browser
    browser_requests: int = 0  # requests the browser made (counted in requests too)
    browser_refused: int = 0  # requests the browser was refused by the site's rules
    refusals_waited: int = 0  # 429s (and 503s with Retry-After) waited out and asked again
    trap_cut: int = 0  # pages not asked for: a trap's URL shape, or a pager past its column's end
    aliases_folded: int = 0  # articles fetched at another address of one already archived
    parts_joined: int = 0  # further pages of articles in pieces, joined into their article
    rechecked: int = 0  # archived summaries asked for again by the re-check policy, answered
    changed: int = 0  # URLs whose text changed since it was archived (a new version)

    def as_row(self) -> dict[str, int]:
        """The crawl_run_sites counts."""
        return asdict(self)


@dataclass
class ListPageState:
    etag: str | None
    last_modified: str | None
    links: list[list]  # [url, kind] or [url, kind, [[field, value], ...]]


@dataclass
class KnownArticle:
    """An archived summary's page, as a re-check needs it (crawler/crawl/recheck.py)."""

    etag: str | None
    last_modified: str | None
    checked: str  # when it was last fetched or found unchanged (UTC, ISO)
    born: str  # its publication date, else when the archive first saw it


@dataclass
class SiteState:
    """What earlier crawls learned about a site: the articles already fetched and, for each list
    page, its validators and navigation links."""

    known_articles: set[str] = field(default_factory=set)
    list_pages: dict[str, ListPageState] = field(default_factory=dict)
    # Columns whose paging last ran to its end; any other column is walked to its last page.
    walked_columns: set[str] = field(default_factory=set)
    # URLs that failed before and are not worth asking for until their retry_after.
    deferred: dict[str, str] = field(default_factory=dict)
    # Document attachments recorded and not fetched (not likely summaries by their names, or the
    # site's policy): not recorded again; fetched when the policy or the names' reading changes.
    recorded_attachments: set[str] = field(default_factory=set)
    # URL shapes cut as traps (discovery/traps.py): never asked for again.
    trap_shapes: set[str] = field(default_factory=set)
    # Published dates of the articles, for telling a column's order (discovery/order.py).
    published: dict[str, str] = field(default_factory=dict)
    # How a URL shape names its articles' canonical addresses: shape -> [index, template]
    # (discovery/urls.py, AliasRules).
    alias_rules: dict[str, list] = field(default_factory=dict)
    # The archived summaries' pages: which of them are due to be asked again is the policy's.
    summaries: dict[str, KnownArticle] = field(default_factory=dict)

    def as_json(self) -> dict:
        """Plain data, to travel with a crawl job to another machine."""
        return {
            "known_articles": sorted(self.known_articles),
            "list_pages": {url: asdict(page) for url, page in self.list_pages.items()},
            "walked_columns": sorted(self.walked_columns),
            "deferred": dict(self.deferred),
            "recorded_attachments": sorted(self.recorded_attachments),
            "trap_shapes": sorted(self.trap_shapes),
            "published": dict(self.published),
            "alias_rules": dict(self.alias_rules),
            "summaries": {url: asdict(known) for url, known in self.summaries.items()},
        }

    @classmethod
    def from_json(cls, data: dict) -> SiteState:
        return cls(
            set(data.get("known_articles", ())),
            {url: ListPageState(**page) for url, page in data.get("list_pages", {}).items()},
            set(data.get("walked_columns", ())),
            dict(data.get("deferred", {})),
            set(data.get("recorded_attachments", ())),
            set(data.get("trap_shapes", ())),
            dict(data.get("published", {})),
            dict(data.get("alias_rules", {})),
            {url: KnownArticle(**known) for url, known in data.get("summaries", {}).items()},
        )

    def unfetched_articles(self) -> list[str]:
        """Articles that list pages already read lead to but that were never fetched: the crawl
        that read the list was stopped first, or the article failed for a reason worth a retry."""
        pending = {
            link[0]
            for page in self.list_pages.values()
            for link in page.links
            if link[1] == "article" and link[0] not in self.known_articles
        }
        return sorted(pending)
