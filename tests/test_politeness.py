"""A site's own delay in sites.toml holds, with AutoThrottle on: timed by the server's log."""

from __future__ import annotations

from pathlib import Path

from conftest import rows, run_crawler


def gaps(site) -> list[float]:
    times = [entry.at for entry in site.requests if entry.path != "/robots.txt"]
    return [b - a for a, b in zip(times, times[1:], strict=False)]


def test_each_site_gets_the_delay_it_asked_for(tmp_path: Path, sample_web):
    registry = tmp_path / "sites.toml"
    registry.write_text(
        sample_web.sites_toml(
            {"linjiang-news": {"download_delay": "0.7"}, "yunxi-gov": {"download_delay": "0"}}
        ),
        encoding="utf-8",
    )
    db = tmp_path / "archive.db"
    result = run_crawler(
        "crawl", "--sites", str(registry), "--db", str(db), "linjiang-news", "yunxi-gov",
        "-s", "DOWNLOAD_DELAY=0.2", "-s", "AUTOTHROTTLE_ENABLED=True",
        "-s", "AUTOTHROTTLE_START_DELAY=0", "-s", "LOG_LEVEL=WARNING",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    slow, fast = gaps(sample_web["linjiang-news"]), gaps(sample_web["yunxi-gov"])
    assert len(slow) > 5 and len(fast) > 5
    # never closer than asked (the random spread only adds), and not far beyond it
    assert min(slow) >= 0.7 - 0.02, slow
    assert sorted(slow)[len(slow) // 2] < 0.7 * 1.5 + 0.3, slow
    # a site that asked for no delay is not held to the crawl-wide one (0.2 s)
    assert sorted(fast)[len(fast) // 2] < 0.15, fast
    assert rows(db, "SELECT count(*) AS n FROM documents")[0]["n"] > 0


def test_a_sites_delay_runs_from_the_answer_so_a_slow_site_is_never_asked_sooner(
    tmp_path: Path, sample_web
):
    """A site that takes 0.3 s to answer and asks for 0.3 s between requests: each request
    reaches it at least 0.3 s after the answer to the one before, so 0.6 s after it arrived
    (counted from departures, as Scrapy does alone, the next left as the answer came in)."""
    site = sample_web["linjiang-news"]
    for route in site.routes.values():
        route.delay = 0.3
    registry = tmp_path / "sites.toml"
    registry.write_text(
        sample_web.sites_toml({"linjiang-news": {"download_delay": "0.3", "max_requests": "8"}}),
        encoding="utf-8",
    )
    result = run_crawler(
        "crawl", "--sites", str(registry), "--db", str(tmp_path / "archive.db"), "linjiang-news",
        "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=WARNING",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    asked = gaps(site)
    assert len(asked) >= 5, asked
    assert min(asked) >= 0.6 - 0.02, asked
