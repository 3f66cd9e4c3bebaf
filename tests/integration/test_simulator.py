"""Byte-level tests of the hardware simulator through plain pyserial."""

from __future__ import annotations

import socket
import time
import tomllib

import pytest
import serial

from firmware_sim.framelog import FrameLog
from firmware_sim.layout import config_toml, demo_compartments
from firmware_sim.simulator import Simulator, SimulatorError
from tests.support.kerong import frame, read_cmd, unlock_cmd
from tests.support.net import wait_for

TRANSPORTS = ("tcp", "pty", "inprocess")


def decode_status(reply: bytes) -> dict:
    assert len(reply) == 9, reply.hex(" ")
    assert reply[0] == 0x02 and reply[2] == 0x35 and reply[7] == 0x03
    assert reply[8] == sum(reply[:8]) & 0xFF
    return {"addr": reply[1], "latch": reply[3] | reply[4] << 8, "items": reply[5] | reply[6] << 8}


def lock_state(sim: Simulator, board: int, lock: int) -> dict:
    return sim.state()["boards"][board]["locks"][lock - 1]


@pytest.fixture
def sim():
    simulator = Simulator(boards=2, seed=7, spring_delay=0.05, slow_delay=0.4)
    yield simulator
    simulator.close()


@pytest.fixture(params=TRANSPORTS)
def bus(request, sim):
    port = serial.serial_for_url(sim.serve_bus(request.param), timeout=1.0)
    yield port
    port.close()


def ask(port, data: bytes, size: int = 9) -> bytes:
    port.write(data)
    return port.read(size)


def silence(port, data: bytes, wait: float = 0.1) -> bytes:
    port.write(data)
    port.timeout = wait
    try:
        return port.read(64)
    finally:
        port.timeout = 1.0


# ---- the protocol ----------------------------------------------------------------------

def test_reference_frames_match_recomputed_checksums():
    assert read_cmd(0) == bytes.fromhex("0200300335")
    assert read_cmd(1) == bytes.fromhex("0210300345")
    assert unlock_cmd(0, 1) == bytes.fromhex("0200310336")
    assert unlock_cmd(0, 16) == bytes.fromhex("020F310345")


def test_read_board_reports_latches_and_items(sim, bus):
    sim.item(0, 3, True)
    sim.item(0, 16, True)
    status = decode_status(ask(bus, read_cmd(0)))
    assert status == {"addr": 0x00, "latch": 0xFFFF, "items": (1 << 2) | (1 << 15)}
    assert decode_status(ask(bus, read_cmd(1)))["addr"] == 0x10


def test_unlock_releases_latch_then_door_springs_open():
    sim = Simulator(boards=1, spring_delay=0.2)
    try:
        port = serial.serial_for_url(sim.serve_bus("inprocess"), timeout=1.0)
        status = decode_status(ask(port, unlock_cmd(0, 1)))
        assert status["latch"] == 0xFFFE
        assert lock_state(sim, 0, 1) == {"lock": 1, "door": "closed", "latched": False,
                                         "item": False, "jammed": False}
        assert wait_for(lambda: lock_state(sim, 0, 1)["door"] == "open")
        port.close()
    finally:
        sim.close()


def test_unlock_through_each_transport_and_close_engages_latch(sim, bus):
    assert decode_status(ask(bus, unlock_cmd(1, 16)))["latch"] == 0x7FFF
    assert wait_for(lambda: lock_state(sim, 1, 16)["door"] == "open")
    sim.door(1, 16, "close")
    assert lock_state(sim, 1, 16) == {"lock": 16, "door": "closed", "latched": True,
                                      "item": False, "jammed": False}
    assert decode_status(ask(bus, read_cmd(1)))["latch"] == 0xFFFF


def test_pulse_on_released_latch_is_accepted(sim, bus):
    ask(bus, unlock_cmd(0, 2))
    assert decode_status(ask(bus, unlock_cmd(0, 2)))["latch"] == 0xFFFD


