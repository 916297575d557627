"""The site registry: sites.toml loaded and checked into typed Site objects.

A site is configuration: where to start, which hosts belong to it, how often to crawl it, and a
few optional hints for sites the generic discovery does not read well. Every mistake in the file
is reported with the file, the site and the key, before anything is crawled.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.classify import Rules, default_rules, parse_rules
from crawler.registry.mistakes import Checker, SitesError, meant
from crawler.registry.recheck import DEFAULT_POLICY, RecheckPolicy, parse_recheck
from crawler.registry.schedules import ScheduleError, trigger_for
from crawler.registry.watches import Watch, parse_watches

SITE_ID = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")

# Keys a [[site]] table or the [defaults] table may carry, with their types and defaults.
_OPTIONAL: dict[str, tuple[type | tuple[type, ...], Any]] = {
    "allowed_domains": (list, None),
    "schedule": (str, None),
    "enabled": (bool, True),
    "max_requests": (int, 2000),
    "max_depth": (int, 2),
    "download_delay": ((int, float), None),
    "encoding": (str, None),
    "article_patterns": (list, []),
    "list_patterns": (list, []),
    "ignore_patterns": (list, []),
    "private_network": (bool, False),
    "render": (bool, None),
    "attachments": (str, "likely"),
    "recheck": (str, DEFAULT_POLICY),  # how often archived summaries are asked again: recheck.py
}
# Which linked PDF and Word files a crawl fetches and reads: those whose link text, file name or
# column reads like a summary (likely), every one (all), or none (recorded, as before).
ATTACHMENT_POLICIES = ("likely", "all", "none")
_REQUIRED = ("id", "name", "region", "start_urls")
_DEFAULTABLE = {
    "schedule",
    "max_requests",
    "max_depth",
    "download_delay",
    "enabled",
    "render",
    "attachments",
    "recheck",
}


@dataclass(frozen=True)
class Site:
    id: str
    name: str
    region: str
    start_urls: tuple[str, ...]
    allowed_domains: tuple[str, ...]
    schedule: str | None = None
    enabled: bool = True
    max_requests: int = 2000
    max_depth: int = 2
    download_delay: float | None = None
    encoding: str | None = None
    article_patterns: tuple[re.Pattern, ...] = field(default_factory=tuple)
    list_patterns: tuple[re.Pattern, ...] = field(default_factory=tuple)
    ignore_patterns: tuple[re.Pattern, ...] = field(default_factory=tuple)
    # A site on an intranet or on this machine: its pages may come from private addresses.
    private_network: bool = False
    # Column pages read in a headless browser (a list that only a browser can fill): needs
    # `pip install 'summary-archive[render]'` and a Chromium (crawler/crawl/render.py). None (not
    # set): a page is rendered only when reading it plainly found nothing; False: never.
    render: bool | None = None
    # Linked PDF and Word files fetched and read: likely (by their names and column), all, none.
    attachments: str = "likely"
    recheck: RecheckPolicy = DEFAULT_POLICY  # when archived summaries are asked for again
    # The summary classifier's rules for this site: the defaults changed by sites.toml's
    # [classify] table and the site's own [site.classify]; None for the defaults unchanged.
    rules: Rules | None = None

    def owns(self, url: str) -> bool:
        """True when ``url`` is http(s) on one of the site's own hosts."""
        return url_on_hosts(url, self.allowed_domains)

    @property
    def may_use_private_addresses(self) -> bool:
        """True when the site itself lives on a private, loopback or link-local address: it says
        so (private_network = true) or a start URL names such an address."""
        return self.private_network or _private_start(self.start_urls)

    def as_row(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "region": self.region,
            "start_urls": "\n".join(self.start_urls),
            "allowed_domains": "\n".join(self.allowed_domains),
            "schedule": self.schedule,
            "enabled": int(self.enabled),
        }


@functools.lru_cache(maxsize=4096)
def _private_start(start_urls: tuple[str, ...]) -> bool:
    return any(is_private_address(urlsplit(url).hostname or "") for url in start_urls)


