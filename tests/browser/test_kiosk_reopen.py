"""Where item sensors tell (the demo's Kerong CU16 boards), a door closed on nothing, or on a
result still inside, is offered again at the kiosk, in both languages; leaving ends the flow.
Against a real ``locker demo`` process; the simulator's ``/sim/`` API stands in for the people
at the cabinet: ``put_in``/``take_out`` move the item its sensor sees.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import KioskDemo
from tests.browser.test_kiosk_doors import IS_OPEN, LANGS, in_language, status
from tests.browser.test_kiosk_flows import expect, message, snap, type_keys
from tests.browser.test_kiosk_truth import drop_off, put_in

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

NOTHING_SEEN = {"vi": "Không thấy hồ sơ trong ngăn {c}", "en": "No dossier was seen in compartment {c}"}
STILL_INSIDE = {"vi": "Kết quả vẫn còn trong ngăn {c}", "en": "Your result is still in compartment {c}"}
REOPEN = {"vi": "Mở lại ngăn {c}", "en": "Open compartment {c} again"}


def take_out(demo: KioskDemo, label: str) -> None:
    demo.close_door(label, item=False)


@pytest.mark.parametrize("lang", LANGS)
def test_a_door_closed_on_nothing_is_opened_again_then_the_dossier_is_stored(kiosk_page, kiosk_demo: KioskDemo,
                                                                              lang):
    page = kiosk_page
    in_language(page, lang)
    dropoff = drop_off(page, f"EMPTY-{lang}")
    label, path = dropoff["compartment"], f"/api/v1/dropoffs/{dropoff['id']}"
    kiosk_demo.wait_open_doors({label})
    kiosk_demo.close_door(label)                    # nothing went in
    expect(message(page)).to_contain_text(NOTHING_SEEN[lang].format(c=label))
    reopen = page.get_by_test_id("btn-retry")
    expect(reopen).to_contain_text(REOPEN[lang].format(c=label))
    snap(page, f"31-nothing-seen-{lang}")
    assert status(kiosk_demo, path) == "closed_empty"
    reopen.tap()
    kiosk_demo.wait_open_doors({label})
    expect(message(page)).to_contain_text(IS_OPEN[lang].format(c=label))
    put_in(kiosk_demo, label)
    kiosk_demo.wait_status(path, "stored")
    expect(message(page)).to_contain_text(f"EMPTY-{lang}".upper())


def test_leaving_a_door_closed_on_nothing_cancels_the_drop_off_and_frees_the_compartment(kiosk_page,
                                                                                         kiosk_demo: KioskDemo):
    page = kiosk_page
    dropoff = drop_off(page, "EMPTY-LEAVE")
    label, path = dropoff["compartment"], f"/api/v1/dropoffs/{dropoff['id']}"
    kiosk_demo.wait_open_doors({label})
    kiosk_demo.close_door(label)
    expect(page.get_by_test_id("btn-retry")).to_be_visible()
    page.get_by_test_id("btn-home").tap()           # no door is open: no warning
    expect(page.get_by_test_id("screen-home")).to_be_visible()
    kiosk_demo.wait_status(path, "cancelled")
    [compartment] = [c for c in kiosk_demo.get("/api/v1/compartments", clerk=True).json() if c["label"] == label]
    assert compartment["state"] == "free"


@pytest.mark.parametrize("lang", LANGS)
def test_a_result_left_inside_is_offered_again_then_collected(kiosk_page, kiosk_demo: KioskDemo, lang):
    label, sms = kiosk_demo.load_result(f"INSIDE-{lang.upper()}", "0987654321", "M")
    page = kiosk_page
    in_language(page, lang)
    page.get_by_test_id("btn-pickup").tap()
    type_keys(page, f"INSIDE-{lang.upper()}")
    page.get_by_test_id("pickup-code").tap()
    type_keys(page, sms.code)
    with page.expect_response(lambda r: r.url.split("?")[0].endswith("/api/v1/pickups")) as answer:
        page.get_by_test_id("submit").tap()
    path = f"/api/v1/pickups/{answer.value.json()['id']}"
    kiosk_demo.wait_open_doors({label})
    kiosk_demo.close_door(label)                    # the result is still inside
    expect(message(page)).to_contain_text(STILL_INSIDE[lang].format(c=label))
    snap(page, f"32-still-inside-{lang}")
    assert status(kiosk_demo, path) == "left_inside"
    page.get_by_test_id("btn-retry").tap()
    kiosk_demo.wait_open_doors({label})
    expect(message(page)).to_contain_text(IS_OPEN[lang].format(c=label))
    take_out(kiosk_demo, label)
    kiosk_demo.wait_status(path, "collected")
    expect(message(page)).to_contain_text(f"INSIDE-{lang}".upper())
