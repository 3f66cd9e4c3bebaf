"""A citizen at the kiosk on both of its screens (portrait 1080x1920, landscape 1280x800), in both
languages, against ``locker sim`` and ``locker serve`` (one pair for the module): drop-off and
pickup by keypad and by scanning; on every door screen the cabinet's picture with the open
compartment lit, its row and column in words and the time the screen still waits; "Need more
time?" before an idle form goes back (a short ``[kiosk] inactivity_s`` in the test's config).

``KIOSK_SCREENSHOTS=docs/kiosk`` keeps every screen at both sizes there (see docs/kiosk.md).
"""

from __future__ import annotations

import itertools
import re

import pytest

from tests.browser.conftest import KioskSms
from tests.e2e.conftest import Cabinet, running_cabinet
from tests.support.net import wait_for
from tests.support.screenshots import shoot
from tests.support.sms_gateway import SmsGateway

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

SCREENS = {"portrait": {"width": 1080, "height": 1920}, "landscape": {"width": 1280, "height": 800}}
INACTIVITY_S, MORE_TIME_S = 12, 4   # long enough for a walk's steps under load, short to wait for
WALKS = [(screen, lang) for screen in SCREENS for lang in ("vi", "en")]
NUMBERS = itertools.count(1)


@pytest.fixture(scope="module")
def cabinet(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("kiosk-where")
    gateway = SmsGateway()
    try:
        with running_cabinet(tmp, f"sqlite:///{tmp / 'locker.db'}", gateway,
                             extra=f"[kiosk]\ninactivity_s = {INACTIVITY_S}\nmore_time_s = {MORE_TIME_S}\n"
                                   "dropoffs_per_minute = 60\n") as cab:
            yield cab
    finally:
        gateway.close()


@pytest.fixture
def kiosk(kiosk_browser, cabinet: Cabinet, request):
    """A fresh kiosk screen of the test's size on the start screen, listening to the scanner."""
    screen = request.node.callspec.params["screen"]
    context = kiosk_browser.new_context(viewport=SCREENS[screen], has_touch=True, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(cabinet.api + "/")
        page.get_by_test_id("btn-dropoff").wait_for(state="visible")
        page.locator("body[data-scanner='listening']").wait_for(state="attached")
        wait_for(lambda: cabinet.get("/api/v1/kiosk/activity").json()["mode"] == "idle", message="the scanner reads")
        yield page
    finally:
        context.close()
        for label in cabinet.compartments:   # a test that failed half-way leaves no door open for the next
            if cabinet.sim_lock(label)["door"] == "open":
                cabinet.close_door(label)


def expect(target):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def say(lang: str, vi: str, en: str) -> str:
    return en if lang == "en" else vi


def snap(page, screen: str, lang: str, name: str) -> None:
    """The screen for docs/kiosk (the Vietnamese walk: every screen shows English too)."""
    if lang == "vi":
        shoot(page, f"{screen}-{name}", env="KIOSK_SCREENSHOTS")


def type_keys(page, text: str) -> None:
    for char in text:
        page.get_by_test_id(f"key-{char.lower()}").tap()


def choose_language(page, lang: str) -> None:
    if lang == "en":
        page.get_by_test_id("btn-lang").tap()
        expect(page.locator("html")).to_have_attribute("lang", "en")


def assert_laid_out(page) -> None:
    """No scroll bar, and on a portrait screen nothing to touch above its lower two thirds."""
    width, height, screen_w, screen_h, high = page.evaluate("""() => [
        document.documentElement.scrollWidth, document.documentElement.scrollHeight, innerWidth, innerHeight,
        [...document.querySelectorAll('button, input')].filter((el) => {
            const r = el.getBoundingClientRect();
            return r.width > 0 && r.height > 0 && r.top < innerHeight / 3;
        }).map((el) => el.id || el.dataset.key)]""")
    assert width <= screen_w and height <= screen_h, f"page is {width}x{height}, screen {screen_w}x{screen_h}"
    if screen_h > screen_w:
        assert high == [], f"above the lower two thirds of the screen: {high}"


def place(cab: Cabinet, label: str) -> tuple[int, int]:
    """Row and column of a compartment as the service's defaults place it: a column per board
    (in board order), its locks from the top."""
    boards = sorted({c["board"] for c in cab.compartments.values()})
    board, lock = cab.lock_of(label)
    return lock, boards.index(board) + 1


def assert_where(page, cab: Cabinet, label: str, lang: str, *, counting: bool = False) -> None:
    """The door screen shows where ``label`` is: lit on the cabinet's picture, in words, and how long it waits."""
    row, column = place(cab, label)
    where = page.get_by_test_id("where")
    expect(where).to_be_visible()
    expect(page.get_by_test_id("cabinet-lit")).to_have_count(1)
    expect(page.get_by_test_id("cabinet-lit")).to_have_attribute("data-label", label)
    expect(page.get_by_test_id("cabinet-cell")).to_have_count(len(cab.compartments) - 1)
    words = page.get_by_test_id("where-words")
    expect(words.locator(".vi")).to_have_text(f"Ô {label}, hàng {row}, cột {column}")
    expect(words.locator(".en")).to_have_text(f"Compartment {label}, row {row}, column {column}")
    sizes = words.evaluate("(el) => Object.fromEntries([...el.children].map("
                           "(span) => [span.className, parseFloat(getComputedStyle(span).fontSize)]))")
    assert sizes[lang] > sizes["en" if lang == "vi" else "vi"], sizes   # the page's language first and larger
    time_left = page.get_by_test_id("time-left").locator("." + lang)
    expect(time_left).to_have_text(re.compile(say(lang, r"Màn hình chờ ông/bà thêm \d+:\d\d$",
                                                  r"This screen waits for you \d+:\d\d more$")))
    if counting:
        before = time_left.inner_text()
        expect(time_left).not_to_have_text(before, timeout=5_000)   # it counts down, second by second
    assert_laid_out(page)


def load_result(cab: Cabinet, code: str) -> tuple[str, KioskSms]:
    """A clerk puts a result into the cabinet; its compartment and the citizen's SMS."""
    loaded = cab.post("/api/v1/results", {"dossier_code": code, "phone": "0987654321", "size": "M"}, clerk=True)
    assert loaded.status_code == 201, loaded.text
    result = loaded.json()
    cab.wait_door(result["compartment"], "open")
    cab.close_door(result["compartment"], item=True)
    cab.wait_status(f"/api/v1/results/{result['id']}", "ready", clerk=True)
    code_text = wait_for(lambda: cab.sms.code_texts(code), message="the pickup code's SMS")[-1]
    link_text = wait_for(lambda: cab.sms.link_texts(code), message="the QR link's SMS")[-1]
    return result["compartment"], KioskSms("0987654321", code_text + "\n" + link_text)


def drop_off_at_the_door(page, cab: Cabinet, screen: str, lang: str, code: str, *, counting: bool = False) -> str:
    """From the filled form: open a compartment, see where it is, put the dossier in and close it."""
    page.get_by_test_id("phone").tap()
    type_keys(page, "0912345678")
    page.get_by_test_id("size-S").tap()
    assert_laid_out(page)
    with page.expect_response(lambda r: r.url.split("?")[0].endswith("/api/v1/dropoffs")) as answer:
        page.get_by_test_id("submit").tap()
    assert answer.value.status == 201, answer.value.text()
    label = answer.value.json()["compartment"]
    cab.wait_door(label, "open")
    message = page.get_by_test_id("status-message")
    expect(message).to_contain_text(say(lang, f"Cửa ngăn {label} đã mở", f"Compartment {label} is open"))
    assert_where(page, cab, label, lang, counting=counting)
    return label


# ---- by keypad --------------------------------------------------------------------------

@pytest.mark.parametrize("screen, lang", WALKS)
def test_drop_off_and_pick_up_by_keypad(kiosk, cabinet: Cabinet, screen, lang):
    page, cab = kiosk, cabinet
    message = page.get_by_test_id("status-message")
    assert_laid_out(page)
    snap(page, screen, lang, "01-home")
    choose_language(page, lang)
    page.get_by_test_id("btn-dropoff").tap()
    code = f"HS.{screen[0].upper()}{lang.upper()}/{next(NUMBERS)}"
    type_keys(page, code)
    snap(page, screen, lang, "02-dropoff-form")
    label = drop_off_at_the_door(page, cab, screen, lang, code, counting=True)
    snap(page, screen, lang, "03-dropoff-door-open")
    cab.close_door(label, item=True)
    expect(message).to_contain_text(say(lang, f"Đã nhận hồ sơ {code}", f"Your dossier {code} has been received"))
    expect(page.get_by_test_id("where")).to_be_hidden()
    assert_laid_out(page)
    snap(page, screen, lang, "04-dropoff-stored")
    page.get_by_test_id("btn-home").tap()
    expect(page.get_by_test_id("screen-rating")).to_be_visible()   # a finished drop-off is rated first
    assert_laid_out(page)
    snap(page, screen, lang, "14-rating")
    page.get_by_test_id("rating-skip").tap()
    expect(page.get_by_test_id("screen-home")).to_be_visible()

    result_code = f"KQ.{screen[0].upper()}{lang.upper()}/{next(NUMBERS)}"
    result_label, sms = load_result(cab, result_code)
    choose_language(page, lang)
    page.get_by_test_id("btn-pickup").tap()
    type_keys(page, result_code)
    page.get_by_test_id("pickup-code").tap()
    type_keys(page, sms.code[:-1] + str((int(sms.code[-1]) + 1) % 10))
    page.get_by_test_id("submit").tap()
    expect(message).to_contain_text(say(lang, "Mã hồ sơ hoặc mã nhận không đúng", "The dossier code or pickup code is wrong"))
    assert_laid_out(page)
    snap(page, screen, lang, "05-pickup-wrong-code")
    page.get_by_test_id("key-clear").tap()
    type_keys(page, sms.code)
    snap(page, screen, lang, "06-pickup-form")
    page.get_by_test_id("submit").tap()
    cab.wait_door(result_label, "open")
    expect(message).to_contain_text(say(lang, f"Cửa ngăn {result_label} đã mở — lấy kết quả",
                                        f"Compartment {result_label} is open — take your result"))
    assert_where(page, cab, result_label, lang)
    snap(page, screen, lang, "07-pickup-door-open")
    cab.close_door(result_label, item=False)
    expect(message).to_contain_text(say(lang, f"Ông/bà đã nhận kết quả hồ sơ {result_code}",
                                        f"You have collected the result of dossier {result_code}"))
    expect(page.get_by_test_id("where")).to_be_hidden()
    assert_laid_out(page)
    snap(page, screen, lang, "08-pickup-collected")


# ---- by scanning ------------------------------------------------------------------------

@pytest.mark.parametrize("screen, lang", WALKS)
def test_drop_off_and_pick_up_by_scanning(kiosk, cabinet: Cabinet, screen, lang):
    page, cab = kiosk, cabinet
    message = page.get_by_test_id("status-message")
    code = f"HS.SCAN{screen[0].upper()}{lang.upper()}/{next(NUMBERS)}"
    choose_language(page, lang)
    cab.sim_post("/sim/scan", {"data": code.lower()})   # the receipt's code, as the office printed it
    expect(page.get_by_test_id("dossier-code")).to_have_value(code)
    expect(page.get_by_test_id("phone")).to_be_focused()
    assert_laid_out(page)
    snap(page, screen, lang, "09-scanned-receipt-form")
    label = drop_off_at_the_door(page, cab, screen, lang, code)
    cab.close_door(label, item=False)   # closed on nothing: the same door is offered again
    expect(message).to_contain_text(say(lang, f"Không thấy hồ sơ trong ngăn {label}", f"No dossier was seen in compartment {label}"))
    assert_where(page, cab, label, lang)
    snap(page, screen, lang, "10-dropoff-closed-empty")
    page.get_by_test_id("btn-retry").tap()
    cab.wait_door(label, "open")
    assert_where(page, cab, label, lang)
    cab.close_door(label, item=True)
    expect(message).to_contain_text(say(lang, f"Đã nhận hồ sơ {code}", f"Your dossier {code} has been received"))
    page.get_by_test_id("btn-home").tap()
    page.get_by_test_id("rating-skip").tap()
    expect(page.get_by_test_id("screen-home")).to_be_visible()

    result_code = f"KQ.SCAN{screen[0].upper()}{lang.upper()}/{next(NUMBERS)}"
    result_label, sms = load_result(cab, result_code)
    choose_language(page, lang)
    cab.sim_post("/sim/scan", {"data": sms.link})
    cab.wait_door(result_label, "open")
    expect(message).to_contain_text(say(lang, f"Cửa ngăn {result_label} đã mở — lấy kết quả",
                                        f"Compartment {result_label} is open — take your result"))
    assert_where(page, cab, result_label, lang)
    snap(page, screen, lang, "11-scanned-pickup-door-open")
    cab.close_door(result_label, item=False)
    expect(message).to_contain_text(say(lang, f"Ông/bà đã nhận kết quả hồ sơ {result_code}",
                                        f"You have collected the result of dossier {result_code}"))
    page.get_by_test_id("btn-home").tap()
    page.get_by_test_id("rating-skip").tap()
    expect(page.get_by_test_id("screen-home")).to_be_visible()

    cab.sim_post("/sim/scan", {"data": "not a code!"})
    expect(message.locator(".vi")).to_have_text("Không dùng được mã QR này. Vui lòng nhập mã hồ sơ và mã nhận.")
    assert cab.service_compartments()[result_label]["state"] == "free"
    assert_laid_out(page)
    snap(page, screen, lang, "12-scan-not-a-code")


# ---- "Need more time?" ----------------------------------------------------------------------

@pytest.mark.parametrize("screen, lang", [("portrait", "vi"), ("landscape", "en")])
def test_an_idle_form_asks_for_more_time_before_it_goes_back(kiosk, screen, lang):
    page = kiosk
    choose_language(page, lang)
    page.get_by_test_id("btn-dropoff").tap()
    type_keys(page, "HS-WAIT")
    prompt = page.get_by_test_id("more-time")
    expect(prompt).to_be_visible(timeout=(INACTIVITY_S + 5) * 1000)
    expect(page.get_by_test_id("more-time-question").locator("." + lang)).to_have_text(
        say(lang, "Cần thêm thời gian?", "Need more time?"))
    expect(page.get_by_test_id("more-time-countdown").locator("." + lang)).to_have_text(re.compile(
        say(lang, r"về màn hình chính sau \d giây", r"goes back to the start in \d seconds")))
    assert_laid_out(page)
    shoot(page, f"{screen}-13-more-time", env="KIOSK_SCREENSHOTS")   # in English on the landscape screen
    page.get_by_test_id("btn-more-time").tap()
    expect(prompt).to_be_hidden()
    expect(page.get_by_test_id("dossier-code")).to_have_value("HS-WAIT")   # the form as it was
    expect(page.get_by_test_id("dossier-code")).to_be_focused()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    # One "more time": the answer turns on the access bar's setting, every wait doubled from now on.
    expect(page.get_by_test_id("btn-slow")).to_have_attribute("aria-pressed", "true")

    expect(prompt).to_be_visible(timeout=(2 * INACTIVITY_S + 5) * 1000)   # asked again, and nobody answers
    expect(page.get_by_test_id("screen-home")).to_be_visible(timeout=(2 * MORE_TIME_S + 5) * 1000)
    expect(prompt).to_be_hidden()
    expect(page.get_by_test_id("btn-slow")).to_have_attribute("aria-pressed", "false")   # not for the next person
    page.get_by_test_id("btn-dropoff").tap()
    expect(page.get_by_test_id("dossier-code")).to_have_value("")


# ---- large text -------------------------------------------------------------------------

@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_drop_off_form_holds_with_large_text_and_the_email_field(kiosk, screen):
    page = kiosk
    page.get_by_test_id("btn-dropoff").tap()
    page.get_by_test_id("btn-large").tap()
    expect(page.locator("html")).to_have_class(re.compile(r"\ba11y-large\b"))
    page.get_by_test_id("email").tap()
    expect(page.get_by_test_id("email")).to_be_focused()
    assert_laid_out(page)
    snap(page, screen, "vi", "15-dropoff-form-large-text")
