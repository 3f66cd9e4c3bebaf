"""``locker demo`` keeps the simulated cabinet's items and doors across a restart, and its
simulator page knows each compartment's size and what the service says of it; so does
``locker sim --service URL``."""

from __future__ import annotations

import json

import pytest
import requests

from tests.support.net import free_port, wait_for
from tests.support.processes import LockerProcess

pytestmark = pytest.mark.e2e


def start_demo(workdir, port, run):
    process = LockerProcess("demo", "--host", "127.0.0.1", "--port", str(port), "--data", str(workdir / "demo"),
                            cwd=workdir, name=f"demo-{run}")
    process.wait_http(f"http://127.0.0.1:{port}/healthz")
    return process


def lock(url, board, number):
    state = requests.get(url + "/sim/state", timeout=10).json()
    [found] = [entry for b in state["boards"] if b["address"] == board for entry in b["locks"]
               if entry["lock"] == number]
    return found


def test_items_survive_a_restart_and_the_page_shows_sizes_and_service_states(tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    demo = start_demo(tmp_path, port, 1)
    try:
        tokens = json.loads((tmp_path / "demo" / "demo-tokens.json").read_text(encoding="utf-8"))
        clerk = {"Authorization": f"Bearer {tokens['clerk']}"}
        result = requests.post(url + "/api/v1/results", json={"dossier_code": "HS-77", "phone": "0912345678",
                                                              "size": "S"}, headers=clerk, timeout=10).json()
        board, number = next((c["board"], c["lock"]) for c in requests.get(
            url + "/api/v1/compartments", headers=clerk, timeout=10).json() if c["label"] == result["compartment"])
        wait_for(lambda: lock(url, board, number)["door"] == "open", message="the result's door opens")
        requests.post(url + "/sim/item", json={"board": board, "lock": number, "present": True}, timeout=10)
        requests.post(url + "/sim/door", json={"board": board, "lock": number, "action": "close"}, timeout=10)
        wait_for(lambda: requests.get(f"{url}/api/v1/results/{result['id']}", headers=clerk,
                                      timeout=10).json()["status"] == "ready", message="ready")
        rooms = requests.get(url + "/sim/compartments", timeout=10).json()
        [room] = [r for r in rooms["compartments"] if r["label"] == result["compartment"]]
        assert rooms["service"] == "ok" and room["size"] == "S"
        assert room["service"] == {"state": "holding_result", "door": "closed", "dossier_code": "HS-77"}
        wait_for(lambda: '"item": true' in (tmp_path / "demo" / "sim-state.json").read_text(encoding="utf-8"),
                 message="the simulator's state is written")
    finally:
        assert demo.stop() == 0, demo.output()

    demo = start_demo(tmp_path, port, 2)
    try:
        assert lock(url, board, number)["item"] is True and lock(url, board, number)["door"] == "closed"
        listed = requests.get(url + "/api/v1/compartments", headers=clerk, timeout=10).json()
        assert next(c for c in listed if c["label"] == result["compartment"])["state"] == "holding_result"
    finally:
        assert demo.stop() == 0, demo.output()


def test_locker_sim_shows_the_state_of_the_service_given_with_service(tmp_path):
    import threading

    from flask import Flask, jsonify, request
    from werkzeug.serving import make_server

    service = Flask("service")

    @service.get("/api/v1/compartments")
    def compartments():
        if request.headers.get("Authorization") != "Bearer clerk-token":
            return jsonify({"error": "unauthorized"}), 401
        return jsonify([{"label": "A01", "state": "out_of_service", "door": "closed", "dossier_code": None}])

    server = make_server("127.0.0.1", 0, service)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    control = free_port()
    sim = LockerProcess("sim", "--serial", f"tcp://127.0.0.1:{free_port()}", "--scanner",
                        f"tcp://127.0.0.1:{free_port()}", "--gpio", "none", "--control", f"127.0.0.1:{control}",
                        "--service", f"http://127.0.0.1:{server.server_port}", cwd=tmp_path, name="sim",
                        env={"LOCKER_SIM_SERVICE_TOKEN": "clerk-token"})
    try:
        sim.wait_http(f"http://127.0.0.1:{control}/sim/state")
        body = requests.get(f"http://127.0.0.1:{control}/sim/compartments", timeout=10).json()
        assert body["service"] == "ok"
        assert body["compartments"][0] == {"board": 0, "lock": 1, "label": "A01", "size": "S",
                                           "service": {"state": "out_of_service", "door": "closed",
                                                       "dossier_code": None}}
    finally:
        assert sim.stop() == 0, sim.output()
        server.shutdown()
        thread.join(timeout=5)
