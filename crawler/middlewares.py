"""Downloader middleware that keeps every request inside its site's own hosts.

Links are filtered when they are read, but redirects are not: a 302 to another host (or to a
file: or ftp: URL) arrives here as a new request and is refused, so the crawl never leaves a site
the user listed.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.exceptions import IgnoreRequest


class OffsiteRequest(IgnoreRequest):
    """A request outside the site it belongs to; the message names the URL and the site."""


class SiteScopeMiddleware:
    def process_request(self, request: Request) -> None:
        site = request.meta.get("site")
        if site is None:
            return None
        if not site.owns(request.url):
            via = request.meta.get("redirect_urls")
            origin = f" (redirected from {via[0]})" if via else ""
            raise OffsiteRequest(f"not followed: {request.url} is outside site '{site.id}'{origin}")
        return None
