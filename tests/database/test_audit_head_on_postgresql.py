"""tests/unit/test_audit_head.py again, on PostgreSQL (tests/unit runs it on SQLite): the
rewrite is made with PostgreSQL's trigger dropped."""

from __future__ import annotations

import pytest

from tests.unit.test_audit_head import *  # noqa: F403 - its tests and fixtures, collected again here

pytestmark = pytest.mark.postgres


@pytest.fixture
def migrated_db_url(migrated_postgres_url: str) -> str:
    return migrated_postgres_url
