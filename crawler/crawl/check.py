"""`crawler check-site`: crawl one site into a throwaway archive and report what was found.

How a user adds a site with confidence: the same spider, extraction and classifier as a real
crawl, and a report of the columns, their pages, the articles and each summary, without writing
anything to the real archive.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from crawler.archive import Archive
from crawler.crawl.browsing import LAST_CRAWL
from crawler.crawl.challenge import INSTALL_HINT
from crawler.crawl.runner import run_crawl
from crawler.registry.sites import SitesError, load_sites, select_sites

_PAGE_IN_PATH = re.compile(r"_\d+(\.s?html?)$", re.IGNORECASE)
_PAGE_IN_QUERY = re.compile(
    r"\b(page|pageno|pageindex|pagenum|p|pn|curpage|startrecord|endrecord|perpage)=\d+",
    re.IGNORECASE,
)


def column_of(url: str) -> str:
    """The column a list page belongs to: its URL without the page number (for Hanweb's
    dataproxy.jsp, without the record range)."""
    url = _PAGE_IN_PATH.sub(r"\1", url)
    url = _PAGE_IN_QUERY.sub("", url)
    url = re.sub(r"&{2,}", "&", url).replace("?&", "?")
    return url.rstrip("?&")


@dataclass
class SiteReport:
    site: str
    start_urls: list[str]
    status: str
    requests: int = 0
    columns: list[dict] = field(default_factory=list)
    articles: int = 0
    summaries: list[dict] = field(default_factory=list)
    others: list[dict] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    failed: list[dict] = field(default_factory=list)  # the first failed pages: url, kind, message
    attachments: list[tuple[str, str]] = field(default_factory=list)  # not fetched: url, why
    max_requests: int | None = None
    cut: int = 0  # links not followed: the request budget was spent
    depth_cut: int = 0  # links not followed: deeper than max_depth
    # The headless browser (crawl/browsing.py): challenges met (described) and solved or not, the
    # pages read in it, its requests and those refused by the site's rules (url, why).
    challenges: list[str] = field(default_factory=list)
    challenges_solved: int = 0
    challenges_unsolved: int = 0
    rendered: list[str] = field(default_factory=list)
    browser_requests: int = 0
    browser_refused: list[tuple[str, str]] = field(default_factory=list)
    browser_refused_count: int = 0
    # habits met (crawl/guards.py, discovery/traps.py, spiders/parts.py)
    aliases_folded: int = 0
    parts_joined: int = 0
    trap_cut: int = 0
    refusals_waited: int = 0
    traps: list[str] = field(default_factory=list)  # URL shapes cut as traps

    def as_text(self, preview: int = 80) -> str:
        lines = [
            f"check-site {self.site} ({', '.join(self.start_urls)}): run {self.status}, "
            f"{self.requests} requests, {len(self.columns)} columns, {self.articles} articles, "
            f"{len(self.summaries)} summaries, {sum(self.errors.values())} errors",
            "",
            "columns (list pages read, article links on them, how they were reached: link, frame, "
            "form, postback, api, sitemap, feed):",
        ]
        for column in self.columns:
            lines.append(
                f"  {column['url']}  {column['pages']} page(s), {column['articles']} article links"
                f" (by {', '.join(column['via'])})"
                + (
                    "  ← scripts and no article links: a list written by script?"
                    if column["blind"]
                    else ""
                )
            )
        lines += ["", "summaries:"]
        for summary in self.summaries:
            lines.append(
                f"  {summary['published'] or '(no date)'}  {summary['title'] or '(no title)'}"
                f"  [{summary['year']}, {summary['region']}]"
            )
            lines.append(f"      {' '.join(summary['body'][:preview].split())}…")
            lines.append(f"      {summary['url']}")
        if not self.summaries:
            lines.append("  none found")
        lines += ["", f"other articles ({len(self.others)}), with the deciding reason:"]
        for other in self.others[:15]:
            lines.append(f"  {other['title'] or other['url']}: {other['reason']}")
        if len(self.others) > 15:
            lines.append(f"  … and {len(self.others) - 15} more")
        if self.attachments:
            lines += ["", f"linked documents, not fetched ({len(self.attachments)}):"]
            lines += [f"  {url}  ({why})" for url, why in self.attachments[:10]]
        if self.cut:
            lines += [
                "",
                f"budget: the {self.max_requests} requests were spent; {self.cut} links were not "
                "followed (raise --max-requests, or max_requests in sites.toml)",
            ]
        lines += self._browser_lines()
        if self.depth_cut:
            lines += ["", f"depth: {self.depth_cut} links lay deeper than max_depth, not followed"]
        lines += self._habits()
        if self.errors:
            lines += ["", "errors: " + ", ".join(f"{k} ×{v}" for k, v in self.errors.items())]
            for error in self.failed:
                lines.append(f"  {error['kind']}: {error['url']}")
                lines.append(f"      {' '.join((error['message'] or '').split())[:200]}")
            if sum(self.errors.values()) > len(self.failed):
                lines.append(f"  … and {sum(self.errors.values()) - len(self.failed)} more")
        lines += ["", "Nothing was written to any archive."]
        return "\n".join(lines)

    def _browser_lines(self) -> list[str]:
        """What the headless browser did: the challenge it met, the pages it read, what it was
        refused."""
        lines = []
        for challenge in self.challenges:
            outcome = (
                f"solved in the browser ({self.challenges_solved}×)"
                if self.challenges_solved
                else f"not got through: {INSTALL_HINT}"
            )
            lines.append(f"JS challenge: {challenge}: {outcome}")
        if self.challenges_unsolved and not self.challenges_solved and not self.challenges:
            lines.append(f"behind a JS challenge the crawl did not get through: {INSTALL_HINT}")
        if self.rendered:
            lines.append(f"pages that needed the browser ({len(self.rendered)}):")
            lines += [f"  {url}" for url in self.rendered[:10]]
        if self.browser_requests or self.browser_refused_count:
            lines.append(
                f"browser: {self.browser_requests} requests, {self.browser_refused_count} refused "
                "by the site's rules" + (":" if self.browser_refused else "")
            )
            lines += [f"  {url}  ({why})" for url, why in self.browser_refused[:10]]
        return ["", *lines] if lines else []

    def _habits(self) -> list[str]:
        """What the site does that the crawl had to meet, in one line, and its traps."""
        met = [
            f"{count} {label}"
            for count, label in (
                (self.aliases_folded, "canonical aliases folded"),
                (self.parts_joined, "article parts joined"),
                (self.trap_cut, "pages cut as traps"),
                (self.refusals_waited, "429s waited (Retry-After)"),
            )
            if count
        ]
        if not met:
            return []
        lines = ["", "met: " + ", ".join(met)]
        lines += [f"  trap: {shape}  (its pages held no article)" for shape in self.traps]
        return lines

    def as_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False, indent=2)


def _site_for_url(url: str, folder: Path, max_requests: int) -> tuple[Path, str]:
    """A registry of one site for a bare URL."""
    host = urlsplit(url).hostname or "site"
    path = folder / "sites.toml"
    path.write_text(
        f'[[site]]\nid = "check"\nname = "{host}"\nregion = "未指定"\n'
        f"start_urls = [{json.dumps(url)}]\nmax_requests = {max_requests}\n",
        encoding="utf-8",
    )
    return path, "check"


def check_site(
    target: str,
    sites_path: str | Path = "sites.toml",
    overrides: dict[str, str] | None = None,
    max_requests: int = 300,
) -> SiteReport:
    """Crawl one site (an id in the registry, or a URL) into a temporary archive and report on it.
    SitesError for an unknown id or a bad registry."""
    with tempfile.TemporaryDirectory(prefix="check-site-") as folder:
        site_id = target
        if re.match(r"^[a-z][a-z0-9+.-]*://", target, re.IGNORECASE) and not re.match(
            r"^https?://", target, re.IGNORECASE
        ):
            raise SitesError(f"{target}: only http:// and https:// sites can be checked")
        if re.match(r"^https?://", target, re.IGNORECASE):
            sites_path, site_id = _site_for_url(target, Path(folder), max_requests)
        site = select_sites(load_sites(sites_path), [site_id], str(sites_path))[0]
        db = Path(folder) / "check.db"
        # The report says what the log would: the crawl's own log only when asked for (-s LOG_LEVEL).
        result = run_crawl(
            sites_path, [site_id], db, {"LOG_LEVEL": "CRITICAL", **(overrides or {})}
        )
        report = _report(
            db, site_id if site_id != "check" else target, list(site.start_urls), result.status
        )
        report.max_requests = site.max_requests
        return report


def _report(db: Path, name: str, start_urls: list[str], status: str) -> SiteReport:
    with Archive(db) as archive:
        run = archive.last_run() or {}
        report = SiteReport(name, start_urls, status, requests=run.get("requests") or 0)
        report.cut, report.depth_cut = run.get("cut") or 0, run.get("depth_cut") or 0
        report.challenges_solved = run.get("challenges_solved") or 0
        report.challenges_unsolved = run.get("challenges_unsolved") or 0
        report.browser_requests = run.get("browser_requests") or 0
        report.browser_refused_count = run.get("browser_refused") or 0
        met = next(iter(LAST_CRAWL.values()), {})  # check-site crawls one site
        report.challenges = list(met.get("challenges", []))
        report.browser_refused = list(met.get("refused", []))
        for name in ("aliases_folded", "parts_joined", "trap_cut", "refusals_waited"):
            setattr(report, name, run.get(name) or 0)
        report.traps = archive.trap_shapes()
        columns: dict[str, dict] = {}
        report.rendered = archive.rendered_pages()
        for url, links, via, note in archive.list_page_links():
            column = columns.setdefault(
                column_of(url),
                {"url": column_of(url), "pages": 0, "articles": 0, "via": [], "blind": False},
            )
            column["pages"] += 1
            column["articles"] += sum(1 for link in links if link[1] == "article")
            if (via or "link") not in column["via"]:
                column["via"].append(via or "link")
            column["blind"] = column["blind"] or bool(note)
        report.columns = sorted(columns.values(), key=lambda c: c["url"])
        articles = archive.fetched_articles()
        report.articles = len(articles)
        documents = archive.documents_by_url()
        for article in articles:
            if article["is_summary"] and article["url"] in documents:
                report.summaries.append(documents[article["url"]])
            elif article["is_summary"]:  # an exact repost of a text seen earlier in this check
                report.summaries.append(
                    {**article, "year": None, "region": None, "body": "(same text as above)"}
                )
            else:
                report.others.append(article)
        report.errors = dict(archive.error_kinds())
        report.failed = archive.failed_pages()
        report.attachments = archive.attachment_urls()
        return report
