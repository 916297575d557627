"""Families of near-duplicate reposts, and every text seen at a URL."""

from __future__ import annotations

import sqlite_utils

from crawler.archive.families import join_family


def migrate(db: sqlite_utils.Database) -> None:
    # Near-duplicate families: reposts that differ by an editor's note, a dropped paragraph or a
    # corrected figure are separate documents (each with its own hash) linked by family_id.
    db.execute(
        """CREATE TABLE document_families (
            id INTEGER PRIMARY KEY, title TEXT, first_published TEXT, first_site TEXT,
            first_url TEXT, documents INTEGER, sites INTEGER, updated TEXT)"""
    )
    db.execute(
        "ALTER TABLE documents ADD COLUMN family_id INTEGER REFERENCES document_families(id)"
    )
    db.execute("ALTER TABLE documents ADD COLUMN family_similarity REAL")
    db.execute("ALTER TABLE documents ADD COLUMN shingle_samples INTEGER")
    db.execute(
        """CREATE TABLE document_shingles (
            hash INTEGER NOT NULL, document_id INTEGER NOT NULL REFERENCES documents(id))"""
    )
    db["document_shingles"].create_index(["hash"])
    # How many documents have each sampled shingle: the common ones (phrases every summary uses)
    # are left out of the candidate search, which would otherwise read most of the archive.
    db.execute("CREATE TABLE shingle_counts (hash INTEGER PRIMARY KEY, documents INTEGER NOT NULL)")
    db["documents"].create_index(["family_id"])
    # Every text ever seen at a URL: a page whose text changed keeps its old version.
    db.execute(
        """CREATE TABLE url_versions (
            url TEXT NOT NULL, document_id INTEGER NOT NULL REFERENCES documents(id), site TEXT,
            published TEXT, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
            PRIMARY KEY (url, document_id))"""
    )
    db["url_versions"].create_index(["document_id"])
    db.execute(
        """INSERT INTO url_versions (url, document_id, site, published, first_seen, last_seen)
           SELECT url, document_id, site, published, first_seen, last_seen FROM sightings"""
    )
    # The versions view: crawler/archive/views.py.
    for doc_id, body in db.execute("SELECT id, body FROM documents ORDER BY id").fetchall():
        join_family(db, doc_id, body)
