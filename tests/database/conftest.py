"""Database tests run on SQLite and on a throwaway PostgreSQL.

Tests here that ask for ``db_url`` or ``migrated_db_url`` (tests/conftest.py) run once per
backend. The ``*_on_postgresql`` modules collect domain tests of tests/unit again with a
PostgreSQL database, since tests/unit runs them on SQLite only. PostgreSQL is skipped with
the reason shown when it is missing on a developer's machine, and is an error in CI.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def postgres_url(postgres_cluster) -> str:
    """A fresh, empty PostgreSQL database."""
    return postgres_cluster.create_database()


@pytest.fixture
def migrated_postgres_url(postgres_cluster) -> str:
    """A fresh PostgreSQL database at the newest migration."""
    return postgres_cluster.create_migrated_database()
