"""Charts of the archive as server-rendered SVG: summaries per year per region, and crawl runs per
day by status. This module lays them out; templates/_summary_archive_chart.html draws them (no
JavaScript; Jinja escapes every label from the data)."""

from __future__ import annotations

from collections import defaultdict

PALETTE = [
    "#2b6cb0",
    "#c05621",
    "#2f855a",
    "#b83280",
    "#6b46c1",
    "#c53030",
    "#2c7a7b",
    "#975a16",
    "#4a5568",
    "#d69e2e",
]
STATUS_COLOURS = {
    "ok": "#2f855a",
    "interrupted": "#d69e2e",
    "timed out": "#c05621",
    "failed": "#c53030",
    "running": "#4a5568",
}


def bar_chart(
    title: str,
    categories: list[str],
    series: dict[str, dict[str, int]],
    colours: dict[str, str] | None = None,
    stacked: bool = False,
) -> dict:
    """The geometry of a bar chart (one group per category, one bar or stack segment per series)
    for templates/_summary_archive_chart.html to draw; labels stay text, escaped there."""
    width, height, left, bottom, top = 880, 320, 48, 56, 36
    names = list(series)
    colours = colours or {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}
    totals = [
        sum(series[n].get(c, 0) for n in names)
        if stacked
        else max([series[n].get(c, 0) for n in names] or [0])
        for c in categories
    ]
    peak = max(totals + [4])
    peak = -(-peak // 4) * 4  # a multiple of 4, so every grid line is a whole number
    plot_w, plot_h = width - left - 16, height - top - bottom
    group_w = min(plot_w / max(1, len(categories)), 140)
    bar_w = group_w * 0.8 / (1 if stacked else max(1, len(names)))
    grid = [
        {"y": top + plot_h - plot_h * step / 4, "value": round(peak * step / 4)}
        for step in range(5)
    ]
    bars, labels = [], []
    for index, category in enumerate(categories):
        x0 = left + index * group_w + group_w * 0.1
        stack = 0.0
        for number, name in enumerate(names):
            value = series[name].get(category, 0)
            if not value:
                continue
            h = plot_h * value / peak
            if stacked:
                x, y = x0, top + plot_h - stack - h
                stack += h
            else:
                x, y = x0 + number * bar_w, top + plot_h - h
            bars.append(
                {"x": x, "y": y, "width": max(bar_w - 1, 1), "height": h,
                 "fill": colours[name], "tip": f"{name} · {category}: {value}"}
            )  # fmt: skip
        labels.append({"x": left + index * group_w + group_w / 2, "text": category})
    legend = [
        {"x": left + (n % 6) * 140, "y": height - 14 + 22 * (n // 6), "fill": colours[name],
         "text": name}
        for n, name in enumerate(names)
    ]  # fmt: skip
    return {
        "title": title,
        "width": width,
        "height": height + 22 * ((len(names) + 5) // 6),
        "left": left,
        "right": width - 16,
        "axis_y": top + plot_h + 16,
        "grid": grid,
        "bars": bars,
        "labels": labels,
        "legend": legend,
    }


async def chart_data(database) -> list[dict]:
    """The charts of /-/charts for one archive database."""
    by_year: dict[str, dict[str, int]] = defaultdict(dict)
    years: set[str] = set()
    result = await database.execute(
        "SELECT COALESCE(region, '?'), COALESCE(year, 0), COUNT(*) FROM documents "
        "WHERE superseded_by IS NULL GROUP BY 1, 2"  # a summary once, by its current text
    )
    for region, year, count in result.rows:
        label = str(year) if year else "?"
        by_year[region][label] = count
        years.add(label)
    runs: dict[str, dict[str, int]] = defaultdict(dict)
    days: set[str] = set()
    result = await database.execute(
        "SELECT substr(started, 1, 10), status, COUNT(*) FROM crawl_runs GROUP BY 1, 2 ORDER BY 1 DESC LIMIT 600"
    )
    for day, status, count in result.rows:
        runs[status][day] = count
        days.add(day)
    recent_days = sorted(days)[-60:]
    return [
        bar_chart(
            "工作综述数量：按年度和地区 · Summaries per year and region",
            sorted(years),
            dict(by_year),
        ),
        bar_chart(
            "每日抓取次数：按状态 · Crawl runs per day by status (last 60 days)",
            recent_days,
            dict(runs),
            {status: STATUS_COLOURS.get(status, "#718096") for status in runs},
            stacked=True,
        ),
    ]
