"""The kiosk's information routes on a running cabinet (the runtime and the simulator in one
process): the procedures of the configured file with their portal QR, the status lookup
following a dossier through the cabinet, and the SMS link's page (issue 10, point 8)."""

from __future__ import annotations

import base64
import re
from datetime import datetime

import pytest

from api.demo import DEMO_PROCEDURES
from api.runtime import Runtime
from firmware_sim.layout import demo_compartments
from firmware_sim.simulator import Simulator
from locker.config import config_from_dict
from locker.messages import VN_TIME
from tests.integration.test_receipts import KIOSK, OFFICE, Cabinet, qr_of
from tests.support.net import wait_for


@pytest.fixture(scope="module")
def cabinet(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("kiosk-info")
    sim = Simulator(boards=1)
    config = config_from_dict({
        "database": {"url": f"sqlite:///{tmp_path / 'locker.db'}"},
        "bus": {"url": sim.serve_bus("inprocess"), "poll_interval_ms": 50},
        "http": {"public_url": "http://kiosk.test"},
        "kiosk": {"procedures_file": str(DEMO_PROCEDURES)},
        "office": OFFICE,
        "security": {"secret_file": str(tmp_path / "secret")},
        "compartment": demo_compartments(1),
    }, env={})
    runtime = Runtime.from_config(config)
    runtime.db.upgrade()
    runtime.start()
    try:
        wait_for(lambda: runtime.health()["status"] == "ok", message="healthy")
        yield Cabinet(runtime, sim)
    finally:
        runtime.stop()
        sim.close()


def look_up(cabinet: Cabinet, code: str):
    """One lookup (a kiosk makes at most ``[kiosk] lookups_per_minute``: never poll with it)."""
    return cabinet.client.post("/api/v1/kiosk/lookups", json={"dossier_code": code}, environ_base=KIOSK)


def test_every_procedure_of_the_file_with_a_qr_of_its_portal_page(cabinet):
    listed = cabinet.client.get("/api/v1/kiosk/procedures", environ_base=KIOSK).get_json()
    assert [p["code"] for p in listed] == [p.code for p in cabinet.runtime.config.procedures.items]
    for summary in listed:
        one = cabinet.client.get(f"/api/v1/kiosk/procedures/{summary['code']}", environ_base=KIOSK).get_json()
        assert one["name"] == summary["name"] and one["documents"]
        assert qr_of(base64.b64decode(one["qr_image"].removeprefix("data:image/png;base64,"))) == [one["portal_url"]]
    doc = cabinet.client.get("/api/v1/openapi.json").get_json()
    assert {"/api/v1/kiosk/procedures", "/api/v1/kiosk/procedures/{procedure}", "/api/v1/kiosk/lookups"} <= set(
        doc["paths"])


def test_the_lookup_follows_a_dossier_and_the_sms_link_says_until_when(cabinet):
    assert look_up(cabinet, "HS-INFO-1").status_code == 404
    dropped = cabinet.dropoff("HS-INFO-1")
    assert look_up(cabinet, "hs-info-1").get_json() == {"dossier_code": "HS-INFO-1", "status": "dropped_off",
                                                        "until": None}
    rt = cabinet.runtime
    collection = rt.service.start_collection(dropped["compartment"], actor="clerk")
    cabinet.door_cycle(collection["compartment"], item=False)
    wait_for(lambda: rt.service.get_collection(collection["id"])["status"] == "collected", message="collected")
    assert look_up(cabinet, "HS-INFO-1").get_json()["status"] == "received"

    loaded = rt.service.load_result("HS-INFO-1", "0987654321", "S", actor="clerk")
    cabinet.door_cycle(loaded["compartment"], item=True)
    wait_for(lambda: rt.service.get_result(loaded["id"])["status"] == "ready", message="ready")
    ready = look_up(cabinet, "HS-INFO-1").get_json()
    assert ready["status"] == "ready"
    assert set(ready) == {"dossier_code", "status", "until"} and "0987654321" not in str(ready)

    link = wait_for(lambda: next((t for t in cabinet.sms() if "/q/" in t), None), message="the link SMS")
    token = re.search(r"/q/(\S+)", link).group(1)
    html = cabinet.client.get(f"/q/{token}", headers={"Accept": "text/html"}).get_data(as_text=True)
    until = datetime.fromisoformat(ready["until"].replace("Z", "+00:00")).astimezone(VN_TIME)
    assert f'data-testid="until">{until:%H:%M %d/%m/%Y}<' in html
    for step in (f"Đến tủ hồ sơ tại {OFFICE['name']} ({OFFICE['hours']}).",
                 f"Go to the dossier locker at {OFFICE['name']} ({OFFICE['hours']}).", "máy quét", "scanner",
                 "mã nhận 8 chữ số", "8-digit pickup code"):
        assert step in html
    assert html.index(OFFICE["address"]) < html.index('data-testid="qr"')
