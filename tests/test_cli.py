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
    assert set(data) == {"title", "published", "source", "body", "encoding", "is_summary", "reason"}


def test_extract_of_a_binary_file_says_so(tmp_path: Path):
    pdf = tmp_path / "a.html"
    pdf.write_bytes(b"%PDF-1.4\n\x00\x01binary")
    result = run_crawler("extract", str(pdf))
    assert result.returncode == 1
    assert "binary data, not an HTML page" in result.stderr


def run_demo(folder: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "crawler", "demo", "--no-serve", "--db", "demo.db"]
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=300)


def test_demo_crawls_the_sample_sites_and_refuses_a_real_archive(tmp_path: Path):
    result = run_demo(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Archive: 4 documents, 5 sightings" in result.stderr
    assert len(rows(tmp_path / "demo.db", "SELECT id FROM documents")) == 4
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
    assert result.returncode == 1
    assert "already holds a real archive (sites: jjxw)" in result.stderr
