"""The crawler's headless browser: Playwright driving this machine's Chromium (Debian's
``chromium``; ARCHIVE_BROWSER names another), never one Playwright downloads. Launched on first
need, one per crawl; one fresh context per site, so no cookie or cache crosses sites.

It does two things: it opens a page and waits until any JS challenge on the way has let it
through (:meth:`Browser.solve`, which hands back the cookies the challenge set and the browser's
User-Agent, for plain requests to carry), and it renders a page (:meth:`Browser.render`: the page
as its scripts left it, and the JSON answers they fetched).

Every request a page makes goes through the site's :class:`~crawler.crawl.browser_guard.Guard`
(``context.route``), and is made by Playwright's own client one hop at a time, so that each
redirect is decided too; WebSockets are never opened. The browser's requests are the site's
requests: counted, spaced by the site's delay, and stopped when its budget is spent.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from crawler.crawl.browser_guard import SKIPPED, Guard
from crawler.crawl.challenge import challenge_kind
from crawler.registry.sites import Site

logger = logging.getLogger(__name__)

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
    "--dns-prefetch-disable", "--disable-features=NetworkPrediction,InterestFeedContentSuggestions",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    # A page's scripts get this much heap (MB) and no more: a runaway page is killed, not the host.
    "--js-flags=--max-old-space-size=256",
    # Chromium itself reaches no host: every request it would make goes to a proxy that is not
    # there (loopback included), so only what the guard let Playwright's client fetch is read.
    "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
]  # fmt: skip
MAX_REDIRECTS = 5
# Marks the page that stands for a redirect while the browser goes on to its target.
STUB_HEADER = "x-archive-redirect"


class BrowserFailed(Exception):
    """The browser could not open the page (timeout, refused, a challenge that never let go)."""


def find_browser(configured: str | None = None) -> str | None:
    """The Chromium to drive, or None when there is none (or no Playwright to drive it, or
    ``configured`` is "off")."""
    if configured and configured.lower() in ("off", "none", "false"):
        return None
    import importlib.util

    # found, not imported: a crawl that never needs the browser does not pay for loading it
    if importlib.util.find_spec("playwright") is None:
        return None
    return configured or next(filter(None, map(shutil.which, BROWSERS)), None)


# Starting Chromium takes a second on a quiet machine and tens on a busy one: not a page's time.
LAUNCH_TIMEOUT_S = 120.0


@dataclass
class Opened:
    """What the browser ended on: the page's last main-frame answer, as the server sent it."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    html: str = ""  # the page as its scripts left it (render only)
    json_seen: list[str] = field(default_factory=list)  # JSON its scripts fetched (render only)
    cookies: list[dict] = field(default_factory=list)
    user_agent: str = ""


