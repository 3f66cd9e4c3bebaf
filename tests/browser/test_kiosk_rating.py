"""The satisfaction screen in Chromium against a real ``locker demo`` process (one per module):
a citizen rates a drop-off with a face and two comments, skips the rating after a pickup in
English, and a face tapped but not sent goes in when the screen times out."""

from __future__ import annotations

import pytest

from tests.browser.conftest import KioskDemo
from tests.browser.test_kiosk_flows import assert_fits_screen, expect, message, snap
from tests.browser.test_receipts_browser import drop_off_by_touch
from tests.support.net import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def ratings_of(kiosk_demo: KioskDemo, dossier_code: str) -> list[dict]:
    events = kiosk_demo.get("/api/v1/events?limit=1000", clerk=True).json()
    return [e["data"] for e in events if e["kind"] == "rating_recorded" and e["dossier_code"] == dossier_code]


def test_a_drop_off_is_rated_with_a_face_and_comments(kiosk_page, kiosk_demo: KioskDemo):
    page = kiosk_page
    drop_off_by_touch(page, kiosk_demo, "HS.2026/0201")
    page.get_by_test_id("btn-home").tap()
    screen = page.get_by_test_id("screen-rating")
    expect(screen).to_be_visible()
    expect(page.get_by_test_id("rating-title")).to_contain_text("Ông/bà có hài lòng")
    for score in range(1, 6):
        face = page.get_by_test_id(f"face-{score}")
        expect(face).to_be_in_viewport(ratio=1)
        box = face.bounding_box()
        assert box["width"] >= 150 and box["height"] >= 150, (score, box)
    expect(page.get_by_test_id("rating-chips")).to_be_hidden()
    expect(page.get_by_test_id("rating-send")).to_be_disabled()
    page.get_by_test_id("face-4").tap()
    expect(page.get_by_test_id("face-4")).to_have_attribute("aria-checked", "true")
    page.get_by_test_id("chip-quick").tap()
    page.get_by_test_id("chip-door").tap()
    page.get_by_test_id("chip-slow").tap()
    page.get_by_test_id("chip-slow").tap()            # a second tap takes a comment back
    expect(page.get_by_test_id("chip-door")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_test_id("chip-slow")).to_have_attribute("aria-pressed", "false")
    assert_fits_screen(page)
    expect(page.get_by_test_id("rating-send")).to_be_in_viewport(ratio=1)
    snap(page, "30-rating")
    with page.expect_response(lambda r: r.url.split("?")[0].endswith("/rating")) as answer:
        page.get_by_test_id("rating-send").tap()
    assert answer.value.status == 201
    expect(message(page)).to_contain_text("Cảm ơn ông/bà đã đánh giá!")
    expect(page.get_by_test_id("screen-home")).to_be_visible()
    [rating] = ratings_of(kiosk_demo, "HS.2026/0201")
    assert (rating["transaction"], rating["score"], rating["chips"]) == ("dropoff", 4, ["quick", "door"])


def test_the_rating_is_skipped_after_a_pickup_in_one_tap(kiosk_page, kiosk_demo: KioskDemo):
    label, sms = kiosk_demo.load_result("KQ-2026-0202", "0987654321", "S")
    page = kiosk_page
    page.get_by_test_id("btn-lang").tap()
    kiosk_demo.scan(sms.qr)
    kiosk_demo.wait_open_doors({label})
    kiosk_demo.close_door(label, item=False)
    expect(message(page)).to_contain_text("You have collected the result of dossier KQ-2026-0202")
    page.get_by_test_id("btn-home").tap()
    expect(page.get_by_test_id("screen-rating")).to_be_visible()
    title = page.get_by_test_id("rating-title")
    expect(title.locator(".en")).to_have_text("How was your visit to the dossier locker?")
    assert title.locator(".en").bounding_box()["y"] < title.locator(".vi").bounding_box()["y"]  # English first
    snap(page, "31-rating-en")
    page.get_by_test_id("rating-skip").tap()
    expect(page.get_by_test_id("screen-home")).to_be_visible()
    expect(page.get_by_test_id("btn-lang")).to_have_text("English")   # back in Vietnamese for the next person
    assert ratings_of(kiosk_demo, "KQ-2026-0202") == []


def test_a_face_tapped_but_not_sent_goes_in_when_the_screen_times_out(kiosk_page, kiosk_demo: KioskDemo):
    page = kiosk_page
    drop_off_by_touch(page, kiosk_demo, "HS.2026/0203")
    page.get_by_test_id("btn-home").tap()
    expect(page.get_by_test_id("screen-rating")).to_be_visible()
    page.clock.install()                               # the screen's own timers from here on
    page.get_by_test_id("face-2").tap()
    page.clock.fast_forward(29_000)
    expect(page.get_by_test_id("screen-rating")).to_be_visible()
    page.clock.fast_forward(2_000)
    expect(page.get_by_test_id("screen-home")).to_be_visible()
    [rating] = wait_for(lambda: ratings_of(kiosk_demo, "HS.2026/0203") or None, message="the rating sent")
    assert (rating["score"], rating["chips"]) == (2, [])
