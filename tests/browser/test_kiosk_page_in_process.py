"""The kiosk page in Chromium against an in-process app with a fake service: keyboards, QR scans, throttling."""

from __future__ import annotations

import threading

import pytest

from locker.errors import Throttled
from tests.support.net import wait_for
from tests.unit.test_http_support import GOOD_QR, PICKUP_CODE, make_client


@pytest.fixture
def client(monkeypatch):
    return make_client(monkeypatch)


def _serve(app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def browser_page(client, chromium_path):
    from playwright import sync_api

    c, rt = client
    server = _serve(c.application)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{server.server_port}/")
        try:
            yield page, rt, c.application
        finally:
            browser.close()
            server.shutdown()


@pytest.mark.browser
def test_dropoff_with_the_on_screen_keyboard(browser_page):
    page, rt, _ = browser_page
    assert wait_for(lambda: rt.service.modes.get("scanner") == "idle")
    page.click("#btn-dropoff")
    assert wait_for(lambda: rt.service.modes.get("scanner") == "busy")
    for key in "H01.2025/7":
        page.click(f"#keyboard [data-key='{key}']")
    page.click("#phone")
    for key in "0912345678":
        page.click(f"#keyboard [data-key='{key}']")
    page.click("#size-M")
    page.click("#submit")
    page.wait_for_selector("#compartment-label:has-text('A05')")
    assert "Cửa ngăn A05 đã mở" in page.inner_text("#status-message")
    assert rt.service.calls[[c[0] for c in rt.service.calls].index("start_dropoff")][1] == (
        "H01.2025/7", "0912345678", "M")
    rt.service.ops["dropoff"][1]["compartment"] = "B02"      # the service moved it after a jam
    page.wait_for_selector("#compartment-label:has-text('B02')")
    rt.service.ops["dropoff"][1]["status"] = "stored"
    page.wait_for_selector("#status-message:has-text('Đã nhận hồ sơ H01.2025/7')")
    page.click("#btn-home")
    page.click("#rating-skip")
    page.wait_for_selector("#btn-dropoff", state="visible")


@pytest.mark.browser
def test_pickup_errors_in_english_then_success_from_a_physical_keyboard(browser_page):
    page, rt, _ = browser_page
    page.click("#btn-lang")
    page.click("#btn-pickup")
    page.fill("#pickup-dossier-code", "H1")
    page.fill("#pickup-code", "87654321")
    page.press("#pickup-code", "Enter")
    page.wait_for_selector("#status-message:has-text('pickup code is wrong')")
    page.fill("#pickup-code", PICKUP_CODE)
    page.click("#submit")
    page.wait_for_selector("#status-message:has-text('Compartment B03 is open')")
    rt.service.ops["pickup"][1]["status"] = "collected"
    page.wait_for_selector("#status-message:has-text('Thank you')")


@pytest.mark.browser
def test_a_scanned_qr_opens_without_a_tap(browser_page):
    """The scan's outcome comes on the page's stream, as it is read: no polling."""
    page, rt, _ = browser_page
    page.wait_for_selector("body[data-scanner='listening']", state="attached")
    rt.service.start_pickup(qr=GOOD_QR, kiosk="scanner")
    rt.kiosk_hub.publish("scan", {"at": "2025-01-01T00:00:00Z", "ok": True, "error": None, "badge": None,
                                  "pickup": {"id": 1, "compartment": "B03", "status": "door_open"},
                                  "dossier_code": None})
    page.wait_for_selector("#compartment-label:has-text('B03')")
    assert "lấy kết quả" in page.inner_text("#status-message")


@pytest.mark.browser
def test_a_scanned_receipt_code_starts_a_dropoff_with_the_code_filled_in(browser_page):
    page, rt, _ = browser_page
    page.wait_for_selector("body[data-scanner='listening']", state="attached")
    rt.kiosk_hub.publish("scan", {"at": "2025-01-01T00:00:01Z", "ok": True, "error": None, "badge": None,
                                  "pickup": None, "dossier_code": "H01.2025/000123"})
    page.wait_for_selector("#dossier-code:visible")
    assert page.input_value("#dossier-code") == "H01.2025/000123"
    assert page.evaluate("document.activeElement.id") == "phone"
    assert wait_for(lambda: rt.service.modes.get("scanner") == "busy")


@pytest.mark.browser
def test_throttled_pickup_waits_then_an_idle_form_returns_home(browser_page):
    page, rt, _ = browser_page
    page.clock.install()  # the page's timers run on Playwright's clock from here on
    page.reload()
    inactivity_ms = int(page.get_attribute("body", "data-inactivity")) * 1000
    rt.service.fail("start_pickup", Throttled(1))
    page.click("#btn-pickup")
    page.fill("#pickup-dossier-code", "H1")
    page.fill("#pickup-code", PICKUP_CODE)
    page.click("#submit")
    page.wait_for_selector("#status-message:has-text('Vui lòng chờ 1 giây')")
    assert page.is_disabled("#submit")
    page.clock.fast_forward(1_000)
    page.wait_for_selector("#submit:not([disabled])")
    assert page.is_visible("#pickup-code")
    page.clock.fast_forward(inactivity_ms)  # that long without a touch: the page asks first
    page.wait_for_selector("#btn-more-time", state="visible", timeout=5000)
    page.clock.fast_forward(int(page.get_attribute("body", "data-more-time")) * 1000)  # nobody answers
    page.wait_for_selector("#btn-dropoff", state="visible", timeout=5000)
    assert page.input_value("#pickup-code") == ""
    assert wait_for(lambda: rt.service.modes.get("scanner") == "idle")