class Browser:
    """One headless Chromium for a crawl; see the module's docstring."""

    def __init__(
        self,
        executable: str,
        page_timeout: float,
        counter: Callable | None = None,
        on_refused: Callable | None = None,
        on_answered: Callable | None = None,
    ):
        self.executable = executable
        self.page_timeout = page_timeout
        # counter(site, url) -> None, or a reason to refuse (the site's budget spent); it also
        # waits the site's delay (see middlewares' use).
        self.counter = counter
        # on_answered(site, url): an admitted request's answer is in, so it has reached the site by
        # now; the site's next request waits its delay from this moment at the earliest
        self.on_answered = on_answered
        self.on_refused = on_refused  # on_refused(site, url): a refusal, counted by the crawl
        self.guards: dict[str, Guard] = {}
        self._playwright = None
        self._browser = None
        self._contexts: dict[str, object] = {}
        self._lock = asyncio.Lock()
        # the last body of each page (and status) the browser navigated to
        self.bodies: dict[tuple[str, int], bytes] = {}

    def guard(self, site: Site) -> Guard:
        if site.id not in self.guards:
            self.guards[site.id] = Guard(site, self.on_refused)
        return self.guards[site.id]

    async def _context(self, site: Site):
        async with self._lock:
            if self._browser is None:
                from playwright.async_api import async_playwright

                if self._playwright is None:
                    self._playwright = await async_playwright().start()
                self._browser = await self._playwright.chromium.launch(
                    executable_path=self.executable, headless=True, args=_ARGS,
                    timeout=LAUNCH_TIMEOUT_S * 1000,
                )  # fmt: skip
            if site.id not in self._contexts:
                context = await self._browser.new_context(
                    accept_downloads=False, service_workers="block", permissions=[],
                    java_script_enabled=True, viewport={"width": 1280, "height": 900},
                    locale="zh-CN",
                )  # fmt: skip
                context.set_default_timeout(self.page_timeout * 1000)
                await context.route("**/*", self._router(site, context))
                await context.route_web_socket("**/*", self._no_websocket(site))
                self._contexts[site.id] = context
            return self._contexts[site.id]

    def _no_websocket(self, site: Site):
        async def refuse(ws) -> None:
            # Not connected to any server: the page's socket is closed before it opens.
            self.guard(site).refused(ws.url, "a WebSocket: never opened by the crawler's browser")
            await ws.close()

        return refuse

    def _router(self, site: Site, context):
        guard = self.guard(site)

        async def route(route) -> None:
            request = route.request
            if request.resource_type in SKIPPED:
                guard.log.skipped += 1
                await route.abort("blockedbyclient")
                return
            navigation = request.is_navigation_request()
            url, method, hops = request.url, request.method, 0
            while True:
                why = await guard.refusal(url, request.resource_type, navigation or hops > 0)
                # The headers (with the cookies the browser holds now) are read before the wait
                # for the site's delay, not between it and the request: two round trips to the
                # driver there put the request late, closer to the site's next one than its delay.
                headers = await _headers(request, url, context) if why is None else {}
                if why is None and self.counter is not None:
                    why = await self.counter(site, url)
                if why is not None:
                    guard.refused(url, why)
                    await _refuse(route, request, page_of(request))
                    return
                guard.allowed(url)
                try:
                    answer = await route.fetch(
                        url=url, method=method, headers=headers,
                        max_redirects=0, timeout=self.page_timeout * 1000,
                    )  # fmt: skip
                except Exception as exc:  # a refused connection, a timeout: the page sees a failure
                    logger.debug("browser fetch failed: %s (%s)", url, exc)
                    await route.abort("failed")
                    return
                finally:
                    if self.on_answered is not None:
                        self.on_answered(site, url)
                location = answer.headers.get("location")
                if not (300 <= answer.status < 400 and location):
                    if navigation:  # kept for the challenge check: the page may move on
                        self.bodies[request.url, answer.status] = await answer.body()
                    await route.fulfill(response=answer)
                    return
                target = urljoin(url, location)
                hops += 1
                if navigation:
                    # A navigation's redirect is made a navigation of its own, so the browser's
                    # next request comes back here (a redirect it followed itself would not).
                    if await guard.refusal(target, request.resource_type, True) is not None:
                        guard.refused(target, "redirect off the site")
                        await _refuse(route, request, page_of(request))
                        return
                    await route.fulfill(
                        status=200, content_type="text/html; charset=utf-8",
                        headers={
                            **{k: v for k, v in answer.headers.items() if k == "set-cookie"},
                            STUB_HEADER: "1",
                        },
                        body=f"<script>location.replace({_js_string(target)})</script>",
                    )  # fmt: skip
                    return
                if hops > MAX_REDIRECTS:
                    guard.refused(target, "too many redirects")
                    await route.abort("failed")
                    return
                url, method = target, "GET"

        return route

    async def _open(self, site: Site, url: str, render: bool) -> Opened:
        context = await self._context(site)
        page = await context.new_page()
        answers: list = []  # the main frame's answers, with their bodies being read
        json_seen: list[str] = []

        def on_response(response) -> None:
            if response.status == 204:
                return  # a refused navigation (see _refuse): the page stayed where it was
            if response.request.is_navigation_request() and response.frame == page.main_frame:
                # read at once: once the page moves on, the body is gone
                answers.append((response, asyncio.ensure_future(_body(response))))
            elif response.request.resource_type in ("xhr", "fetch") and "json" in (
                response.headers.get("content-type", "")
            ):
                json_seen.append(response.url)

        page.on("response", on_response)
        deadline = time.monotonic() + self.page_timeout
        cookies = {(c["name"], c["value"]) for c in await context.cookies(url)}
        try:
            try:
                # committed is enough: what the page does next is waited for in _through, since a
                # page whose navigations are refused may never fire its load event
                await page.goto(url, wait_until="commit")
            except Exception:  # interrupted by the challenge's own reload: waited for below
                if not answers:
                    raise
            last, body = await self._through(page, context, url, answers, deadline, cookies)
            if render:  # its scripts run, and what they fetch answered
                await _quietly(page.wait_for_load_state("domcontentloaded", timeout=5000))
                await _quietly(page.wait_for_load_state("networkidle", timeout=2000))
            if urlsplit(page.url).scheme not in ("http", "https"):
                raise BrowserFailed(f"{url}: the page left the web ({page.url[:40]})")
            html = await _html(page) if render else ""
            return Opened(
                last.url, last.status, dict(last.headers), body, html, json_seen,
                await context.cookies(), await page.evaluate("navigator.userAgent"),
            )  # fmt: skip
        except BrowserFailed:
            raise
        except Exception as exc:
            raise BrowserFailed(f"{url}: {str(exc).splitlines()[0][:300]}") from exc
        finally:
            for _response, reading in answers:
                reading.cancel()
            await page.close()

    async def _through(self, page, context, url: str, answers: list, deadline: float, cookies: set):
        """The page's last answer and its body once it is not a challenge. A challenge that set
        its cookie and then did not reload (its reload cancelled by a navigation the guard
        refused) is reloaded here, twice at most; ``cookies``: those the browser held before."""
        reloads, idle, seen = 0, 0, 0
        while True:
            if answers:
                last, reading = answers[-1]
                body = await _within(reading, 2)
                if body is None:
                    body = self.bodies.get((last.url, last.status))
                kind = last.headers.get("content-type", "")
                if (
                    body is not None
                    and STUB_HEADER not in last.headers
                    and not challenge_kind(last.status, body, kind)
                ):
                    return last, body
            if time.monotonic() > deadline:
                raise BrowserFailed(f"{url}: the page's challenge did not let the browser through")
            idle, seen = (idle + 1, seen) if len(answers) == seen else (0, len(answers))
            if idle >= 8 and reloads < 2:
                now = {(c["name"], c["value"]) for c in await context.cookies(url)}
                if now != cookies:
                    # the challenge page's own timers gone first, so none cancels the reload
                    reloads, idle = reloads + 1, 0
                    await _quietly(page.goto("about:blank"))
                    await _quietly(page.goto(url, wait_until="commit"))
                    continue
            await _quietly(page.wait_for_load_state("networkidle", timeout=1000))
            await page.wait_for_timeout(100)

    async def open(self, site: Site, url: str, render: bool = False) -> Opened:
        """The page at ``url`` once any challenge has let the browser through, rendered or not,
        within the page time limit. Starting the browser (the first page of a crawl) is not
        counted in it: it has LAUNCH_TIMEOUT_S of its own (tens of seconds on a busy machine)."""
        try:
            await asyncio.wait_for(self._context(site), LAUNCH_TIMEOUT_S + 5)
        except Exception as exc:  # too slow, a broken install, a missing library
            why = f"not within {LAUNCH_TIMEOUT_S:.0f} s" if isinstance(exc, TimeoutError) else exc
            why = f"the browser did not start: {why}".splitlines()[0][:300]
            raise BrowserFailed(why) from None
        try:
            return await asyncio.wait_for(self._open(site, url, render), self.page_timeout + 5)
        except TimeoutError:
            raise BrowserFailed(f"{url}: took longer than {self.page_timeout:.0f} s") from None

    async def close(self) -> None:
        """The browser and its contexts closed, Playwright's driver stopped."""
        if self._browser is not None:
            await self._browser.close()
        if self._playwright is not None:
            await self._playwright.stop()
        self._browser = self._playwright = None
        self._contexts.clear()


