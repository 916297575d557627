"""The house rules of the code base, checked: one room per concern (SQL only in crawler/archive/,
one command-line framework), no import cycle, no module grown past 400 lines."""

from __future__ import annotations

import ast
import re
from pathlib import Path

CRAWLER = Path(__file__).resolve().parent.parent / "crawler"
MAX_LINES = 400
# Datasette's own reads of the archive are SQL by nature (views, facets, charts).
SQL_ALLOWED = ("archive/", "datasette/")
SQL = re.compile(r"\.execute(many)?\(|\.query\(|\bdb\[\"|\.conn\.")


def modules() -> dict[str, Path]:
    found = {}
    for path in CRAWLER.rglob("*.py"):
        parts = list(path.relative_to(CRAWLER.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The crawler modules a module imports, at any depth of its code (lazy imports count too),
    except those only for type checking."""
    found: set[str] = set()
    tree = ast.parse(path.read_text("utf-8"))
    checking_only = {
        id(node)
        for stmt in ast.walk(tree)
        if isinstance(stmt, ast.If) and "TYPE_CHECKING" in ast.unparse(stmt.test)
        for node in ast.walk(stmt)
    }
    for node in ast.walk(tree):
        if id(node) in checking_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("crawler"):
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {module for module in found if module in known and module != name}


def test_no_import_cycle():
    known = modules()
    graph = {name: imports_of(name, path, known) for name, path in known.items()}
    # a package importing its own modules is how packages are made, not a cycle
    for name in graph:
        graph[name] = {dep for dep in graph[name] if not dep.startswith(name + ".")}
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycles.append(trail[trail.index(dep) :] + [dep])
            elif dep not in state:
                visit(dep, trail + [dep])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_no_module_over_the_limit():
    long = {
        str(path.relative_to(CRAWLER)): n
        for path in CRAWLER.rglob("*.py")
        if (n := len(path.read_text("utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_only_the_archive_runs_sql_on_it():
    outside = [
        f"{path.relative_to(CRAWLER)}:{number}"
        for path in CRAWLER.rglob("*.py")
        if not str(path.relative_to(CRAWLER)).startswith(SQL_ALLOWED)
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if SQL.search(line)
    ]
    assert outside == []


def test_one_command_line_framework():
    assert [
        str(path.relative_to(CRAWLER))
        for path in CRAWLER.rglob("*.py")
        if re.search(r"^\s*import argparse|^\s*from argparse", path.read_text("utf-8"), re.M)
    ] == []
