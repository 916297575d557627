"""What a Chinese-reading researcher sees in place of the archive's column names, UTC times and
whole bodies: labels in Chinese with the English name beside, times in China time with the zone
said, and the stretch of a text around a search word with the word marked.

The labels go by column name, so that any table, view or query with a `title` or `published`
column (the candidates and document versions of later pages too) reads the same.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

CHINA = ZoneInfo("Asia/Shanghai")

# column name → Chinese label; the column's own name is shown beside it, smaller.
LABELS = {
    "title": "标题", "name": "名称", "published": "发布日期", "year": "年度", "region": "地区",
    "site": "网站", "site_name": "网站", "first_site": "首发网站", "source": "来源", "genre": "体裁",
    "body": "正文", "passage": "命中段落", "url": "网址", "first_url": "首发网址", "chars": "字数",
    "first_seen": "首次抓取", "last_seen": "最近抓取", "first_published": "首发日期",
    "first_publication": "首发",
    "family": "家族", "family_id": "同源家族", "family_similarity": "与家族相似度",
    "similarity": "相似度", "document": "文档", "document_id": "文档", "id": "编号",
    "content_hash": "内容哈希", "documents": "文本数", "sites": "网站数", "health": "健康状况",
    "last_run": "最近抓取", "last_status": "最近状态", "runs_considered": "计入次数",
    "ok_runs": "成功次数", "list_pages": "列表页", "articles": "文章", "errors": "错误",
    "status": "状态", "started": "开始", "finished": "结束", "kind": "类别", "reason": "原因",
    "message": "说明", "version": "版本", "versions": "版本数", "changed": "改动时间",
    "current": "现行", "summaries": "综述数", "titles": "标题", "at": "时间",
    "last_fetched": "最近抓取", "file_type": "文件类型", "region_name": "地区",
    "start_urls": "起始网址", "schedule": "抓取计划", "enabled": "启用", "watch": "订阅",
    "error": "错误", "requests": "请求数", "duration_s": "用时（秒）", "version_id": "版本",
    "sightings": "出现次数", "site_ids": "网站",
}  # fmt: skip

# Columns kept for machines (feeds, deduplication, family search) rather than for reading: left
# out of the HTML tables of these pages; JSON, CSV and ?_col= still have them.
MACHINE_COLUMNS = {
    "content_hash", "shingle_samples", "atom_id", "atom_title", "atom_updated", "atom_link",
    "atom_content", "last_seen", "site_name",
}  # fmt: skip
# Tables whose list pages lead with the title (linked to the row) and leave out MACHINE_COLUMNS.
READING_TABLES = {"documents", "documents_feed", "document_families", "sightings"}

# The order a reader takes in a document: what it is, when, where, who published it, then the text.
# On any table page these columns lead, in this order (site_health: the site, then its health).
READING_ORDER = ["title", "published", "region", "site", "health", "genre", "year", "source",
                 "passage", "body"]  # fmt: skip
# A row's page (row.html): these fields first, the identities last.
FIELD_ORDER = ["published", "region", "site", "first_site", "source", "year", "genre", "url",
               "first_url", "family_id", "family_similarity", "chars", "first_seen", "last_seen"]  # fmt: skip
LAST_FIELDS = ["id", "content_hash"]

_UTC_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.\d+)?(Z|\+00:00)$")


def label(column: str) -> Markup:
    """A column's heading: the Chinese label, then the column's name (its own where none)."""
    chinese = LABELS.get(column)
    if not chinese:
        return Markup(escape(column))
    return Markup(f'{escape(chinese)} <span class="column-name">{escape(column)}</span>')


def china_time_text(value: object) -> str:
    """A stored UTC time as plain text in China time (``2026-12-07 05:46 北京时间``); anything
    else as it is."""
    if not isinstance(value, str) or not _UTC_TIME.match(value):
        return "" if value is None else str(value)
    match = _UTC_TIME.match(value)
    clock = match.group(2) if len(match.group(2)) > 5 else match.group(2) + ":00"
    moment = datetime.fromisoformat(f"{match.group(1)}T{clock}").replace(tzinfo=UTC)
    return f"{moment.astimezone(CHINA):%Y-%m-%d %H:%M} 北京时间"


def china_time(value: object) -> Markup | None:
    """A UTC time as the archive stores it (2026-12-06T21:46:34Z), said in China time with the
    zone named and the stored value on hover; None for anything else."""
    if not isinstance(value, str):
        return None
    match = _UTC_TIME.match(value)
    if not match:
        return None
    clock = match.group(2) if len(match.group(2)) > 5 else match.group(2) + ":00"
    moment = datetime.fromisoformat(f"{match.group(1)}T{clock}").replace(tzinfo=UTC)
    local = moment.astimezone(CHINA)
    return Markup(
        f'<time datetime="{escape(value)}" title="{escape(value)} (UTC)">'
        f"{local:%Y-%m-%d %H:%M} <small>北京时间</small></time>"
    )


def snippet(body: str | None, search: str | None, width: int = 60) -> Markup:
    """The stretch of ``body`` around the first search word found, the word marked; without a
    search (or a word found), the body's start. Escaped throughout."""
    if not body:
        return Markup("")
    words = sorted((w for w in (search or "").split()[:16] if w), key=len, reverse=True)
    folded = unicodedata.normalize("NFKC", body[:200_000]).lower()
    for word in words:
        key = unicodedata.normalize("NFKC", word).lower()
        position = folded.find(key)
        if position < 0 or len(folded) != len(body[:200_000]):
            position = body.find(word)
            key = word
        if position >= 0:
            start = max(0, position - width)
            end = min(len(body), position + len(key) + width)
            text = (
                escape(body[start:position])
                + Markup("<mark>")
                + escape(body[position : position + len(key)])
                + Markup("</mark>")
                + escape(body[position + len(key) : end])
            )
            return Markup(
                ("…" if start else "") + text.replace("\n", " ") + ("…" if end < len(body) else "")
            )
    return Markup(
        escape(body[: width * 2].replace("\n", " ")) + ("…" if len(body) > width * 2 else "")
    )


def header_script() -> str:
    """JavaScript for a query page (canned queries render their own table, not _table.html):
    each heading gets its Chinese label, the column's name kept beside it."""
    return (
        "var labels = " + json.dumps(LABELS, ensure_ascii=False) + ";\n"
        """document.querySelectorAll("table.rows-and-columns thead th").forEach(function (th) {
  var name = th.textContent.trim();
  if (!labels[name]) { return; }
  var small = document.createElement("span");
  small.className = "column-name";
  small.textContent = name;
  th.textContent = labels[name] + " ";
  th.append(small);
});
"""
    )


def facet_script() -> str:
    """JavaScript for a table page: each facet's name gets its Chinese label, the column's name
    kept beside it (Datasette's facet template stays as it is)."""
    return (
        "var facetLabels = " + json.dumps(LABELS, ensure_ascii=False) + ";\n"
        """document.querySelectorAll(".facet-info[data-column]").forEach(function (facet) {
  var name = facet.getAttribute("data-column");
  var strong = facet.querySelector(".facet-info-name strong");
  if (!facetLabels[name] || !strong || !strong.firstChild) { return; }
  var small = document.createElement("span");
  small.className = "column-name";
  small.textContent = name + " ";
  strong.firstChild.textContent = facetLabels[name] + " ";
  strong.insertBefore(small, strong.firstChild.nextSibling);
});
"""
    )