def test_latched_door_never_opens_by_itself(sim):
    time.sleep(0.1)
    assert all(lk["door"] == "closed" and lk["latched"]
               for board in sim.state()["boards"] for lk in board["locks"])


def test_latch_polarity_zero():
    sim = Simulator(boards=1, latched_bit=0, spring_delay=0.0)
    try:
        port = serial.serial_for_url(sim.serve_bus("inprocess"), timeout=1.0)
        assert decode_status(ask(port, read_cmd(0)))["latch"] == 0x0000
        assert decode_status(ask(port, unlock_cmd(0, 5)))["latch"] == 0x0010
        port.close()
    finally:
        sim.close()


def test_unlock_without_answer_option():
    sim = Simulator(boards=1, answer_unlock=False)
    try:
        port = serial.serial_for_url(sim.serve_bus("inprocess"), timeout=1.0)
        assert silence(port, unlock_cmd(0, 1)) == b""
        assert decode_status(ask(port, read_cmd(0)))["latch"] == 0xFFFE
        port.close()
    finally:
        sim.close()


def test_unlock_all_pulses_every_lock(sim, bus):
    status = decode_status(ask(bus, frame(0x02, 0x10, 0x33, 0x03)))
    assert status["addr"] == 0x10 and status["latch"] == 0x0000
    assert decode_status(ask(bus, read_cmd(0)))["latch"] == 0xFFFF


def test_set_pulse_time(sim, bus):
    reply = ask(bus, frame(0x02, 0x00, 0x37, 0x00, 0x64, 0x03))
    assert decode_status(reply)["latch"] == 0xFFFF
    assert sim.cabinet.pulse_ms(0) == 1000


def test_wrong_checksum_and_unknown_command_get_no_answer(sim, bus):
    assert silence(bus, bytes.fromhex("0200300336")) == b""
    assert silence(bus, frame(0x02, 0x00, 0x3A, 0x03)) == b""
    assert decode_status(ask(bus, read_cmd(0)))["addr"] == 0
    logged = [e["hex"] for e in sim.frames()]
    assert logged[0] == "02 00 30 03 36"


def test_absent_board_stays_silent(sim, bus):
    assert silence(bus, read_cmd(5)) == b""


def test_garbage_before_a_frame_is_skipped_and_logged(sim, bus):
    assert decode_status(ask(bus, b"\xff\x10" + read_cmd(0)))["addr"] == 0
    assert [e["hex"] for e in sim.frames()][:2] == ["FF 10", "02 00 30 03 35"]


def test_pause_drops_a_partial_frame(sim, bus):
    bus.write(read_cmd(0)[:2])
    assert wait_for(lambda: sim.frames(), 1.0)[0]["hex"] == "02 00"
    assert decode_status(ask(bus, read_cmd(0)))["addr"] == 0


def test_frame_split_across_writes_is_reassembled(sim, bus):
    command = read_cmd(1)
    bus.write(command[:3])
    bus.write(command[3:])
    assert decode_status(bus.read(9))["addr"] == 0x10


def test_the_frame_log_times_each_frame_s_first_and_last_byte(sim):
    port = serial.serial_for_url(sim.serve_bus("inprocess"), timeout=1.0)
    try:
        port.write(b"\xff" + read_cmd(0)[:2])
        time.sleep(0.01)
        port.write(read_cmd(0)[2:])
        assert len(port.read(9)) == 9
        garbage, request, answer = sim.frames()
        # unpaced: the bytes' own arrival times; the split request spans its two writes
        assert garbage["t_first_ns"] == garbage["t_last_ns"] <= request["t_first_ns"]
        assert request["t_last_ns"] - request["t_first_ns"] >= 10_000_000 and request["t_last_ns"] == request["t_ns"]
        assert answer["t_first_ns"] == answer["t_last_ns"] == answer["t_ns"]
        char_ns = 10 * 1e9 / 19200
        sim.line.pace(19200)
        first = sim.log.last_n
        port.write(read_cmd(1))
        assert len(port.read(9)) == 9
        request, answer = sim.frames(after=first)
        # paced: a character is 10 bits at the baud rate, from when the host wrote it
        assert request["t_last_ns"] - request["t_first_ns"] == pytest.approx(5 * char_ns, abs=5)
        assert answer["t_last_ns"] - answer["t_first_ns"] == pytest.approx(9 * char_ns, abs=5)
        assert answer["t_first_ns"] - request["t_last_ns"] >= sim.line.reply_delay * 1e9
    finally:
        port.close()


