"""The archive's schema over time: every earlier shape of an archive upgrades to the shape a new
archive has; migrations are found as modules; views follow their tables and are remade when their
definition changes."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils
from datasette.app import Datasette

from crawler.archive import Archive
from crawler.archive.migrations import migration_names, migrations
from crawler.archive.views import VIEWS, view_sql
from crawler.datasette.serve import metadata_for


def shape(db: Path) -> dict[str, object]:
    """What an archive is made of: each table's columns in order, each index, each view's SQL."""
    conn = sqlite3.connect(db)
    try:
        objects = conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'documents_fts_%' AND name NOT LIKE 'documents_search_marker_%'"
        ).fetchall()
        found: dict[str, object] = {}
        for kind, name, sql in objects:
            if kind == "table":
                found[name] = [row[1:3] for row in conn.execute(f"PRAGMA table_info('{name}')")]
            else:
                found[name] = (kind, sql)
        return found
    finally:
        conn.close()


def test_migrations_are_the_modules_of_their_package_in_order():
    names = migration_names()
    assert names[0] == "m001_initial" and names == sorted(names)
    assert [m.name for m in migrations.pending(sqlite_utils.Database(memory=True))] == names
    numbers = [name[:4] for name in names]
    assert len(set(numbers)) == len(numbers)


def test_two_migrations_with_one_number_are_refused(tmp_path: Path):
    for name in ("m041_one_change", "m041_another_change", "m040_earlier"):
        (tmp_path / f"{name}.py").write_text("def migrate(db):\n    pass\n")
    with pytest.raises(RuntimeError, match="m041_another_change, m041_one_change"):
        migration_names([str(tmp_path)])
    (tmp_path / "m041_another_change.py").rename(tmp_path / "m042_another_change.py")
    assert migration_names([str(tmp_path)]) == [
        "m040_earlier",
        "m041_one_change",
        "m042_another_change",
    ]


@pytest.fixture
def memory_folder(tmp_path: Path):
    """A folder in memory where the machine has one (many small archives, each made with fsyncs)."""
    shm = Path("/dev/shm")
    if not shm.is_dir():
        yield tmp_path
        return
    import tempfile

    with tempfile.TemporaryDirectory(dir=shm) as folder:
        yield Path(folder)


def test_an_archive_of_every_earlier_shape_upgrades_to_the_shape_of_a_new_one(memory_folder: Path):
    tmp_path = memory_folder
    fresh = tmp_path / "new.db"
    Archive(fresh).close()
    expected = shape(fresh)
    assert set(VIEWS) <= set(expected)
    for name in migration_names()[1:]:
        old = tmp_path / f"before-{name}.db"
        db = sqlite_utils.Database(old)
        migrations.apply(db, stop_before=name)
        db.close()
        assert shape(old) != expected
        Archive(old).close()
        assert shape(old) == expected, f"an archive made before {name} upgrades like a new one"


def test_a_view_whose_definition_changed_is_remade_when_the_archive_is_opened(tmp_path: Path):
    db = tmp_path / "archive.db"
    Archive(db).close()
    conn = sqlite3.connect(db)
    conn.execute("DROP VIEW documents_feed")
    # the feed as an earlier version defined it: columns named one by one
    conn.execute("CREATE VIEW documents_feed AS SELECT d.id, d.title FROM documents d")
    conn.execute("CREATE VIEW leftover AS SELECT 1")
    conn.commit()
    conn.close()
    Archive(db).close()
    stored = dict(
        sqlite3.connect(db).execute("SELECT name, sql FROM sqlite_master WHERE type = 'view'")
    )
    assert stored == {name: view_sql(name) for name in VIEWS}


def test_a_column_added_to_documents_reaches_the_feed_and_its_filters(tmp_path: Path):
    db = tmp_path / "archive.db"
    with Archive(db) as archive:
        archive.db.execute("INSERT INTO sites (id, name) VALUES ('s', '样例网站')")
        for n in (1, 2):
            archive.db.execute(
                "INSERT INTO documents (content_hash, title, body, site, url, first_seen, last_seen)"
                " VALUES (?, ?, '正文', 's', ?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                [f"h{n}", f"综述{n}", f"http://x/{n}"],
            )
        # a later migration adds a column: the feed has it without being redefined
        archive.db.execute("ALTER TABLE documents ADD COLUMN reader_note TEXT")
        archive.db.execute("UPDATE documents SET reader_note = '县级' WHERE content_hash = 'h1'")
        archive.db.execute("UPDATE documents SET reader_note = '市级' WHERE content_hash = 'h2'")

    async def get(path: str):
        datasette = Datasette([str(db)], metadata=metadata_for(db))
        return await datasette.client.get(path)

    response = asyncio.run(get("/archive/documents_feed.json?reader_note=县级&_shape=objects"))
    assert response.status_code == 200
    assert [r["title"] for r in response.json()["rows"]] == ["综述1"]
    feed = asyncio.run(get("/archive/documents_feed.atom?reader_note=市级"))
    assert feed.status_code == 200 and "综述2" in feed.text and "综述1" not in feed.text
