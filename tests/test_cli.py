"""The command line: help for everything, the demo, extract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner
from conftest import rows, run_crawler

from crawler.cli import cli

PAGES = Path(__file__).parent / "pages"


def test_every_command_and_option_has_help():
    for name, command in cli.commands.items():
        assert command.help, f"`crawler {name}` has no help text"
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"`crawler {name} {param.opts[0]}` has no help text"
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0


def test_python_dash_m_crawler_is_the_same_cli():
    result = run_crawler("--help")
    assert result.returncode == 0
    for name in ("crawl", "serve", "demo", "extract", "schedule"):
        assert name in result.stdout


def test_extract_prints_json_for_a_saved_page():
    result = run_crawler(
        "extract",
        str(PAGES / "table-layout-gbk.html"),
        "--url",
        "http://www.example.cn/tzgz/2009/1230/1.html",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["title"] == "石门县二〇〇九年统战工作总结"
    assert data["published"] == "2009-12-30"
    assert data["encoding"].startswith("gb18030")
    assert data["is_summary"] is True and data["reason"].startswith("summary:")
    assert set(data) == {
        "title", "published", "published_from", "source", "body", "encoding", "is_summary",
        "reason", "file_type",
    }  # fmt: skip
    assert data["file_type"] is None  # a web page, not a PDF or Word file
    assert data["published_from"]  # the evidence the date came from, for debugging a page


def test_extract_of_a_binary_file_says_so(tmp_path: Path):
    image = tmp_path / "a.html"
    image.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x01binary")
    result = run_crawler("extract", str(image))
    assert result.returncode == 2
    assert "binary data, not an HTML page" in result.stderr
    pdf = tmp_path / "b.html"  # read by its bytes, not its name
    pdf.write_bytes(b"%PDF-1.4\n\x00\x01binary")
    result = run_crawler("extract", str(pdf))
    assert result.returncode == 2
    assert "not readable (corrupt_file): damaged PDF" in result.stderr


def run_demo(folder: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "crawler", "demo", "--no-serve", "--db", "demo.db"]
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=300)


def test_demo_crawls_the_sample_sites_and_refuses_a_real_archive(tmp_path: Path):
    result = run_demo(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Archive: 4 documents, 5 sightings" in result.stderr
    assert len(rows(tmp_path / "demo.db", "SELECT id FROM documents")) == 4
    # the sample sites' registry, for the docs' commands while the demo runs
    from crawler.registry.sites import load_sites

    registry = tmp_path / "demo-sites.toml"
    assert {s.id for s in load_sites(registry)} == {"linjiang-news", "qingshan-tz", "yunxi-gov"}
    assert "Their registry: demo-sites.toml" in result.stderr
    assert "docs/registry-and-discovery.md" in registry.read_text("utf-8")
    # run again: the same archive, nothing duplicated
    result = run_demo(tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(rows(tmp_path / "demo.db", "SELECT id FROM documents")) == 4
    # an archive with real sites is not mixed with sample data
    conn_rows = rows(tmp_path / "demo.db", "SELECT COUNT(*) AS n FROM sites")
    assert conn_rows[0]["n"] == 3
    import sqlite3

    conn = sqlite3.connect(tmp_path / "demo.db")
    conn.execute("INSERT INTO sites (id, name) VALUES ('jjxw', '九江新闻网')")
    conn.commit()
    conn.close()
    result = run_demo(tmp_path)
    assert result.returncode == 2
    assert "already holds a real archive (sites: jjxw)" in result.stderr


def test_check_site_reports_a_site_without_touching_the_archive(
    tmp_path: Path, sample_web, sites_file: Path
):
    from conftest import FAST

    work = tmp_path / "work"
    work.mkdir()
    result = run_crawler("check-site", "yunxi-gov", "--sites", str(sites_file), *FAST, cwd=work)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("check-site yunxi-gov (http://")
    assert "run ok" in out and "2 summaries" in out
    site = sample_web["yunxi-gov"]
    assert f"  {site.base_url}/col/col4467/index.html  1 page(s), 2 article links" in out, out
    assert f"  {site.base_url}/module/web/jpage/dataproxy.jsp  2 page(s), 3 article links" in out
    for article in ("云溪区2022年民族宗教工作回顾", "侨心汇聚添动能 同心筑梦启新程"):
        assert article in out
    assert "[2022, 临江市云溪区]" in out
    assert "linked documents, not fetched (1):" in out
    assert "云溪区新乡贤联谊会第二次会员大会召开: not a summary" in out
    assert "Nothing was written to any archive." in out
    assert list(work.iterdir()) == [], "no archive.db or anything else was written"


def test_check_site_takes_a_bare_url_and_prints_json(tmp_path: Path, sample_web):
    import json

    from conftest import FAST

    site = sample_web["qingshan-tz"]
    result = run_crawler("check-site", site.base_url + "/", "--json", *FAST, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["site"] == site.base_url + "/" and report["status"] == "ok"
    assert sorted(s["title"] for s in report["summaries"]) == sorted(
        [
            "青山县委统战部2022年工作总结",
            "同心聚力谱新篇 砥砺奋进开新局——2022年临江市统一战线工作综述",
        ]
    )
    assert all(s["body"] for s in report["summaries"])
    # an address without its scheme, as a person types it, is that site's URL
    bare = run_crawler("check-site", site.base_url.removeprefix("http://"), "--json", *FAST)
    assert bare.returncode == 0, bare.stderr
    assert json.loads(bare.stdout)["site"] == site.base_url + "/"
    bad = run_crawler("check-site", "nope", "--sites", str(tmp_path / "missing.toml"))
    assert bad.returncode == 2 and "no such file" in bad.stderr


def test_bad_input_is_one_error_line_and_exit_2_for_every_command(tmp_path: Path, crawled: Path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        demo_db = tmp_path / "other.db"
        for args in (
            ["extract", str(tmp_path / "missing.html")],
            ["reprocess", "--db", str(crawled), "nosuchsite"],
            ["serve", "--db", str(crawled), "--port", str(port)],
            ["demo", "--db", str(demo_db), "--port", str(port)],
        ):
            result = run_crawler(*args)
            lines = result.stderr.strip().splitlines()
            assert result.returncode == 2 and len(lines) == 1, (args, result.stderr)
            assert lines[0].startswith("error: "), lines
        assert f"127.0.0.1:{port}" in lines[0] and "--port" in lines[0]
    assert not demo_db.exists(), "the busy port is found before the demo crawls"
    assert rows(crawled, "SELECT count(*) AS n FROM reprocess_runs")[0]["n"] == 0


def test_a_crawl_stopped_with_ctrl_c_says_so_in_its_exit_status(tmp_path: Path, sample_web):
    import signal
    import time

    from conftest import FAST
    from test_scheduler import slow, wait_for

    yunxi = sample_web["yunxi-gov"]
    for path in [p for p in yunxi.routes if isinstance(p, str) and "/art/" in p]:
        yunxi.routes[path] = slow(yunxi.routes[path], 1.0)
    sites = tmp_path / "sites.toml"
    sites.write_text(sample_web.sites_toml(), encoding="utf-8")
    db = tmp_path / "archive.db"
    crawl = subprocess.Popen(
        [sys.executable, "-m", "crawler", "crawl", "--sites", str(sites), "--db", str(db), *FAST,
         "yunxi-gov"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert wait_for(lambda: any("/art/" in p for p in yunxi.paths_requested()), 60)
    time.sleep(0.3)
    crawl.send_signal(signal.SIGINT)
    _, stderr = crawl.communicate(timeout=60)
    assert crawl.returncode == 130, stderr
    assert "interrupted" in stderr
    assert rows(db, "SELECT status FROM crawl_runs") == [{"status": "interrupted"}]


def test_check_site_says_what_failed_where_and_what_the_budget_cut(sample_web):
    import socket

    quick = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s",
             "RETRY_BACKOFF_BASE=0.1"]  # fmt: skip
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]  # nothing listens here
    offline = run_crawler("check-site", *quick, f"http://127.0.0.1:{closed}/")
    assert offline.returncode == 0, offline.stderr
    assert f"connection_refused: http://127.0.0.1:{closed}/" in offline.stdout
    assert "Connection was refused" in offline.stdout
    assert "Traceback" not in offline.stderr, "the report says it; the crawl's log stays quiet"
    budget = run_crawler("check-site", *quick, "--max-requests", "3",
                         sample_web["linjiang-news"].base_url + "/")  # fmt: skip
    assert "budget: the 3 requests were spent" in budget.stdout, budget.stdout
    for line in budget.stdout.splitlines():
        assert not line or line.startswith(("  ", "check-site", "columns", "summaries", "other",
                                            "budget", "depth", "errors", "linked", "Nothing")), line  # fmt: skip
    ftp = run_crawler("check-site", "ftp://example.org/")
    assert ftp.returncode == 2 and ftp.stderr.startswith("error: ftp://example.org/: only http")


def test_a_crawl_by_hand_prints_its_summary_and_names_an_unreachable_site(
    tmp_path: Path, sample_web
):
    """No Scrapy INFO or tracebacks unless -v; a site refusing connections is said to be
    unreachable after its first run, not counted as healthy."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]  # nothing listens here
    registry = tmp_path / "sites.toml"
    registry.write_text(
        sample_web.sites_toml() + f'\n[[site]]\nid = "gone"\nname = "已关闭"\nregion = "R"\n'
        f'start_urls = ["http://127.0.0.1:{closed}/"]\n',
        encoding="utf-8",
    )
    db = tmp_path / "archive.db"
    quick = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_TIMES=0"]
    result = run_crawler("crawl", "--sites", str(registry), "--db", str(db), *quick,
                         "yunxi-gov", "gone")  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert "Traceback" not in result.stderr and " INFO: " not in result.stderr
    assert len(lines) <= 6, lines  # a line per failed page, the summary, the attention line
    assert lines[-2].startswith("run 1 ok:")
    assert lines[-1] == (
        "site gone needs attention: unreachable: the last run read no page of the site "
        "(connection_refused; see crawl_errors)"
    )
    health = {r["site"]: r["health"] for r in rows(db, "SELECT site, health FROM site_health")}
    assert health["yunxi-gov"] == "ok" and health["gone"].startswith("unreachable")
    verbose = run_crawler("crawl", "-v", "--sites", str(registry), "--db", str(db), *quick,
                          "yunxi-gov")  # fmt: skip
    assert verbose.returncode == 0, verbose.stderr
    assert "[scrapy.core.engine] INFO: Spider closed (finished)" in verbose.stderr


