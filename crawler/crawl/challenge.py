"""JS challenges told from refusals by what the answer is.

Anti-bot services in front of many government portals answer a first visit with a small page
whose script computes a cookie and loads the page again: 加速乐 answers HTTP 521 with the cookie
(``__jsl_clearance_s``) computed by an inline script; 瑞数 answers HTTP 412 with a page that loads
an external script which sets its cookie and reloads. Others use 403, 503 or even 200. A browser
passes such a page by running it; the crawler solves it once per site in headless Chromium
(crawl/browser.py) and crawls on plainly with the cookies it earned.

A refusal (a 403 "Forbidden" page, a 429) has no such script and stays ``blocked``.
"""

from __future__ import annotations

import re

# Statuses a challenge comes with; 200 only with an unmistakable cookie-and-reload script.
CHALLENGE_STATUSES = (200, 403, 412, 503, 521)
# A challenge page is small: real pages with a script or two run to tens of kilobytes of text.
MAX_CHALLENGE_BYTES = 64 * 1024
# Visible text beyond this many characters is a page, not a challenge.
MAX_VISIBLE_TEXT = 200

COOKIE_SCRIPT = "cookie-script"
EXTERNAL_SCRIPT = "external-script"
KINDS = {
    COOKIE_SCRIPT: "a page whose inline script sets a cookie and reloads (加速乐 style)",
    EXTERNAL_SCRIPT: "a page whose external script sets a cookie and reloads (瑞数 style)",
}

_SCRIPT = re.compile(rb"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_SRC = re.compile(rb"""\bsrc\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
_SETS_COOKIE = re.compile(rb"document\s*\[?\s*[\"']?\.?cookie[\"']?\s*\]?\s*=", re.IGNORECASE)
_RELOADS = re.compile(
    rb"location\s*(?:\.\s*(?:reload|replace|assign)\s*\(|\.\s*href\s*=|=)"
    rb"|window\s*\.\s*location|<meta[^>]+http-equiv\s*=\s*[\"']?refresh",
    re.IGNORECASE,
)
_TAGS = re.compile(rb"<[^>]*>|<!--.*?-->", re.DOTALL)
_STYLE = re.compile(rb"<style\b.*?</style\s*>", re.IGNORECASE | re.DOTALL)


def challenge_kind(status: int, body: bytes, content_type: str = "") -> str | None:
    """COOKIE_SCRIPT or EXTERNAL_SCRIPT when the answer is a JS challenge, else None."""
    if status not in CHALLENGE_STATUSES or len(body) > MAX_CHALLENGE_BYTES:
        return None
    if content_type and "html" not in content_type.lower() and not body.lstrip()[:1] == b"<":
        return None
    scripts = _SCRIPT.findall(body)
    if not scripts:
        return None
    inline = b"\n".join(code for attributes, code in scripts if not _SRC.search(attributes))
    external = [attributes for attributes, _code in scripts if _SRC.search(attributes)]
    if _SETS_COOKIE.search(inline) and _RELOADS.search(inline):
        kind = COOKIE_SCRIPT
    # A refusal page never loads a script to get past itself; 200 pages that are only a loader
    # are ordinary script-built pages (rendering reads those, crawl/fallback.py).
    elif external and status != 200:
        kind = EXTERNAL_SCRIPT
    else:
        return None
    # a page's text (what its scripts, styles and tags leave), read only for a page that could be
    # a challenge: one with text to read is a page
    visible = _TAGS.sub(b"", _STYLE.sub(b"", _SCRIPT.sub(b"", body))).decode("utf-8", "replace")
    return None if len("".join(visible.split())) > MAX_VISIBLE_TEXT else kind


def describe(kind: str, status: int) -> str:
    """The challenge as a user reads it."""
    return f"HTTP {status}, {KINDS.get(kind, kind)}"


INSTALL_HINT = (
    "install a browser to solve it: apt-get install chromium; "
    "pip install 'summary-archive[render]' (or -s ARCHIVE_BROWSER=/path/to/chrome)"
)
