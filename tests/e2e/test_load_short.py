"""The load suite's short form: 100 concurrent HTTP clients for 5 s on SQLite against
``locker serve`` and ``locker sim`` (the full form: ``make reliability-load``)."""

from __future__ import annotations

import pytest

from tests.reliability.load import run

pytestmark = pytest.mark.e2e


def test_a_hundred_clients_get_no_error_and_leave_the_cabinet_consistent(tmp_path):
    # 120 idle connections on top: waitress's default limit of 100 open connections once made
    # new ones wait in the backlog for 30 s and more (requests with no answer in the 60 s run)
    tally = run(clients=100, seconds=5, seed=3, workdir=tmp_path, idle=120)
    assert tally.errors == [] and tally.problems == []
    assert sum(tally.requests.values()) > 300
    assert {"list", "health", "dropoff", "result"} <= set(tally.requests)
