"""Watches: who is told what is new in the archive, through Apprise (e-mail, WeCom/企业微信,
DingTalk, Telegram, ntfy, Slack, a webhook …).

sites.toml may hold ``[[watch]]`` tables::

    [[watch]]
    name = "jiangxi"                       # letters, digits, dashes
    notify = ["wecombot://KEY", "mailto://user:pass@example.org"]
    region = "江西省"                       # optional: documents whose region starts with this
    sites = ["jjxw"]                       # optional: only these sites
    keywords = ["乡贤", "民营经济"]          # optional: in the title or text
    match = "any"                          # any (default) or all of the keywords
    changes = true                         # also texts changed after publication
    archive_url = "https://archive.example.org"   # optional: where the archive is served, for
                                           # the links to what changed (/-/diff?version=N)

After each crawl (``crawler crawl``, and so every scheduled crawl; and each result the writer
writes) every watch gets one message listing what is new for it since its last message. The
archive keeps, per watch, the last document and the last version it was told of, moved on only
when a message went through: nothing is sent twice, and nothing is lost while a target is down
(tried again after the next crawl; each try is a row of watch_deliveries).
"""

from __future__ import annotations

import fcntl
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from crawler.registry.watches import Watch

logger = logging.getLogger("crawler.watches")

SEND_TIMEOUT_S = 30.0  # a crawl waits at most this long for all its watches' targets
MAX_LISTED = 50  # items listed in one message; the rest are counted


@dataclass
class Message:
    watch: Watch
    documents: list[dict] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    # the last document and changed text looked at (wanted or not): where the watch moves to
    through_document: int = 0
    through_version: int = 0
    # why sending failed; None when it went through (or was not sent: a dry run)
    error: str | None = None

    @property
    def delivered(self) -> bool:
        return self.error is None

    @property
    def title(self) -> str:
        parts = []
        if self.documents:
            parts.append(f"{len(self.documents)} 篇新综述 new summaries")
        if self.changes:
            parts.append(f"{len(self.changes)} 处正文改动 changed texts")
        return f"summary-archive · {self.watch.name}: " + ", ".join(parts)

    @property
    def body(self) -> str:
        lines = []
        for label, items in (("新综述 · New", self.documents), ("改动 · Changed", self.changes)):
            if not items:
                continue
            lines.append(label)
            for item in items[:MAX_LISTED]:
                # a change links to what changed (/-/diff), on the archive when the watch names it
                link = item.get("url")
                if item.get("diff"):
                    link = f"{(self.watch.archive_url or '').rstrip('/')}{item['diff']} ({link})"
                lines.append(
                    f"- {item.get('title') or '(no title)'} · {item.get('region') or ''} · "
                    f"{item.get('published') or ''} · {link}"
                )
            if len(items) > MAX_LISTED:
                lines.append(f"… and {len(items) - MAX_LISTED} more")
        return "\n".join(lines)


def pending_messages(archive, watches: list[Watch]) -> list[Message]:
    """What each watch would be sent now: what is new for it since its last message."""
    messages = []
    for watch in watches:
        last_document, last_version = archive.watch_marks(watch.name)
        documents = archive.documents_after(last_document)
        changes = archive.changes_after(last_version) if watch.changes else []
        message = Message(
            watch,
            [d for d in documents if watch.wants(d)],
            [c for c in changes if watch.wants(c)],
            max([last_document, *(d["id"] for d in documents)]),
            max([last_version, *(c["id"] for c in changes)]),
        )
        if message.documents or message.changes:
            messages.append(message)
    return messages


def notify(db_path: str | Path, watches: list[Watch], dry_run: bool = False) -> list[Message]:
    """Send each watch what is new for it (see the module's text); the messages sent (or, with
    ``dry_run``, that would be). One process at a time per archive: another one notifying
    already leaves this one nothing to do until the next crawl."""
    from crawler.archive import Archive

    if not watches:
        return []
    db_path = Path(db_path)
    with Archive(db_path) as archive:
        archive.register_watches(watch.name for watch in watches)
        if dry_run:
            return pending_messages(archive, watches)
        with _notify_lock(db_path) as locked:
            if not locked:
                return []
            messages = pending_messages(archive, watches)
            results = _send_all(messages)
            for message, error in zip(messages, results, strict=True):
                archive.record_delivery(message, error)
                message.error = error
                if error is None:
                    logger.info("watch %s: %s", message.watch.name, message.title)
                else:
                    logger.warning("watch %s: not delivered (%s); tried again next time",
                                   message.watch.name, error)  # fmt: skip
            return messages


def _send_all(messages: list[Message]) -> list[str | None]:
    """Each message through its watch's targets, all at once and for at most SEND_TIMEOUT_S;
    None where every target took it, else the error."""
    results: list[str | None] = ["not sent: the targets did not answer in time"] * len(messages)

    def send(index: int, message: Message) -> None:
        import apprise

        sender = apprise.Apprise()
        for url in message.watch.notify:
            sender.add(url)
        try:
            ok = sender.notify(title=message.title, body=message.body)
        except Exception as exc:  # noqa: BLE001 - a target's failure is recorded, never raised
            results[index] = f"{type(exc).__name__}: {exc}"
            return
        results[index] = None if ok else "a target refused or could not be reached"

    threads = [
        threading.Thread(target=send, args=(i, m), daemon=True) for i, m in enumerate(messages)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(SEND_TIMEOUT_S / max(1, len(threads)))
    return results


class _notify_lock:  # noqa: N801 - used as a context manager
    def __init__(self, db_path: Path):
        self.path = db_path.with_name(db_path.name + ".notify.lock")

    def __enter__(self) -> bool:
        self.handle = self.path.open("a+")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def __exit__(self, *exc) -> None:
        self.handle.close()


def tell_watches(sites_path: str | Path, db_path: str | Path) -> list[Message]:
    """After a crawl: send each watch of the registry what is new; a line per message on the
    log, never an exception (a crawl's result does not depend on its watchers)."""
    from crawler.registry.sites import load_watches

    try:
        return notify(db_path, load_watches(sites_path))
    except Exception as exc:  # noqa: BLE001 - said, recorded by the next try
        logger.warning("watches not told: %s: %s", type(exc).__name__, exc)
        return []
