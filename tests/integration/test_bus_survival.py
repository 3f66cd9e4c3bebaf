"""The production drivers survive the simulator's transport and power faults.

The lock bus driver and the scanner reader run unchanged against the simulator
over every transport (in-process ``locksim://``, TCP ``socket://``, pty). The
simulator's frame log is the witness of what went over the wire: an unlock whose
outcome is unknown must appear there exactly once.
"""

from __future__ import annotations

import time

import pytest

from drivers.bus import LockBusDriver
from drivers.events import BoardOffline, BoardOnline, UnlockDone
from drivers.scanner import LineScanner
from firmware_sim.simulator import Simulator
from tests.support.net import wait_for
from tests.support.recorder import Recorder

TRANSPORTS = ("inprocess", "tcp", "pty")
BOARDS = (0, 1)


def unlock_frame_hex(board: int, lock: int) -> str:
    """The Kerong CU16 unlock frame, checksum recomputed here (PROTOCOLS.md)."""
    body = bytes([0x02, board << 4 | (lock - 1), 0x31, 0x03])
    return (body + bytes([sum(body) & 0xFF])).hex(" ").upper()


class Rig:
    def __init__(self, transport: str) -> None:
        self.sim = Simulator(boards=len(BOARDS), seed=11, spring_delay=0.02, slow_delay=0.08)
        self.url = self.sim.serve_bus(transport)
        self.heard = Recorder()
        self.bus = LockBusDriver(url=self.url, boards=BOARDS, listener=self.heard, answer_timeout=0.15,
                                 poll_interval=0.03, open_timeout=0.5, pulse_time=0.05, offline_after=2,
                                 reopen_backoff=(0.02, 0.2), pulse_gap=0.02)
        self.bus.start()

    def unlock_frames(self, board: int, lock: int) -> int:
        wanted = unlock_frame_hex(board, lock)
        return sum(1 for f in self.sim.frames() if f["dir"] == "host>board" and f["hex"] == wanted)

    def all_online(self) -> bool:
        return all(self.bus.online(board) for board in BOARDS)

    def close(self) -> None:
        self.bus.stop()
        self.sim.close()


@pytest.fixture(params=TRANSPORTS)
def rig(request):
    made = Rig(request.param)
    assert wait_for(made.all_online), "the boards never came online"
    yield made
    made.close()


def test_unplug_takes_boards_offline_and_replug_brings_them_back(rig):
    rig.sim.fault("unplug")
    assert wait_for(lambda: len(rig.heard.of(BoardOffline)) == len(BOARDS))
    assert wait_for(lambda: not rig.bus.bus_stats()["port_open"])
    assert wait_for(lambda: rig.bus.bus_stats()["port_failures"] >= 2)  # the lost port, then failed reopens
    assert rig.bus.statuses()[0] is not None  # the last reading is kept, but it is stale

    rig.sim.fault("replug")
    assert wait_for(rig.all_online)
    assert rig.heard.count(BoardOnline(0)) == 2 and rig.heard.count(BoardOnline(1)) == 2
    assert rig.bus.bus_stats()["port_reopens"] >= 1

    assert rig.bus.unlock(1, 4).result(timeout=3) == "released"
    assert wait_for(lambda: rig.sim.lock_state(1, 4)["door"] == "open")


def test_unlock_asked_while_unplugged_is_unknown_and_never_sent(rig):
    rig.sim.fault("unplug")
    assert wait_for(lambda: not rig.bus.bus_stats()["port_open"])
    assert rig.bus.unlock(0, 5).result(timeout=3) == "unknown"

    rig.sim.fault("replug")
    assert wait_for(rig.all_online)
    time.sleep(0.2)  # several polls after the board came back
    assert rig.unlock_frames(0, 5) == 0
    assert rig.sim.lock_state(0, 5)["latched"] is True