def test_schedule_list_says_when_the_service_will_crawl(tmp_path: Path, sample_web, crawled: Path):
    registry = tmp_path / "scheduled.toml"
    registry.write_text(
        sample_web.sites_toml(extra={"yunxi-gov": {"schedule": '"every 6h"'},
                                     "qingshan-tz": {"schedule": '"30 2 * * *"'}}),
        encoding="utf-8",
    )  # fmt: skip

    def listing(db: Path) -> dict[str, str]:
        result = run_crawler(
            "schedule", "--sites", str(registry), "--db", str(db), "--list", "--jitter", "0"
        )
        assert result.returncode == 0, result.stderr
        return dict(line.split(None, 1) for line in result.stdout.splitlines())

    fresh = listing(tmp_path / "new.db")
    assert fresh["yunxi-gov"] == (
        "when the service starts (never crawled into new.db), then every 6h from when the "
        "service starts"
    )
    assert fresh["qingshan-tz"].startswith("when the service starts (never crawled into new.db)")
    assert fresh["qingshan-tz"].endswith("02:30:00 CST (by its schedule)")
    assert not (tmp_path / "new.db").exists()
    known = listing(crawled)
    assert known["yunxi-gov"] == (
        "every 6h from when the service starts (the service keeps no time for it yet)"
    )
    assert known["qingshan-tz"].endswith(
        "02:30:00 CST (by its schedule) (the service keeps no time for it yet)"
    )
    assert not Path(f"{crawled}-shm").exists() or Path(f"{crawled}-wal").exists()