def url_on_hosts(url: str, domains: tuple[str, ...]) -> bool:
    """True when ``url`` is http(s) on a host of ``domains`` (Site.owns)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    return host_in_domains(parts.hostname.lower(), domains)


def host_in_domains(host: str, domains: tuple[str, ...]) -> bool:
    """A host belongs to a domain when it is the domain or one of its subdomains; addresses match
    only themselves. (Scrapy's url_is_from_any_domain compares the host with its port, so a site
    on 127.0.0.2:8000 would own nothing.)"""
    for domain in domains:
        if host == domain:
            return True
        if not _is_ip(domain) and host.endswith("." + domain):
            return True
    return False


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=4096)
def is_private_address(host: str) -> bool:
    """True for an IP address that is not on the public internet (private, loopback, link-local,
    reserved, ...); False for host names and public addresses."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return not address.is_global


def default_domains(start_urls: tuple[str, ...]) -> tuple[str, ...]:
    """The hosts of the start URLs, without a leading www. so that news.example.cn belongs to a site
    that starts at www.example.cn."""
    domains = []
    for url in start_urls:
        host = (urlsplit(url).hostname or "").lower()
        if host.startswith("www.") and not _is_ip(host):
            host = host[4:]
        if host and host not in domains:
            domains.append(host)
    return tuple(domains)


def _check_schedule(value: str) -> str | None:
    """None when ``value`` is a schedule the scheduler can run, else what is wrong with it: the
    check builds the scheduler's own trigger and asks it for a next run."""
    try:
        trigger_for(value, jitter=0)
    except ScheduleError as exc:
        return str(exc)
    return None


def _value(check: Checker, where: str, key: str, raw: Any) -> Any:
    """A [[site]] or [defaults] value checked: its type and rules, a schedule the scheduler can
    run, an attachments policy it knows."""
    expected, _default = _OPTIONAL[key]
    value = check.value(where, key, raw, expected)
    if key == "schedule":
        problem = _check_schedule(raw)
        if problem:
            raise check.fail(where, key, problem)
    if key == "recheck":
        try:
            return parse_recheck(raw)
        except ValueError as exc:
            raise check.fail(where, key, str(exc)) from None
    if key == "attachments" and raw not in ATTACHMENT_POLICIES:
        raise check.fail(
            where, key, f"expected one of {', '.join(map(repr, ATTACHMENT_POLICIES))}, got {raw!r}"
        )
    return value


_TOP = ("site", "defaults", "classify", "watch")
_SITE_KEYS = (*_REQUIRED, *_OPTIONAL, "classify")


