"""``locker commission`` on a relay-lock cabinet (``protocol = "gpio-relay"``): each
relay is pulsed in turn and its door switch read, in one process with the
simulator's mock pins, and as a command reaching the pins over a pigpio socket."""

from __future__ import annotations

import threading
import time

import pytest

from api.commissioning import Commissioning, DeadLock, Options
from drivers.relay_probe import RelayProbe
from firmware_sim.gpio import SimGpio
from locker.config import config_from_dict

RELAYS = [{"relay": 20, "switch": 21}, {"relay": 12, "switch": 16}, {"relay": 25, "switch": 26}]
FAST = dict(probe_timeout=0.02, release_timeout=1.0, close_timeout=0.0, recheck_timeout=0.5)


@pytest.fixture
def cabinet():
    sim = SimGpio(relay_locks=RELAYS, spring_delay=0.05)
    yield sim
    sim.close()


def relay_config(**gpio) -> dict:
    return {"bus": {"protocol": "gpio-relay", "relay_locks": RELAYS, "pulse_ms": 50}, "gpio": gpio}


def served(sim: SimGpio):
    """The configuration of a relay cabinet whose pins are reached through a pigpio socket."""
    return config_from_dict(relay_config(pin_factory=sim.serve_pigpio(port=0)), env={})


class ClosingDoors:
    """A technician who shuts each door that springs open, half a second later (not ``leave``)."""

    def __init__(self, sim: SimGpio, leave: tuple[int, ...] = ()) -> None:
        self.sim, self.leave, self.stop = sim, leave, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        seen_open: dict[int, float] = {}
        while not self.stop.wait(0.02):
            now = time.monotonic()
            for lock in range(1, len(RELAYS) + 1):
                if lock in self.leave or self.sim.lock_state(lock)["door"] != "open":
                    seen_open.pop(lock, None)
                elif now - seen_open.setdefault(lock, now) >= 0.5:
                    self.sim.door(lock, "close")

    def __enter__(self) -> "ClosingDoors":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()


def test_auto_maps_each_relay_to_its_door_and_lists_the_jammed_one(cabinet):
    cabinet.jam(2)
    lines: list[str] = []
    job = Commissioning(served(cabinet), Options(auto=True, **FAST), say=lines.append)
    outcome = job.run()
    [result] = outcome.results
    assert [(c.label, c.board, c.lock) for c in outcome.compartments] == [("A01", 0, 1), ("A03", 0, 3)]
    assert result.dead == [DeadLock("main", 0, 2, "jammed")]
    assert sorted(result.still_open) == ["A01", "A03"]  # nobody closed them within close_timeout = 0
    assert outcome.latched_bits() == {}, "relay cabinets have no bus polarity to write"
    assert any("3 rơ-le/relays" in line for line in lines)


def test_a_door_left_open_is_named_before_the_walk(cabinet):
    cabinet.door(3, "open")  # pulled open while latched: the switch reads open
    lines: list[str] = []
    with ClosingDoors(cabinet, leave=(3,)):
        outcome = Commissioning(served(cabinet), Options(auto=True, **FAST), say=lines.append).run()
    assert any("locks reading open (board/lock): 0/3" in line for line in lines)
    assert [c.lock for c in outcome.compartments] == [1, 2]
    assert outcome.dead == [DeadLock("main", 0, 3, "open_before")]


def test_questions_learn_the_labels_from_the_technician(cabinet):
    answers = iter(["R1 S", "R2", "R3 L"])

    def ask(question: str) -> str:
        if question.startswith("Cửa nào đã mở"):
            return next(answers)
        for lock in range(1, len(RELAYS) + 1):  # "close door ..., then press Enter"
            if cabinet.lock_state(lock)["door"] == "open":
                cabinet.door(lock, "close")
        return ""

    outcome = Commissioning(served(cabinet), Options(**FAST), say=lambda line: None, ask=ask).run()
    assert [(c.label, c.lock, c.size) for c in outcome.compartments] == [("R1", 1, "S"), ("R2", 2, "M"),
                                                                        ("R3", 3, "L")]
    assert outcome.dead == [] and outcome.results[0].still_open == []


def test_probe_refuses_what_is_not_there(cabinet):
    probe = RelayProbe(RELAYS, pin_factory=cabinet.factory, pulse_time=0.01)
    try:
        assert probe.find_boards(range(1, 4)) == []
        assert probe.read_bits(1) is None and probe.read_lock(0, 9) is None
        assert probe.pulse(0, 9) is False and probe.pulse(1, 1) is False
    finally:
        probe.close()
    with pytest.raises(ValueError):
        RelayProbe(RELAYS, pin_factory=cabinet.factory, pulse_time=0)
