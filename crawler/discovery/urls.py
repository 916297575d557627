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
