"""Receipts through the runtime: the production driver prints on the simulated printer
(in process), the kiosk's GET carries the receipt, a printer out of paper raises a
``printer`` alarm and sends the receipt by SMS, and the SMS link opens a page for a phone."""

from __future__ import annotations

import base64
import io
import re

import pytest
import zxingcpp
from PIL import Image

from api.app import create_app
from api.runtime import Runtime
from firmware_sim.layout import demo_compartments
from firmware_sim.simulator import Simulator
from locker.config import config_from_dict
from tests.support.net import wait_for

KIOSK = {"REMOTE_ADDR": "127.0.0.1"}
OFFICE = {"name": "Bộ phận Một cửa UBND phường Bến Thành", "address": "72 Lê Thánh Tôn, Quận 1",
          "hours": "7:30-17:00", "hotline": "028 3829 4567"}


def qr_of(png: bytes) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))]


class Cabinet:
    def __init__(self, runtime: Runtime, sim: Simulator) -> None:
        self.runtime, self.sim = runtime, sim
        self.client = create_app(runtime).test_client()

    def dropoff(self, code: str) -> dict:
        resp = self.client.post("/api/v1/dropoffs", json={"dossier_code": code, "phone": "0912345678", "size": "S"},
                                environ_base=KIOSK)
        assert resp.status_code == 201, resp.get_data(as_text=True)
        self.door_cycle(resp.get_json()["compartment"], item=True)
        return self.wait_receipt("dropoffs", resp.get_json()["id"])

    def wait_receipt(self, kind: str, record_id: int) -> dict:
        def done() -> dict | None:
            body = self.client.get(f"/api/v1/{kind}/{record_id}", environ_base=KIOSK).get_json()
            receipt = body.get("receipt")
            return body if receipt and receipt["status"] != "printing" else None
        return wait_for(done, timeout=15, message="the receipt printed or not")

    def door_cycle(self, label: str, *, item: bool) -> None:
        """The person opens the door, puts the dossier in (``item``) or takes it out, and closes it."""
        comp = next(c for c in self.runtime.config.compartments if c.label == label)
        wait_for(lambda: self.sim.lock_state(comp.board, comp.lock)["door"] == "open", message=f"{label} open")
        self.sim.item(comp.board, comp.lock, item)
        self.sim.door(comp.board, comp.lock, "close")

    def sms(self) -> list[str]:
        return [text for _, text in self.runtime.notifier.sent]

    def events(self, kind: str) -> list[dict]:
        return [e for e in self.runtime.service.events_after(0, 1000) if e["kind"] == kind]


