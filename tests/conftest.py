"""Shared fixtures: the sample web on loopback, and the real CLI run as a subprocess."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.demo.sites import build_sample_web

# Tests lower the politeness delays, as the settings allow; everything else is the real crawl.
FAST = [
    "-s", "DOWNLOAD_DELAY=0",
    "-s", "AUTOTHROTTLE_ENABLED=False",
    "-s", "LOG_LEVEL=WARNING",
    "-s", "RETRY_BACKOFF_BASE=0.1",
]  # fmt: skip


# A crawl of the hostile site (crawler/demo/hostile.py): short timeouts and size limits, so that
# every failure kind shows within seconds, and anti-bot answers that do not end the site's crawl.
HOSTILE_SETTINGS = [
    *FAST,
    "-s", "DOWNLOAD_TIMEOUT=1.5",
    "-s", "DOWNLOAD_MAXSIZE=1048576",
    "-s", "RETRY_TIMES=2",
    "-s", "RETRY_BACKOFF_BASE=0.3",
    "-s", "ARCHIVE_BLOCKED_LIMIT=10",
]  # fmt: skip


def run_crawler(
    *args: str, cwd: Path | None = None, timeout: float = 180
) -> subprocess.CompletedProcess:
    """`python -m crawler ARGS` in a process of its own, as a user would run it: forked from the
    worker's zygote (tests/zygote.py: the imports done once), or started cold when there is none
    or CRAWLER_TESTS_COLD=1."""
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    command = [sys.executable, "-m", "crawler", *args]
    zygote = _zygote()
    if zygote is not None:
        done = _run_forked(zygote, command, env, cwd, timeout)
        if done is not None:
            return done
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=env)  # fmt: skip


_ZYGOTE: list = []  # [socket path] once started, [None] when it could not be


def _zygote() -> str | None:
    if os.environ.get("CRAWLER_TESTS_COLD"):
        return None
    if not _ZYGOTE:
        import atexit
        import shutil
        import tempfile

        folder = tempfile.mkdtemp(prefix="crawler-zygote-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        path = os.path.join(folder, "socket")
        process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("zygote.py")), path],
            stdout=subprocess.PIPE, env=dict(os.environ, PYTHONWARNINGS="ignore"),
        )  # fmt: skip
        ready = process.stdout.readline().strip() == b"ready"
        atexit.register(process.kill)
        _ZYGOTE.append(path if ready else None)
    return _ZYGOTE[0]


def _run_forked(path: str, command: list[str], env: dict, cwd, timeout: float):
    """The command forked from the zygote at ``path``; None when the zygote cannot be reached."""
    import json
    import signal
    import socket
    import tempfile
    import time

    with tempfile.TemporaryDirectory(prefix="crawler-run-") as folder:
        out, err = os.path.join(folder, "stdout"), os.path.join(folder, "stderr")
        request = {"argv": command[3:], "env": env, "cwd": str(cwd or os.getcwd()),
                   "stdout": out, "stderr": err}  # fmt: skip
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            connection.connect(path)
            connection.sendall(json.dumps(request).encode() + b"\n")
        except OSError:
            connection.close()
            return None
        pid = code = None
        received, deadline = b"", time.monotonic() + timeout
        with connection:
            while True:
                connection.settimeout(max(0.01, deadline - time.monotonic()))
                try:
                    chunk = connection.recv(4096)
                except TimeoutError:
                    if pid is not None:
                        os.kill(pid, signal.SIGKILL)
                    raise subprocess.TimeoutExpired(command, timeout) from None
                if not chunk:
                    break
                received += chunk
                for line in received.decode().splitlines():
                    word, _, number = line.partition(" ")
                    if word == "pid":
                        pid = int(number)
                    elif word == "exit":
                        code = int(number)
        if pid is None:
            return None  # the zygote refused the request: run cold
        if code is None:
            code = -signal.SIGKILL  # ended by a signal before it could say

        def read(name: str) -> str:
            text = Path(name).read_text("utf-8", errors="replace") if os.path.exists(name) else ""
            return text.replace("\r\n", "\n").replace("\r", "\n")

        return subprocess.CompletedProcess(command, code, read(out), read(err))


SHARED_DIR = Path(__file__).resolve().parent.parent.parent / "shared"
SEEDS_DIR = SHARED_DIR / "seeds"
REALPAGES_DIR = SHARED_DIR / "realpages"
# Material beside the checkout (CI has it; a user's clone does not): tests that read it are skipped
# with this reason when it is absent, and every other test runs.
needs_shared = pytest.mark.skipif(
    not SHARED_DIR.is_dir(),
    reason=f"needs {SHARED_DIR} (real seeds and pages beside the checkout, as in CI); "
    "a user's clone has none",
)


def seed_files() -> list[Path]:
    """The five real summaries in ../shared/seeds (beside the checkout, as in CI); an empty list
    when the shared folder is absent (tests that need them carry ``needs_shared``)."""
    if not SHARED_DIR.is_dir():
        return []
    seeds = sorted(SEEDS_DIR.glob("*.txt"))
    assert len(seeds) == 5, (
        f"expected the 5 seed summaries in {SEEDS_DIR} (the shared folder beside the checkout)"
    )
    return seeds


def rows(db: Path, sql: str, params: tuple = ()) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(sql, params)]
    finally:
        conn.close()


# Modules whose tests share a crawl made once for the module (module-scoped fixtures): under
# pytest-xdist each of them runs in one test process, which makes that crawl once; every other
# test goes to whichever process is free. (xdist's own --dist loadgroup does not group tests
# under pytest 9: it renames items through an attribute pytest no longer reads.)
SHARED_MODULES = ("tests/test_bad_input.py", "tests/test_attachments.py", "tests/test_browser.py")


@pytest.hookimpl(optionalhook=True)
def pytest_configure(config) -> None:
    """The tests start hundreds of real processes (`python -m crawler …`, the scheduler, workers),
    each importing the package. With PYTHONDONTWRITEBYTECODE set, as on the CI machines, none of
    its modules would be cached and every process would compile a hundred of them again (about
    0.25 s of CPU each): they are compiled once here, as a first import by a user would."""
    if hasattr(config, "workerinput"):
        return  # the controller has done it before starting the workers
    import compileall

    compileall.compile_dir(str(Path(__file__).resolve().parent.parent / "crawler"), quiet=2)


# Under pytest-xdist the slowest tests (real schedulers, workers, Redis and Chromium, a minute of
# waiting each on a loaded machine) are handed out first, so that the run does not end with one
# process finishing a long test while the others have nothing left: slowest modules first, as
# measured with --durations; within a module, in file order.
SLOW_FIRST = (
    "tests/test_distributed.py",
    "tests/test_broker_faults.py",
    "tests/test_docs.py",
    "tests/test_hardening.py",
    "tests/test_challenges.py",
    "tests/test_browser_safety.py",
    "tests/test_faults.py",
    "tests/test_many_sites.py",
    "tests/test_scheduler.py",
    "tests/test_cli.py",
    "tests/test_crawl.py",
    "tests/test_recheck.py",
    "tests/test_govfiles.py",
    "tests/test_datasette.py",
)


def pytest_collection_modifyitems(config, items) -> None:
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return  # one process: the order of the files
    rank = {module: place for place, module in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class SharedModulesTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module in SHARED_MODULES else nodeid

    return SharedModulesTogether(config, log)


class SharedCrawl:
    """The sample web, started once for a test process, and one crawl of it: its archive and the
    requests it made. Tests that only read a crawl of the unchanged sample web (or crawl it again
    into their own copy) take it through ``crawled`` instead of starting and crawling their own."""

    def __init__(self, folder: Path):
        self.web = build_sample_web().start()
        sites = folder / "sites.toml"
        sites.write_text(self.web.sites_toml(), encoding="utf-8")
        self.db = folder / "archive.db"
        result = run_crawler("crawl", "--sites", str(sites), "--db", str(self.db), *FAST)
        assert result.returncode == 0, result.stderr
        self.requests = {site.id: list(site.requests) for site in self.web.sites.values()}

    def web_as_crawled(self):
        """The web with its request logs as the crawl left them (later tests' requests cleared)."""
        for site in self.web.sites.values():
            site.clear_log()
            site.requests.extend(self.requests[site.id])
        return self.web


@pytest.fixture(scope="session")
def shared_crawl(tmp_path_factory: pytest.TempPathFactory):
    shared = SharedCrawl(tmp_path_factory.mktemp("shared-crawl"))
    yield shared
    shared.web.stop()


def _shares_the_crawl(request: pytest.FixtureRequest) -> bool:
    """A test that takes ``crawled`` shares one crawl of the sample web, unless it changes that web
    (marked ``own_sample_web``)."""
    return "crawled" in request.fixturenames and not request.node.get_closest_marker(
        "own_sample_web"
    )


@pytest.fixture
def sample_web(request: pytest.FixtureRequest):
    if _shares_the_crawl(request):
        yield request.getfixturevalue("shared_crawl").web_as_crawled()
        return
    web = build_sample_web().start()
    yield web
    web.stop()


@pytest.fixture
def sites_file(tmp_path: Path, sample_web) -> Path:
    path = tmp_path / "sites.toml"
    path.write_text(sample_web.sites_toml(), encoding="utf-8")
    return path


@pytest.fixture
def crawled(request: pytest.FixtureRequest, tmp_path: Path, sample_web, sites_file: Path) -> Path:
    """An archive made by one real crawl of the sample web: this test's own copy of the crawl
    shared by the tests of this process (``sample_web`` is then the web it crawled, its request
    logs as that crawl left them), or a crawl of its own for a test marked ``own_sample_web``."""
    if _shares_the_crawl(request):
        return copy_archive(request.getfixturevalue("shared_crawl").db, tmp_path)
    db = tmp_path / "archive.db"
    result = run_crawler("crawl", "--sites", str(sites_file), "--db", str(db), *FAST)
    assert result.returncode == 0, result.stderr
    return db


def copy_archive(db: Path, folder: Path) -> Path:
    """A copy of a closed archive in ``folder``: its SQLite file (with any -wal/-shm beside it) and
    its WARC folder, as a crawl left them; for tests that share one crawl and change what it made."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in db.parent.glob(db.name + "*"):
        shutil.copyfile(path, folder / path.name)
    warc = db.parent / f"{db.stem}-warc"
    if warc.is_dir():
        shutil.copytree(warc, folder / warc.name)
    return folder / db.name


def placed_articles(web) -> list:
    """Every article the sample web serves, one entry per page (a repost counts on each site)."""
    return [
        article
        for site in web.sites.values()
        for _column, items in site.columns.values()
        for article in items
    ]


# Columns that say when, or which process, rather than what: left out when two archives made by
# different paths (one machine, workers + writer) are compared row by row.
_WHEN = {
    "first_seen", "last_seen", "last_fetched", "at", "first_failed", "last_failed", "retry_after",
    "started", "finished", "updated", "duration_s", "write_s", "pid", "log_path", "job_id",
    "worker", "warc_offset", "id",
}  # fmt: skip


def comparable_rows(db: Path, ignore: tuple[str, ...] = ()) -> dict[str, list[tuple]]:
    """Every row of the archive's tables, sorted, with ids replaced by what they stand for (a
    document by its content hash, a run by its sites, a family by its documents' hashes) and the
    times and process facts left out; a WARC place as whether there is one. ``ignore``: more
    columns to leave out."""
    hashes = {
        r["id"]: r["content_hash"] for r in rows(db, "SELECT id, content_hash FROM documents")
    }
    runs = {r["id"]: r["sites"] for r in rows(db, "SELECT id, sites FROM crawl_runs")}
    families: dict[int, list[str]] = {}
    for r in rows(db, "SELECT family_id, content_hash FROM documents"):
        families.setdefault(r["family_id"], []).append(r["content_hash"])

    def plain(table: str, row: dict) -> tuple:
        out = {}
        for key, value in row.items():
            if key in _WHEN or key in ignore:
                continue
            if key in ("document_id", "superseded_by", "version_of"):
                value = hashes.get(value)
            elif key == "run_id":
                value = runs.get(value)
            elif key == "family_id":
                value = tuple(sorted(families.get(value, ())))
            elif key == "warc_file":
                value = value is not None
            elif key in ("column_walked", "gone", "superseded_at"):  # when: whether there is one
                value = value is not None
            out[key] = value
        if table == "documents":
            out["sighted_at"] = tuple(
                sorted(s["url"] for s in rows(db, "SELECT url FROM sightings WHERE document_id = ?",
                                              (row["id"],)))
            )  # fmt: skip
        if table == "document_families":
            out["documents"] = tuple(sorted(families.get(row["id"], ())))
        return tuple(sorted((k, repr(v)) for k, v in out.items()))

    tables = (
        "sites", "pages", "documents", "sightings", "url_versions", "crawl_errors", "failed_urls",
        "crawl_runs", "crawl_run_sites", "document_families",
    )  # fmt: skip
    return {
        table: sorted(plain(table, row) for row in rows(db, f"SELECT * FROM {table}"))
        for table in tables
    }
