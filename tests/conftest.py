"""Shared fixtures: databases on SQLite and PostgreSQL, the SMS gateway, skips.

Tests are sorted by what they need, and each folder marks its tests with its name:
``unit`` (pure: no threads, sockets, subprocesses or PostgreSQL, enforced by
tests/unit/conftest.py), ``integration`` (the simulator and the runtime in this process),
``database`` (SQLite and PostgreSQL), ``e2e`` (separate processes), ``browser``
(Chromium) and ``bench`` (the benchmarks' smoke tests, in tests/benchmarks).

PostgreSQL and Chromium tests, and the kiosk's browser tests without its fonts,
are skipped with a visible reason when those are missing on a developer's
machine; with CI=true a missing one is an error.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.database import sqlite_url
from tests.support.postgres import PostgresUnavailable, start_cluster
from tests.support.sms_gateway import SmsGateway

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = "/usr/bin/chromium"
#: The kiosk page's fonts (api/kiosk/static/kiosk.css), both in Debian's fonts-noto-core, each with
#: the fontconfig pattern it must match: Noto Sans for the words (Vietnamese included), Noto Sans
#: Symbols2 for the keyboard's erase sign.
KIOSK_FONTS = {"Noto Sans": ":lang=vi", "Noto Sans Symbols2": ":charset=232b"}
TESTS = Path(__file__).resolve().parent
FOLDER_MARKS = {"unit": "unit", "integration": "integration", "database": "database", "e2e": "e2e",
                "browser": "browser", "benchmarks": "bench"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(TESTS):
            mark = FOLDER_MARKS.get(item.path.relative_to(TESTS).parts[0])
            if mark:
                item.add_marker(mark)


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


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    """A fresh, empty database: the same test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    return request.getfixturevalue("postgres_cluster").create_database()


@pytest.fixture(params=BACKENDS)
def migrated_db_url(request, tmp_path):
    """Like ``db_url``, but already migrated.

    PostgreSQL databases are copied from a migrated template made once per session.
    """
    if request.param == "sqlite":
        return sqlite_url(tmp_path, migrated=True)
    return request.getfixturevalue("postgres_cluster").create_migrated_database()


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


@pytest.fixture(scope="session")
def kiosk_fonts(chromium_path) -> frozenset[str]:
    """The kiosk's fonts, so that its layout is the one a kiosk computer shows."""
    if shutil.which("fc-list") is None:
        missing("fontconfig's fc-list is not installed, so the kiosk's fonts cannot be checked")
    for family, pattern in KIOSK_FONTS.items():
        found = subprocess.run(["fc-list", f":family={family}{pattern}", "family"], capture_output=True,
                               text=True, timeout=30, check=False).stdout
        if not found.strip():
            missing(f"the kiosk's font {family} is not installed: apt-get install fonts-noto-core")
    return frozenset(KIOSK_FONTS)


@pytest.fixture
def sims() -> Iterator[Any]:
    """Simulators a test makes (append them); each is closed afterwards."""
    made: list[Any] = []
    yield made
    for sim in made:
        sim.close()
