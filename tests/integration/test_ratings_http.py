"""Ratings through the real Flask app, runtime and in-process simulated cabinet: the kiosk rates
a finished drop-off and pickup, a second rating and bad input are refused clearly, another
client is not a kiosk, and the reports (JSON, CSV, console page) carry the satisfaction."""

from __future__ import annotations

import csv
import io
import re

import pytest

from api.app import create_app
from api.runtime import Runtime
from firmware_sim.layout import demo_compartments
from firmware_sim.simulator import Simulator
from locker import accounts
from locker.config import config_from_dict
from locker.statistics import office_day
from tests.support.console import ConsoleBrowser
from tests.support.net import wait_for

KIOSK = {"REMOTE_ADDR": "127.0.0.1"}
ELSEWHERE = {"REMOTE_ADDR": "192.0.2.7"}


class Cabinet:
    def __init__(self, runtime: Runtime, sim: Simulator) -> None:
        self.runtime, self.sim = runtime, sim
        self.client = create_app(runtime).test_client()

    def door_cycle(self, label: str, *, item: bool) -> None:
        comp = next(c for c in self.runtime.config.compartments if c.label == label)
        wait_for(lambda: self.sim.lock_state(comp.board, comp.lock)["door"] == "open", message=f"{label} open")
        self.sim.item(comp.board, comp.lock, item)
        self.sim.door(comp.board, comp.lock, "close")

    def finished(self, kind: str, record_id: int, status: str) -> None:
        wait_for(lambda: self.client.get(f"/api/v1/{kind}/{record_id}", environ_base=KIOSK).get_json()["status"]
                 == status, message=f"{kind} {record_id} {status}")

    def dropoff(self, code: str) -> int:
        resp = self.client.post("/api/v1/dropoffs", json={"dossier_code": code, "phone": "0912345678", "size": "S"},
                                environ_base=KIOSK)
        assert resp.status_code == 201, resp.get_data(as_text=True)
        self.door_cycle(resp.get_json()["compartment"], item=True)
        self.finished("dropoffs", resp.get_json()["id"], "stored")
        return resp.get_json()["id"]

    def pickup(self, code: str) -> int:
        loaded = self.runtime.service.load_result(code, "0987654321", "S", actor="clerk")
        self.door_cycle(loaded["compartment"], item=True)
        text = wait_for(lambda: next((t for _, t in self.runtime.notifier.sent if code in t and "Ma nhan" in t), None),
                        message="the code SMS")
        pin = re.search(r"\b(\d{8})\b", text).group(1)
        resp = self.client.post("/api/v1/pickups", json={"dossier_code": code, "code": pin}, environ_base=KIOSK)
        assert resp.status_code == 201, resp.get_data(as_text=True)
        self.door_cycle(resp.get_json()["compartment"], item=False)
        self.finished("pickups", resp.get_json()["id"], "collected")
        return resp.get_json()["id"]

    def rate(self, kind: str, record_id: int, body: dict, environ: dict = KIOSK, lang: str = "vi"):
        return self.client.post(f"/api/v1/{kind}/{record_id}/rating?lang={lang}", json=body, environ_base=environ)