def test_unlock_in_flight_at_unplug_is_unknown_and_not_resent(rig):
    rig.sim.fault("no_reply", board=0)  # the board hears nothing: the outcome is unknown
    future = rig.bus.unlock(0, 2)
    assert wait_for(lambda: rig.unlock_frames(0, 2) == 1)
    rig.sim.fault("unplug")
    assert future.result(timeout=3) == "unknown"
    assert UnlockDone(0, 2, "unknown") in rig.heard.of(UnlockDone)

    rig.sim.fault("clear")  # plugs the bus in again and ends the no_reply
    assert wait_for(rig.all_online)
    time.sleep(0.2)
    assert rig.unlock_frames(0, 2) == 1
    assert rig.sim.lock_state(0, 2)["latched"] is True


def test_power_failure_then_clear(rig):
    rig.sim.fault("power_failure")
    assert wait_for(lambda: not any(rig.bus.online(board) for board in BOARDS))
    errors_before = rig.bus.stats()[1]["errors"]["no_answer"]
    assert rig.bus.unlock(1, 9).result(timeout=3) == "unknown"
    assert rig.sim.lock_state(1, 9)["latched"] is True  # every latch holds
    assert rig.bus.stats()[1]["errors"]["no_answer"] > errors_before
    assert rig.bus.bus_stats()["port_open"]  # the port itself never failed

    rig.sim.fault("clear")
    assert wait_for(rig.all_online)
    time.sleep(0.2)
    assert rig.unlock_frames(1, 9) == 1  # unknown outcome: never resent
    assert rig.bus.unlock(1, 9).result(timeout=3) == "released"


def test_one_board_power_failure_and_restore(rig):
    rig.sim.fault("power_failure", board=1)
    assert wait_for(lambda: not rig.bus.online(1))
    assert rig.bus.online(0)
    assert rig.bus.unlock(0, 1).result(timeout=3) == "released"

    rig.sim.fault("power_restore", board=1)
    assert wait_for(lambda: rig.bus.online(1))
    assert rig.heard.count(BoardOffline(1)) == 1 and rig.heard.count(BoardOffline(0)) == 0


@pytest.mark.parametrize("transport", ["inprocess"])
def test_repeated_unplugs_are_survived(transport):
    rig = Rig(transport)
    try:
        assert wait_for(rig.all_online)
        for cycle in range(1, 4):
            rig.sim.fault("unplug")
            assert wait_for(lambda: not rig.bus.bus_stats()["port_open"])
            rig.sim.fault("replug")
            assert wait_for(lambda: rig.bus.bus_stats()["port_reopens"] == cycle), (cycle, rig.bus.bus_stats())
            assert wait_for(rig.all_online)
        assert rig.bus.unlock(0, 16).result(timeout=3) == "released"
    finally:
        rig.close()


