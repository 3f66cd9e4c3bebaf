"""Fresh SQLite databases for tests (PostgreSQL ones come from ``postgres.py``)."""

from __future__ import annotations

from pathlib import Path

from locker.db import Database


def sqlite_url(directory: Path, *, migrated: bool = False) -> str:
    """The URL of a new SQLite database in ``directory``, at the newest migration if ``migrated``."""
    url = f"sqlite:///{directory / 'locker.db'}"
    if migrated:
        database = Database(url)
        database.upgrade()
        database.dispose()
    return url
