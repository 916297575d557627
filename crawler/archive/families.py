"""Families of near-duplicate documents: reposts with an editor's note, a dropped paragraph or a
corrected figure are separate documents (each with its own hash) linked by family_id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlite_utils

from crawler.archive.core import utcnow
from crawler.fingerprint import FAMILY_CONTAINMENT, containment, samples, shingles

MAX_SAMPLES = 2000
# Candidates compared shingle by shingle, at most: the best estimates by samples.
FULL_COMPARISONS = 3
# A sampled shingle in more documents than this is too common to find reposts by.
COMMON_SHINGLE = 50
MIN_QUERY = 8


_KNOWN_SHINGLES: dict[str, frozenset[int]] = {}
KNOWN_SHINGLES_KEPT = 512


def _shingles_of(
    content_hash: str, body: Callable[[], str], known: frozenset[int] | None = None
) -> frozenset[int]:
    """A stored document's shingles, kept while this process runs: the same few documents are
    the candidates of many new ones (a site's summaries of one template, a family's reposts).
    Keyed by the content hash, which names the text; its body is read only when not kept."""
    found = _KNOWN_SHINGLES.get(content_hash)
    if found is None:
        if len(_KNOWN_SHINGLES) >= KNOWN_SHINGLES_KEPT:
            _KNOWN_SHINGLES.pop(next(iter(_KNOWN_SHINGLES)))  # the oldest
        found = _KNOWN_SHINGLES[content_hash] = known or frozenset(shingles(body()))
    return found


def _body(db: sqlite_utils.Database, doc_id: int) -> str:
    return db.execute("SELECT body FROM documents WHERE id = ?", [doc_id]).fetchone()[0]


@dataclass
class FamilyMatch:
    """Where a new text belongs: the family of the stored document it most resembles (None: a
    family of its own) and how much of it that document holds; its sampled shingles."""

    family_id: int | None
    similarity: float | None
    samples: list[int]


def find_family(
    db: sqlite_utils.Database, body: str, content_hash: str | None = None
) -> FamilyMatch:
    """The family of the stored document a new text most resembles (containment of shingles at
    least FAMILY_CONTAINMENT). Reads only: the document is written with its family in one
    statement (then :func:`record_family`). With its ``content_hash``, the text's shingles are
    kept for the documents that come after it."""
    own = frozenset(shingles(body))
    if content_hash is not None:
        _shingles_of(content_hash, lambda: body, own)
    # At most MAX_SAMPLES, the smallest hashes: the same choice for the same text, and few
    # enough for SQLite's limit on bound variables even for a book-length page.
    kept = sorted(samples(own))[:MAX_SAMPLES]
    best_family, best_score = None, 0.0
    if kept:
        marks = ", ".join("?" for _ in kept)
        common = dict(
            db.execute(
                f"SELECT hash, documents FROM shingle_counts WHERE hash IN ({marks})", kept
            ).fetchall()
        )
        query = [h for h in kept if common.get(h, 0) <= COMMON_SHINGLE]
        if len(query) < MIN_QUERY:  # a text of common phrases only: its rarest ones
            query = sorted(kept, key=lambda h: common.get(h, 0))[:MIN_QUERY]
        candidates = db.execute(
            f"""SELECT s.document_id, COUNT(*) AS shared
                FROM document_shingles s WHERE s.hash IN ({", ".join("?" for _ in query)})
                GROUP BY s.document_id ORDER BY shared DESC LIMIT 20""",
            query,
        ).fetchall()
        facts = (
            {
                row[0]: row[1:]
                for row in db.execute(
                    "SELECT id, family_id, shingle_samples, content_hash FROM documents WHERE id IN "
                    f"({', '.join('?' for _ in candidates)})",
                    [other for other, _shared in candidates],
                )
            }
            if candidates
            else {}
        )
        # The samples estimate the containment; the plausible candidates (with a wide margin: few
        # samples make a noisy estimate) are compared in full, the best estimates first, and no
        # more than FULL_COMPARISONS of them (a template's hundred copies are all plausible).
        ranked = []
        for other, shared in candidates:
            if shared < 2 and len(query) > 2:
                break
            if other not in facts or facts[other][2] == content_hash:
                continue  # the text itself, stored again (a migration joins stored documents)
            family_id, other_samples, other_hash = facts[other]
            estimate = shared / max(1, min(len(query), other_samples or len(query)))
            if estimate >= FAMILY_CONTAINMENT / 2:
                ranked.append((-estimate, other, family_id, other_hash))
        for _estimate, other, family_id, other_hash in sorted(ranked)[:FULL_COMPARISONS]:
            score = containment(own, _shingles_of(other_hash, lambda o=other: _body(db, o)))
            if score > best_score:
                best_family, best_score = family_id, score
    if best_family is None or best_score < FAMILY_CONTAINMENT:
        return FamilyMatch(None, None, kept)
    return FamilyMatch(best_family, round(best_score, 3), kept)


def new_family(db: sqlite_utils.Database) -> int:
    return db.execute("INSERT INTO document_families (updated) VALUES (?)", [utcnow()]).lastrowid


def record_family(db: sqlite_utils.Database, doc_id: int, kept: list[int]) -> None:
    """A new document's sampled shingles (what later texts find it by). The family's first
    publication and counts are the caller's to refresh once the document's URL versions are in
    (:func:`refresh_family`)."""
    if kept:
        db.execute(
            "INSERT INTO shingle_counts (hash, documents) VALUES "
            + ", ".join("(?, 1)" for _ in kept)
            + " ON CONFLICT (hash) DO UPDATE SET documents = documents + 1",
            kept,
        )
        db.execute(
            "INSERT INTO document_shingles (hash, document_id) VALUES "
            + ", ".join("(?, ?)" for _ in kept),
            [value for pair in ((h, doc_id) for h in kept) for value in pair],
        )


def join_family(
    db: sqlite_utils.Database, doc_id: int, body: str, content_hash: str | None = None
) -> int:
    """Link a stored document without a family to the family of the document it most resembles,
    or start a family; returns the family id (the migration that brought families uses it)."""
    match = find_family(db, body, content_hash)
    family_id = match.family_id or new_family(db)
    db.execute(
        "UPDATE documents SET family_id = ?, family_similarity = ?, shingle_samples = ? WHERE id = ?",
        [family_id, match.similarity, len(match.samples), doc_id],
    )
    record_family(db, doc_id, match.samples)
    refresh_family(db, family_id)
    return family_id


def refresh_family(db: sqlite_utils.Database, family_id: int | None) -> None:
    """A family's first publication (earliest date of any version at any URL, the site and URL
    that had it) and its counts."""
    if family_id is None:
        return
    first = db.execute(
        """SELECT d.title, COALESCE(v.published, d.published), v.site, v.url
           FROM url_versions v JOIN documents d ON d.id = v.document_id
           WHERE d.family_id = ?
           ORDER BY COALESCE(v.published, d.published) IS NULL, COALESCE(v.published, d.published), v.first_seen
           LIMIT 1""",
        [family_id],
    ).fetchone()
    counts = db.execute(
        """SELECT COUNT(DISTINCT d.id), COUNT(DISTINCT v.site)
           FROM documents d LEFT JOIN url_versions v ON v.document_id = d.id WHERE d.family_id = ?""",
        [family_id],
    ).fetchone()
    title, published, site, url = first if first else (None, None, None, None)
    db.execute(
        """UPDATE document_families SET title = ?, first_published = ?, first_site = ?, first_url = ?,
           documents = ?, sites = ?, updated = ? WHERE id = ?""",
        [title, published, site, url, counts[0], counts[1], utcnow(), family_id],
    )
