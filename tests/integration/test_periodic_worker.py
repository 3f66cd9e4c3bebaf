"""The runtime's background parts share one periodic worker: it runs its job on a thread
of its own, runs again at once when woken, survives a run that raises, and its stop
ends the wait, lets a run under way finish and joins the thread."""

from __future__ import annotations

import logging
import threading
import time

from locker.worker import PeriodicWorker
from tests.support.net import wait_for

log = logging.getLogger("tests.periodic_worker")


def worker_threads(name: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == name]


def make(job, *, name: str = "test-worker", interval_s: float = 60.0, first_after_s: float = 0.0) -> PeriodicWorker:
    return PeriodicWorker(name=name, job=job, interval_s=interval_s, first_after_s=first_after_s, log=log,
                          failed="test job failed")


def test_it_runs_at_start_and_again_when_woken_then_stop_joins_its_thread():
    runs: list[float] = []
    worker = make(lambda: runs.append(time.monotonic()), name="worker-wake")
    worker.start()
    try:
        wait_for(lambda: len(runs) == 1, message="the first run, at start")
        assert [t.daemon for t in worker_threads("worker-wake")] == [True]
        worker.wake()
        wait_for(lambda: len(runs) == 2, timeout=5, message="a run at once when woken, not after 60 s")
    finally:
        worker.stop()
    assert worker_threads("worker-wake") == []
    assert len(runs) == 2


def test_the_first_run_waits_first_after_s_and_stop_ends_that_wait():
    runs: list[int] = []
    worker = make(lambda: runs.append(1), name="worker-first", first_after_s=60.0)
    worker.start()
    assert worker_threads("worker-first")
    began = time.monotonic()
    worker.stop()
    assert time.monotonic() - began < 4.0 and worker_threads("worker-first") == []
    assert runs == []


def test_a_run_that_raises_is_logged_and_the_next_runs_follow(caplog):
    runs: list[int] = []

    def job() -> None:
        runs.append(1)
        if len(runs) == 1:
            raise RuntimeError("the database went away")

    worker = make(job, name="worker-raises", interval_s=0.01)
    with caplog.at_level(logging.ERROR, logger=log.name):
        worker.start()
        try:
            wait_for(lambda: len(runs) >= 3, message="runs after the one that raised")
        finally:
            worker.stop()
    failures = [r for r in caplog.records if r.name == log.name]
    assert [r.getMessage() for r in failures] == ["test job failed"]
    assert failures[0].exc_info is not None and "the database went away" in str(failures[0].exc_info[1])


def test_stop_lets_a_run_under_way_finish():
    started, finished = threading.Event(), []

    def job() -> None:
        started.set()
        threading.Event().wait(0.3)
        finished.append(1)

    worker = make(job, name="worker-busy")
    worker.start()
    assert started.wait(5)
    worker.stop()
    assert finished == [1] and worker_threads("worker-busy") == []


def test_a_worker_starts_again_after_a_stop_with_one_thread():
    runs: list[int] = []
    worker = make(lambda: runs.append(1), name="worker-again")
    worker.start()
    worker.start()
    try:
        wait_for(lambda: runs, message="the first run")
        assert len(worker_threads("worker-again")) == 1
    finally:
        worker.stop()
    worker.start()
    try:
        wait_for(lambda: len(runs) >= 2, message="a run after starting again")
    finally:
        worker.stop()
    assert worker_threads("worker-again") == []


def test_run_now_runs_on_the_callers_thread_and_logs_what_it_raises(caplog):
    threads: list[str] = []

    def job() -> None:
        threads.append(threading.current_thread().name)
        raise ValueError("bad line")

    with caplog.at_level(logging.ERROR, logger=log.name):
        make(job).run_now()
    assert threads == [threading.current_thread().name]
    assert [r.getMessage() for r in caplog.records if r.name == log.name] == ["test job failed"]


def test_it_keeps_running_every_interval():
    runs: list[int] = []
    worker = make(lambda: runs.append(1), name="worker-interval", interval_s=0.01)
    worker.start()
    try:
        wait_for(lambda: len(runs) >= 5, message="several runs, one every interval")
    finally:
        worker.stop()