@pytest.fixture(scope="module")
def cabinet(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ratings")
    sim = Simulator(boards=1)
    config = config_from_dict({
        "database": {"url": f"sqlite:///{tmp / 'locker.db'}"},
        "bus": {"url": sim.serve_bus("inprocess"), "poll_interval_ms": 50},
        "notify": {"sms": {"retry_base_s": 0.2}},
        "security": {"secret_file": str(tmp / "secret")},
        "compartment": demo_compartments(1),
    }, env={})
    runtime = Runtime.from_config(config)
    runtime.db.upgrade()
    with runtime.db.session() as s:
        accounts.create_account(s, "clerk", "clerk", "a long password")
        token = accounts.create_token(s, "clerk")
    runtime.start()
    try:
        wait_for(lambda: runtime.health()["status"] == "ok", message="healthy")
        cab = Cabinet(runtime, sim)
        cab.auth = {"Authorization": f"Bearer {token}"}
        yield cab
    finally:
        runtime.stop()
        sim.close()


def test_the_kiosk_rates_a_drop_off_once(cabinet):
    d = cabinet.dropoff("HS-R-1")
    resp = cabinet.rate("dropoffs", d, {"score": 5, "chips": ["easy", "quick"]})
    assert resp.status_code == 201
    assert {k: v for k, v in resp.get_json().items() if k != "created_at"} == {
        "id": 1, "kind": "dropoff", "record_id": d, "score": 5, "chips": ["quick", "easy"]}
    again = cabinet.rate("dropoffs", d, {"score": 1}, lang="en")
    body = again.get_json()
    assert again.status_code == 409 and body["error"] == "already_rated"
    assert body["message"] == "This drop-off or pickup has already been rated. Thank you!" and body["help"]
    assert cabinet.rate("dropoffs", d, {"score": 1}).get_json()["message"].startswith("Lượt giao dịch này")


def test_bad_ratings_and_other_clients_are_refused_and_change_nothing(cabinet):
    d = cabinet.dropoff("HS-R-2")
    for body, field in (({}, "score"), ({"score": 0}, "score"), ({"score": 6}, "score"), ({"score": "5"}, "score"),
                        ({"score": 4, "chips": ["fast"]}, "chips"), ({"score": 4, "chips": "quick"}, "chips"),
                        ({"score": 4, "comment": "rất tốt"}, "comment")):
        resp = cabinet.rate("dropoffs", d, body)
        assert resp.status_code == 400 and resp.get_json()["error"] == "invalid_input", body
        assert resp.get_json()["field"].split(".")[0] == field, body
    assert cabinet.rate("dropoffs", d, {"score": 4, "chips": ["quick", "quick"]}).status_code == 400
    resp = cabinet.rate("dropoffs", d, {"score": 4}, environ=ELSEWHERE)
    assert resp.status_code == 403 and resp.get_json()["error"] == "kiosk_only"
    assert cabinet.rate("pickups", d + 1000, {"score": 4}).status_code == 404
    assert not [e for e in cabinet.runtime.service.events_after(0, 1000)
                if e["kind"] == "rating_recorded" and e["dossier_code"] == "HS-R-2"]
    assert cabinet.rate("dropoffs", d, {"score": 2, "chips": ["door"]}).status_code == 201


def test_a_pickup_is_rated_and_the_reports_carry_the_satisfaction(cabinet):
    p = cabinet.pickup("HS-R-3")
    assert cabinet.rate("pickups", p, {"score": 3, "chips": ["slow", "door"]}).status_code == 201
    assert cabinet.rate("pickups", p, {"score": 3}).status_code == 409
    today = office_day(cabinet.runtime.clock.now()).isoformat()
    query = f"/api/v1/reports?from={today}&to={today}"
    total = cabinet.client.get(query, headers=cabinet.auth).get_json()["total"]
    # The two earlier tests' drop-offs (5 and 2) and this pickup (3).
    assert total["satisfaction"] == {"ratings": 3, "satisfied": 1, "share": 0.3333, "average": 3.33,
                                     "scores": {"1": 0, "2": 1, "3": 1, "4": 0, "5": 1},
                                     "chips": {"door": 2, "easy": 1, "quick": 1, "slow": 1}}
    rows = list(csv.DictReader(io.StringIO(cabinet.client.get(f"{query}&format=csv", headers=cabinet.auth)
                                           .get_data(as_text=True))))
    assert (rows[-1]["ratings"], rows[-1]["satisfied"], rows[-1]["satisfaction_share"], rows[-1]["chips_door"]) == (
        "3", "1", "0.3333", "2")
    clerk = ConsoleBrowser(cabinet.runtime)
    clerk.sign_in("clerk", "a long password")
    html = clerk.get(f"/console/reports/?from={today}&to={today}&lang=en").get_data(as_text=True)
    assert 'data-testid="satisfaction-chart"' in html and 'class="satisfied"' in html
    assert re.search(r'data-figure="rating_average">3\.33<', html)
    assert "Door hard to open or close: 2" in html and "Quick: 1" in html
