"""The browser in the crawl, as a downloader middleware: JS challenges solved without a setting,
and pages rendered when asked (``render = true``, or the fallback of crawl/fallback.py).

A challenge (crawl/challenge.py) is solved once per site in the headless browser
(crawl/browser.py); the challenged request is answered with the page the browser got once
through, the cookies it earned go into the crawl's cookie jar and its User-Agent onto every later
request of the site, which then goes out plainly. When the challenge comes back (its cookie
expired) it is solved again, up to ARCHIVE_CHALLENGE_SOLVES times per site and run. A challenge
met on robots.txt is solved there, so the rules read are the site's own.

Without a browser the site's first challenged page is recorded as ``js_challenge`` with what to
install, and the site is left alone for the run: no loop, no silent ``blocked``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from http.cookiejar import Cookie
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.downloadermiddlewares.cookies import CookiesMiddleware
from scrapy.http import HtmlResponse, Response
from scrapy.responsetypes import responsetypes

from crawler.crawl.browser import Browser, BrowserFailed, Opened, find_browser
from crawler.crawl.challenge import INSTALL_HINT, MAX_CHALLENGE_BYTES, challenge_kind, describe
from crawler.crawl.failures import JsChallengeUnsolved
from crawler.crawl.state import CrawlState
from crawler.registry.sites import Site

logger = logging.getLogger(__name__)
# What the browser met in this process's last crawl, per site: the challenges (as described) and
# the requests it was refused (url, why). `crawler check-site` crawls in its own process and reads
# it; counts go to the archive (crawl_run_sites).
LAST_CRAWL: dict[str, dict[str, list]] = {}
_DROPPED_HEADERS = ("content-encoding", "content-length", "transfer-encoding", "set-cookie")


@dataclass
class Session:
    """What a site's challenge gave: a kind, and how often it was solved (the generation of the
    cookies plain requests carry)."""

    kind: str
    user_agent: str = ""
    solves: int = 0


class BrowserMiddleware:
    """See the module's docstring."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.state = CrawlState.of(crawler)
        settings = crawler.settings
        executable = find_browser(settings.get("ARCHIVE_BROWSER") or None)
        timeout = settings.getfloat("ARCHIVE_BROWSER_PAGE_TIMEOUT") or settings.getfloat(
            "DOWNLOAD_TIMEOUT"
        )
        self.browser = (
            Browser(executable, timeout, self._admit, self.refused, self._answered)
            if executable
            else None
        )
        self._delays = {
            host: float(slot.get("delay", 0.0))
            for host, slot in settings.getdict("DOWNLOAD_SLOTS").items()
        }
        self._delay = settings.getfloat("DOWNLOAD_DELAY")
        self.max_solves = settings.getint("ARCHIVE_CHALLENGE_SOLVES", 3)
        self.sessions: dict[str, Session] = {}
        self.kinds: dict[str, list[str]] = {}  # the challenges met per site, as described
        self._locks: dict[str, asyncio.Lock] = {}
        self._last: dict[str, float] = {}
        self._lines: dict[str, asyncio.Lock] = {}  # a site's browser requests, one at a time
        crawler.signals.connect(self._closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler) -> BrowserMiddleware:
        return cls(crawler)

    async def _closed(self, spider=None) -> None:
        LAST_CRAWL.clear()
        for site_id, kinds in self.kinds.items():
            LAST_CRAWL.setdefault(site_id, {"challenges": [], "refused": []})["challenges"] = kinds
        for site_id, guard in (self.browser.guards if self.browser else {}).items():
            LAST_CRAWL.setdefault(site_id, {"challenges": [], "refused": []})["refused"] = list(
                guard.log.refused
            )
        if self.browser is not None:
            await self.browser.close()

    def _site(self, request: Request) -> Site | None:
        # robots.txt requests carry no site: they belong to the site that owns them
        site = request.meta.get("site")
        if site is None:
            site = next((s for s in self.state.registry if s.owns(request.url)), None)
        return site

    # --- requests --------------------------------------------------------------------------

    def process_request(self, request: Request):
        """Solved sites' requests carry the browser's User-Agent; rendered pages are opened in
        the browser (the answer comes from it, not from a plain download)."""
        if not self.sessions and "browser" not in request.meta:
            return None
        site = self._site(request)
        if site is None:
            return None
        session = self.sessions.get(site.id)
        if session is not None and session.user_agent:
            request.headers["User-Agent"] = session.user_agent
            request.meta["challenge_generation"] = session.solves
        if request.meta.get("browser") == "render" and self.browser is not None:
            return self._render(request, site)
        return None

    async def _render(self, request: Request, site: Site) -> Response | None:
        try:
            opened = await self.browser.open(site, request.url, render=True)
        except BrowserFailed as exc:
            # read as served instead: a page that will not render is still a page
            logger.warning("not rendered, fetched plainly: %s", exc)
            request.meta["browser"] = "failed"
            return None
        self.state.count(site.id, "rendered")
        self._keep_cookies(site, opened)
        request.meta.setdefault("api_seen", []).extend(opened.json_seen)
        # the browser has followed (or refused) the page's redirects: Scrapy does not again
        request.meta["dont_redirect"] = True
        return HtmlResponse(
            url=opened.url, status=opened.status, body=opened.html.encode("utf-8"),
            encoding="utf-8", request=request,
        )  # fmt: skip

    async def _admit(self, site: Site, url: str) -> str | None:
        """A request the browser is about to make for the site: within the site's budget, counted
        as the site's, and in the site's line with its plain requests: it waits until none of
        them is on its way and the site's delay has passed since the last answer, and holds the
        site's download slot (no plain request leaves) until it is answered (``_answered``)."""
        if self.state.stopped(site):
            return "the site's request budget is spent"
        self.state.scheduled[site.id] += 1
        self.state.count(site.id, "requests")
        self.state.count(site.id, "browser_requests")
        line = self._lines.setdefault(site.id, asyncio.Lock())
        await line.acquire()  # released when answered
        try:
            host = urlsplit(url).hostname or ""
            slot = self.crawler.engine.downloader.slots.get(host)
            delay = (slot.delay if slot is not None else self._delays.get(host, self._delay)) or 0.0
            while True:
                now = time.monotonic()  # as the downloader's slots keep it
                if slot is not None and any(isinstance(r, Request) for r in slot.transferring):
                    await asyncio.sleep(0.02)  # a plain request on its way
                    continue
                last = max(self._last.get(site.id, 0.0), slot.lastseen if slot is not None else 0.0)
                if now >= last + delay:
                    break
                await asyncio.sleep(last + delay - now)
            self._last[site.id] = now
            if slot is not None:
                slot.lastseen = now
                slot.transferring.add(self._holding(site))  # no plain request leaves meanwhile
        except BaseException:
            line.release()
            raise
        return None

    def _slot(self, url: str):
        return self.crawler.engine.downloader.slots.get(urlsplit(url).hostname or "")

    def _holding(self, site: Site) -> str:
        return f"browser request of {site.id}"  # a slot's transferring set holds it while sent

    def _let_go(self, slot, marker: str) -> None:
        """The slot's plain requests may leave again: the downloader looks at its queue when a
        request is queued or answered, and would not look again by itself."""
        slot.transferring.discard(marker)
        self.crawler.engine.downloader._process_queue(slot)

    def _answered(self, site: Site, url: str) -> None:
        """A browser request of the site has been answered (or has failed): it reached the site no
        later than now, however long it took to leave, so the site's next request, the browser's
        or a plain one, waits the delay from now; the site's slot is let go of."""
        now = time.monotonic()
        self._last[site.id] = max(self._last.get(site.id, 0.0), now)
        slot = self._slot(url)
        if slot is not None:
            slot.lastseen = max(slot.lastseen, now)
            self._let_go(slot, self._holding(site))
        line = self._lines.get(site.id)
        if line is not None and line.locked():
            line.release()

    def refused(self, site: Site, url: str) -> None:
        """Count a browser request refused by the guard."""
        self.state.count(site.id, "browser_refused")

    # --- challenges ------------------------------------------------------------------------

    def process_response(self, request: Request, response: Response):
        """A challenge answered by the browser (once it has let it through), or recorded."""
        if "browser" in request.meta:
            return response
        body = response.body
        if len(body) > MAX_CHALLENGE_BYTES or (response.status == 200 and b"cookie" not in body):
            return response  # the cheap cases: most pages (a challenge page is small)
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        kind = challenge_kind(response.status, body, content_type)
        if kind is None:
            return response
        site = self._site(request)
        if site is None:
            return response
        return self._challenged(request, response, site, kind)

    async def _challenged(self, request: Request, response: Response, site: Site, kind: str):
        what = describe(kind, response.status)
        if what not in self.kinds.setdefault(site.id, []):
            self.kinds[site.id].append(what)
        if self.browser is None:
            if request.meta.get("site") is None:
                return response  # robots.txt: read as it came (no rules); the pages will say it
            self.state.count(site.id, "challenges_unsolved")
            self.state.given_up.add(site.id)
            raise JsChallengeUnsolved(
                f"site '{site.id}' is behind a JS challenge ({what}) and no browser is "
                f"installed: {INSTALL_HINT}"
            )
        lock = self._locks.setdefault(site.id, asyncio.Lock())
        async with lock:
            session = self.sessions.get(site.id)
            generation = request.meta.get("challenge_generation", 0)
            if session is not None and generation < session.solves:
                # sent before the last solve, with the cookies of before: asked for again
                if not request.meta.get("challenge_retried"):
                    retry = request.replace(dont_filter=True)
                    retry.meta["challenge_retried"] = True
                    return retry
            if session is not None and session.solves >= self.max_solves:
                self.state.given_up.add(site.id)
                self.state.count(site.id, "challenges_unsolved")
                raise JsChallengeUnsolved(
                    f"site '{site.id}': its JS challenge ({what}) came back after "
                    f"{session.solves} solves in this run; left alone until the next crawl"
                )
            session = self.sessions.setdefault(site.id, Session(kind))
            # No plain request leaves while the browser solves: sent with the cookies of before,
            # it would be challenged too, and on some sites would spend or void the clearance
            # the browser is being given.
            slot, solving = self._slot(request.url), f"solving the challenge of {site.id}"
            if slot is not None:
                slot.transferring.add(solving)
            try:
                opened = await self._solve(request, response, site, what)
                if isinstance(opened, Response):
                    return opened  # robots.txt not got through: see _solve
                session.solves += 1  # a solve that failed gave no cookies: not counted
                self.state.count(site.id, "challenges_solved")
                logger.info("site %s: JS challenge solved in the browser (%s)", site.id, what)
                self._keep_cookies(site, opened)
                session.user_agent = opened.user_agent
            finally:
                if slot is not None:  # the cookies are in the jar: plain requests go on
                    self._let_go(slot, solving)
        headers = {k: v for k, v in opened.headers.items() if k.lower() not in _DROPPED_HEADERS}
        cls = responsetypes.from_args(headers=headers, url=opened.url, body=opened.body)
        return cls(
            url=opened.url, status=opened.status, headers=headers, body=opened.body,
            request=request,
        )  # fmt: skip

    async def _solve(self, request: Request, response: Response, site: Site, what: str):
        """The page as the browser got it through the challenge. For robots.txt the browser
        tries twice, and then the rules are taken as "Disallow: /" (RFC 9309: a robots.txt that
        cannot be reached means nothing may be crawled), returned as the response: the site is
        left alone this time rather than crawled by rules never read."""
        robots = request.meta.get("site") is None
        for attempt in range(2 if robots else 1):
            try:
                return await self.browser.open(site, request.url)
            except BrowserFailed as exc:
                failure = exc
                if robots and attempt == 0:
                    logger.info("robots.txt of %s not got through (%s): trying again", site.id, exc)
        if robots:
            logger.warning(
                "site %s: robots.txt is behind a JS challenge (%s) the browser did not get "
                "through (%s): read as Disallow: /, the site is not crawled this time",
                site.id, what, failure,
            )  # fmt: skip
            return response.replace(status=200, body=b"User-agent: *\nDisallow: /\n")
        self.state.given_up.add(site.id)
        self.state.count(site.id, "challenges_unsolved")
        raise JsChallengeUnsolved(
            f"site '{site.id}' is behind a JS challenge ({what}) the browser did not get "
            f"through: {failure}"
        ) from None

    def _keep_cookies(self, site: Site, opened: Opened) -> None:
        """The cookies the browser holds for the site, into the jar plain requests are sent
        with (Scrapy's CookiesMiddleware), and its User-Agent for them to carry."""
        if opened.user_agent and site.id in self.sessions:
            self.sessions[site.id].user_agent = opened.user_agent
        jar = next(
            (
                mw.jars[None]
                for mw in self.crawler.engine.downloader.middleware.middlewares
                if isinstance(mw, CookiesMiddleware)
            ),
            None,
        )
        if jar is None:
            return
        for cookie in opened.cookies:
            domain = cookie["domain"]
            jar.jar.set_cookie(
                Cookie(
                    0,
                    cookie["name"],
                    cookie["value"],
                    None,
                    False,
                    domain,
                    domain.startswith("."),
                    domain.startswith("."),
                    cookie.get("path") or "/",
                    True,
                    bool(cookie.get("secure")),
                    int(cookie["expires"]) if cookie.get("expires", -1) > 0 else None,
                    cookie.get("expires", -1) <= 0,
                    None,
                    None,
                    {},
                )  # fmt: skip
            )
