"""The archive's migrations: one module per change of its tables, ``mNNN_name.py`` defining
``migrate(db)``, applied in the order of their names when an archive is opened, so that an archive
made by any earlier version is upgraded in place. A released migration is never changed in what
it leaves; a change to the tables is a new module at the end (the next free number). Views are not
made here: they are the current schema (crawler/archive/views.py), rebuilt after the migrations
whenever their definition changes.

A module may set ``TRANSACTIONAL = False`` for a change that cannot run in a transaction (VACUUM);
every other migration runs in one transaction with its record in ``_sqlite_migrations``.
"""

from __future__ import annotations

import importlib
import pkgutil
import re

from sqlite_utils.migrations import Migrations

from crawler.archive.core import MIGRATION_SET

MODULE_NAME = re.compile(r"m(\d{3})_[a-z0-9_]+$")


def migration_names(folders: list[str] | None = None) -> list[str]:
    """The migrations' module names (in this package, or in ``folders``), in the order they apply.
    Two modules with one number are an error: two branches each took the next free number, and
    one must move on before either lands."""
    names = sorted(
        info.name
        for info in pkgutil.iter_modules(folders or __path__)
        if MODULE_NAME.match(info.name)
    )
    numbers = [MODULE_NAME.match(name).group(1) for name in names]
    taken = {n for n in numbers if numbers.count(n) > 1}
    if taken:
        clash = [name for name in names if MODULE_NAME.match(name).group(1) in taken]
        raise RuntimeError(f"two migrations share a number: {', '.join(clash)}; renumber one")
    return names


def load() -> Migrations:
    """Every migration module, registered in order under its module name (the name recorded in
    each archive's ``_sqlite_migrations``)."""
    loaded = Migrations(MIGRATION_SET)
    for name in migration_names():
        module = importlib.import_module(f"{__name__}.{name}")
        loaded(name=name, transactional=getattr(module, "TRANSACTIONAL", True))(module.migrate)
    return loaded


migrations = load()
