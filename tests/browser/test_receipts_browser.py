"""Receipts and the SMS link in Chromium against a real ``locker demo`` process (which
has a simulated printer): the printed receipt's QR is the dossier code, a printer out
of paper puts the receipt on the kiosk's screen, and the SMS link is a page a phone
shows with its QR."""

from __future__ import annotations

import base64
import io

import pytest
import zxingcpp
from PIL import Image

from tests.browser.conftest import CHROMIUM_ARGS, KioskDemo
from tests.browser.test_kiosk_flows import expect, message, snap, type_keys
from tests.support.net import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

PHONE_SCREEN = {"width": 390, "height": 844}


def qr_of(png: bytes) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))]


def printed(kiosk_demo: KioskDemo) -> list[dict]:
    return kiosk_demo.get("/sim/receipts").json()


def drop_off_by_touch(page, kiosk_demo: KioskDemo, code: str) -> str:
    page.get_by_test_id("btn-dropoff").tap()
    type_keys(page, code)
    page.get_by_test_id("phone").tap()
    type_keys(page, "0912345678")
    page.get_by_test_id("size-S").tap()
    with page.expect_response(lambda r: r.url.split("?")[0].endswith("/api/v1/dropoffs")) as answer:
        page.get_by_test_id("submit").tap()
    label = answer.value.json()["compartment"]
    kiosk_demo.wait_open_doors({label})
    kiosk_demo.close_door(label, item=True)   # item sensors: the dossier is seen inside
    expect(message(page)).to_contain_text(f"Đã nhận hồ sơ {code}")
    return label


def test_the_printed_receipt_carries_the_dossier_code_as_a_readable_qr(kiosk_page, kiosk_demo: KioskDemo):
    before = len(printed(kiosk_demo))
    drop_off_by_touch(kiosk_page, kiosk_demo, "HS.2026/0101")
    expect(kiosk_page.get_by_test_id("receipt-note")).to_contain_text("Biên nhận đã được in")
    expect(kiosk_page.get_by_test_id("receipt-qr")).to_be_hidden()
    receipt = wait_for(lambda: printed(kiosk_demo)[before:] or None, message="a printed receipt")[-1]
    assert qr_of(base64.b64decode(receipt["png_base64"])) == ["HS.2026/0101"]
    assert "HS.2026/0101" in receipt["text"]


def test_out_of_paper_shows_the_receipt_on_the_kiosk(kiosk_page, kiosk_demo: KioskDemo):
    before = len(printed(kiosk_demo))
    assert kiosk_demo.post("/sim/fault", {"kind": "out_of_paper", "target": "printer"}).status_code == 200
    try:
        label = drop_off_by_touch(kiosk_page, kiosk_demo, "HS.2026/0102")
        receipt = kiosk_page.get_by_test_id("receipt")
        expect(kiosk_page.get_by_test_id("receipt-note")).to_contain_text("Máy in không in được")
        expect(kiosk_page.get_by_test_id("receipt-lines")).to_contain_text("Mã hồ sơ / Dossier: HS.2026/0102")
        expect(kiosk_page.get_by_test_id("receipt-lines")).to_contain_text(f"Ngăn / Compartment: {label}")
        qr = kiosk_page.get_by_test_id("receipt-qr")
        expect(qr).to_be_visible()
        assert qr_of(qr.screenshot()) == ["HS.2026/0102"]
        expect(receipt).to_be_in_viewport(ratio=1)
        expect(kiosk_page.get_by_test_id("btn-home")).to_be_in_viewport(ratio=1)
        snap(kiosk_page, "09-receipt-on-screen")
        assert printed(kiosk_demo)[before:] == []
    finally:
        kiosk_demo.post("/sim/fault", {"kind": "clear", "target": "printer"})


def test_the_sms_link_is_a_page_for_a_phone_with_the_qr(kiosk_browser, kiosk_demo: KioskDemo):
    label, sms = kiosk_demo.load_result("KQ-2026-0103", "0987654321", "S")
    context = kiosk_browser.new_context(viewport=PHONE_SCREEN, has_touch=True, is_mobile=True, locale="vi-VN")
    page = context.new_page()
    try:
        page.goto(sms.link)
        expect(page.get_by_test_id("dossier-code")).to_have_text("KQ-2026-0103")
        expect(page.get_by_test_id("compartment")).to_have_text(label)
        expect(page.get_by_test_id("until")).not_to_be_empty()
        qr = page.get_by_test_id("qr")
        expect(qr).to_be_visible()
        expect(qr).to_be_in_viewport()
        box = qr.bounding_box()
        assert box["width"] >= 200 and box["x"] >= 0 and box["x"] + box["width"] <= PHONE_SCREEN["width"]
        assert qr_of(qr.screenshot()) == [sms.qr]
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE_SCREEN["width"], f"the page is {width} px wide on a 390 px phone"
        assert page.locator("main").inner_text().index("Đến tủ hồ sơ") < \
            page.locator("main").inner_text().index("Go to the dossier locker")
        snap(page, "10-sms-link-phone")
    finally:
        context.close()
