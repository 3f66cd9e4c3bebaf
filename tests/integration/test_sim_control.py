"""The /sim/* control API through Flask's test client, and the standalone runner."""

from __future__ import annotations

import time

import pytest
import serial

from firmware_sim.control import create_control_app
from firmware_sim.runner import SimulatorSetupError, run_standalone
from firmware_sim.simulator import Simulator

READ_BOARD_0 = bytes([0x02, 0x00, 0x30, 0x03, (0x02 + 0x30 + 0x03) & 0xFF])


@pytest.fixture
def sim():
    simulator = Simulator(boards=2, seed=3, spring_delay=0.0)
    yield simulator
    simulator.close()


@pytest.fixture
def client(sim):
    return create_control_app(sim).test_client()


@pytest.fixture
def bus(sim):
    port = serial.serial_for_url(sim.serve_bus("inprocess"), timeout=1.0)
    yield port
    port.close()


def assert_bad_request(response, error: str | None = None) -> None:
    assert response.status_code == 400, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error", "message"}
    assert " / " in body["message"]
    if error is not None:
        assert body["error"] == error


def test_state_has_the_contract_shape(client):
    body = client.get("/sim/state").get_json()
    assert [b["address"] for b in body["boards"]] == [0, 1]
    for board in body["boards"]:
        assert set(board) == {"address", "locks", "pulse_ms"}  # pulse_ms: Kerong CU16 0x37
        assert board["pulse_ms"] == 500
        assert [lk["lock"] for lk in board["locks"]] == list(range(1, 17))
        assert all(lk == {"lock": lk["lock"], "door": "closed", "latched": True,
                          "item": False, "jammed": False} for lk in board["locks"])


def test_door_open_is_forced_then_close(client):
    opened = client.post("/sim/door", json={"board": 1, "lock": 5, "action": "open"})
    assert opened.status_code == 200
    assert opened.get_json() == {"board": 1, "lock": 5, "door": "open", "latched": False,
                                 "item": False, "jammed": False, "forced": True}
    closed = client.post("/sim/door", json={"board": 1, "lock": 5, "action": "close"}).get_json()
    assert closed["door"] == "closed" and closed["latched"] is True and closed["forced"] is False


def test_item_shows_in_the_board_status(client, bus):
    assert client.post("/sim/item", json={"board": 0, "lock": 9, "present": True}).status_code == 200
    bus.write(READ_BOARD_0)
    reply = bus.read(9)
    assert reply[5:7] == bytes([0x00, 0x01])
    state = client.get("/sim/state").get_json()
    assert state["boards"][0]["locks"][8]["item"] is True


def test_scan_reaches_the_scanner_port(sim, client):
    port = serial.serial_for_url(sim.serve_scanner("inprocess"), timeout=1.0)
    try:
        before = time.monotonic_ns()
        answer = client.post("/sim/scan", json={"data": "QR:abc"}).get_json()
        assert answer["data"] == "QR:abc"
        assert before <= answer["t_first_ns"] <= answer["t_last_ns"] <= time.monotonic_ns()
        assert port.read(8) == b"QR:abc\r\n"
    finally:
        port.close()


def test_fault_offline_then_clear(client, bus):
    body = client.post("/sim/fault", json={"kind": "offline", "board": 0, "lock": None,
                                            "count": None}).get_json()
    assert body == {"faults": [{"kind": "offline", "board": 0, "lock": None, "count": 0}]}
    bus.timeout = 0.1
    bus.write(READ_BOARD_0)
    assert bus.read(9) == b""
    assert client.post("/sim/fault", json={"kind": "clear"}).get_json() == {"faults": []}
    bus.timeout = 1.0
    bus.write(READ_BOARD_0)
    assert len(bus.read(9)) == 9


def test_jam_fault_shows_in_state(client):
    client.post("/sim/fault", json={"kind": "jam", "board": 1, "lock": 2, "count": 1})
    state = client.get("/sim/state").get_json()
    assert state["boards"][1]["locks"][1]["jammed"] is True
    assert client.get("/sim/faults").get_json()["faults"] == [{"kind": "jam", "board": 1, "lock": 2}]


def test_frames_after(client, bus):
    bus.write(READ_BOARD_0)
    bus.read(9)
    frames = client.get("/sim/frames").get_json()
    assert [(f["n"], f["dir"]) for f in frames] == [(1, "host>board"), (2, "board>host")]
    assert frames[0]["hex"] == "02 00 30 03 35" and isinstance(frames[0]["t_ns"], int)
    assert client.get("/sim/frames?after=1").get_json() == frames[1:]
    assert client.get("/sim/frames?after=1&limit=0").get_json() == []