# ---- door actions and faults -----------------------------------------------------------

def test_forced_opening(sim, bus):
    assert sim.door(0, 4, "open") is True
    assert lock_state(sim, 0, 4) == {"lock": 4, "door": "open", "latched": False,
                                     "item": False, "jammed": False}
    assert [(f.board, f.lock) for f in sim.cabinet.forced_openings] == [(0, 4)]
    assert decode_status(ask(bus, read_cmd(0)))["latch"] == 0xFFF7
    sim.door(0, 4, "close")
    assert sim.door(0, 4, "close") is False
    assert lock_state(sim, 0, 4)["latched"] is True


def test_jam_keeps_latch_until_count_runs_out(sim, bus):
    sim.fault("jam", board=0, lock=1, count=1)
    assert lock_state(sim, 0, 1)["jammed"] is True
    assert decode_status(ask(bus, unlock_cmd(0, 1)))["latch"] == 0xFFFF
    assert lock_state(sim, 0, 1)["jammed"] is False
    assert decode_status(ask(bus, unlock_cmd(0, 1)))["latch"] == 0xFFFE


def test_jam_until_cleared(sim, bus):
    sim.fault("jam", board=1)
    for _ in range(3):
        assert decode_status(ask(bus, unlock_cmd(1, 7)))["latch"] == 0xFFFF
    assert all(lk["jammed"] for lk in sim.state()["boards"][1]["locks"])
    sim.fault("clear")
    assert decode_status(ask(bus, unlock_cmd(1, 7)))["latch"] == 0xFFBF


def test_offline_board_until_cleared(sim, bus):
    sim.fault("offline", board=0)
    assert silence(bus, read_cmd(0)) == b""
    assert silence(bus, unlock_cmd(0, 1)) == b""
    assert lock_state(sim, 0, 1)["latched"] is True
    assert decode_status(ask(bus, read_cmd(1)))["addr"] == 0x10
    sim.fault("clear")
    assert decode_status(ask(bus, read_cmd(0)))["addr"] == 0


def test_count_limits_the_affected_frames(sim, bus):
    sim.fault("no_reply", count=2)
    assert silence(bus, read_cmd(0)) == b""
    assert silence(bus, read_cmd(1)) == b""
    assert decode_status(ask(bus, read_cmd(0)))["addr"] == 0
    assert sim.faults_active() == []


def test_no_reply_ignores_the_command(sim, bus):
    sim.fault("no_reply", board=0, count=1)
    assert silence(bus, unlock_cmd(0, 1)) == b""
    assert lock_state(sim, 0, 1)["latched"] is True


def test_lost_reply_acts_but_answers_nothing(sim, bus):
    sim.fault("lost_reply", board=0, count=1)
    assert silence(bus, unlock_cmd(0, 1)) == b""
    assert lock_state(sim, 0, 1)["latched"] is False


def test_bad_checksum(sim, bus):
    sim.fault("bad_checksum", board=0, count=1)
    reply = ask(bus, read_cmd(0))
    good = ask(bus, read_cmd(0))
    assert reply[:8] == good[:8] and reply[8] != good[8]
    assert decode_status(good)["addr"] == 0


def test_junk_precedes_a_good_frame(sim, bus):
    sim.fault("junk", count=1)
    bus.write(read_cmd(0))
    bus.timeout = 0.2
    reply = bus.read(64)
    junk, status = reply[:-9], reply[-9:]
    assert 1 <= len(junk) <= 4 and 0x02 not in junk
    assert decode_status(status)["addr"] == 0


