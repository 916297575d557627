"""Why a request failed, as an error kind a user can act on: a pure function of the failure's
exception type (never of its message text) and the request it belongs to."""

from __future__ import annotations

from dataclasses import dataclass

from scrapy import Request
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectError, ConnectionRefusedError, DNSLookupError
from twisted.internet.error import TimeoutError as TwistedTimeoutError

# Answers that mean "a firewall does not want you here": recorded as blocked, never retried, and
# after ARCHIVE_BLOCKED_LIMIT of them the site is left alone for the rest of the run.
BLOCKED_STATUSES = (401, 403, 412, 429, 451, 521)


class OffsiteRequest(IgnoreRequest):
    """A request outside the site it belongs to; the message names the URL and the site."""


class PrivateAddressRequest(IgnoreRequest):
    """A request that would reach a private address for a site that does not live there."""


class SiteGivenUp(IgnoreRequest):
    """A request queued for a site that has since answered with too many anti-bot statuses."""


class JsChallengeUnsolved(IgnoreRequest):
    """A site behind a JS challenge the crawl could not get through (no browser, or the challenge
    would not let it); the message says which and what to do."""


class TrapCut(IgnoreRequest):
    """A request for a page of a URL shape found to be a trap (discovery/traps.py)."""


class AliasFolded(IgnoreRequest):
    """A queued request for an alias whose canonical address is asked for already."""


class RobotsForbidden(IgnoreRequest):
    """robots.txt does not allow the crawler this URL."""


class TooManyRedirects(IgnoreRequest):
    """The redirects of a request went on past REDIRECT_MAX_TIMES (a loop, usually)."""


# Failures by what the user should read, most specific first.
_BY_TYPE: tuple[tuple[str, tuple[type[BaseException], ...]], ...] = (
    ("timeout", (DownloadTimeoutError, TwistedTimeoutError)),
    ("dns", (CannotResolveHostError, DNSLookupError)),
    ("connection_refused", (DownloadConnectionRefusedError, ConnectionRefusedError)),
    ("too_large", (DownloadCancelledError,)),
    ("truncated", (ResponseDataLossError,)),
    ("connection", (ConnectError, DownloadFailedError)),
)


@dataclass(frozen=True)
class FailureKind:
    """A failed request as the archive records it. ``kind`` None: not an error (a robots.txt
    refusal, a request dropped for a site given up), only counted under ``counted``."""

    kind: str | None
    message: str
    url: str
    status: int | None = None
    counted: str | None = None


def _header(response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def describe_failure(
    exception: BaseException, request: Request, site_id: str | None, max_size: int
) -> FailureKind:
    """What went wrong with ``request``, from the type of ``exception``."""
    # A refused redirect is recorded under the site's own URL that redirected.
    origin = (request.meta.get("redirect_urls") or [request.url])[0]
    if isinstance(exception, HttpError):
        response = exception.response
        status = response.status
        if status in BLOCKED_STATUSES:
            return FailureKind(
                "blocked", f"HTTP {status}: the site refused the crawler", request.url, status
            )
        if 300 <= status < 400:
            location = _header(response, b"Location") or "nowhere"
            return FailureKind(
                "offsite",
                f"not followed: HTTP {status} redirect to {location}, which is not an http(s) "
                f"page of site '{site_id}'",
                request.url,
                status,
            )
        meaning = {404: "not found", 410: "gone"}.get(
            status, "server error" if status >= 500 else "refused"
        )
        return FailureKind(f"http_{status}", f"HTTP {status} ({meaning})", request.url, status)
    if isinstance(exception, SiteGivenUp):
        return FailureKind(None, str(exception), request.url, counted="cut")
    if isinstance(exception, JsChallengeUnsolved):
        return FailureKind("js_challenge", str(exception), request.url)
    if isinstance(exception, TrapCut):
        # counted where it was dropped (crawl/guards.py), once per page
        return FailureKind(None, str(exception), request.url)
    if isinstance(exception, AliasFolded):
        return FailureKind(None, str(exception), request.url, counted="aliases_folded")
    if isinstance(exception, RobotsForbidden):
        return FailureKind(None, str(exception), request.url, counted="robots_forbidden")
    if isinstance(exception, OffsiteRequest):
        return FailureKind("offsite", str(exception), origin)
    if isinstance(exception, PrivateAddressRequest):
        return FailureKind("private_address", str(exception), origin)
    if isinstance(exception, TooManyRedirects):
        chain = [*request.meta.get("redirect_urls", []), request.url]
        return FailureKind(
            "redirect_loop",
            f"gave up after {len(chain) - 1} redirects: " + " -> ".join(chain[:6]),
            chain[0],
        )
    if isinstance(exception, IgnoreRequest):
        return FailureKind("ignored", str(exception), request.url)
    for kind, types in _BY_TYPE:
        if isinstance(exception, types):
            message = str(exception)[:500] or kind
            if kind == "too_large":
                limit = request.meta.get("download_maxsize", max_size)
                message = (
                    f"cut off unread: larger than the size limit of {limit} bytes "
                    f"(DOWNLOAD_MAXSIZE). {message}"
                )
            return FailureKind(kind, message, request.url)
    return FailureKind(type(exception).__name__, str(exception)[:500], request.url)
