"""What changed: a page (/-/diff) that shows, character by character, how a text at a URL changed
from one version to the next (?version=ID, a url_versions row), or what each repost of a family
added or left out against its first publication (?family=ID). Chinese has no spaces between
words, so texts are compared by paragraph, then within a changed paragraph by character;
unchanged paragraphs are folded."""

from __future__ import annotations

from difflib import SequenceMatcher

from datasette.utils.asgi import Response
from markupsafe import Markup, escape

FOLD_AFTER = 2  # runs of more unchanged paragraphs than this are folded


def diff_html(old: str, new: str) -> Markup:
    """The two texts as one, deletions in <del>, insertions in <ins>, unchanged paragraphs
    folded under one line."""
    before = [p for p in old.split("\n") if p.strip()]
    after = [p for p in new.split("\n") if p.strip()]
    parts: list[str] = []
    matcher = SequenceMatcher(None, before, after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            same = [f"<p>{escape(p)}</p>" for p in before[a1:a2]]
            if len(same) > FOLD_AFTER:
                parts.append(
                    f'<details class="same"><summary>{len(same)} 段未改动 · {len(same)} '
                    f"unchanged paragraphs</summary>{''.join(same)}</details>"
                )
            else:
                parts.extend(same)
            continue
        olds, news = before[a1:a2], after[b1:b2]
        for index in range(max(len(olds), len(news))):
            if index < len(olds) and index < len(news):
                parts.append(f'<p class="changed">{_chars(olds[index], news[index])}</p>')
            elif index < len(olds):
                parts.append(f'<p class="deleted"><del>{escape(olds[index])}</del></p>')
            else:
                parts.append(f'<p class="inserted"><ins>{escape(news[index])}</ins></p>')
    return Markup("".join(parts))


def _chars(old: str, new: str) -> str:
    out = []
    for op, a1, a2, b1, b2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(str(escape(old[a1:a2])))
            continue
        if a2 > a1:
            out.append(f"<del>{escape(old[a1:a2])}</del>")
        if b2 > b1:
            out.append(f"<ins>{escape(new[b1:b2])}</ins>")
    return "".join(out)


async def diff_page(datasette, request):
    """/-/diff?url=URL (every change at a URL), ?version=ID (one change) or ?family=ID (what
    reposts changed) on the archive being served."""
    for name, database in datasette.databases.items():
        if await database.table_exists("url_versions") and await database.table_exists("documents"):
            await datasette.ensure_permissions(
                request.actor, ["view-instance", ("view-database", name)]
            )
            comparisons = await _comparisons(database, request.args)
            if comparisons is None:
                return Response.html(
                    "<p>没有这个版本或家族 · No such version or family.</p>", status=404
                )
            return Response.html(
                await datasette.render_template(
                    "summary_archive_diff.html",
                    {"comparisons": comparisons, "database": name},
                    request=request,
                )
            )
    return Response.html("<p>No archive is being served.</p>", status=404)


_VERSIONS = (
    "SELECT v.rowid AS id, v.url, v.first_seen, d.id AS document, d.title, d.body "
    "FROM url_versions v JOIN documents d ON d.id = v.document_id WHERE v.url = ? "
    "ORDER BY v.first_seen, v.rowid"
)


async def _comparisons(database, args) -> list[dict] | None:
    version, family, url = args.get("version"), args.get("family"), args.get("url")
    if url:  # every change at the URL, one after another
        rows = [dict(row) for row in (await database.execute(_VERSIONS, [url])).rows]
        if not rows:
            return None
        if len(rows) == 1:
            return [_compare(rows[0], rows[0], f"{url}: one version, nothing changed")]
        return [
            _compare(old, new, f"{url}: {_when(old)} → {_when(new)}")
            for old, new in zip(rows, rows[1:], strict=False)
        ]
    if version and version.isdigit():
        rows = (
            await database.execute(
                "SELECT v.rowid AS id, v.url, v.first_seen, d.id AS document, d.title, d.body "
                "FROM url_versions v JOIN documents d ON d.id = v.document_id WHERE v.rowid = ?",
                [int(version)],
            )
        ).rows
        if not rows:
            return None
        new = dict(rows[0])
        previous = (
            await database.execute(
                "SELECT v.rowid AS id, v.url, v.first_seen, d.id AS document, d.title, d.body "
                "FROM url_versions v JOIN documents d ON d.id = v.document_id WHERE v.url = ? "
                "AND (v.first_seen < ? OR (v.first_seen = ? AND v.rowid < ?)) "
                "ORDER BY v.first_seen DESC, v.rowid DESC LIMIT 1",
                [new["url"], new["first_seen"], new["first_seen"], new["id"]],
            )
        ).rows
        if not previous:
            return [_compare(new, new, "the first version at this URL: nothing before it")]
        old = dict(previous[0])
        return [_compare(old, new, f"{new['url']}: {_when(old)} → {_when(new)}")]
    if family and family.isdigit():
        rows = (
            await database.execute(
                "SELECT d.id AS document, d.title, d.body, d.published, d.url, d.first_seen, "
                "s.name AS site FROM documents d LEFT JOIN sites s ON s.id = d.site "
                "WHERE d.family_id = ? ORDER BY d.published IS NULL, d.published, d.first_seen",
                [int(family)],
            )
        ).rows
        if not rows:
            return None
        first = dict(rows[0])
        return (
            [
                _compare(
                    first,
                    dict(row),
                    f"{row['site']} {row['published'] or ''} {row['url']} "
                    f"against the first publication ({first['site']} {first['published'] or ''})",
                )  # fmt: skip
                for row in rows[1:]
            ]
            or [
                _compare(
                    first,
                    first,
                    "这个家族只有一个文本，无可比较 · a family of one text: nothing to compare",
                )
            ]
        )
    return None


def _when(version: dict) -> str:
    """When a version was first seen, in China time (the archive stores UTC)."""
    from crawler.datasette.labels import china_time_text

    return china_time_text(version["first_seen"])


def _compare(old: dict, new: dict, label: str) -> dict:
    return {
        "label": label,
        "old": old,
        "new": new,
        "html": diff_html(old["body"], new["body"]),
        "inserted": sum(len(p) for p in _changed(old["body"], new["body"], "insert")),
        "deleted": sum(len(p) for p in _changed(old["body"], new["body"], "delete")),
    }


def _changed(old: str, new: str, kind: str) -> list[str]:
    found = []
    for op, a1, a2, b1, b2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op in ("replace", kind):
            found.append(new[b1:b2] if kind == "insert" else old[a1:a2])
    return found
