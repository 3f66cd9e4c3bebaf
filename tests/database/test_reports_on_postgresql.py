"""The reports' statistics and a citizen's erasure again, on PostgreSQL (tests/unit runs them on SQLite)."""

from __future__ import annotations

import pytest

from tests.unit.test_reports import (test_a_citizen_is_erased_on_request,  # noqa: F401 - collected again here
                                     test_a_day_of_traffic_on_any_database)

pytestmark = pytest.mark.postgres


@pytest.fixture
def migrated_db_url(migrated_postgres_url: str) -> str:
    return migrated_postgres_url
