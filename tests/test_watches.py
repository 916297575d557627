"""Watches: after each crawl, one message per watch to a real local HTTP receiver through
Apprise's json:// target, with the right entries only, nothing twice (also across a restart),
and a receiver that was down gets its message after the next crawl."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import FAST, rows, run_crawler

from crawler.demo.sites import load_articles


class Receiver:
    """A webhook on loopback that keeps what it is sent."""

    def __init__(self, port: int = 0):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                received.append(json.loads(self.rfile.read(length) or b"{}"))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def watch_block(port: int) -> str:
    return (
        f'\n[[watch]]\nname = "linjiang"\nnotify = "json://127.0.0.1:{port}/hook"\n'
        'region = "临江市"\nsites = ["linjiang-news", "qingshan-tz"]\nchanges = true\n'
        f'\n[[watch]]\nname = "xiangxian"\nnotify = ["json://127.0.0.1:{port}/words"]\n'
        'keywords = ["乡贤", "侨"]\nmatch = "all"\n'
    )


def crawl(sites: Path, db: Path, *site_ids: str):
    result = run_crawler("crawl", "--sites", str(sites), "--db", str(db), *FAST, *site_ids)
    assert result.returncode == 0, result.stderr
    return result


def test_each_watch_is_told_once_what_is_new_for_it(tmp_path: Path, sample_web):
    receiver = Receiver()
    sites = tmp_path / "sites.toml"
    sites.write_text(sample_web.sites_toml() + watch_block(receiver.port), encoding="utf-8")
    db = tmp_path / "archive.db"
    try:
        crawl(sites, db)
        by_watch = {m["title"].split(":")[0]: m for m in receiver.received}
        assert len(receiver.received) == 2, receiver.received
        linjiang = by_watch["summary-archive · linjiang"]["message"]
        titles = {r["title"]: r for r in rows(db, "SELECT title, region, site FROM documents")}
        for title, document in titles.items():
            wanted = document["region"].startswith("临江市") and document["site"] != "yunxi-gov"
            assert (title in linjiang) is wanted, (title, linjiang)
        words = by_watch["summary-archive · xiangxian"]["message"]
        assert "侨心汇聚添动能" in words and "同心聚力谱新篇" not in words
        # nothing new: nothing sent, also by a new process (the archive remembers)
        crawl(sites, db)
        assert len(receiver.received) == 2
    finally:
        receiver.stop()
    # the receiver is down while a new summary comes: the failure is recorded, nothing is lost
    sample_web["linjiang-news"].publish("tongzhan", load_articles()["lj-halfyear-2023"])
    told = crawl(sites, db, "linjiang-news").stderr
    assert "told watch linjiang" not in told, "a message that did not go is not said to have gone"
    assert "watch linjiang not told (tried again after the next crawl)" in told
    failed = rows(db, "SELECT watch, status, error FROM watch_deliveries WHERE status = 'failed'")
    assert [f["watch"] for f in failed] == ["linjiang"], failed
    again = Receiver(receiver.port)
    try:
        owed = crawl(sites, db, "linjiang-news")  # nothing new on the site; the owed message goes
        assert "told watch linjiang" in owed.stderr
        assert len(again.received) == 1, again.received
        assert "上半年" in again.received[0]["message"]
        crawl(sites, db, "linjiang-news")
        assert len(again.received) == 1, "sent once"
    finally:
        again.stop()
    dry = run_crawler("notify", "--sites", str(sites), "--db", str(db), "--dry-run")
    assert dry.returncode == 0 and "nothing new for any watch" in dry.stderr


@pytest.mark.parametrize(
    ("block", "said"),
    [
        ('[[watch]]\nname = "w"\nnotify = "nonsense://x"\n', "watch #1 'w': key 'notify'"),
        ('[[watch]]\nname = "w"\nnotify = "json://127.0.0.1/h"\nsites = ["nosuch"]\n',
         "watch #1 'w': key 'sites': unknown site id 'nosuch'"),
    ],
)  # fmt: skip
def test_a_watch_with_a_mistake_is_refused_before_any_crawl(tmp_path, sample_web, block, said):
    sites = tmp_path / "sites.toml"
    sites.write_text(sample_web.sites_toml() + "\n" + block, encoding="utf-8")
    result = run_crawler("crawl", "--sites", str(sites), "--db", str(tmp_path / "a.db"), *FAST)
    assert result.returncode == 2 and said in result.stderr, result.stderr
    assert not (tmp_path / "a.db").exists()
    assert sample_web["linjiang-news"].paths_requested() == []