@pytest.mark.parametrize("path, payload, error", [
    ("/sim/door", "{not json", "invalid_json"),
    ("/sim/door", "[1, 2]", "invalid_json"),
    ("/sim/door", "null", "invalid_json"),
    ("/sim/door", {"board": 0, "lock": 1}, "missing_field"),
    ("/sim/door", {"board": "0", "lock": 1, "action": "open"}, "unknown_board"),
    ("/sim/door", {"board": 0, "lock": 1.0, "action": "open"}, "unknown_lock"),
    ("/sim/door", {"board": False, "lock": 1, "action": "open"}, "unknown_board"),
    ("/sim/door", {"board": 10 ** 30, "lock": 1, "action": "open"}, "unknown_board"),
    ("/sim/door", {"board": 0, "lock": 0, "action": "open"}, "unknown_lock"),
    ("/sim/door", {"board": 0, "lock": 1, "action": ["open"]}, "unknown_action"),
    ("/sim/item", {"board": 0, "lock": 1, "present": "yes"}, "invalid_field"),
    ("/sim/item", {"board": 9, "lock": 1, "present": True}, "unknown_board"),
    ("/sim/scan", {"data": 12345}, "invalid_field"),
    ("/sim/scan", {"data": ""}, "invalid_field"),
    ("/sim/scan", {}, "missing_field"),
    ("/sim/fault", {"kind": "earthquake"}, "unknown_fault"),
    ("/sim/fault", {"kind": {"a": 1}}, "unknown_fault"),
    ("/sim/fault", {"kind": "slow", "count": -2}, "invalid_field"),
    ("/sim/fault", {"kind": "slow", "count": "3"}, "invalid_field"),
    ("/sim/fault", {"kind": "jam", "board": 7}, "unknown_board"),
    ("/sim/fault", {"kind": "jam", "lock": 2}, "unknown_lock"),
])
def test_bad_posts_are_400_and_change_nothing(sim, client, path, payload, error):
    before = client.get("/sim/state").get_json()
    if isinstance(payload, str):
        response = client.post(path, data=payload, content_type="application/json")
    else:
        response = client.post(path, json=payload)
    assert_bad_request(response, error)
    assert client.get("/sim/state").get_json() == before
    assert sim.faults_active() == []


@pytest.mark.parametrize("query", ["after=abc", "after=-1", "after=1.5", "after=" + "9" * 40,
                                   "limit=x", "after=%EF%BC%91"])
def test_bad_frame_queries_are_400(client, query):
    assert_bad_request(client.get(f"/sim/frames?{query}"), "invalid_field")


def test_unknown_route_and_method_are_json(client):
    missing = client.get("/sim/nothing")
    assert missing.status_code == 404 and "error" in missing.get_json()
    wrong = client.get("/sim/door")
    assert wrong.status_code == 405 and "error" in wrong.get_json()


@pytest.mark.parametrize("options", [
    {"serial": "com3"},
    {"scanner": "tcp://localhost"},
    {"control": "8001"},
    {"board_type": "winnsen-x"},
    {"boards": 0},
])
def test_runner_rejects_bad_options(options):
    settings = {"serial": "tcp://127.0.0.1:0", "scanner": "tcp://127.0.0.1:0",
                "control": "127.0.0.1:0", **options}
    printed = []
    with pytest.raises(SimulatorSetupError) as caught:
        run_standalone(**settings, out=printed.append)
    assert " / " in str(caught.value) and printed == []


def test_runner_reports_an_address_in_use():
    import socket
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(SimulatorSetupError) as caught:
            run_standalone(serial="tcp://127.0.0.1:0", scanner="tcp://127.0.0.1:0",
                           control=f"127.0.0.1:{port}", out=lambda line: None)
    assert caught.value.code == "address_unavailable"


def test_index_lists_the_endpoints(client):
    body = client.get("/sim/").get_json()
    assert body["boards"] == 2 and "GET /sim/state" in body["endpoints"]


def test_state_shows_the_scanner_and_the_gpio_beside_the_boards():
    from firmware_sim.control import create_control_app
    from firmware_sim.simulator import Simulator

    sim = Simulator(boards=1, scanner_model="datalogic")
    try:
        state = create_control_app(sim).test_client().get("/sim/state").get_json()
        assert {"boards", "scanner", "gpio"} <= set(state)
        assert state["scanner"]["model"] == "datalogic"
    finally:
        sim.close()