def test_drop_bytes_removes_some_bytes(sim, bus):
    good = ask(bus, read_cmd(0))
    sim.fault("drop_bytes", board=0, count=1)
    reply = silence(bus, read_cmd(0), wait=0.2)
    assert 6 <= len(reply) < 9
    remaining = iter(good)
    assert all(byte in remaining for byte in reply)


def test_slow_reply_arrives_late(sim, bus):
    sim.fault("slow", count=1)
    started = time.monotonic()
    bus.write(read_cmd(0))
    assert bus.read(9) and time.monotonic() - started >= 0.39
    started = time.monotonic()
    assert decode_status(ask(bus, read_cmd(0)))["addr"] == 0
    assert time.monotonic() - started < 0.3


def test_clear_removes_every_fault(sim, bus):
    for kind in ("offline", "bad_checksum", "junk", "slow"):
        sim.fault(kind)
    sim.fault("jam", board=0, lock=2)
    sim.fault("clear")
    assert sim.faults_active() == []
    assert decode_status(ask(bus, unlock_cmd(0, 2)))["latch"] == 0xFFFD


def _replies_with_seed(seed: int) -> list[bytes]:
    sim = Simulator(boards=1, seed=seed)
    try:
        port = serial.serial_for_url(sim.serve_bus("inprocess"), timeout=1.0)
        sim.fault("drop_bytes")
        sim.fault("junk")
        replies = []
        for _ in range(6):
            port.write(read_cmd(0))
            first = port.read(1)
            replies.append(first + port.read(port.in_waiting))
        port.close()
        return replies
    finally:
        sim.close()


def test_seeded_faults_replay_identically():
    first = _replies_with_seed(42)
    assert first == _replies_with_seed(42)
    assert first != _replies_with_seed(43)


# ---- the frame log ---------------------------------------------------------------------

def test_frame_log_order_and_timestamps(sim, bus):
    before = time.monotonic_ns()
    ask(bus, read_cmd(0))
    ask(bus, unlock_cmd(1, 3))
    entries = sim.frames()
    assert [e["n"] for e in entries] == [1, 2, 3, 4]
    assert [e["dir"] for e in entries] == ["host>board", "board>host"] * 2
    assert entries[0]["hex"] == "02 00 30 03 35" and entries[2]["hex"] == "02 12 31 03 48"
    stamps = [e["t_ns"] for e in entries]
    assert before <= stamps[0] <= stamps[1] <= stamps[2] <= stamps[3] <= time.monotonic_ns()
    assert sim.frames(after=2) == entries[2:]
    assert sim.frames(after=4) == []


def test_frame_log_is_bounded():
    log = FrameLog(capacity=3)
    for i in range(5):
        log.add("host>board", bytes([i]))
    assert [e["n"] for e in log.after(0)] == [3, 4, 5]
    assert [e["hex"] for e in log.after(4)] == ["04"]


# ---- transports ------------------------------------------------------------------------

def test_tcp_later_connection_replaces_earlier(sim):
    url = sim.serve_bus("tcp")
    first = serial.serial_for_url(url, timeout=0.3)
    second = serial.serial_for_url(url, timeout=1.0)
    try:
        assert decode_status(ask(second, read_cmd(0)))["addr"] == 0
        with pytest.raises(serial.SerialException):
            first.read(9)
    finally:
        first.close()
        second.close()


def test_tcp_port_zero_reports_real_port(sim):
    url = sim.serve_bus("tcp", "127.0.0.1", 0)
    host, port = url.removeprefix("socket://").split(":")
    with socket.create_connection((host, int(port)), timeout=1.0) as conn:
        conn.sendall(read_cmd(0))
        data = b""
        while len(data) < 9:
            data += conn.recv(9)
    assert decode_status(data)["addr"] == 0


def test_inprocess_unknown_name_fails_to_open(sim):
    sim.serve_bus("inprocess")
    with pytest.raises(serial.SerialException):
        serial.serial_for_url("locksim://nobody-here")


