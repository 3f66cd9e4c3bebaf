"""The simulator's cabinet panel: compartments with their sizes and the service's state,
and the doors and items kept across a restart of the demo."""

from __future__ import annotations

import json

from firmware_sim.control import create_control_app
from firmware_sim.keeper import StateKeeper
from firmware_sim.service_link import ServiceLink
from firmware_sim.simulator import Simulator


def test_compartments_carry_size_and_the_service_state():
    sim = Simulator(boards=1, labels={(0, 1): "A01", (0, 2): "A02"})
    sim.sizes = {(0, 1): "S", (0, 2): "L"}
    said = {"A01": {"state": "out_of_service", "door": "closed", "dossier_code": None}}
    try:
        body = create_control_app(sim, service_view=lambda: said).test_client().get("/sim/compartments").get_json()
        assert body["service"] == "ok"
        assert body["compartments"] == [
            {"board": 0, "lock": 1, "label": "A01", "size": "S", "service": said["A01"]},
            {"board": 0, "lock": 2, "label": "A02", "size": "L", "service": None}]
        alone = create_control_app(sim).test_client().get("/sim/compartments").get_json()
        assert alone["service"] == "absent"

        def broken():
            raise RuntimeError("database gone")
        assert create_control_app(sim, service_view=broken).test_client().get(
            "/sim/compartments").get_json()["service"] == "unreachable"
    finally:
        sim.close()


def test_an_unreachable_service_is_unreachable_not_an_error():
    sim = Simulator(boards=1, labels={(0, 1): "A01"})
    link = ServiceLink("http://127.0.0.1:9", token="t", timeout=0.2)
    try:
        body = create_control_app(sim, service_view=link).test_client().get("/sim/compartments").get_json()
        assert body["service"] == "unreachable" and body["compartments"][0]["service"] is None
    finally:
        sim.close()


def test_items_and_open_doors_survive_a_restart(tmp_path):
    path = tmp_path / "sim-state.json"
    first = Simulator(boards=2, spring_delay=0.0)
    keeper = StateKeeper(first, path, interval=0.01)
    keeper.start()
    first.item(0, 3, True)
    first.door(1, 5, "open")
    keeper.stop()
    first.close()
    kept = json.loads(path.read_text(encoding="utf-8"))
    assert {(e["board"], e["lock"]) for e in kept["locks"]} == {(0, 3), (1, 5)}

    again = Simulator(boards=2)
    try:
        assert StateKeeper(again, path).load() == 2
        assert again.lock_state(0, 3) == {"lock": 3, "door": "closed", "latched": True, "item": True,
                                          "jammed": False}
        assert again.lock_state(1, 5)["door"] == "open" and again.lock_state(1, 5)["latched"] is False
        assert again.lock_state(0, 4)["item"] is False
    finally:
        again.close()


def test_a_broken_state_file_restores_nothing(tmp_path):
    path = tmp_path / "sim-state.json"
    sim = Simulator(boards=1)
    try:
        for text in ("{", '{"version": 1, "locks": [{"board": 0, "lock": null}, {"board": 9, "lock": 1}]}',
                     '{"version": 99, "locks": [{"board": 0, "lock": 1, "item": true}]}'):
            path.write_text(text, encoding="utf-8")
            assert StateKeeper(sim, path).load() == 0
        assert sim.lock_state(0, 1)["item"] is False
    finally:
        sim.close()


def test_the_link_asks_the_service_with_the_clerk_token_and_keeps_the_answer_briefly():
    import threading

    from flask import Flask, jsonify, request
    from werkzeug.serving import make_server

    asked = []
    service = Flask("service")

    @service.get("/api/v1/compartments")
    def compartments():
        asked.append(request.headers.get("Authorization"))
        return jsonify([{"label": "A01", "size": "S", "board": 0, "lock": 1, "state": "holding_dropoff",
                         "door": "closed", "dossier_code": "HS-1", "bus": "main"}])

    server = make_server("127.0.0.1", 0, service)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        link = ServiceLink(f"http://127.0.0.1:{server.server_port}/", token="tok-1", max_age=60)
        expected = {"A01": {"state": "holding_dropoff", "door": "closed", "dossier_code": "HS-1"}}
        assert link() == expected and link() == expected
        assert asked == ["Bearer tok-1"]
    finally:
        server.shutdown()
        thread.join(timeout=5)
