"""Accessibility at the kiosk, in Chromium against one ``locker demo`` (1280x800, touch): large text
with high contrast kept through a drop-off, keys at least 80 px wide, a low compartment on request,
more time on request, and the sound files the page plays."""

from __future__ import annotations

import pytest
import requests

from api.kiosk import sounds
from tests.browser.conftest import KIOSK_SCREEN, KioskDemo, show_kiosk
from tests.browser.test_kiosk_flows import assert_fits_screen, expect, message, type_keys

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

LETTERS_AND_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def html_classes(page) -> set[str]:
    return set(page.evaluate("() => [...document.documentElement.classList]"))


def style(page, selector: str, prop: str) -> str:
    return page.locator(selector).first.evaluate(f"(el) => getComputedStyle(el).{prop}")


def key_widths(page) -> dict[str, float]:
    return page.evaluate("() => Object.fromEntries([...document.querySelectorAll('#keyboard [data-key]')]"
                         ".map((k) => [k.dataset.key, k.getBoundingClientRect().width]))")


def fill_dropoff(page, code: str, size: str) -> None:
    page.get_by_test_id("btn-dropoff").tap()
    type_keys(page, code)
    page.get_by_test_id("phone").tap()
    type_keys(page, "0912345678")
    page.get_by_test_id(f"size-{size}").tap()


def submit(page) -> dict:
    with page.expect_response(lambda r: r.url.split("?")[0].endswith("/api/v1/dropoffs")) as answer:
        page.get_by_test_id("submit").tap()
    assert answer.value.status == 201, answer.value.text()
    return answer.value.json()


def store(page, demo: KioskDemo, label: str, code: str) -> None:
    demo.wait_open_doors({label})
    demo.close_door(label, item=True)
    expect(message(page)).to_contain_text(code)
    demo.wait_open_doors(set())


def test_large_text_and_high_contrast_last_the_whole_dropoff(kiosk_page, kiosk_demo: KioskDemo):
    page = kiosk_page
    normal_px = float(style(page, "#btn-dropoff", "fontSize").removesuffix("px"))
    page.get_by_test_id("btn-large").tap()
    expect(page.get_by_test_id("btn-large")).to_have_attribute("aria-pressed", "true")
    assert "a11y-large" in html_classes(page)
    assert style(page, "body", "backgroundColor") == "rgb(0, 0, 0)"
    assert float(style(page, "#btn-dropoff", "fontSize").removesuffix("px")) > normal_px
    expect(page.locator("#btn-dropoff .en")).to_be_hidden()  # one language, larger
    fill_dropoff(page, "TL-0001", "M")
    assert "a11y-large" in html_classes(page) and style(page, "#dossier-code", "color") == "rgb(255, 255, 255)"
    assert_fits_screen(page)
    dropoff = submit(page)
    expect(message(page)).to_contain_text("đã mở")
    assert "a11y-large" in html_classes(page)
    store(page, kiosk_demo, dropoff["compartment"], "TL-0001")
    assert "a11y-large" in html_classes(page) and style(page, "body", "backgroundColor") == "rgb(0, 0, 0)"
    page.get_by_test_id("btn-home").tap()
    page.get_by_test_id("rating-skip").tap()
    page.get_by_test_id("screen-home").wait_for(state="visible")
    assert "a11y-large" not in html_classes(page)  # the next person starts with the usual screen
    expect(page.get_by_test_id("btn-large")).to_have_attribute("aria-pressed", "false")


def test_every_key_is_at_least_80_px_wide_at_1280x800(kiosk_page):
    page = kiosk_page
    assert page.viewport_size == KIOSK_SCREEN
    page.get_by_test_id("btn-dropoff").tap()
    for large in (False, True):
        for field in ("dossier-code", "phone"):
            page.get_by_test_id(field).tap()
            widths = key_widths(page)
            assert widths and min(widths.values()) >= 80, (field, large, widths)
            if field == "dossier-code":
                assert set(LETTERS_AND_DIGITS) <= set(widths), "every letter and digit has its key"
            assert_fits_screen(page)
        page.get_by_test_id("btn-large").tap()


