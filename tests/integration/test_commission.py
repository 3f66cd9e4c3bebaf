"""`locker commission` against the in-process simulator: probing, polarity, the walk, the file."""

from __future__ import annotations

import doctest
import threading
import time
from contextlib import contextmanager
from typing import Iterator

import pytest
from click.testing import CliRunner

import api.commissioning.results
import api.commissioning.walk
import drivers.discovery
from api.commissioning import Commissioning, DeadLock, Options, commission_command
from firmware_sim import Simulator
from locker.config import config_from_dict, load_config
from tests.support.commissioning import TEXT, write_config

FAST = dict(probe_timeout=0.02, release_timeout=0.3, recheck_timeout=0.3)


def simulator(sims: list[Simulator], **kw) -> tuple[Simulator, str]:
    sim = Simulator(spring_delay=0.0, **kw)
    sims.append(sim)
    return sim, sim.serve_bus("inprocess")


@contextmanager
def technician_closing_doors(*all_sims: Simulator) -> Iterator[None]:
    """A technician walking along the cabinet, closing each door a moment after it springs open."""
    stop = threading.Event()
    seen: dict[tuple[int, int, int], float] = {}

    def close_open_doors() -> None:
        while not stop.is_set():
            for i, sim in enumerate(all_sims):
                for board in sim.state()["boards"]:
                    for entry in board["locks"]:
                        key = (i, board["address"], entry["lock"])
                        if entry["door"] != "open":
                            seen.pop(key, None)
                        elif time.monotonic() - seen.setdefault(key, time.monotonic()) > 0.25:
                            sim.door(board["address"], entry["lock"], "close")
            stop.wait(0.02)

    thread = threading.Thread(target=close_open_doors, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(5)


def unlock_frames(sim: Simulator) -> list[str]:
    return [f["hex"] for f in sim.frames() if f["dir"] == "host>board" and f["hex"].split()[2] in ("31", "33")]


def test_the_docstring_examples_run() -> None:
    for module in (api.commissioning.results, api.commissioning.walk, drivers.discovery):
        assert doctest.testmod(module).failed == 0


# ---- auto mode ------------------------------------------------------------------------------

def test_auto_maps_every_lock_of_a_cu16_cabinet_one_pulse_at_a_time_and_lists_the_jam(sims) -> None:
    sim, url = simulator(sims, boards=2)
    sim.fault("jam", board=1, lock=4)
    cfg = config_from_dict({"bus": {"url": url}}, env={})
    lines: list[str] = []
    with technician_closing_doors(sim):
        outcome = Commissioning(cfg, Options(auto=True, close_timeout=5, **FAST), say=lines.append).run()
    [result] = outcome.results
    assert result.boards == [0, 1]
    assert (result.latched_bit, result.confirmed) == (1, True)
    assert result.dead == [DeadLock("main", 1, 4, "jammed")]
    got = {(c.board, c.lock): (c.label, c.size) for c in outcome.compartments}
    assert len(got) == 31 and (1, 4) not in got
    assert got[(0, 1)] == ("A01", "M") and got[(1, 16)] == ("B16", "M") and got[(0, 10)] == ("A10", "M")
    assert result.still_open == []
    # One lock at a time, in order, never the board-wide "unlock all" (0x33).
    frames = unlock_frames(sim)
    assert all(f.split()[2] == "31" for f in frames)
    addresses = [int(f.split()[1], 16) for f in frames]
    assert addresses == sorted(addresses) and len(set(addresses)) == 32


@pytest.mark.parametrize("family, board_options, options, sim_bit", [
    ("kerong-cu16", {}, {}, 0),
    ("8a", {"channels": 12, "unlock_reply_delay": 0.01}, {"channels": 12}, 0),
    ("8a", {"channels": 12, "unlock_reply_delay": 0.01}, {"channels": 12}, 1),
    ("winnsen", {}, {}, 1),
])
def test_auto_detects_the_latch_polarity_of_the_cabinet(sims, family, board_options, options, sim_bit) -> None:
    sim, url = simulator(sims, boards=1, board_type=family, latched_bit=sim_bit, board_options=board_options)
    cfg = config_from_dict({"bus": {"url": url, "protocol": family, **options}}, env={})
    with technician_closing_doors(sim):
        outcome = Commissioning(cfg, Options(auto=True, close_timeout=5, **FAST), say=lambda _: None).run()
    [result] = outcome.results
    assert (result.latched_bit, result.confirmed) == (sim_bit, True)
    locks = cfg.bus.locks_per_board
    assert [c.label for c in outcome.compartments] == [f"A{n:02d}" for n in range(1, locks + 1)]
    assert result.dead == []


def test_a_wrong_first_guess_is_corrected_by_the_first_lock_that_releases(sims) -> None:
    sim, url = simulator(sims, boards=1)
    for lock in range(1, 11):  # most doors were left open: the vote says "0 is latched"
        sim.door(0, lock, "open")
    cfg = config_from_dict({"bus": {"url": url}}, env={})
    lines: list[str] = []
    outcome = Commissioning(cfg, Options(auto=True, close_timeout=0.2, **FAST), say=lines.append).run()
    [result] = outcome.results
    assert (result.latched_bit, result.confirmed) == (1, True)
    assert any("polarity corrected" in line for line in lines)
    assert [c.lock for c in outcome.compartments] == list(range(11, 17))
    assert {(d.lock, d.reason) for d in result.dead} == {(n, "open_before") for n in range(1, 11)}
    assert result.still_open == [f"A{n}" for n in range(11, 17)]  # nobody closed them


def test_auto_says_which_doors_are_still_open_after_the_close_timeout(sims) -> None:
    sim, url = simulator(sims, boards=1)
    cfg = config_from_dict({"bus": {"url": url}}, env={})
    lines: list[str] = []
    started = time.monotonic()
    outcome = Commissioning(cfg, Options(auto=True, close_timeout=0.3, **FAST), say=lines.append).run()
    assert outcome.results[0].still_open == [f"A{n:02d}" for n in range(1, 17)]
    assert any(line.startswith("Cửa còn mở / doors still open: A01") for line in lines)
    assert time.monotonic() - started < 10


def test_two_buses_get_distinct_labels_and_compartments_name_their_bus(sims, tmp_path) -> None:
    sim_a, url_a = simulator(sims, boards=1)
    sim_b, url_b = simulator(sims, boards=2, board_type="winnsen")
    sim_b.fault("jam", board=1, lock=16)
    raw = {"bus": [{"name": "left", "url": url_a}, {"name": "right", "url": url_b, "protocol": "winnsen"}]}
    cfg = config_from_dict(raw, env={})
    with technician_closing_doors(sim_a, sim_b):
        outcome = Commissioning(cfg, Options(auto=True, close_timeout=5, label_prefix="T", **FAST),
                                say=lambda _: None).run()
    by_label = {c.label: c for c in outcome.compartments}
    assert by_label["TA01"].bus == "left" and by_label["TB01"].bus == "right" and by_label["TC15"].board == 1
    assert "TC16" not in by_label and outcome.dead == [DeadLock("right", 1, 16, "jammed")]
    assert outcome.latched_bits() == {"left": 1, "right": 0}
    text = outcome.toml()
    assert 'bus = "right"' in text and "# [bus] right: latched_bit = 0" in text
    config_from_dict({**raw, "compartment": [c.__dict__ for c in outcome.compartments]}, env={})


def test_commissioning_one_bus_keeps_the_other_buses_compartments(sims) -> None:
    sim, url = simulator(sims, boards=1)
    raw = {"bus": [{"name": "left", "url": "loop://"}, {"name": "right", "url": url}],
           "compartment": [{"label": "A01", "board": 0, "lock": 1, "size": "L", "bus": "left"}]}
    cfg = config_from_dict(raw, env={})
    with technician_closing_doors(sim):
        outcome = Commissioning(cfg, Options(auto=True, close_timeout=5, **FAST), say=lambda _: None).run(["right"])
    labels = [c.label for c in outcome.compartments]
    assert labels[0] == "A01" and outcome.compartments[0].bus == "left"
    assert labels[1:] == [f"B{n:02d}" for n in range(1, 17)]  # letter A is taken by the other bus


# ---- questions --------------------------------------------------------------------------------

class Technician:
    """Answers the questions by looking at the cabinet, with a few typing mistakes first."""

    def __init__(self, sim: Simulator, doors: dict[tuple[int, int], str], *, leave_open: str = "") -> None:
        self.sim, self.doors, self.leave_open = sim, doors, leave_open
        self.mistakes = ["A1 XL", "A1 M L", "-bad", "D16"]
        self.asked: list[str] = []
        self.answered: set[str] = set()

    def open_doors(self) -> list[tuple[int, int]]:
        return [(b["address"], e["lock"]) for b in self.sim.state()["boards"] for e in b["locks"]
                if e["door"] == "open"]

    def __call__(self, question: str) -> str:
        self.asked.append(question)
        assert len(self.asked) < 200, "the questions go round in circles"
        if question.startswith("Cửa nào"):
            opened = [door for door in self.open_doors() if self.doors[door] not in self.answered]
            label = self.doors[opened[0]] if opened else ""
            if label == "D10" and self.mistakes:
                return self.mistakes.pop(0)
            self.answered.add(label)
            return label + (" L" if label == "D1" else "")
        if question.startswith("Đóng cửa") and self.leave_open and self.leave_open in question:
            return ""
        if question.startswith("Enter = kiểm tra lại"):
            return "b"
        for board, lock in self.open_doors():
            self.sim.door(board, lock, "close")
        return ""


def test_questions_map_doors_labelled_by_the_technician_and_ask_again_after_bad_answers(sims) -> None:
    sim, url = simulator(sims, boards=1)
    sim.fault("jam", board=0, lock=2)
    doors = {(0, n): f"D{17 - n}" for n in range(1, 17)}  # labels run the other way round
    tech = Technician(sim, doors, leave_open="D4")
    raw = {"bus": {"url": url}, "compartment": [{"label": "D3", "board": 0, "lock": 9, "size": "S"}]}
    lines: list[str] = []
    outcome = Commissioning(config_from_dict(raw, env={}), Options(**FAST), say=lines.append, ask=tech).run()
    [result] = outcome.results
    got = {(c.board, c.lock): (c.label, c.size) for c in outcome.compartments}
    expected = {key: (label, "M") for key, label in doors.items() if key != (0, 2)}
    expected[(0, 16)] = ("D1", "L")  # typed with a size
    expected[(0, 14)] = ("D3", "S")  # kept the size the configuration gave D3
    assert got == expected
    assert result.dead == [DeadLock("main", 0, 2, "no_door")]
    assert result.still_open == ["D4"]
    for message in ("size must be S, M or L", "type a label and a size", "a label is 1-16",
                    "label D16 is already used"):
        assert any(message in line for line in lines), message
    assert (result.latched_bit, result.confirmed) == (1, True)


# ---- the click command ------------------------------------------------------------------------

def run(*args: str, input: str | None = None):  # noqa: ANN201 - click Result
    return CliRunner().invoke(commission_command, list(args), input=input)


def test_command_writes_the_file_with_a_backup_and_the_result_loads(sims, tmp_path) -> None:
    sim, url = simulator(sims, boards=1, latched_bit=0)
    sim.fault("jam", board=0, lock=5)
    path = write_config(tmp_path, url)
    with technician_closing_doors(sim):
        result = run("--config", str(path), "--auto", "--write", "--size", "l", "--probe-timeout-ms", "20",
                     "--release-timeout-ms", "300", "--close-timeout", "5")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "locker.toml.bak").read_text(encoding="utf-8") == TEXT.replace("URL", url)
    cfg = load_config(path)
    assert cfg.bus.latched_bit == 0 and len(cfg.compartments) == 15
    assert {c.size for c in cfg.compartments} == {"L"}
    assert "bo mạch/board 0 khóa/lock 5: chốt không nhả / the latch did not release" in result.output
    assert "old compartments dropped: OLD1, OLD2" in result.output
    assert "# The SMS gateway" in path.read_text(encoding="utf-8")


def test_command_without_write_prints_toml_and_leaves_the_file_alone(sims, tmp_path) -> None:
    sim, url = simulator(sims, boards=1)
    path = write_config(tmp_path, url)
    with technician_closing_doors(sim):
        result = run("--config", str(path), "--auto", "--probe-timeout-ms", "20", "--label-scheme", "number",
                     "--close-timeout", "5")
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8") == TEXT.replace("URL", url)
    assert not (tmp_path / "locker.toml.bak").exists()
    toml = result.output[result.output.index("# [bus] main: latched_bit = 1"):]
    parsed = __import__("tomllib").loads(toml)
    assert [c["label"] for c in parsed["compartment"]] == [f"{n:02d}" for n in range(1, 17)]


def test_interrupting_the_questions_leaves_the_file_untouched(sims, tmp_path) -> None:
    sim, url = simulator(sims, boards=1)
    path = write_config(tmp_path, url)
    result = run("--config", str(path), "--write", "--probe-timeout-ms", "20", input="A01\n")  # then input ends
    assert result.exit_code == 130, result.output
    assert path.read_text(encoding="utf-8") == TEXT.replace("URL", url)
    assert not (tmp_path / "locker.toml.bak").exists()