# ---- the scanner -----------------------------------------------------------------------

@pytest.mark.parametrize("kind", TRANSPORTS)
def test_scanner_sends_code_with_crlf(sim, kind):
    port = serial.serial_for_url(sim.serve_scanner(kind), timeout=1.0)
    try:
        wait_for(lambda: sim.scanner.connected)
        sim.scan("HS-2024-000123|Nguyễn")
        expected = "HS-2024-000123|Nguyễn".encode() + b"\r\n"
        assert port.read(len(expected)) == expected
    finally:
        port.close()


def test_scanner_suffix_and_backlog():
    sim = Simulator(boards=1, scanner_suffix="LF")
    try:
        url = sim.serve_scanner("inprocess")
        sim.scan("early")
        port = serial.serial_for_url(url, timeout=1.0)
        sim.scan("late")
        assert port.read(11) == b"early\nlate\n"
        port.close()
    finally:
        sim.close()


# ---- bad input -------------------------------------------------------------------------

@pytest.mark.parametrize("call, code", [
    (lambda s: s.door(2, 1, "open"), "unknown_board"),
    (lambda s: s.door(0, 17, "open"), "unknown_lock"),
    (lambda s: s.door(0, True, "open"), "unknown_lock"),
    (lambda s: s.door(0, 1, "slam"), "unknown_action"),
    (lambda s: s.item(0, 1, "yes"), "invalid_field"),
    (lambda s: s.fault("meteor"), "unknown_fault"),
    (lambda s: s.fault("offline", count=-1), "invalid_field"),
    (lambda s: s.fault("jam", lock=3), "unknown_lock"),
    (lambda s: s.scan(""), "invalid_field"),
    (lambda s: s.scan("a\nb"), "invalid_field"),
    (lambda s: s.serve_bus("usb"), "unknown_transport"),
    (lambda s: s.frames(after=-1), "invalid_field"),
])
def test_bad_input_raises_without_changing_state(sim, call, code):
    before = sim.state()
    with pytest.raises(SimulatorError) as caught:
        call(sim)
    assert caught.value.code == code and str(caught.value)
    assert sim.state() == before and sim.faults_active() == []


def test_unknown_board_type_and_count():
    with pytest.raises(SimulatorError):
        Simulator(board_type="abacus")
    with pytest.raises(SimulatorError):
        Simulator(boards=17)


# ---- layout ----------------------------------------------------------------------------

def test_demo_layout_and_config_snippet():
    rooms = demo_compartments(2)
    assert len(rooms) == 32
    assert [r["size"] for r in rooms].count("S") == 12
    assert {r["label"] for r in rooms} >= {"A01", "A16", "B01", "B16"}
    raw = tomllib.loads(config_toml("/dev/pts/7", "socket://127.0.0.1:7702", rooms))
    assert raw["bus"] == {"url": "/dev/pts/7", "protocol": "kerong-cu16", "baudrate": 19200}
    assert raw["scanner"]["url"] == "socket://127.0.0.1:7702"
    assert raw["compartment"] == rooms
    from locker.config import config_from_dict
    cfg = config_from_dict(raw, env={})
    assert len(cfg.compartments) == 32 and cfg.bus.url == "/dev/pts/7"


def test_random_bytes_are_all_logged_and_the_line_recovers(sim):
    import random
    rng = random.Random(5)
    noise = bytes(rng.randrange(256) for _ in range(3000))
    port = serial.serial_for_url(sim.serve_bus("inprocess"), timeout=1.0)
    try:
        for start in range(0, len(noise), 97):
            port.write(noise[start:start + 97])
        logged = lambda: "".join(e["hex"].replace(" ", "") for e in sim.frames()
                                 if e["dir"] == "host>board")
        assert wait_for(lambda: logged() == noise.hex().upper(), 1.0)
        port.reset_input_buffer()
        assert decode_status(ask(port, read_cmd(0)))["addr"] == 0
    finally:
        port.close()
