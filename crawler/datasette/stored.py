"""/-/stored?url=URL: the response the crawl kept for a page (crawl/warc.py), served as it was
fetched: a PDF or Word attachment opens or downloads as the file the site published, a web page
as its HTML (as text, so that its scripts never run under the archive's address)."""

from __future__ import annotations

import asyncio
from pathlib import PurePosixPath
from urllib.parse import unquote, urlencode, urlsplit

from datasette.utils.asgi import Response

from crawler.crawl.warc import read_response, warc_dir_for
from crawler.extract.files import FILE_TYPES, sniff


def stored_copy_path(datasette, url: str) -> str:
    return datasette.urls.path("/-/stored?" + urlencode({"url": url}))


async def stored_page(datasette, request):
    url = request.args.get("url") or ""
    for name, database in datasette.databases.items():
        if not await database.table_exists("pages") or database.path is None:
            continue
        await datasette.ensure_permissions(
            request.actor, ["view-instance", ("view-database", name)]
        )
        rows = await database.execute(
            "SELECT warc_file, warc_offset FROM pages WHERE url = ? AND warc_file IS NOT NULL",
            [url],
        )
        row = rows.first()
        if row is None:
            continue
        folder = warc_dir_for(database.path)
        try:
            stored = await asyncio.to_thread(
                read_response, folder, row["warc_file"], row["warc_offset"]
            )
        except (OSError, StopIteration, ValueError) as exc:
            return Response.text(
                f"The stored copy of {url} is not readable in {folder}: {exc}", status=404
            )
        kind = sniff(stored.body)
        if kind in FILE_TYPES:
            name = PurePosixPath(unquote(urlsplit(url).path)).name or f"stored.{kind}"
            return Response(
                stored.body,
                content_type=FILE_TYPES[kind],
                headers={
                    "Content-Disposition": "inline; filename*=UTF-8''" + urlencode({"": name})[1:],
                    "X-Content-Type-Options": "nosniff",
                },
            )
        return Response(
            stored.body,
            content_type="text/plain; charset=" + _charset(stored.content_type),
            headers={"X-Content-Type-Options": "nosniff"},
        )
    return Response.text(
        f"No stored copy of {url or '(no url given)'} in this archive.", status=404
    )


def _charset(content_type: str | None) -> str:
    for part in (content_type or "").split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return "utf-8"