def test_a_low_compartment_on_request(kiosk_page, kiosk_demo: KioskDemo):
    """The demo cabinet's rows 7-16 are within reach (api.demo.DEMO_ROW_FLOORS)."""
    page = kiosk_page
    page.get_by_test_id("btn-dropoff").tap()
    low = page.get_by_test_id("btn-low")
    expect(low).to_be_visible()
    expect(low).to_contain_text("xe lăn")
    type_keys(page, "TL-0002")
    page.get_by_test_id("phone").tap()
    type_keys(page, "0912345678")
    page.get_by_test_id("size-S").tap()
    low.tap()
    expect(low).to_have_attribute("aria-pressed", "true")
    # The demo's small compartments are all in its top six rows: a larger one within reach will do.
    expect(page.get_by_test_id("size-S")).to_be_enabled()
    with page.expect_request(lambda r: r.url.split("?")[0].endswith("/api/v1/dropoffs")) as sent:
        dropoff = submit(page)
    assert sent.value.post_data_json["low"] is True
    label = dropoff["compartment"]
    assert int(label[1:]) >= 7, f"{label} is in rows 7-16 of the demo cabinet, within reach"
    assert kiosk_demo.get(f"/api/v1/dropoffs/{dropoff['id']}").json()["compartment"] == label
    store(page, kiosk_demo, label, "TL-0002")


def test_more_time_doubles_the_time_outs(kiosk_browser, kiosk_demo: KioskDemo):
    context = kiosk_browser.new_context(viewport=KIOSK_SCREEN, has_touch=True, locale="vi-VN")
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.clock.install()
        show_kiosk(page, kiosk_demo.kiosk_url)
        question = page.get_by_test_id("more-time")
        page.get_by_test_id("btn-dropoff").tap()
        page.clock.fast_forward(91_000)  # 90 s untouched: "Need more time?", 20 s, back to the start screen
        expect(question).to_be_visible()
        page.clock.fast_forward(21_000)
        page.get_by_test_id("screen-home").wait_for(state="visible")
        page.get_by_test_id("btn-dropoff").tap()
        page.get_by_test_id("btn-slow").tap()
        expect(page.get_by_test_id("btn-slow")).to_have_attribute("aria-pressed", "true")
        page.clock.fast_forward(91_000)
        expect(page.get_by_test_id("screen-form")).to_be_visible()
        expect(question).to_be_hidden()
        page.clock.fast_forward(90_000)  # 181 s: twice the time, then the question, twice as long too
        expect(question).to_be_visible()
        page.clock.fast_forward(21_000)
        expect(page.get_by_test_id("screen-form")).to_be_visible()
        page.clock.fast_forward(20_000)
        page.get_by_test_id("screen-home").wait_for(state="visible")
        expect(page.get_by_test_id("btn-slow")).to_have_attribute("aria-pressed", "false")
    finally:
        context.close()


def test_the_page_plays_existing_prompts_in_its_language_and_can_be_muted(kiosk_page, kiosk_demo: KioskDemo):
    page = kiosk_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    voice = page.get_by_test_id("voice")
    page.get_by_test_id("btn-dropoff").tap()
    expect(voice).to_have_attribute("src", f"{kiosk_demo.url}/kiosk/static/sound/form_dropoff.vi.ogg")
    page.get_by_test_id("btn-lang").tap()
    expect(voice).to_have_attribute("src", f"{kiosk_demo.url}/kiosk/static/sound/form_dropoff.en.ogg")
    page.get_by_test_id("submit").tap()  # nothing typed: an error, its cue and prompt
    expect(page.get_by_test_id("cue")).to_have_attribute("src", f"{kiosk_demo.url}/kiosk/static/sound/cue_error.ogg")
    expect(voice).to_have_attribute("src", f"{kiosk_demo.url}/kiosk/static/sound/error.en.ogg")
    page.get_by_test_id("btn-sound").tap()
    expect(page.get_by_test_id("btn-sound")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_test_id("btn-sound")).to_contain_text("Sound on")
    assert voice.evaluate("(el) => el.paused")
    played = {voice.get_attribute("src"), page.get_by_test_id("cue").get_attribute("src")}
    for name in sounds.files():
        played.add(f"{kiosk_demo.url}/kiosk/static/sound/{name}")
    for url in played:
        resp = requests.get(url, timeout=10)
        assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("audio/ogg"), url
    assert errors == []
