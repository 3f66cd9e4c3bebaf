"""The alarms inbox through the real runtime and Flask app, with the in-process
simulator: REST answers and refusals, /metrics and /healthz, alarms clearing
themselves, and the live events the console's stream is fed with."""

from __future__ import annotations

import re
import threading

import pytest

from api.app import create_app
from api.events import EventHub
from api.runtime import Runtime
from firmware_sim.layout import demo_compartments
from firmware_sim.simulator import Simulator
from locker import accounts
from locker.config import config_from_dict
from tests.support.net import wait_for


@pytest.fixture
def cab(tmp_path):
    sim = Simulator(boards=2)
    config = config_from_dict({
        "database": {"url": f"sqlite:///{tmp_path / 'locker.db'}"},
        "bus": {"url": sim.serve_bus("inprocess"), "poll_interval_ms": 50, "answer_timeout_ms": 100},
        "security": {"secret_file": str(tmp_path / "secret")},
        "compartment": demo_compartments(2),
    }, env={})
    runtime = Runtime.from_config(config)
    runtime.db.upgrade()
    with runtime.db.session() as s:
        accounts.create_account(s, "ann", "clerk", "a long password")
        token = accounts.create_token(s, "ann")
    runtime.start()
    try:
        wait_for(lambda: runtime.health()["status"] == "ok", message="healthy")
        client = create_app(runtime).test_client()
        yield Cab(client, runtime, sim, {"Authorization": f"Bearer {token}"})
    finally:
        runtime.stop()
        sim.close()


class Cab:
    def __init__(self, client, runtime, sim, clerk) -> None:
        self.client, self.runtime, self.sim, self.clerk = client, runtime, sim, clerk

    def alarms(self, state: str = "") -> list[dict]:
        response = self.client.get(f"/api/v1/alarms?state={state}", headers=self.clerk)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    def post(self, path: str, body: dict | None = None, lang: str = "vi"):
        return self.client.post(path, json=body if body is not None else {},
                                headers={**self.clerk, "Accept-Language": lang})

    def force_open(self, label: str) -> None:
        comp = next(c for c in self.runtime.config.compartments if c.label == label)
        self.sim.door(comp.board, comp.lock, "open")


def metric(text: str, name: str, kind: str) -> float:
    found = re.search(rf'^{name}{{kind="{kind}"}} (\S+)$', text, re.MULTILINE)
    assert found, f"{name} for {kind} not in /metrics"
    return float(found.group(1))


def test_an_alarm_is_listed_acknowledged_and_resolved_over_http(cab):
    cab.force_open("A03")
    [alarm] = wait_for(lambda: cab.alarms("open"), message="the forced door is an alarm")
    assert (alarm["kind"], alarm["compartment"], alarm["board"], alarm["state"]) == ("forced_open", "A03", 0, "open")
    assert cab.alarms("resolved") == []

    metrics = cab.client.get("/metrics").get_data(as_text=True)
    assert metric(metrics, "locker_alarms_open", "forced_open") == 1
    assert metric(metrics, "locker_alarms_open", "jam") == 0
    health = cab.client.get("/healthz").get_json()
    assert health["alarms"] == {"open": 1, "acknowledged": 0, "by_kind": {"forced_open": 1}}
    assert health["status"] == "ok", "an alarm alone does not make the service degraded"

    ack = f"/api/v1/alarms/{alarm['id']}/ack"
    missing = cab.post(ack, {})
    assert missing.status_code == 400 and missing.get_json()["field"] == "note"
    blank = cab.post(ack, {"note": "  "}, lang="en")
    assert blank.status_code == 400 and "note" in blank.get_json()["message"].lower()
    done = cab.post(ack, {"note": "cửa hỏng khóa, đã báo kỹ thuật"})
    assert done.status_code == 200
    assert {k: done.get_json()[k] for k in ("state", "acknowledged_by", "note")} == {
        "state": "acknowledged", "acknowledged_by": "ann", "note": "cửa hỏng khóa, đã báo kỹ thuật"}
    assert cab.post(ack, {"note": "again"}).status_code == 409
    metrics = cab.client.get("/metrics").get_data(as_text=True)
    assert metric(metrics, "locker_alarms_open", "forced_open") == 0
    assert metric(metrics, "locker_alarms_acknowledged", "forced_open") == 1

    resolved = cab.client.post(f"/api/v1/alarms/{alarm['id']}/resolve", headers=cab.clerk)
    assert resolved.status_code == 200 and resolved.get_json()["resolved_by"] == "ann"
    assert cab.post(f"/api/v1/alarms/{alarm['id']}/resolve").status_code == 409
    assert [a["id"] for a in cab.alarms("resolved")] == [alarm["id"]]
    assert cab.client.get("/healthz").get_json()["alarms"]["open"] == 0