def test_metrics_per_board_move_with_the_faults(rig):
    def board(number: int) -> dict:
        return rig.bus.stats()[number]

    before = board(1)
    rig.sim.fault("slow", board=1, count=1)
    assert wait_for(lambda: not rig.sim.faults_active())
    rig.sim.fault("bad_checksum", board=1, count=2)
    rig.sim.fault("junk", board=1, count=2)
    rig.sim.fault("no_reply", board=1, count=1)
    assert wait_for(lambda: not rig.sim.faults_active())
    assert rig.bus.read_all(timeout=2)[1] is not None
    after = board(1)

    assert after["frames_sent"] > before["frames_sent"]
    assert after["frames_received"] > before["frames_received"]
    assert after["errors"]["checksum"] >= before["errors"]["checksum"] + 2
    assert after["errors"]["junk"] >= before["errors"]["junk"] + 2  # skipped bytes
    assert after["errors"]["no_answer"] >= before["errors"]["no_answer"] + 1
    assert after["last_seen"] > before["last_seen"]
    # the slow answer (80 ms) lands above the 50 ms bucket; buckets are cumulative
    slow_before = before["latency_buckets"][0.1] - before["latency_buckets"][0.05]
    assert after["latency_buckets"][0.1] - after["latency_buckets"][0.05] >= slow_before + 1
    assert after["latency_count"] == after["latency_buckets"][float("inf")] > before["latency_count"]
    assert board(0)["errors"]["checksum"] == 0 and board(0)["errors"]["junk"] == 0

    retries = board(1)["retries"]
    rig.sim.fault("no_reply", board=1, count=1)
    assert rig.bus.read_all(timeout=2)[1] is not None  # the read is safe to retry
    assert board(1)["retries"] >= retries + 1


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_scanner_reader_reopens_after_unplug(transport):
    sim = Simulator(boards=1)
    url = sim.serve_scanner(transport)
    codes: list[str] = []
    scanner = LineScanner(url=url, on_code=codes.append, reopen_backoff=(0.02, 0.2), read_timeout=0.02)
    scanner.start()
    try:
        assert wait_for(scanner.connected)
        sim.scan("QR-BEFORE")
        assert wait_for(lambda: codes == ["QR-BEFORE"])

        sim.fault("unplug", target="scanner")
        assert wait_for(lambda: not scanner.connected())
        assert sim.plugged("bus") and not sim.plugged("scanner")
        time.sleep(0.1)  # a few failed reopen attempts
        sim.fault("replug", target="scanner")
        assert wait_for(lambda: scanner.connected() and scanner.stats()["reopens"] >= 1)
        sim.scan("QR-AFTER")
        assert wait_for(lambda: codes == ["QR-BEFORE", "QR-AFTER"])
    finally:
        scanner.stop()
        sim.close()


def test_scanner_backoff_starts_afresh_after_each_reopen():
    sim = Simulator(boards=1)
    url = sim.serve_scanner("inprocess")
    scanner = LineScanner(url=url, on_code=lambda code: None, reopen_backoff=(0.05, 5.0), read_timeout=0.02)
    scanner.start()
    try:
        assert wait_for(scanner.connected)
        for cycle in range(1, 4):
            sim.fault("unplug", target="scanner")
            assert wait_for(lambda: not scanner.connected())
            time.sleep(0.35)  # failed reopens after 0.05, 0.1 and 0.2 s; the next waits 0.4 s
            sim.fault("replug", target="scanner")
            replugged = time.monotonic()
            assert wait_for(lambda: scanner.stats()["reopens"] == cycle)
            assert time.monotonic() - replugged < 1.0, f"cycle {cycle}: the back-off kept growing"
            time.sleep(0.1)  # the reader uses the reopened port for a few reads
    finally:
        scanner.stop()
        sim.close()


def test_the_service_degrades_on_unplug_and_recovers_by_itself(tmp_path):
    from api.runtime import Runtime
    from firmware_sim.layout import demo_compartments
    from locker.config import config_from_dict

    sim = Simulator(boards=2, spring_delay=0.02)
    config = config_from_dict({
        "database": {"url": f"sqlite:///{tmp_path / 'locker.db'}"},
        "security": {"secret_file": str(tmp_path / "secret")},
        "bus": {"url": sim.serve_bus("inprocess"), "poll_interval_ms": 50},
        "compartment": demo_compartments(2),
    }, env={})
    runtime = Runtime.from_config(config)
    runtime.db.upgrade()
    runtime.start()
    try:
        assert wait_for(lambda: runtime.health()["status"] == "ok")
        sim.fault("unplug")
        assert wait_for(lambda: runtime.health()["status"] == "degraded")
        rooms = runtime.service.list_compartments()
        assert wait_for(lambda: {room["door"] for room in runtime.service.list_compartments()} == {"unknown"})
        assert len(rooms) == 32

        sim.fault("replug")
        assert wait_for(lambda: runtime.health()["status"] == "ok", timeout=15)
        assert wait_for(lambda: {room["door"] for room in runtime.service.list_compartments()} == {"closed"})
    finally:
        runtime.stop()
        sim.close()
