"""The kiosk follows the door as the service sees it, in both languages: "opening" until the
service has seen the door open, and a jam shown as the move to another compartment, never as an
open door. Against a real ``locker demo`` process; the simulator's ``/sim/`` API stands in for the
people at the cabinet. (A kiosk starts at most six drop-offs a minute: each module has its own demo.)
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import KioskDemo
from tests.browser.test_kiosk_flows import expect, message, snap
from tests.browser.test_kiosk_truth import drop_off, put_in

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

RECORD_MESSAGES = """() => {
  window.said = [];
  const box = document.getElementById("status-message");
  new MutationObserver(() => window.said.push(box.textContent))
    .observe(box, {childList: true, subtree: true, characterData: true});
}"""
OPENING = {"vi": "Đang mở ngăn {c}", "en": "Opening compartment {c}"}
IS_OPEN = {"vi": "Cửa ngăn {c} đã mở", "en": "Compartment {c} is open"}
MOVED = {"vi": "Ngăn {c} không mở được.", "en": "Compartment {c} did not open."}
LANGS = ["vi", "en"]


def in_language(page, lang: str) -> None:
    page.evaluate(RECORD_MESSAGES)
    if lang == "en":
        page.get_by_test_id("btn-lang").tap()


def said(page) -> list[str]:
    return page.evaluate("window.said")


def first_time(texts: list[str], words: str) -> int:
    return next(i for i, text in enumerate(texts) if words in text)


def status(demo: KioskDemo, path: str) -> str:
    return demo.get(path).json()["status"]


@pytest.mark.parametrize("lang", LANGS)
def test_the_door_is_said_open_only_after_the_service_saw_it_open(kiosk_page, kiosk_demo: KioskDemo, lang):
    page = kiosk_page
    in_language(page, lang)
    dropoff = drop_off(page, f"SEEN-{lang}")
    label = dropoff["compartment"]
    assert dropoff["status"] == "opening"
    expect(message(page)).to_contain_text(IS_OPEN[lang].format(c=label))
    assert status(kiosk_demo, f"/api/v1/dropoffs/{dropoff['id']}") == "door_open"
    texts = said(page)
    assert first_time(texts, OPENING[lang].format(c=label)) < first_time(texts, IS_OPEN[lang].format(c=label)), texts
    put_in(kiosk_demo, label)
    kiosk_demo.wait_status(f"/api/v1/dropoffs/{dropoff['id']}", "stored")


@pytest.mark.parametrize("lang", LANGS)
def test_a_jam_shows_the_move_to_another_compartment_never_an_open_door(kiosk_page, kiosk_demo: KioskDemo, lang):
    page = kiosk_page
    free_small = sorted(c["label"] for c in kiosk_demo.get("/api/v1/compartments", clerk=True).json()
                        if c["state"] == "free" and c["size"] == "S")
    jammed = free_small[0]                      # the compartment a drop-off of size S gets first
    board, lock = kiosk_demo.locks[jammed]
    assert kiosk_demo.post("/sim/fault", {"kind": "jam", "board": board, "lock": lock}).status_code == 200
    in_language(page, lang)
    try:
        dropoff = drop_off(page, f"JAM-{lang}")
        assert dropoff["compartment"] == jammed
        expect(message(page)).to_contain_text(OPENING[lang].format(c=jammed))
        label = page.get_by_test_id("compartment-label")
        expect(label).not_to_have_text(jammed, timeout=15_000)   # the latch never released
        moved_to = label.inner_text()
        expect(message(page)).to_contain_text(IS_OPEN[lang].format(c=moved_to), timeout=10_000)
        expect(message(page)).to_contain_text(MOVED[lang].format(c=jammed))
        snap(page, f"30-jam-moved-{lang}")
        texts = said(page)
        assert not any(IS_OPEN[lang].format(c=jammed) in text for text in texts), texts
        put_in(kiosk_demo, moved_to)
        kiosk_demo.wait_status(f"/api/v1/dropoffs/{dropoff['id']}", "stored")
    finally:
        kiosk_demo.post("/sim/fault", {"kind": "clear"})
    back = kiosk_demo.post(f"/api/v1/compartments/{jammed}/service", {"in_service": True, "emptied": True},
                           clerk=True)
    assert back.status_code == 200, back.text
