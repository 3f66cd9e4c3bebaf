"""Maintenance over HTTP against a real runtime and the in-process simulator: who may
open what, reasons, out of service and back, the check run and the hardware view."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from api.app import create_app
from api.runtime import Runtime
from firmware_sim.layout import demo_compartments
from firmware_sim.simulator import Simulator
from locker import accounts
from locker.config import config_from_dict
from locker.models import Compartment
from tests.support.net import wait_for


@pytest.fixture(scope="module")
def cabinet(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("maintenance")
    sim = Simulator(boards=1, spring_delay=0.05)
    config = config_from_dict({
        "database": {"url": f"sqlite:///{tmp / 'locker.db'}"},
        "bus": {"url": sim.serve_bus("inprocess"), "poll_interval_ms": 30},
        "security": {"secret_file": str(tmp / "secret")},
        "compartment": demo_compartments(1),
    }, env={})
    runtime = Runtime.from_config(config)
    runtime.db.upgrade()
    headers = {}
    with runtime.db.session() as s:
        for name, role in (("ann", "clerk"), ("tom", "technician")):
            accounts.create_account(s, name, role, "a long password")
            headers[role] = {"Authorization": f"Bearer {accounts.create_token(s, name)}"}
    runtime.start()
    try:
        yield create_app(runtime).test_client(), runtime, sim, headers
    finally:
        runtime.stop()
        sim.close()


def board_lock(runtime, label):
    comp = next(c for c in runtime.config.compartments if c.label == label)
    return comp.board, comp.lock


def item_seen(runtime, label):
    with runtime.db.session() as s:
        return s.execute(select(Compartment.item).where(Compartment.label == label)).scalar_one()


def close_when_open(sim, runtime, label):
    board, lock = board_lock(runtime, label)
    wait_for(lambda: sim.lock_state(board, lock)["door"] == "open", message=f"{label} open")
    sim.door(board, lock, "close")


def test_a_clerk_opening_a_free_compartment_is_refused_and_nothing_is_pulsed(cabinet):
    client, runtime, sim, headers = cabinet
    frames = sim.log.last_n
    resp = client.post("/api/v1/maintenance/openings?lang=en", headers=headers["clerk"],
                       json={"compartment": "A03", "reason": "look"})
    assert resp.status_code == 403 and resp.get_json()["error"] == "forbidden"
    assert "not allowed" in resp.get_json()["message"]
    assert sim.lock_state(*board_lock(runtime, "A03"))["latched"] is True
    assert not [f for f in sim.frames(frames) if f["dir"] == "host>board" and f["hex"].startswith("02 00 31")]


@pytest.mark.parametrize("body", [{"compartment": "A03"}, {"compartment": "A03", "reason": " "}])
def test_a_reason_is_required_in_both_languages(cabinet, body):
    client, _, _, headers = cabinet
    vi = client.post("/api/v1/maintenance/openings", headers=headers["technician"], json=body)
    en = client.post("/api/v1/maintenance/openings?lang=en", headers=headers["technician"], json=body)
    assert vi.status_code == en.status_code == 400 and vi.get_json()["field"] == "reason"
    assert "lý do" in vi.get_json()["message"] and "reason" in en.get_json()["message"]


def test_clerks_cannot_run_the_weekly_check_or_see_the_hardware(cabinet):
    client, _, _, headers = cabinet
    for method, path in (("post", "/api/v1/maintenance/runs"), ("get", "/api/v1/technician/hardware"),
                         ("post", "/api/v1/maintenance/runs/1/next"), ("post", "/api/v1/maintenance/runs/1/finish")):
        resp = getattr(client, method)(path, headers=headers["clerk"])
        assert resp.status_code == 403, path
    for path in ("/api/v1/maintenance/openings", "/api/v1/compartments/A01/out-of-service",
                 "/api/v1/compartments/A01/back-in-service", "/api/v1/maintenance/runs"):
        assert client.post(path, json={"compartment": "A01", "reason": "x"}).status_code == 401, path


def test_out_of_service_opening_and_back(cabinet):
    client, runtime, sim, headers = cabinet
    tech = headers["technician"]
    missing = client.post("/api/v1/compartments/A04/out-of-service", headers=tech, json={})
    assert missing.status_code == 400 and missing.get_json()["field"] == "reason"
    resp = client.post("/api/v1/compartments/A04/out-of-service", headers=tech, json={"reason": "hinge loose"})
    assert resp.status_code == 200 and resp.get_json()["state"] == "out_of_service"
    opening = client.post("/api/v1/maintenance/openings", headers=tech,
                          json={"compartment": "A04", "reason": "fix hinge"}).get_json()
    sim.item(*board_lock(runtime, "A04"), True)  # a screwdriver left inside
    wait_for(lambda: item_seen(runtime, "A04"), message="the item sensor reads the screwdriver")
    close_when_open(sim, runtime, "A04")
    wait_for(lambda: runtime.service.get_maintenance_opening(opening["id"])["status"] == "closed",
             message="opening closed")
    seen = client.get(f"/api/v1/maintenance/openings/{opening['id']}", headers=tech).get_json()
    assert seen["latch_released"] and seen["door_opened"] and seen["item"] is True
    refused = client.post("/api/v1/compartments/A04/back-in-service", headers=tech, json={"reason": "fixed"})
    assert refused.status_code == 409
    sim.item(*board_lock(runtime, "A04"), False)
    wait_for(lambda: client.post("/api/v1/compartments/A04/back-in-service", headers=tech,
                                 json={"reason": "fixed"}).status_code == 200, message="back in service")
    events = [e for e in runtime.service.events_after(0, 1000) if e["compartment"] == "A04"]
    assert {"maintenance_opening", "compartment_returned"} <= {e["kind"] for e in events}
    assert any(e["kind"] == "maintenance_opening" and e["actor"] == "tom" and e["data"]["reason"] == "fix hinge"
               for e in events)


def test_hardware_view_names_boards_scanner_gpio_and_no_printer(cabinet):
    client, _, _, headers = cabinet
    body = client.get("/api/v1/technician/hardware", headers=headers["technician"]).get_json()
    assert body["printer"] is None and body["buses"][0]["name"] == "main"
    board = body["boards"][0]
    assert board["state"] == "online" and board["frames_sent"] > 0 and board["latency_ms"]["max"] > 0
    assert set(board["errors"]) >= {"no_answer", "checksum"}
    assert body["scanner"]["state"] == "absent" and body["gpio"]["state"] == "absent"
