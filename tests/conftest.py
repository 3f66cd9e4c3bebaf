"""Shared fixtures: databases on SQLite and PostgreSQL, the SMS gateway, skips.

PostgreSQL and Chromium tests are skipped with a visible reason when those are
missing on a developer's machine; with CI=true a missing one is an error.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.postgres import PostgresUnavailable, start_cluster
from tests.support.sms_gateway import SmsGateway

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = "/usr/bin/chromium"


def missing(reason: str) -> None:
    """Skip outside CI; fail in CI, where everything must run."""
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_cluster():
    try:
        cluster = start_cluster()
    except PostgresUnavailable as exc:
        missing(f"PostgreSQL unavailable: {exc}")
        return
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """A fresh, empty database: the same test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'locker.db'}"
    cluster = request.getfixturevalue("postgres_cluster")
    return cluster.create_database()


@pytest.fixture
def sms_gateway():
    gateway = SmsGateway()
    yield gateway
    gateway.close()


@pytest.fixture(scope="session")
def chromium_path():
    if not (os.path.exists(CHROMIUM) and shutil.which(CHROMIUM)):
        missing(f"Debian's Chromium is not installed at {CHROMIUM}")
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing("the playwright package is not installed")
    return CHROMIUM


@pytest.fixture
def sims() -> Iterator[Any]:
    """Simulators a test makes (append them); each is closed afterwards."""
    made: list[Any] = []
    yield made
    for sim in made:
        sim.close()
