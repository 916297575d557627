"""One article, one address: the query parameters that only say where a reader came from
(tracking), taken off every URL before it is asked for, and the page's own
``<link rel="canonical">`` (same site only), which names the address its other copies fold into.

The list of tracking parameters lives here and only here (docs/registry-and-discovery.md).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urldefrag, urlencode, urljoin, urlsplit, urlunsplit

# Parameters that never change what a page shows: share and analytics tags, the entry a reader
# came from, cache breakers. Matched case-insensitively, by whole name.
TRACKING_PARAMETERS = frozenset(
    {
        "spm", "scm", "from", "share", "share_token", "shareid", "share_from", "sharefrom",
        "share_source", "isappinstalled", "wxshare", "wxfrom", "scene", "nsukey", "clicktime",
        "enterid", "from_source", "fromsource", "sharer_shareid", "sharer_sharetime",
        "timestamp", "_t", "_", "ts", "rnd", "random", "fbclid", "gclid", "msclkid", "vd_source",
        "chksm", "mpshare", "srcid", "sessionid", "jsessionid", "bd_vid",
    }
)  # fmt: skip
# Whole families of tracking names: utm_source, utm_medium …, share_xxx, from_xxx.
_TRACKING_PREFIXES = ("utm_", "share_", "hmsr", "pk_")
# A cache breaker under any name (?t=1701234567890, ?v=0.3817): a Unix time in seconds or
# milliseconds from 2001 on, or a random fraction.
_TIMESTAMP = re.compile(r"^(?:1\d{9}|1\d{12}|0\.\d{6,})$")
# ;jsessionid=… in the path (Java servers when cookies are off)
_PATH_SESSION = re.compile(r";jsessionid=[^/?#]*", re.IGNORECASE)


def is_tracking(name: str, value: str) -> bool:
    """Whether a query parameter only tracks the reader (its name, or a time-stamp value)."""
    lowered = name.lower()
    return (
        lowered in TRACKING_PARAMETERS
        or lowered.startswith(_TRACKING_PREFIXES)
        or bool(_TIMESTAMP.match(value))
    )


def clean_url(url: str) -> str:
    """``url`` without its tracking parameters (the others kept in their order) and without a
    session id in its path. A URL with nothing to remove comes back unchanged, character for
    character."""
    parts = urlsplit(url)
    path = _PATH_SESSION.sub("", parts.path)
    if not parts.query and path == parts.path:
        return url
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(name, value) for name, value in pairs if not is_tracking(name, value)]
    if len(kept) == len(pairs) and path == parts.path:
        return url
    query = urlencode(kept) if kept else ""
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def canonical_url(doc, page_url: str, owns) -> str | None:
    """The address the page names as its own (``<link rel="canonical">``), cleaned of tracking
    parameters, when it lies on the same site (``owns(url)``) and differs from ``page_url``;
    else None. A canonical on another host (a syndicated copy pointing at the original) is not
    followed: the copy is this site's own sighting."""
    for element in doc.iter("link"):
        rel = (element.get("rel") or "").lower().split()
        if "canonical" not in rel:
            continue
        href = (element.get("href") or "").strip()
        target = urldefrag(urljoin(page_url, href))[0] if href else ""
        if urlsplit(target).scheme not in ("http", "https") or not owns(target):
            return None
        target = clean_url(target)
        return None if target == clean_url(page_url) else target
    return None


_NUMBER = re.compile(r"\d+")


def _rest(url: str) -> tuple[str, str]:
    """A URL as its scheme and host, and the rest (path and query), where article numbers are."""
    parts = urlsplit(url)
    head = f"{parts.scheme}://{parts.netloc}"
    return head, url[len(head) :]


def alias_rule(alias: str, canonical: str) -> tuple[int, str] | None:
    """How an alias address names its canonical one, when their paths and queries share exactly
    one number (``/show.aspx?id=123`` → ``/a/123.html``): the index of that number among the
    alias's numbers and the canonical address with ``{}`` in its place; None otherwise."""
    numbers = _NUMBER.findall(_rest(alias)[1])
    head, rest = _rest(canonical)
    spots = [m for m in _NUMBER.finditer(rest) if m.group() in numbers]
    if len(spots) != 1 or numbers.count(spots[0].group()) != 1:
        return None
    spot = spots[0]

    def escaped(text: str) -> str:
        return text.replace("{", "{{").replace("}", "}}")

    template = escaped(head + rest[: spot.start()]) + "{}" + escaped(rest[spot.end() :])
    return numbers.index(spot.group()), template


class AliasRules:
    """Per crawl: the rules by which one URL shape of a site names its articles' canonical
    addresses, learnt from canonicals (active after CONFIRMATIONS agreeing folds and no
    disagreeing one), so that further links of that shape are asked for at the canonical address
    at once: one fetch per article."""

    CONFIRMATIONS = 2

    def __init__(self, shape_of) -> None:
        self.shape_of = shape_of
        self.seen: dict[tuple[str, str], tuple[int, str] | None] = {}
        self.agreeing: dict[tuple[str, str], int] = {}
        self.active: dict[str, dict[str, tuple[int, str]]] = {}

    def known(self, site_id: str, rules: dict[str, list]) -> None:
        """The rules earlier crawls learnt for the site (shape → [index, template])."""
        self.active.setdefault(site_id, {}).update(
            {shape: (rule[0], rule[1]) for shape, rule in rules.items()}
        )

    def learn(self, site_id: str, alias: str, canonical: str) -> tuple[str, int, str] | None:
        """An alias folded into its canonical. Returns (shape, index, template) when this makes
        the shape's rule active (once), else None."""
        shape = self.shape_of(alias)
        key = (site_id, shape)
        rule = alias_rule(alias, canonical)
        if key in self.seen and self.seen[key] != rule:
            self.seen[key] = None  # two ways: no rule for this shape
            self.active.get(site_id, {}).pop(shape, None)
            return None
        self.seen[key] = rule
        if rule is None:
            return None
        self.agreeing[key] = self.agreeing.get(key, 0) + 1
        if self.agreeing[key] != self.CONFIRMATIONS:
            return None
        self.active.setdefault(site_id, {})[shape] = rule
        return shape, *rule

    def rewrite(self, site_id: str, url: str) -> str:
        """The canonical address of ``url`` by an active rule of its shape, else ``url``."""
        rules = self.active.get(site_id)
        rule = rules.get(self.shape_of(url)) if rules else None
        if rule is None:
            return url
        numbers = _NUMBER.findall(_rest(url)[1])
        return rule[1].format(numbers[rule[0]]) if rule[0] < len(numbers) else url
