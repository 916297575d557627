"""A county site that publishes government files as they are in the wild
(crawler/demo/govfiles.py): a 信息公开 column whose links give no date (so each file is dated by
what it prints), and the article page that one of them was printed from by a visitor's browser.
A crawl should read every file as its sample says, and hold the printed page and its web page
as one document."""

from __future__ import annotations

from crawler.demo.badfiles import file
from crawler.demo.govfiles import BROWSER, SAMPLES
from crawler.demo.server import SampleSite, SampleWeb, loopback_hosts

GARBLED = "garbled-layer.pdf"


def build_gov_web() -> tuple[SampleWeb, str, dict[str, str]]:
    """The site, started; its sites.toml entry (every linked file fetched); and the address of
    each sample file, by name."""
    (host,) = loopback_hosts(1)
    site = SampleSite("qingshan-files", "青山县人民政府", "测试省青山县", host)
    where: dict[str, str] = {}
    links = []
    for number, name in enumerate([sample.name for sample in SAMPLES] + [GARBLED], start=1):
        path = f"/xxgk/P0202300000{number:02d}.{name.rsplit('.', 1)[1]}"
        kind = "application/ofd" if name.endswith(".ofd") else "application/pdf"
        site.add(path, file(name), kind)
        where[name] = path
        links.append(f"<li><a href='{path}'>附件{number}</a></li>")
    site.add("/tzgg/art_2023_301.html", file(BROWSER.html_name).decode("utf-8"))
    links.append(f"<li><a href='/tzgg/art_2023_301.html'>{BROWSER.title}</a></li>")
    site.add(
        "/",
        "<html><head><meta charset='utf-8'><title>青山县人民政府</title></head><body>"
        f"<h1>政府信息公开</h1><ul class='list'>{''.join(links)}</ul></body></html>",
    )
    web = SampleWeb([site]).start()
    registry = (
        f'[[site]]\nid = "{site.id}"\nname = "{site.name}"\nregion = "{site.region}"\n'
        f'start_urls = ["{site.base_url}/"]\nattachments = "all"\n'
    )
    return web, registry, {name: site.base_url + path for name, path in where.items()}
