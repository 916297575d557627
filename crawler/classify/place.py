"""Where and when a summary is about: the region made precise and the year reviewed."""

from __future__ import annotations

import re

LEAD_CHARS = 300
_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s*年(?:度)?")
_YEAR_IN_LEAD = re.compile(r"((?:19|20)\d{2})\s*年")


# A county-level place named in a title or an opening: two characters and 县, 区 or 旗 (most
# county names have two), not a word that only ends in 区 (社区, 园区, 示范区 ...) or 县 (我县, 全县).
_COUNTY = re.compile(r"([\u4e00-\u9fff]{2})([县区旗])(?!长|级|域|内|外|里|情|城|乡|镇)")
_NOT_A_NAME = set("社园景辖范验护发游校片地市小矿林牧灾库老边街能全本我该各省州郊新县区")
_NOT_NAMES = {"主城区", "老城区", "新城区", "旧城区", "中城区", "城郊区"} | {
    c + "山区" for c in "困远偏深大在到"
}
_PREFECTURE = re.compile(r"(市|州|盟|地区)$")


def refine_region(site_region: str, title: str | None, body: str) -> str:
    """The region a document is about: the site's region, made more precise when the site is a
    prefecture's (…市, …州) and the title, or failing that the opening, names a county or district
    of it (碧水县2022年统战工作回眸 on a city site → 浙江省青川市碧水县)."""
    if not site_region or not _PREFECTURE.search(site_region):
        return site_region
    for text in (title or "", body[:120]):
        for match in _COUNTY.finditer(text):
            name = match.group(0)
            if (
                match.group(1)[-1] in _NOT_A_NAME
                or match.group(1)[0] in "年月日的和与及在"
                or name in _NOT_NAMES
            ):
                continue
            if name in site_region:
                return site_region
            return site_region + name
    return site_region


def review_year(title: str | None, body: str, published: str | None) -> int | None:
    """The year whose work a summary reviews: named in the title, else in the opening, else the
    year before publication for a summary published in the first half of a year."""
    match = _YEAR_IN_TITLE.search(title or "")
    if match:
        return int(match.group(1))
    match = _YEAR_IN_LEAD.search(body[:LEAD_CHARS])
    if match:
        return int(match.group(1))
    if published:
        year, month = int(published[:4]), int(published[5:7])
        return year - 1 if month <= 6 else year
    return None
