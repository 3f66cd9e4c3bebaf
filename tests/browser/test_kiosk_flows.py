"""A citizen at the kiosk page, in Chromium, against a real ``locker demo`` process.

Everything the citizen does goes through the page (taps on the on-screen keyboard);
the simulator's ``/sim/`` API stands in for their hands at the cabinet, and the
clerk loads results through the REST API with the demo clerk token.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.net import wait_for

from tests.browser.conftest import KioskDemo, platform_fonts, show_kiosk

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

INVALID_CREDENTIALS_VI = "Mã hồ sơ hoặc mã nhận không đúng, đã dùng hoặc đã hết hạn."
INVALID_CREDENTIALS_EN = "The dossier code or pickup code is wrong, already used or expired."
#: A wrong code says how many are left before code entry for the dossier is locked.
FOUR_LEFT_VI = " Còn 4 lần thử trước khi khoá nhập mã."
FOUR_LEFT_EN = " 4 tries left before code entry locks."
INVALID_PHONE_EN = "Not a valid Vietnamese mobile number (for example 0912345678 or +84912345678)."


def expect(target):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def snap(page, name: str) -> None:
    """Keep a screenshot when ``KIOSK_SCREENSHOTS`` names a directory (to look at what a citizen sees)."""
    folder = os.environ.get("KIOSK_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


def type_keys(page, text: str) -> None:
    """Tap each character on the on-screen keyboard."""
    for char in text:
        page.get_by_test_id(f"key-{char.lower()}").tap()


def assert_fits_screen(page) -> None:
    """The kiosk has no scroll bar a citizen would find: everything fits 1280x800."""
    size = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight,"
                         " innerWidth, innerHeight]")
    assert size[0] <= size[2] and size[1] <= size[3], f"page is {size[0]}x{size[1]}, screen {size[2]}x{size[3]}"


def message(page):
    return page.get_by_test_id("status-message")


def font_px(locator) -> float:
    return float(locator.evaluate("(el) => parseFloat(getComputedStyle(el).fontSize)"))


def test_dropoff_by_touch(kiosk_page, kiosk_demo: KioskDemo):
    page = kiosk_page
    snap(page, "01-home")
    page.get_by_test_id("btn-dropoff").tap()
    expect(page.get_by_test_id("dossier-code")).to_be_focused()
    type_keys(page, "HS.2025/0001")
    page.get_by_test_id("phone").tap()
    type_keys(page, "0912345678")
    page.get_by_test_id("size-M").tap()
    expect(page.get_by_test_id("dossier-code")).to_have_value("HS.2025/0001")
    expect(page.get_by_test_id("phone")).to_have_value("0912345678")
    expect(page.get_by_test_id("size-M")).to_have_attribute("aria-checked", "true")
    assert_fits_screen(page)
    snap(page, "02-dropoff-form")

    with page.expect_response(lambda r: r.url.split("?")[0].endswith("/api/v1/dropoffs")) as answer:
        page.get_by_test_id("submit").tap()
    dropoff = answer.value.json()
    label = dropoff["compartment"]
    expect(message(page)).to_contain_text(f"Cửa ngăn {label} đã mở")
    expect(page.get_by_test_id("compartment-label")).to_have_text(label)
    kiosk_demo.wait_open_doors({label})
    wait_for(lambda: kiosk_demo.get(f"/api/v1/dropoffs/{dropoff['id']}").json()["status"] == "door_open",
             message="the service sees the door open")
    assert_fits_screen(page)
    snap(page, "03-dropoff-door-open")

    kiosk_demo.close_door(label, item=True)
    expect(message(page)).to_contain_text("Đã nhận hồ sơ HS.2025/0001. Xin cảm ơn!")
    expect(page.get_by_test_id("compartment-label")).to_be_hidden()
    snap(page, "04-dropoff-stored")
    stored = kiosk_demo.get(f"/api/v1/dropoffs/{dropoff['id']}").json()
    assert {key: stored[key] for key in ("id", "dossier_code", "compartment", "status")} == {
        "id": dropoff["id"], "dossier_code": "HS.2025/0001", "compartment": label, "status": "stored"}
    [compartment] = [c for c in kiosk_demo.get("/api/v1/compartments", clerk=True).json() if c["label"] == label]
    assert (compartment["state"], compartment["dossier_code"], compartment["size"]) == (
        "holding_dropoff", "HS.2025/0001", "M")


def test_dropoff_with_an_email_address_typed_on_its_own_keyboard(kiosk_page, kiosk_demo: KioskDemo):
    page = kiosk_page
    page.get_by_test_id("btn-dropoff").tap()
    expect(page.get_by_test_id("email-label").locator(".vi")).to_have_text("Email (không bắt buộc)")
    type_keys(page, "HS.2025/0029")
    page.get_by_test_id("phone").tap()
    type_keys(page, "0912345678")
    page.get_by_test_id("email").tap()
    expect(page.get_by_test_id("key-@")).to_be_visible()  # the address's own keys: lower case, @ . - _ +
    type_keys(page, "lan.nguyen@")
    page.get_by_test_id("size-S").tap()
    assert_fits_screen(page)
    snap(page, "02b-dropoff-email")
    page.get_by_test_id("submit").tap()
    expect(message(page)).to_have_text("Địa chỉ email không hợp lệ (ví dụ ten@example.vn).")
    expect(page.get_by_test_id("email")).to_be_focused()
    assert kiosk_demo.open_doors() == set()

    type_keys(page, "example.vn")
    with page.expect_response(lambda r: r.url.split("?")[0].endswith("/api/v1/dropoffs")) as answer:
        page.get_by_test_id("submit").tap()
    assert answer.value.status == 201 and answer.value.request.post_data_json["email"] == "lan.nguyen@example.vn"
    label = answer.value.json()["compartment"]
    kiosk_demo.wait_open_doors({label})
    kiosk_demo.close_door(label, item=True)
    expect(message(page)).to_contain_text("Đã nhận hồ sơ HS.2025/0029. Xin cảm ơn!")


def test_pickup_with_the_sms_code(kiosk_page, kiosk_demo: KioskDemo):
    label, sms = kiosk_demo.load_result("KQ-2025-0002", "0987654321", "S")
    assert sms.to == "0987654321" and label in sms.text
    # The demo's log shows the SMS masked: no pickup code, no QR link, no whole number.
    logged = [m for m in kiosk_demo.logged_sms() if "KQ-2025-0002" in m.text]
    assert logged and {m.to for m in logged} == {"09******21"}
    assert all(sms.code not in m.text and sms.qr not in m.text and "0987654321" not in m.text for m in logged)
    wrong = sms.code[:-1] + str((int(sms.code[-1]) + 1) % 10)
    page = kiosk_page
    page.get_by_test_id("btn-pickup").tap()
    expect(page.get_by_test_id("pickup-dossier-code")).to_be_focused()
    type_keys(page, "KQ-2025-0002")
    page.get_by_test_id("pickup-code").tap()
    type_keys(page, wrong)
    page.get_by_test_id("submit").tap()
    expect(message(page)).to_have_text(INVALID_CREDENTIALS_VI + FOUR_LEFT_VI)
    assert font_px(message(page)) >= 28
    expect(page.get_by_test_id("pickup-code")).to_be_focused()   # the keypad still types there, visibly
    assert kiosk_demo.open_doors() == set()
    assert_fits_screen(page)
    snap(page, "05-pickup-wrong-code")

    page.get_by_test_id("key-clear").tap()
    expect(page.get_by_test_id("pickup-code")).to_have_value("")
    type_keys(page, sms.code)
    with page.expect_response(lambda r: r.url.split("?")[0].endswith("/api/v1/pickups")) as answer:
        page.get_by_test_id("submit").tap()
    assert answer.value.status == 201
    expect(page.get_by_test_id("compartment-label")).to_have_text(label)
    expect(message(page)).to_contain_text(f"Cửa ngăn {label} đã mở — lấy kết quả")
    kiosk_demo.wait_open_doors({label})
    snap(page, "06-pickup-door-open")

    kiosk_demo.close_door(label, item=False)
    expect(message(page)).to_contain_text("Ông/bà đã nhận kết quả hồ sơ KQ-2025-0002. Xin cảm ơn!")
    pickup = kiosk_demo.get(f"/api/v1/pickups/{answer.value.json()['id']}").json()
    assert (pickup["status"], pickup["compartment"]) == ("collected", label)


def test_scan_to_pick_up_without_a_tap(kiosk_page, kiosk_demo: KioskDemo):
    label, sms = kiosk_demo.load_result("KQ-2025-0003", "+84901234567", "L")
    page = kiosk_page
    expect(page.get_by_test_id("screen-home")).to_be_visible()
    kiosk_demo.scan(sms.qr)
    expect(page.get_by_test_id("compartment-label")).to_have_text(label)
    expect(message(page)).to_contain_text(f"Cửa ngăn {label} đã mở — lấy kết quả")
    kiosk_demo.wait_open_doors({label})
    snap(page, "07-scan-door-open")
    kiosk_demo.close_door(label, item=False)
    expect(message(page)).to_contain_text("Ông/bà đã nhận kết quả hồ sơ KQ-2025-0003")

    page.get_by_test_id("btn-home").tap()
    expect(page.get_by_test_id("screen-rating")).to_be_visible()   # a finished pickup is offered its rating
    with page.expect_response(lambda r: "/api/v1/kiosk/activity" in r.url) as baseline:
        page.get_by_test_id("rating-skip").tap()
    baseline.value.finished()
    expect(page.get_by_test_id("screen-home")).to_be_visible()
    # The same credential again, as the link in the SMS (the scanner drops a repeat of the
    # very same text within 2 s): it is used, so nothing opens and the page says why.
    kiosk_demo.scan(sms.link)
    expect(message(page).locator(".vi")).to_have_text("Mã QR không đúng, đã dùng hoặc đã hết hạn.")
    assert kiosk_demo.open_doors() == set()


def test_english_labels_and_error_messages(kiosk_page, kiosk_demo: KioskDemo):
    page = kiosk_page
    page.get_by_test_id("btn-lang").tap()
    expect(page.get_by_test_id("btn-lang")).to_have_text("Tiếng Việt")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    dropoff_button = page.get_by_test_id("btn-dropoff")
    english, vietnamese = dropoff_button.locator(".en"), dropoff_button.locator(".vi")
    expect(english).to_have_text("Drop off a dossier")
    assert english.bounding_box()["y"] < vietnamese.bounding_box()["y"]   # English first
    assert font_px(english) > font_px(vietnamese)

    dropoff_button.tap()
    expect(page.get_by_test_id("key-back")).to_have_text("⌫ Delete")
    type_keys(page, "EN-1")
    page.get_by_test_id("phone").tap()
    type_keys(page, "0123")
    page.get_by_test_id("size-S").tap()
    page.get_by_test_id("submit").tap()
    expect(message(page)).to_have_text(INVALID_PHONE_EN)
    expect(page.get_by_test_id("phone")).to_be_focused()
    assert_fits_screen(page)   # the longest message next to the keyboard still fits
    snap(page, "08-english-phone-error")

    page.get_by_test_id("btn-back").tap()
    page.get_by_test_id("btn-lang").tap()   # back home the page is Vietnamese again: switch once more
    page.get_by_test_id("btn-pickup").tap()
    type_keys(page, "EN-1")
    page.get_by_test_id("pickup-code").tap()
    type_keys(page, "12345678")
    page.get_by_test_id("submit").tap()
    expect(message(page)).to_have_text(INVALID_CREDENTIALS_EN + FOUR_LEFT_EN)
    assert kiosk_demo.open_doors() == set()

    page.get_by_test_id("btn-back").tap()
    expect(page.get_by_test_id("btn-lang")).to_have_text("English")
    expect(page.locator("html")).to_have_attribute("lang", "vi")


def test_every_word_is_drawn_in_the_kiosk_fonts(kiosk_page, kiosk_fonts):
    """Vietnamese and English text alike come from the fonts the layout was made for, with no other
    font filling in a missing glyph (so a machine's other fonts cannot change what fits)."""
    page = kiosk_page

    def drawn_with(selectors: list[str]) -> dict[str, set[str]]:
        return {selector: platform_fonts(page, selector) for selector in selectors}

    home = drawn_with(["header h1", "#btn-lang", "#btn-dropoff", "#btn-pickup", "#scan-hint"])
    assert home == {selector: {"Noto Sans"} for selector in home}
    page.get_by_test_id("btn-dropoff").tap()
    page.get_by_test_id("submit").tap()
    expect(message(page)).to_have_text("Mã hồ sơ gồm 1-64 chữ cái, chữ số hoặc các ký tự . - _ / :")
    form = drawn_with(["#dropoff-fields", "#status-message", "#status-help", "#btn-back", "#submit"])
    assert form == {selector: {"Noto Sans"} for selector in form}
    assert platform_fonts(page, "#keyboard") == set(kiosk_fonts)   # "⌫" from Noto Sans Symbols2


def test_an_untouched_form_returns_home(kiosk_page, kiosk_demo: KioskDemo):
    """The page's own inactivity timeout, driven by Playwright's clock (nothing in the service changes)."""
    page = kiosk_page
    page.clock.install()
    show_kiosk(page, kiosk_demo.kiosk_url)
    inactivity_ms = int(page.get_attribute("body", "data-inactivity")) * 1000
    page.get_by_test_id("btn-lang").tap()
    page.get_by_test_id("btn-dropoff").tap()
    type_keys(page, "HS9")
    page.clock.fast_forward(inactivity_ms - 5_000)
    expect(page.get_by_test_id("screen-form")).to_be_visible()
    page.get_by_test_id("size-L").tap()           # a touch starts the wait again
    page.clock.fast_forward(inactivity_ms - 1_000)
    expect(page.get_by_test_id("screen-form")).to_be_visible()
    page.clock.fast_forward(2_000)
    expect(page.get_by_test_id("more-time")).to_be_visible()   # it asks before it forgets the form
    expect(page.get_by_test_id("screen-form")).to_be_visible()
    page.clock.fast_forward(int(page.get_attribute("body", "data-more-time")) * 1000)
    expect(page.get_by_test_id("screen-home")).to_be_visible()
    expect(page.get_by_test_id("btn-lang")).to_have_text("English")
    page.get_by_test_id("btn-dropoff").tap()
    expect(page.get_by_test_id("dossier-code")).to_have_value("")
    expect(page.get_by_test_id("size-L")).to_have_attribute("aria-checked", "false")


def test_the_home_screen_sleeps_and_someone_in_front_wakes_it(kiosk_page, kiosk_demo: KioskDemo):
    """The presence sensor (the demo's GPIO, driven through /sim/gpio) wakes a dimmed kiosk."""
    page = kiosk_page
    page.clock.install()
    show_kiosk(page, kiosk_demo.kiosk_url)
    page.clock.fast_forward(121_000)
    expect(page.get_by_test_id("sleep-overlay")).to_be_visible()
    expect(page.get_by_test_id("sleep-overlay")).to_contain_text("Chạm vào màn hình để bắt đầu")
    response = kiosk_demo.post("/sim/gpio", {"name": "presence", "active": True})
    assert response.status_code == 200, response.text
    try:
        for _ in range(10):  # the page asks for the kiosk's activity every 1.5 s
            page.clock.run_for(1_500)
            if not page.get_by_test_id("sleep-overlay").is_visible():
                break
        expect(page.get_by_test_id("sleep-overlay")).to_be_hidden()
    finally:
        kiosk_demo.post("/sim/gpio", {"name": "presence", "active": False})
        wait_for(lambda: kiosk_demo.get("/api/v1/kiosk/activity").json()["presence"] is False,
                 message="nobody in front any more")
    page.clock.fast_forward(121_000)
    expect(page.get_by_test_id("sleep-overlay")).to_be_visible()
    page.get_by_test_id("sleep-overlay").tap()     # a touch wakes it too
    expect(page.get_by_test_id("sleep-overlay")).to_be_hidden()


def test_a_dropoff_closed_on_nothing_is_reopened_or_ended_from_the_kiosk(kiosk_page, kiosk_demo: KioskDemo):
    """Item sensors: the kiosk says no dossier was seen and opens the same door again on
    "Try again"; "Back to start" ends the flow and frees the compartment."""
    page = kiosk_page

    def start(code: str) -> dict:
        page.get_by_test_id("btn-dropoff").tap()
        type_keys(page, code)
        page.get_by_test_id("phone").tap()
        type_keys(page, "0912345678")
        page.get_by_test_id("size-S").tap()
        with page.expect_response(lambda r: r.url.split("?")[0].endswith("/api/v1/dropoffs")) as answer:
            page.get_by_test_id("submit").tap()
        kiosk_demo.wait_open_doors({answer.value.json()["compartment"]})
        return answer.value.json()

    dropoff = start("HS.2025/0009")
    label = dropoff["compartment"]
    kiosk_demo.close_door(label, item=False)
    expect(message(page)).to_contain_text(f"Không thấy hồ sơ trong ngăn {label}")
    snap(page, "09-dropoff-closed-empty")
    page.get_by_test_id("btn-retry").tap()
    kiosk_demo.wait_open_doors({label})
    expect(message(page)).to_contain_text(f"Cửa ngăn {label} đã mở")
    kiosk_demo.close_door(label, item=True)
    expect(message(page)).to_contain_text("Đã nhận hồ sơ HS.2025/0009. Xin cảm ơn!")
    page.get_by_test_id("btn-home").tap()
    page.get_by_test_id("rating-skip").tap()

    left = start("HS.2025/0010")
    kiosk_demo.close_door(left["compartment"], item=False)
    expect(message(page)).to_contain_text(f"Không thấy hồ sơ trong ngăn {left['compartment']}")
    page.get_by_test_id("btn-home").tap()
    wait_for(lambda: kiosk_demo.get(f"/api/v1/dropoffs/{left['id']}").json()["status"] == "cancelled",
             message="the drop-off ended when the person left")
    [compartment] = [c for c in kiosk_demo.get("/api/v1/compartments", clerk=True).json()
                     if c["label"] == left["compartment"]]
    assert compartment["state"] == "free"
