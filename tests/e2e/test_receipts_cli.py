"""``locker sim --printer tcp://H:P`` and ``locker serve`` as separate processes: the
service prints each drop-off's receipt on the simulated network printer, and the
simulator's control API hands the receipt back as an image whose QR is the dossier code."""

from __future__ import annotations

import base64
import io

import pytest
import requests
import zxingcpp
from PIL import Image

from tests.e2e.conftest import printed_snippet, running_cabinet
from tests.support.net import wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture
def cabinet(tmp_path, sms_gateway):
    with running_cabinet(tmp_path, f"sqlite:///{tmp_path / 'locker.db'}", sms_gateway, printer=True) as cab:
        yield cab


def receipts(cab) -> list[dict]:
    response = requests.get(cab.sim + "/sim/receipts", timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def qr_of(receipt: dict) -> list[str]:
    image = Image.open(io.BytesIO(base64.b64decode(receipt["png_base64"])))
    return [found.text for found in zxingcpp.read_barcodes(image.convert("L"))]


def drop_off(cab, code: str) -> dict:
    started = cab.post("/api/v1/dropoffs", {"dossier_code": code, "phone": "0912345678", "size": "S"})
    assert started.status_code == 201, started.text
    label = started.json()["compartment"]
    cab.wait_door(label, "open")
    cab.close_door(label, item=True)  # the dossier goes in: item sensors decide
    path = f"/api/v1/dropoffs/{started.json()['id']}"
    cab.wait_status(path, "stored")
    return wait_for(lambda: (lambda body: body if body["receipt"]["status"] != "printing" else None)(
        cab.get(path).json()), timeout=15, message="the receipt printed or not")


def test_a_dropoff_receipt_comes_out_of_the_simulated_network_printer(cabinet):
    output = cabinet.sim_process.output()
    assert "Máy in biên nhận / Receipt printer: tcp://127.0.0.1:" in output
    assert printed_snippet(output)["printer"]["url"].startswith("tcp://127.0.0.1:")
    assert receipts(cabinet) == []

    body = drop_off(cabinet, "HS-E2E-PRINT")
    assert body["receipt"]["status"] == "printed"
    [receipt] = receipts(cabinet)
    assert set(receipt) == {"n", "time", "png_base64", "text"} and receipt["n"] == 1
    assert qr_of(receipt) == ["HS-E2E-PRINT"] and "HS-E2E-PRINT" in receipt["text"]
    wait_for(lambda: any("da nhan ho so HS-E2E-PRINT" in m["text"] for m in cabinet.sms.messages),
             message="the drop-off SMS")


def test_out_of_paper_through_the_control_api_gives_an_alarm_and_the_receipt_by_sms(cabinet):
    faults = cabinet.sim_post("/sim/fault", {"kind": "out_of_paper", "target": "printer"})["faults"]
    assert {"kind": "out_of_paper", "target": "printer"} in faults
    body = drop_off(cabinet, "HS-E2E-PAPER")
    assert body["receipt"]["status"] == "not_printed" and receipts(cabinet) == []
    assert [a["data"]["reason"] for a in cabinet.alarms("printer")] == ["out_of_paper"]
    wait_for(lambda: any("(may in hong): ho so HS-E2E-PAPER," in m["text"]
                         for m in cabinet.sms.messages), message="the receipt by SMS")
    cabinet.sim_post("/sim/fault", {"kind": "clear"})
    assert drop_off(cabinet, "HS-E2E-PAPER-2")["receipt"]["status"] == "printed"
    assert [qr_of(r) for r in receipts(cabinet)] == [["HS-E2E-PAPER-2"]]