def test_alarm_requests_are_refused_without_a_clerk_and_checked(cab):
    for method, path in (("GET", "/api/v1/alarms"), ("POST", "/api/v1/alarms/1/ack"),
                         ("POST", "/api/v1/alarms/1/resolve")):
        response = cab.client.open(path, method=method, json={"note": "x"})
        assert response.status_code == 401, (method, path)
        wrong = cab.client.open(path, method=method, json={"note": "x"}, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401, (method, path)
    assert cab.post("/api/v1/alarms/999/ack", {"note": "x"}).status_code == 404
    assert cab.client.get("/api/v1/alarms?state=closed", headers=cab.clerk).get_json()["field"] == "state"
    assert cab.post("/api/v1/alarms/1/ack", {"note": 5}).status_code == 400
    assert cab.post("/api/v1/alarms/1/ack", {"note": "x", "extra": 1}).status_code == 400


def test_a_board_offline_alarm_resolves_itself_when_the_board_answers(cab):
    cab.sim.fault("offline", board=1)
    wait_for(lambda: any(a["kind"] == "board_offline" for a in cab.alarms("open")), timeout=15,
             message="board 1 offline raises an alarm")
    cab.sim.fault("clear")
    wait_for(lambda: not cab.alarms("open"), timeout=15, message="the alarm resolves when the board is back")
    [resolved] = cab.alarms("resolved")
    assert (resolved["kind"], resolved["board"], resolved["resolved_by"]) == ("board_offline", 1, "system")


def test_live_events_follow_committed_changes(cab):
    sub = cab.runtime.hub.subscribe()
    assert sub is not None
    seen: list[tuple[str, dict]] = []

    def until(predicate, message):
        def look():
            item = sub.next(timeout=0.2)
            if item is not None:
                seen.append(item)
            return any(predicate(t, d) for t, d in seen)
        wait_for(look, timeout=10, message=message)

    try:
        cab.force_open("B02")
        until(lambda t, d: t == "alarm" and d["kind"] == "forced_open" and d["compartment"] == "B02",
              "the alarm event")
        until(lambda t, d: t == "compartment" and d["label"] == "B02" and d["door"] == "open"
              and [a["kind"] for a in d["alarms"]] == ["forced_open"], "the grid cell event")
        until(lambda t, d: t == "audit" and d["kind"] == "forced_open", "the audit event")
    finally:
        sub.close()
    assert cab.runtime.hub.clients == 0


def test_the_stream_is_bounded_beats_and_ends():
    hub = EventHub(max_clients=2, heartbeat_s=0.05, lifetime_s=0.3)
    first, second = hub.subscribe(), hub.subscribe()
    assert hub.subscribe() is None, "no third stream while two are open"
    body = hub.stream(first)
    assert next(body).startswith("retry: ")
    hub.publish("alarm", {"id": 7, "kind": "tamper"})
    assert next(body) == 'event: alarm\ndata: {"id": 7, "kind": "tamper"}\n\n'
    assert next(body) == ": heartbeat\n\n"
    assert list(body)[-1:] in ([], [": heartbeat\n\n"]), "the stream ends after its lifetime"
    assert hub.clients == 1
    gone = hub.stream(second)
    next(gone)
    gone.close()  # the browser went away: waitress closes the body
    assert hub.clients == 0
    late = hub.subscribe()
    ended = threading.Thread(target=lambda: list(hub.stream(late)))
    ended.start()
    hub.close()
    ended.join(2)
    assert not ended.is_alive(), "closing the hub ends every stream at once"
