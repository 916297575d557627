"""The first archive: sites, documents, sightings, runs, pages and errors."""

from __future__ import annotations

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE sites (
            id TEXT PRIMARY KEY, name TEXT NOT NULL, region TEXT, start_urls TEXT,
            allowed_domains TEXT, schedule TEXT, enabled INTEGER, updated TEXT)"""
    )
    db.execute(
        """CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            content_hash TEXT NOT NULL UNIQUE,
            title TEXT, body TEXT NOT NULL, published TEXT, year INTEGER, source TEXT,
            site TEXT REFERENCES sites(id), region TEXT, url TEXT NOT NULL, chars INTEGER,
            first_seen TEXT NOT NULL, last_seen TEXT NOT NULL)"""
    )
    db.execute(
        """CREATE TABLE sightings (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id),
            url TEXT NOT NULL UNIQUE, site TEXT REFERENCES sites(id),
            title TEXT, published TEXT, source TEXT,
            first_seen TEXT NOT NULL, last_seen TEXT NOT NULL)"""
    )
    db.execute(
        """CREATE TABLE crawl_runs (
            id INTEGER PRIMARY KEY, started TEXT NOT NULL, finished TEXT, sites TEXT,
            status TEXT NOT NULL, pid INTEGER, requests INTEGER, not_modified INTEGER,
            list_pages INTEGER, articles INTEGER, documents_new INTEGER, sightings_new INTEGER,
            errors INTEGER, cut INTEGER, message TEXT)"""
    )
    db.execute(
        """CREATE TABLE crawl_run_sites (
            run_id INTEGER NOT NULL REFERENCES crawl_runs(id), site TEXT NOT NULL REFERENCES sites(id),
            requests INTEGER, not_modified INTEGER, list_pages INTEGER, articles INTEGER,
            documents_new INTEGER, sightings_new INTEGER, errors INTEGER, cut INTEGER,
            PRIMARY KEY (run_id, site))"""
    )
    db.execute(
        """CREATE TABLE pages (
            url TEXT PRIMARY KEY, site TEXT REFERENCES sites(id), kind TEXT, status INTEGER,
            is_summary INTEGER, reason TEXT, content_hash TEXT, title TEXT, published TEXT,
            encoding TEXT, etag TEXT, last_modified TEXT, first_seen TEXT NOT NULL,
            last_fetched TEXT NOT NULL, run_id INTEGER REFERENCES crawl_runs(id))"""
    )
    db.execute(
        """CREATE TABLE crawl_errors (
            id INTEGER PRIMARY KEY, run_id INTEGER REFERENCES crawl_runs(id), site TEXT,
            url TEXT, kind TEXT NOT NULL, message TEXT, status INTEGER, at TEXT NOT NULL)"""
    )
    for table, columns in (
        ("documents", ["published"]),
        ("documents", ["site"]),
        ("documents", ["year"]),
        ("sightings", ["document_id"]),
        ("pages", ["site", "kind"]),
        ("crawl_errors", ["run_id"]),
    ):
        db[table].create_index(columns)
    # The document_sightings view: crawler/archive/views.py (views are the current schema).