async def _body(response) -> bytes | None:
    if response is None:
        return None
    try:
        return await response.body()
    except Exception:  # the page navigated on before its body could be read
        return None


async def _headers(request, url: str, context) -> dict[str, str]:
    """The request's headers with the cookies the browser holds for ``url`` (Playwright's own
    client, which makes the request, sends no cookie the page holds unless told; it takes headers
    only as Cookie and User-Agent are spelt, not in the lower case the browser reports them in)."""
    headers = {
        "-".join(part.capitalize() for part in name.split("-")): value
        for name, value in (await request.all_headers()).items()
        if name != "cookie"
    }
    cookies = await context.cookies(url)
    if cookies:
        headers["Cookie"] = "; ".join(f"{c['name']}={c['value']}" for c in cookies)
    return headers


def page_of(request):
    """The page a request was made for, None for a worker's."""
    try:
        return request.frame.page
    except Exception:
        return None


async def _refuse(route, request, page) -> None:
    """A refused request fails; a refused navigation of a page's main frame is answered 204 No
    Content instead, which leaves the page where it is (an aborted one would put Chromium's error
    page in its place, and the page's own content would be lost)."""
    main = (
        page is not None and request.is_navigation_request() and (request.frame == page.main_frame)
    )
    if main:
        await route.fulfill(status=204, body=b"")
    else:
        await route.abort("blockedbyclient")


async def _html(page) -> str:
    """The page as its scripts left it, also while it keeps trying to navigate away (each try
    refused by the guard)."""
    for _attempt in range(20):
        try:
            html = await page.evaluate("document.documentElement.outerHTML")
            doctype = await page.evaluate("document.doctype ? '<!DOCTYPE html>' : ''")
            return doctype + html
        except Exception:
            await asyncio.sleep(0.1)
    return await page.content()


async def _within(reading, seconds: float) -> bytes | None:
    """A body being read, or None when it does not come within ``seconds``."""
    try:
        return await asyncio.wait_for(asyncio.shield(reading), seconds)
    except Exception:
        return None


async def _quietly(waiting) -> None:
    """Wait for something the page may never do (a timeout, an interrupted navigation)."""
    try:
        await waiting
    except Exception:
        return


def _js_string(text: str) -> str:
    import json

    return json.dumps(text).replace("<", "\\u003c")
