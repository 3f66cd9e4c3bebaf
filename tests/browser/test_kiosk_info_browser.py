"""A citizen at the kiosk (Chromium on ``locker demo``, one server for this module) browses the
procedures, reads one and its portal QR (decoded here), and looks up a dossier's status."""

from __future__ import annotations

import base64
import io

import pytest
import zxingcpp
from PIL import Image

pytestmark = pytest.mark.browser


def qr_in(page, test_id: str) -> list[str]:
    src = page.get_by_test_id(test_id).get_attribute("src")
    png = base64.b64decode(src.removeprefix("data:image/png;base64,"))
    return [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))]


def test_a_citizen_reads_a_procedure_and_scans_its_portal_qr(kiosk_page, kiosk_demo):
    page = kiosk_page
    listed = kiosk_demo.get("/api/v1/kiosk/procedures").json()
    page.get_by_test_id("btn-procedures").click()
    buttons = page.get_by_test_id("procedure-list").locator("button")
    buttons.first.wait_for()
    assert buttons.count() == len(listed)
    assert buttons.first.inner_text().splitlines() == [listed[0]["name"]["vi"], listed[0]["name"]["en"]]

    page.get_by_test_id("procedure-2.000815").click()
    page.get_by_test_id("screen-procedure").wait_for(state="visible")
    one = kiosk_demo.get("/api/v1/kiosk/procedures/2.000815").json()
    assert page.get_by_test_id("procedure-name").inner_text().splitlines()[0] == "Chứng thực bản sao từ bản chính"
    documents = page.get_by_test_id("procedure-documents").locator("li")
    assert documents.count() == len(one["documents"])
    assert one["documents"][0]["en"] in documents.first.inner_text()
    assert one["fee"]["vi"] in page.get_by_test_id("procedure-fee").inner_text()
    assert one["processing_time"]["en"] in page.get_by_test_id("procedure-time").inner_text()
    assert qr_in(page, "procedure-qr") == [one["portal_url"]]
    box = page.get_by_test_id("procedure-qr").bounding_box()
    assert box["width"] >= 200 and box["y"] + box["height"] <= 800, "the QR is large and on the screen"
    for button in ("btn-procedures-back", "btn-info-home"):
        target = page.get_by_test_id("screen-procedure").get_by_test_id(button)
        assert target.bounding_box()["height"] >= 60 and target.bounding_box()["y"] < 800

    page.get_by_test_id("btn-lang").click()
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_test_id("btn-procedures-back").click()
    page.get_by_test_id("procedure-1.001193").wait_for(state="visible")
    page.get_by_test_id("screen-procedures").get_by_test_id("btn-info-home").click()
    page.get_by_test_id("screen-home").wait_for(state="visible")
    assert page.locator("html").get_attribute("lang") == "vi"


def type_code(page, code: str) -> None:
    for key in code:
        page.get_by_test_id(f"lookup-key-{key.lower()}").click()


def test_a_citizen_looks_up_a_dossier_by_its_code(kiosk_page, kiosk_demo):
    page = kiosk_page
    started = kiosk_demo.post("/api/v1/dropoffs", {"dossier_code": "HS-LOOK-1", "phone": "0912345678", "size": "S"})
    assert started.status_code == 201, started.text
    label = started.json()["compartment"]
    kiosk_demo.wait_open_doors({label})
    kiosk_demo.close_door(label, item=True)
    kiosk_demo.wait_status(f"/api/v1/dropoffs/{started.json()['id']}", "stored")
    kiosk_demo.wait_open_doors(set())

    page.get_by_test_id("btn-lookup").click()
    page.get_by_test_id("screen-lookup").wait_for(state="visible")
    type_code(page, "HS-LOOK-1")
    assert page.get_by_test_id("lookup-code").input_value() == "HS-LOOK-1"
    page.get_by_test_id("lookup-submit").click()
    result = page.get_by_test_id("lookup-result")
    result.wait_for(state="visible")
    assert result.get_attribute("data-status") == "dropped_off"
    assert result.inner_text().splitlines() == ["Hồ sơ HS-LOOK-1 đang ở trong tủ, chờ cán bộ tiếp nhận.",
                                                "Dossier HS-LOOK-1 is in the locker, waiting for a clerk to take it in."]
    assert "0912345678" not in page.content() and label not in result.inner_text()

    page.get_by_test_id("lookup-key-clear").click()
    type_code(page, "HS-NONE-9")
    page.get_by_test_id("lookup-submit").click()
    message = page.get_by_test_id("status-message")
    message.wait_for(state="visible")
    assert "không có thông tin về mã hồ sơ này" in message.inner_text()
    assert page.get_by_test_id("lookup-result").is_hidden()
    page.get_by_test_id("screen-lookup").get_by_test_id("btn-info-home").click()
    page.get_by_test_id("screen-home").wait_for(state="visible")
    assert page.get_by_test_id("status-message").is_hidden()