@pytest.fixture
def cabinet(tmp_path):
    sim = Simulator(boards=1)
    config = config_from_dict({
        "database": {"url": f"sqlite:///{tmp_path / 'locker.db'}"},
        "bus": {"url": sim.serve_bus("inprocess"), "poll_interval_ms": 50},
        "printer": {"url": sim.serve_printer("inprocess"), "timeout_s": 0.5},
        "http": {"public_url": "http://kiosk.test"},
        "office": OFFICE,
        "notify": {"sms": {"retry_base_s": 0.2}},
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


def test_a_dropoff_prints_a_receipt_whose_qr_is_the_dossier_code(cabinet):
    body = cabinet.dropoff("H01.2026/0042")
    assert body["status"] == "stored" and body["receipt"]["status"] == "printed"
    [printed] = cabinet.sim.printer.receipts()
    assert qr_of(base64.b64decode(printed["png_base64"])) == ["H01.2026/0042"]
    assert "H01.2026/0042" in printed["text"]
    shown = body["receipt"]
    assert shown["lines"][0] == OFFICE["name"] and f"Ngăn / Compartment: {body['compartment']}" in shown["lines"]
    assert qr_of(base64.b64decode(shown["qr_image"].removeprefix("data:image/png;base64,"))) == ["H01.2026/0042"]
    wait_for(lambda: any("da nhan ho so H01.2026/0042" in text for text in cabinet.sms()), message="the drop-off SMS")
    assert cabinet.events("printer") == []


def test_out_of_paper_shows_the_receipt_sends_it_by_sms_and_raises_an_alarm(cabinet):
    cabinet.sim.fault("out_of_paper", target="printer")
    body = cabinet.dropoff("HS-PAPER-1")
    assert body["receipt"]["status"] == "not_printed" and cabinet.sim.printer.receipts() == []
    [alarm] = cabinet.events("printer")
    [inbox] = cabinet.runtime.service.list_alarms("open")
    assert (inbox["kind"], inbox["compartment"]) == ("printer", None), "the printer's, not the compartment's"
    assert alarm["data"] == {"alarm": True, "alarm_kind": "printer", "alarm_id": inbox["id"], "reason": "out_of_paper",
                             "receipt": body["receipt"]["number"]}
    assert alarm["dossier_code"] == "HS-PAPER-1"
    wait_for(lambda: any("(may in hong): ho so HS-PAPER-1" in text for text in cabinet.sms()),
             message="the receipt by SMS")

    cabinet.sim.fault("clear")
    assert cabinet.dropoff("HS-PAPER-2")["receipt"]["status"] == "printed"
    assert len(cabinet.sim.printer.receipts()) == 1


def test_an_offline_printer_is_an_alarm_too(cabinet):
    cabinet.sim.fault("offline", target="printer")
    assert cabinet.dropoff("HS-OFF-1")["receipt"]["status"] == "not_printed"
    assert [a["data"]["reason"] for a in cabinet.events("printer")] == ["offline"]


def test_a_pickup_prints_its_receipt_and_the_sms_link_opens_a_page_for_a_phone(cabinet):
    rt = cabinet.runtime
    loaded = rt.service.load_result("HS-LINK-1", "0987654321", "S", actor="clerk")
    cabinet.door_cycle(loaded["compartment"], item=True)
    text = wait_for(lambda: next((t for t in cabinet.sms() if t.startswith("Ma nhan: ")), None), message="the code SMS")
    link = wait_for(lambda: next((t for t in cabinet.sms() if "/q/" in t), None), message="the link SMS")
    token = re.search(r"/q/(\S+)", link).group(1)
    code = re.search(r"\b(\d{8})\b", text).group(1)

    page = cabinet.client.get(f"/q/{token}", headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    for shown in ("HS-LINK-1", OFFICE["name"], OFFICE["address"], OFFICE["hotline"], loaded["compartment"],
                  f'src="/q/{token}/qr.png"'):
        assert shown in html
    assert html.index("Đến tủ hồ sơ") < html.index("Go to the dossier locker")
    image = cabinet.client.get(f"/q/{token}/qr.png")
    assert image.mimetype == "image/png" and qr_of(image.get_data()) == [token]
    assert cabinet.client.get(f"/q/{token}").mimetype == "image/png"  # what an app asking for anything gets

    pickup = cabinet.client.post("/api/v1/pickups", json={"dossier_code": "HS-LINK-1", "code": code},
                                 environ_base=KIOSK).get_json()
    cabinet.door_cycle(pickup["compartment"], item=False)
    body = cabinet.wait_receipt("pickups", pickup["id"])
    assert body["receipt"]["status"] == "printed"
    assert qr_of(base64.b64decode(cabinet.sim.printer.receipts()[-1]["png_base64"])) == ["HS-LINK-1"]
    used = cabinet.client.get(f"/q/{token}", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Kết quả này đã được nhận." in used and "qr.png" not in used

    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert cabinet.client.get(f"/q/{forged}", headers={"Accept": "text/html"}).status_code == 404


def test_the_simulators_printer_through_its_control_api():
    from firmware_sim.control import create_control_app

    sim = Simulator(boards=1)
    try:
        client = create_control_app(sim).test_client()
        assert client.get("/sim/receipts").get_json() == []
        assert client.get("/sim/state").get_json()["printer"] == {"fault": None, "printed": 0, "width": 384}
        for bad in ({"kind": "jam", "target": "printer"}, {"kind": "out_of_paper", "target": "printer", "count": 2},
                    {"kind": "offline", "target": "printer", "board": 0}):
            answer = client.post("/sim/fault", json=bad)
            assert answer.status_code == 400 and answer.get_json()["error"] == "invalid_field", bad
        assert client.get("/sim/faults").get_json() == {"faults": []}
        answer = client.post("/sim/fault", json={"kind": "out_of_paper", "target": "printer"})
        assert answer.get_json() == {"faults": [{"kind": "out_of_paper", "target": "printer"}]}
        assert client.post("/sim/fault", json={"kind": "clear"}).get_json() == {"faults": []}
        assert client.get("/sim/receipts?after=x").status_code == 400
        assert "GET /sim/receipts?after=<n>" in client.get("/sim/").get_json()["endpoints"]
    finally:
        sim.close()
