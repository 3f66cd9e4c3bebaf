"""tests/unit/test_clerk_runs.py again, on PostgreSQL (tests/unit runs it on SQLite)."""

from __future__ import annotations

import pytest

from tests.unit.test_clerk_runs import *  # noqa: F403 - its tests and fixtures, collected again here

pytestmark = pytest.mark.postgres


@pytest.fixture
def migrated_db_url(migrated_postgres_url: str) -> str:
    return migrated_postgres_url
