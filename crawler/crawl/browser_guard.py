"""What the headless browser may ask for: the crawler's own rules, applied to every request a page
makes while it loads (its navigations, frames, redirects, scripts, fetch and XHR calls).

- On the site (``Site.owns``): allowed, unless it is a private, loopback or link-local address
  and the site does not live on one (the rule of middlewares.SiteScopeMiddleware); a host name is
  resolved first and decided on the addresses it resolved to (DNS rebinding).
- Off the site: navigations, frames, form posts and redirects are refused; a script from a public
  host (a CDN) is allowed, since a page may need it to draw itself; nothing else (fetch, XHR,
  beacons, frames) and nothing on a private, loopback or link-local address, ever.
- Never: images, media, fonts, stylesheets (not needed to read a page), anything that is not
  http(s) (file:, data:, ftp:, chrome:), WebSockets.

Every decision is counted per site: how many requests the browser made, and which were refused.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from crawler.registry.sites import Site, is_private_address

logger = logging.getLogger(__name__)

# What a page's loading asks for that reading it never needs.
SKIPPED = ("image", "media", "font", "stylesheet", "texttrack", "manifest")
# Off-site subresources a page may need to draw itself (from a public host only).
OFFSITE_ALLOWED = ("script",)


@dataclass
class BrowserLog:
    """One site's browser requests in this run."""

    allowed: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)  # url, why
    skipped: int = 0  # images, fonts, … not fetched (not a refusal: never needed)


def _addresses(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError:
        return []
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


class Guard:
    """The browser's request rules for one site."""

    def __init__(self, site: Site, on_refused: Callable | None = None):
        self.site = site
        self.on_refused = on_refused
        self.log = BrowserLog()
        self._resolved: dict[str, list] = {}

    async def addresses(self, host: str) -> list:
        """The addresses a host name resolves to (once per host), resolved off the event loop."""
        if host not in self._resolved:
            loop = asyncio.get_running_loop()
            self._resolved[host] = await loop.run_in_executor(None, _addresses, host)
        return self._resolved[host]

    async def refusal(self, url: str, resource_type: str, navigation: bool) -> str | None:
        """Why the browser may not make this request, or None when it may."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return f"not an http(s) address ({parts.scheme or 'none'}:)"
        if resource_type in ("websocket", "eventsource"):
            return f"a {resource_type}: never opened by the crawler's browser"
        host = parts.hostname.lower()
        on_site = self.site.owns(url)
        if not on_site and (navigation or resource_type not in OFFSITE_ALLOWED):
            what = "navigation, frame or redirect" if navigation else resource_type
            return f"off-site {what}: outside site '{self.site.id}'"
        private_ok = on_site and self.site.may_use_private_addresses
        if is_private_address(host) and not private_ok:
            return f"a private address, and site '{self.site.id}' " + (
                "is not on a private network" if on_site else "does not live there"
            )
        if not private_ok and not is_private_address(host):
            addresses = await self.addresses(host)
            if not addresses:
                return f"{host} does not resolve"
            private = next((str(a) for a in addresses if not a.is_global), None)
            if private is not None:
                return f"{host} resolves to the private address {private}"
        return None

    def allowed(self, url: str) -> None:
        """Count a request the browser made."""
        self.log.allowed += 1

    def refused(self, url: str, why: str) -> None:
        """Count (and log) a request the browser was refused."""
        self.log.refused.append((url, why))
        if self.on_refused is not None:
            self.on_refused(self.site, url)
        logger.info("browser request refused for site %s: %s (%s)", self.site.id, url, why)
