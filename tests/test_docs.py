"""Docs that cannot rot: the shell examples of README.md and docs/ marked ```bash offline``` run
against the sample sites, and every option a `crawler` command is shown with in the docs exists
in that command's --help."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from crawler.demo.registry import write_demo_registry

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# The order the offline examples run in: the crawl first, then what reads its archive.
RUN_ORDER = ["registry-and-discovery.md", "scheduler.md", "warc.md"]
BLOCK = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```", re.M | re.S)


def blocks(page: Path, tag: str | None = None) -> list[str]:
    return [
        body for language, info, body in BLOCK.findall(page.read_text("utf-8"))
        if tag is None or (language == "bash" and tag in info.split())
    ]  # fmt: skip


@cache
def help_text(command: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "crawler", *([command] if command else []), "--help"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, f"crawler {command}: {result.stderr}"
    return result.stdout


def commands_named(text: str) -> list[tuple[str, str]]:
    """(command, option) for each option given to `crawler COMMAND` or `scheduler.py`."""
    commands = {
        line.split()[0] for line in help_text("").split("Commands:")[1].splitlines() if line.strip()
    }
    found = []
    for match in re.finditer(r"(?:\bcrawler|scheduler\.py)\s+([a-z-]+)?([^`\n|]*)", text):
        name = "schedule" if match.group(0).startswith("scheduler.py") else match.group(1)
        rest = match.group(2) if name != "schedule" or match.group(1) is None else (
            (match.group(1) or "") + match.group(2)
        )  # fmt: skip
        if name not in commands:
            continue
        found += [(name, option) for option in re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", rest)]
    return found


def test_help_lists_the_commands():
    assert "crawl" in help_text("") and "writer" in help_text("")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_option_the_docs_name_exists(page: Path):
    named = commands_named(page.read_text("utf-8"))
    missing = [f"crawler {c} {o}" for c, o in named if o not in help_text(c)]
    assert missing == []


def test_the_docs_offline_examples_run_against_the_sample_sites(tmp_path: Path, sample_web):
    write_demo_registry(sample_web, tmp_path)  # as `crawler demo` writes it
    env = dict(
        os.environ,
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        PYTHONWARNINGS="ignore",
    )
    pages = sorted(PAGES, key=lambda p: RUN_ORDER.index(p.name) if p.name in RUN_ORDER else 99)
    ran = 0
    for page in pages:
        for body in blocks(page, "offline"):
            result = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", body], cwd=tmp_path, env=env,
                capture_output=True, text=True, timeout=300,
            )  # fmt: skip
            assert result.returncode == 0, f"{page.name}:\n{body}\n{result.stderr[-2000:]}"
            assert "Traceback" not in result.stderr, result.stderr
            ran += 1
    assert ran >= 3, "the docs keep offline examples"
    report = (tmp_path / "report.json").read_text("utf-8")
    assert "qingshan-tz" in report or "summaries" in report


def test_the_registry_error_the_docs_show_is_the_one_the_program_prints(tmp_path: Path):
    from crawler.registry.sites import SitesError, load_sites

    shown = re.search(r"`(sites\.toml: site #2 'czxww'[^`]*)`",
                      (ROOT / "docs" / "registry-and-discovery.md").read_text("utf-8"))  # fmt: skip
    assert shown, "the docs show a registry error"
    registry = tmp_path / "sites.toml"
    registry.write_text(
        '[[site]]\nid = "jjxw"\nname = "九江新闻网"\nregion = "江西省九江市"\n'
        'start_urls = ["https://www.jjxw.cn/"]\n\n'
        '[[site]]\nid = "czxww"\nname = "郴州新闻网"\nregion = "湖南省郴州市"\n'
        'start_urls = ["https://www.czxww.cn/"]\nschedule = "hourly"\n',
        encoding="utf-8",
    )
    with pytest.raises(SitesError) as error:
        load_sites(registry)
    assert str(error.value).replace(str(registry), "sites.toml") == shown.group(1)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_code_fence_is_closed_on_a_line_of_its_own(page: Path):
    """A closing fence with text after it (```` ``` The crawler… ````) does not close the block:
    the rest of the page would render as code."""
    opened = None
    for number, line in enumerate(page.read_text("utf-8").splitlines(), start=1):
        if not line.startswith("```"):
            continue
        if opened is None:
            opened = number
        else:
            assert line.rstrip() == "```", (
                f"{page.name}:{number}: fence of line {opened} not closed"
            )
            opened = None
    assert opened is None, f"{page.name}: the fence of line {opened} is never closed"
