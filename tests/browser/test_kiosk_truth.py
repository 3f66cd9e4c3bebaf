"""The kiosk tells the truth, in both languages: what cannot start is said on the start screen,
every error names what to do next and whom to call, a door still open is not walked away from
unwarned, a throttled kiosk shows one countdown. Against a real ``locker demo`` process; the
simulator's ``/sim/`` API stands in for the cabinet and the people at it.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import KioskDemo, show_kiosk
from tests.browser.test_kiosk_flows import assert_fits_screen, expect, message, snap, type_keys
from tests.support.net import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

HOTLINE, HOURS = "0123 456 789", "Thứ Hai - Thứ Sáu, 7:30 - 17:00"   # the demo's [office]
OFFLINE_DROPOFF = ("Tủ đang gặp sự cố kỹ thuật nên tạm thời không nhận hồ sơ.",
                   "The cabinet has a technical problem and cannot take dossiers now.")
OFFLINE_PICKUP = ("Tủ đang gặp sự cố kỹ thuật nên tạm thời không trả kết quả.",
                  "The cabinet has a technical problem and cannot hand out results now.")
AVAILABILITY_WAIT_MS = 12_000   # the start screen asks every 5 s


def boards(demo: KioskDemo) -> set[str]:
    return set(demo.get("/healthz").json()["bus"]["boards"].values())


def put_in(demo: KioskDemo, label: str) -> None:
    """A dossier goes into the compartment (its item sensor sees it), then the door is closed."""
    demo.close_door(label, item=True)


def drop_off(page, dossier_code: str, size: str = "S") -> dict:
    page.get_by_test_id("btn-dropoff").tap()
    type_keys(page, dossier_code)
    page.get_by_test_id("phone").tap()
    type_keys(page, "0912345678")
    page.get_by_test_id(f"size-{size}").tap()
    with page.expect_response(lambda r: r.url.split("?")[0].endswith("/api/v1/dropoffs")) as answer:
        page.get_by_test_id("submit").tap()
    assert answer.value.status == 201, answer.value.text()
    return answer.value.json()


def try_code(page, dossier_code: str, code: str) -> None:
    page.get_by_test_id("btn-pickup").tap()
    type_keys(page, dossier_code)
    page.get_by_test_id("pickup-code").tap()
    type_keys(page, code)
    page.get_by_test_id("submit").tap()


def test_the_start_screen_of_an_offline_cabinet_says_so_in_both_languages(kiosk_page, kiosk_demo: KioskDemo):
    page = kiosk_page
    notice = page.get_by_test_id("home-notice")
    expect(notice).to_be_hidden()
    assert kiosk_demo.post("/sim/fault", {"kind": "offline"}).status_code == 200   # every board stops answering
    try:
        wait_for(lambda: boards(kiosk_demo) == {"offline"}, timeout=20, message="every board offline")
        expect(notice).to_be_visible(timeout=AVAILABILITY_WAIT_MS)
        for vi, en in (OFFLINE_DROPOFF, OFFLINE_PICKUP):
            expect(notice.locator(".vi", has_text=vi)).to_be_visible()
            expect(notice.locator(".en", has_text=en)).to_be_visible()
        expect(notice).to_contain_text(HOTLINE)
        expect(notice).to_contain_text(HOURS)
        expect(page.get_by_test_id("btn-dropoff")).to_be_disabled()
        expect(page.get_by_test_id("btn-pickup")).to_be_disabled()
        snap(page, "20-offline-start")
        assert_fits_screen(page)
        page.get_by_test_id("btn-lang").tap()
        english, vietnamese = notice.locator(".en", has_text=OFFLINE_DROPOFF[1]), notice.locator(".vi").first
        assert english.bounding_box()["y"] < vietnamese.bounding_box()["y"]   # English first
        dropoff = kiosk_demo.post("/api/v1/dropoffs?lang=en", {"dossier_code": "OFF-1", "phone": "0912345678",
                                                                "size": "S"})
        assert (dropoff.status_code, dropoff.json()["error"]) == (503, "hardware_unavailable")
        assert HOTLINE in dropoff.json()["help"]
    finally:
        assert kiosk_demo.post("/sim/fault", {"kind": "clear"}).status_code == 200
    wait_for(lambda: boards(kiosk_demo) == {"online"}, timeout=20, message="every board back online")
    expect(notice).to_be_hidden(timeout=AVAILABILITY_WAIT_MS)
    expect(page.get_by_test_id("btn-dropoff")).to_be_enabled()


def test_on_battery_the_start_screen_takes_no_dossier_but_hands_out_results(kiosk_page, kiosk_demo: KioskDemo):
    page = kiosk_page
    notice = page.get_by_test_id("home-notice")
    assert kiosk_demo.post("/sim/gpio", {"name": "power_fail", "active": True}).status_code == 200
    try:
        expect(notice).to_be_visible(timeout=AVAILABILITY_WAIT_MS)
        expect(notice.locator(".vi").first).to_have_text(
            "Tủ đang chạy bằng pin dự phòng nên tạm thời không nhận hồ sơ.")
        expect(notice.locator(".en").first).to_have_text(
            "The cabinet is running on its backup battery and cannot take dossiers now.")
        expect(page.get_by_test_id("btn-dropoff")).to_be_disabled()
        expect(page.get_by_test_id("btn-pickup")).to_be_enabled()
        expect(page.get_by_test_id("scan-hint")).to_be_visible()
    finally:
        assert kiosk_demo.post("/sim/gpio", {"name": "power_fail", "active": False}).status_code == 200
    expect(notice).to_be_hidden(timeout=AVAILABILITY_WAIT_MS)


@pytest.mark.parametrize(("lang", "step"), [("vi", "Kiểm tra lại mã hồ sơ và mã nhận 8 chữ số"),
                                            ("en", "Check the dossier code and the 8-digit pickup code")])
def test_an_error_says_what_to_do_next_and_names_the_help_line_and_hours(kiosk_page, lang, step):
    page = kiosk_page
    if lang == "en":
        page.get_by_test_id("btn-lang").tap()
    try_code(page, "HELP-1", "11112222")
    help_line = page.get_by_test_id("status-help")
    expect(help_line).to_contain_text(step)
    expect(help_line).to_contain_text(HOTLINE)
    expect(help_line).to_contain_text(HOURS)
    expect(help_line.locator(".en" if lang == "en" else ".vi")).to_be_visible()
    snap(page, f"21-wrong-code-help-{lang}")
    assert_fits_screen(page)


@pytest.mark.parametrize(("lang", "warning"), [
    ("vi", "Cửa ngăn {c} vẫn đang mở. Vui lòng đóng cửa trước khi rời đi"),
    ("en", "The door of compartment {c} is still open. Please close it before you leave")])
def test_back_to_start_with_a_door_open_warns_first(kiosk_page, kiosk_demo: KioskDemo, lang, warning):
    page = kiosk_page
    if lang == "en":
        page.get_by_test_id("btn-lang").tap()
    dropoff = drop_off(page, f"LEAVE-{lang}")
    label = dropoff["compartment"]
    kiosk_demo.wait_open_doors({label})
    expect(page.get_by_test_id("compartment-label")).to_have_text(label)
    page.get_by_test_id("btn-home").tap()
    expect(page.get_by_test_id("status-detail")).to_contain_text(warning.format(c=label))
    snap(page, f"23-leave-warning-{lang}")
    expect(page.get_by_test_id("screen-status")).to_be_visible()
    page.get_by_test_id("btn-home").tap()                 # asked twice: the citizen leaves
    expect(page.get_by_test_id("screen-home")).to_be_visible()
    put_in(kiosk_demo, label)
    kiosk_demo.wait_status(f"/api/v1/dropoffs/{dropoff['id']}", "stored")


def test_a_closed_door_lets_the_citizen_go_back_to_start_at_once(kiosk_page, kiosk_demo: KioskDemo):
    page = kiosk_page
    dropoff = drop_off(page, "DONE-1")
    kiosk_demo.wait_open_doors({dropoff["compartment"]})
    put_in(kiosk_demo, dropoff["compartment"])
    expect(message(page)).to_contain_text("Đã nhận hồ sơ DONE-1")
    page.get_by_test_id("btn-home").tap()
    page.get_by_test_id("rating-skip").tap()   # the satisfaction screen comes first; skipping is one tap
    expect(page.get_by_test_id("screen-home")).to_be_visible()


def test_the_sleeping_screen_never_hides_a_door_left_open_prompt(kiosk_page, kiosk_demo: KioskDemo):
    """The service's left-open prompt comes after a minute; the page's answer to it is what is tested,
    so the activity answer is given to the page with a door left open."""
    page = kiosk_page
    left_open = {"mode": "idle", "last_scan": None, "doors_left_open": ["A05"], "presence": False}
    page.route("**/api/v1/kiosk/activity*", lambda route: route.fulfill(json=left_open))
    page.clock.install()
    show_kiosk(page, kiosk_demo.kiosk_url)
    expect(page.get_by_test_id("door-alert")).to_contain_text("Vui lòng đóng cửa ngăn A05")
    page.clock.fast_forward(121_000)
    expect(page.get_by_test_id("sleep-overlay")).to_be_hidden()
    expect(page.get_by_test_id("door-alert")).to_be_visible()
    page.unroute("**/api/v1/kiosk/activity*")              # the door was closed
    page.clock.run_for(1_500)
    expect(page.get_by_test_id("door-alert")).to_be_hidden()
    page.clock.fast_forward(121_000)
    expect(page.get_by_test_id("sleep-overlay")).to_be_visible()


def test_a_throttled_kiosk_shows_one_countdown_in_either_language(kiosk_page, kiosk_demo: KioskDemo):
    """Last in this module: it leaves the kiosk throttled."""
    page = kiosk_page
    answers = []
    while 429 not in answers:   # wrong codes from this kiosk until the service slows it down
        answers.append(kiosk_demo.post("/api/v1/pickups", {"dossier_code": "SLOW-1", "code": "99998888"}).status_code)
    assert set(answers[:-1]) == {403} and len(answers) <= 6, answers   # the threshold is five failures in a row
    for lang in ("vi", "en"):
        if lang == "en":
            page.get_by_test_id("btn-back").tap()
            page.get_by_test_id("btn-lang").tap()
        try_code(page, "SLOW-1", "99998888")
        countdown = page.get_by_test_id("countdown")
        expect(countdown).to_have_count(1)
        shown = message(page).inner_text()
        assert re.findall(r"\d+", shown) == [countdown.inner_text()], shown   # no second number
        first = int(countdown.inner_text())
        expect(countdown).not_to_have_text(str(first), timeout=3_000)   # it counts down
        assert int(countdown.inner_text()) < first
        expect(page.get_by_test_id("submit")).to_be_disabled()
        expect(page.get_by_test_id("status-help")).to_contain_text(HOTLINE)
        snap(page, f"22-throttled-{lang}")
        assert_fits_screen(page)