def parse_sites(text: str, path: str = "sites.toml") -> list[Site]:
    """Parse and validate registry text; raise SitesError naming the file, site and key of every
    mistake in it (one line each)."""
    check = Checker(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SitesError(f"{path}: not valid TOML: {exc}") from None
    for key in sorted(set(data) - set(_TOP)):
        check.mistakes.append(str(check.unknown("top level", key, _TOP, (
            "expected [[site]] tables, an optional [defaults] and [classify] table, "
            "and [[watch]] tables"))))  # fmt: skip
    defaults = data.get("defaults", {})
    global_rules = None
    with check.collecting():
        global_rules = _classify_rules(check, "[classify]", data.get("classify"), None)
    if not isinstance(defaults, dict):
        check.mistakes.append(str(check.fail("top level", "defaults", "expected a table")))
        defaults = {}
    for key, raw in list(defaults.items()):
        with check.collecting():
            if key not in _DEFAULTABLE:
                defaults.pop(key)
                raise check.unknown("[defaults]", key, _DEFAULTABLE,
                                    f"allowed: {', '.join(sorted(_DEFAULTABLE))}")  # fmt: skip
            _value(check, "[defaults]", key, raw)
    entries = data.get("site", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        check.mistakes.append(str(check.fail("top level", "site", "expected [[site]] tables")))
        entries = []
    sites: list[Site] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        before = check.count()
        with check.collecting():
            site = _parse_site(check, number, entry, defaults, global_rules, seen)
            if check.count() == before:
                sites.append(site)
    if "watch" in data:  # checked with the sites, so that a mistake stops every command
        with check.collecting():
            parse_watches(data["watch"], check, {site.id for site in sites})
    check.raise_all()
    if not sites:
        raise SitesError(f"{path}: no [[site]] tables")
    return sites


def _parse_site(
    check: Checker, number: int, entry: dict, defaults: dict, global_rules, seen: set[str]
) -> Site:
    """One [[site]] table as a Site; its mistakes recorded on ``check`` (SitesError for the one
    that stops it being read further)."""
    raw_id = entry.get("id")
    where = f"site #{number}" + (f" '{raw_id}'" if isinstance(raw_id, str) else "")
    misspelt = set()
    for key in entry:
        if key not in _SITE_KEYS:
            misspelt.add(meant(key, _SITE_KEYS))
            check.mistakes.append(str(check.unknown(where, key, _SITE_KEYS,
                                                    f"allowed: {', '.join(_SITE_KEYS)}")))  # fmt: skip
    for key in _REQUIRED:
        # a required key under a misspelt name was reported as that name
        if key not in entry and key not in misspelt:
            check.mistakes.append(str(check.fail(where, key, "missing")))
    if any(key not in entry for key in _REQUIRED):
        raise SitesError(check.mistakes.pop())
    site_id = entry["id"]
    with check.collecting():
        if not isinstance(site_id, str) or not SITE_ID.match(site_id):
            raise check.fail(
                where, "id", "expected lowercase letters, digits and dashes, e.g. 'jiujiang-news'"
            )
        if site_id in seen:
            raise check.fail(where, "id", f"duplicate id '{site_id}'")
        seen.add(site_id)
    for key in ("name", "region"):
        if not isinstance(entry[key], str) or not entry[key].strip():
            check.mistakes.append(str(check.fail(where, key, "expected a non-empty string")))
    start_urls = entry["start_urls"]
    if isinstance(start_urls, str):
        start_urls = [start_urls]
    if not isinstance(start_urls, list) or not start_urls:
        raise check.fail(where, "start_urls", "expected a non-empty list of http(s) URLs")
    for url in start_urls:
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            check.mistakes.append(
                str(check.fail(where, "start_urls", f"{url!r} is not an http(s) URL"))
            )
    options: dict[str, Any] = {}
    for key, (_expected, default) in _OPTIONAL.items():
        options[key] = () if key.endswith("_patterns") else default
        with check.collecting():
            if key in entry:
                options[key] = _value(check, where, key, entry[key])
            elif key in defaults:
                options[key] = _value(check, "[defaults]", key, defaults[key])
    with check.collecting():
        options["rules"] = _classify_rules(check, where, entry.get("classify"), global_rules)
    urls = tuple(start_urls)
    domains = options.pop("allowed_domains") or default_domains(urls)
    site = Site(id=str(site_id), name=str(entry["name"]).strip(), region=str(entry["region"]).strip(),
                start_urls=urls, allowed_domains=domains, **options)  # fmt: skip
    for url in urls:
        if isinstance(url, str) and not site.owns(url) and urlsplit(url).hostname:
            check.mistakes.append(str(check.fail(
                where, "start_urls", f"{url!r} is outside allowed_domains {list(domains)}")))  # fmt: skip
    return site


def load_watches(path: str | Path) -> list[Watch]:
    """The registry's [[watch]] tables (crawler/watches.py). The registry's sites are checked
    where it is loaded for them (load_sites, which checks the watches too); here only the site
    ids the watches name are needed, so the sites are not parsed a second time."""
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    if "watch" not in data:
        return []
    site_ids = {entry.get("id") for entry in data.get("site", []) if isinstance(entry, dict)}
    return parse_watches(data["watch"], Checker(str(path)), site_ids)


def _classify_rules(check: Checker, where: str, table: Any, base: Rules | None) -> Rules | None:
    """The classifier rules as a [classify] table changes them; ``base`` when there is none."""
    if table is None:
        return base
    if not isinstance(table, dict):
        raise check.fail(where, "classify", "expected a table of threshold, min_chars and [[rule]]")
    try:
        return parse_rules(table, base or default_rules())
    except ValueError as exc:
        raise check.fail(where, "classify", str(exc)) from None


def load_sites(path: str | Path) -> list[Site]:
    """Read and validate a sites.toml file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SitesError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SitesError(f"{path}: cannot read: {exc}") from None
    return parse_sites(text, str(path))


def select_sites(
    sites: list[Site], site_ids: list[str] | tuple[str, ...] | None, path: str = "sites.toml"
) -> list[Site]:
    """The named sites (all enabled ones when none are named); SitesError for an unknown id."""
    if not site_ids:
        return [site for site in sites if site.enabled]
    by_id = {site.id: site for site in sites}
    unknown = [site_id for site_id in site_ids if site_id not in by_id]
    if unknown:
        raise SitesError(f"{path}: unknown site id '{unknown[0]}' (known: {', '.join(by_id)})")
    return [by_id[site_id] for site_id in site_ids]
