"""Unit tests are pure: no sockets, no threads, no subprocesses, no PostgreSQL, no browser.

Every phase of every test here (its fixtures included) runs with those refused, so a
test that needs them fails at once and belongs in tests/integration, tests/database,
tests/e2e or tests/browser instead. Threads left running by tests of other folders
in the same session are not affected: only the thread running the test is guarded.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.support.database import sqlite_url

IMPURE_FIXTURES = {"postgres_cluster", "chromium_path", "sms_gateway", "sims"}


class ImpureUnitTest(AssertionError):
    pass


@contextmanager
def pure(what: str) -> Iterator[None]:
    guarded = threading.get_ident()

    def refuse(name: str) -> None:
        if threading.get_ident() == guarded:
            raise ImpureUnitTest(f"{what}: a unit test may not use {name}; move it to tests/integration")

    real_socket, real_start = socket.socket, threading.Thread.start
    real_popen_init, real_openpty = subprocess.Popen.__init__, os.openpty

    class GuardedSocket(real_socket):  # type: ignore[valid-type,misc]
        def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            refuse("sockets")
            super().__init__(*args, **kwargs)

    def start(self: threading.Thread) -> None:
        refuse("threads")
        real_start(self)

    def popen_init(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        refuse("subprocesses")
        real_popen_init(self, *args, **kwargs)

    def openpty() -> tuple[int, int]:
        refuse("pseudo-terminals")
        return real_openpty()

    socket.socket, threading.Thread.start = GuardedSocket, start  # type: ignore[misc]
    subprocess.Popen.__init__, os.openpty = popen_init, openpty  # type: ignore[method-assign]
    try:
        yield
    finally:
        socket.socket, threading.Thread.start = real_socket, real_start  # type: ignore[misc]
        subprocess.Popen.__init__, os.openpty = real_popen_init, real_openpty  # type: ignore[method-assign]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    impure = IMPURE_FIXTURES.intersection(getattr(item, "fixturenames", ()))
    if impure:
        raise ImpureUnitTest(f"{item.nodeid}: a unit test may not use {', '.join(sorted(impure))}")
    with pure(item.nodeid):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    with pure(item.nodeid):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    with pure(item.nodeid):
        return (yield)


@pytest.fixture
def db_url(tmp_path) -> str:
    """A fresh, empty SQLite database (tests/database runs the same tests on PostgreSQL)."""
    return sqlite_url(tmp_path)


@pytest.fixture
def migrated_db_url(tmp_path) -> str:
    """A fresh SQLite database at the newest migration."""
    return sqlite_url(tmp_path, migrated=True)
