"""tests/unit/test_left_open.py again, on PostgreSQL (tests/unit runs it on SQLite)."""

from __future__ import annotations

import pytest

from tests.unit.test_left_open import *  # noqa: F403 - its tests and fixtures, collected again here

pytestmark = pytest.mark.postgres


@pytest.fixture
def db_url(postgres_url: str) -> str:
    return postgres_url
