"""Maintenance in Debian's Chromium against ``locker sim`` and ``locker serve`` as separate
processes: a maintenance opening of an out-of-service compartment, the weekly "open all"
check, the technician's hardware page with a lock test, and the refusals a clerk gets.
The pages follow the console's event stream: idle, they fetch nothing again and again.

With ``LOCKER_SCREENSHOTS=docs/console`` the pages are saved there at 1366x768.
"""

from __future__ import annotations

import pytest

from tests.browser.console_support import requests_while_idle
from tests.e2e.conftest import running_cabinet
from tests.support.net import wait_for
from tests.support.screenshots import shoot
from tests.support.sms_gateway import SmsGateway

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREEN = {"width": 1366, "height": 768}
PASSWORDS = {"clerk1": "s3cret-pass", "tech1": "tech-pass-1"}


def expect(target):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


@pytest.fixture(scope="module")
def cabinet(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("maintenance-console")
    sms = SmsGateway()
    try:
        with running_cabinet(tmp, f"sqlite:///{tmp / 'locker.db'}", sms, gpio=True) as cab:
            added = cab.locker("user", "add", "tech1", "--role", "technician", "--password-stdin",
                               stdin=PASSWORDS["tech1"] + "\n")
            assert added.returncode == 0, added.stdout + added.stderr
            yield cab
    finally:
        sms.close()


@pytest.fixture(scope="module")
def chromium(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def as_role(chromium, cabinet):
    """``as_role("tech1")``: a fresh 1366x768 page signed in as that account."""
    contexts = []

    def signed_in(name: str):
        context = chromium.new_context(viewport=SCREEN, locale="vi-VN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(cabinet.api + "/login")
        page.fill("#name", name)
        page.fill("#password", PASSWORDS[name])
        page.get_by_test_id("sign-in").click()
        expect(page.get_by_test_id("who-name")).to_have_text(name)
        return page

    yield signed_in
    for context in contexts:
        context.close()


def door_is(cabinet, label: str, door: str) -> None:
    wait_for(lambda: cabinet.sim_lock(label)["door"] == door, timeout=10, message=f"{label} {door}")


def close(cabinet, label: str) -> None:
    board, lock = cabinet.lock_of(label)
    cabinet.sim_post("/sim/door", {"board": board, "lock": lock, "action": "close"})


def test_a_technician_opens_an_out_of_service_compartment(as_role, cabinet):
    page = as_role("tech1")
    page.goto(cabinet.api + "/console/cabinet/")  # from the live grid: the cell, then its maintenance link
    page.locator('[data-testid="cell"][data-label="A03"]').click()
    page.get_by_test_id("history-maintenance").click()
    expect(page.get_by_test_id("compartment-facts")).to_be_visible()
    page.get_by_test_id("oos-reason").fill("bản lề lỏng")
    page.get_by_test_id("oos-submit").click()
    expect(page.get_by_test_id("compartment-facts")).to_have_attribute("data-state", "out_of_service")
    page.get_by_test_id("open-reason").fill("sửa bản lề")
    page.get_by_test_id("open-submit").click()
    door_is(cabinet, "A03", "open")
    row = page.locator("table.openings tbody tr").first
    expect(row.locator('[data-field="door_opened"]')).to_have_text("có")
    shoot(page, "maintenance-compartment")
    close(cabinet, "A03")
    expect(row).to_have_attribute("data-status", "closed")
    page.reload()
    expect(page.get_by_test_id("compartment-facts")).to_have_attribute("data-state", "out_of_service")
    page.get_by_test_id("nav").get_by_role("link", name="Bảo trì").click()
    expect(page.get_by_test_id("compartment-A03")).to_have_attribute("data-state", "out_of_service")
    shoot(page, "maintenance")
    kinds = [e for e in cabinet.get("/api/v1/events?limit=1000", clerk=True).json()
             if e["kind"] == "maintenance_opening" and e["compartment"] == "A03"]
    assert kinds[-1]["actor"] == "tech1" and kinds[-1]["data"]["reason"] == "sửa bản lề"


def test_the_weekly_open_all_check(as_role, cabinet):
    page = as_role("tech1")
    page.goto(cabinet.api + "/console/maintenance/runs/")
    page.get_by_test_id("run-start").click()
    expect(page.get_by_test_id("run-current")).to_have_text("A01")
    door_is(cabinet, "A01", "open")
    idle = requests_while_idle(page)
    assert len(idle) <= 1, f"the weekly check's page polls: {idle}"
    close(cabinet, "A01")  # the next one opens on its own
    expect(page.get_by_test_id("run-current")).to_have_text("A02")
    door_is(cabinet, "A02", "open")
    page.get_by_test_id("opened_ok-A01").select_option("yes")
    page.get_by_test_id("latch_ok-A01").select_option("yes")
    page.get_by_test_id("sensor_ok-A01").select_option("no")
    page.get_by_test_id("note-A01").fill("cảm biến chậm")
    page.get_by_test_id("save-A01").click()
    expect(page.get_by_test_id("checked-A01")).to_contain_text("tech1")
    page.get_by_test_id("run-next").click()  # A02's door is still open: go on anyway
    expect(page.get_by_test_id("run-current")).to_have_text("A03")
    shoot(page, "maintenance-weekly-check")
    page.get_by_test_id("run-finish").click()
    expect(page.get_by_test_id("run")).to_have_attribute("data-status", "finished")
    page.get_by_test_id("run-print").click()
    expect(page.get_by_test_id("run-print-page")).to_contain_text("cảm biến chậm")
    shoot(page, "maintenance-weekly-check-print")
    for label in ("A02", "A03"):
        door_is(cabinet, label, "open")
        close(cabinet, label)


def test_the_hardware_page_and_a_lock_test(as_role, cabinet):
    page = as_role("tech1")
    page.goto(cabinet.api + "/console/technician/")
    expect(page.get_by_test_id("board-0")).to_have_attribute("data-state", "online")
    idle = requests_while_idle(page)
    assert len(idle) <= 1, f"the hardware page polls: {idle}"  # the stream brings its figures
    expect(page.get_by_test_id("printer-state")).to_have_text("Chưa cấu hình máy in.")
    tamper = page.get_by_test_id("input-tamper")
    expect(tamper).to_have_attribute("data-active", "false")
    cabinet.sim_post("/sim/gpio", {"name": "tamper", "active": True})
    expect(tamper).to_have_attribute("data-active", "true")  # the page follows the service live
    cabinet.sim_post("/sim/gpio", {"name": "tamper", "active": False})
    expect(tamper).to_have_attribute("data-active", "false")
    page.get_by_test_id("lock-test-compartment").select_option("A07")
    page.get_by_test_id("lock-test-submit").click()
    row = page.locator("table.openings tbody tr").first
    expect(row.locator('[data-field="latch_released"]')).to_have_text("có")
    door_is(cabinet, "A07", "open")
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "technician")
    close(cabinet, "A07")
    expect(row).to_have_attribute("data-status", "closed")


def test_a_clerk_is_refused_a_free_compartment_and_the_technician_page(as_role, cabinet):
    page = as_role("clerk1")
    page.goto(cabinet.api + "/console/maintenance/compartments/A05")
    page.get_by_test_id("open-reason").fill("xem thử")
    with page.expect_response(lambda r: r.url.endswith("/A05/open")) as answer:
        page.get_by_test_id("open-submit").click()
    assert answer.value.status == 403
    expect(page.get_by_test_id("refusal")).to_be_visible()
    assert cabinet.sim_lock("A05")["latched"] is True
    response = page.goto(cabinet.api + "/console/technician/")
    assert response.status == 403
    expect(page.get_by_test_id("refusal")).to_be_visible()
