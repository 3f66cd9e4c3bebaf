"""The crash harness's short form: five SIGKILLs of ``locker serve``, one at each kill
point of tests/reliability/crash.py (the full run: ``make reliability-crash``)."""

from __future__ import annotations

import pytest

from tests.reliability.crash import KILL_POINTS, run

pytestmark = pytest.mark.e2e


def test_five_kills_lose_nothing_and_open_nothing_twice(tmp_path):
    tally = run(kills=len(KILL_POINTS), seed=12, workdir=tmp_path, short=True)
    assert tally.problems == []
    assert set(tally.kills) == set(KILL_POINTS) and tally.total_kills == len(KILL_POINTS)
    assert tally.checks >= len(KILL_POINTS)
