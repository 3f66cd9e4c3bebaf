"""The simulator's page in Debian's Chromium, served by ``create_control_app`` (``locker sim``)
and by the service app with a simulator (``locker demo``) on real sockets.

A technician clicks on tiles, injects and clears faults and scans text; the test
checks the simulator itself changed, and that the page follows changes made on
the bus by someone else (polling and the frame log).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
import serial
from werkzeug.serving import make_server

from api.app import create_app
from api.demo import demo_labels
from firmware_sim.control import create_control_app
from firmware_sim.simulator import Simulator
from locker.config import Config
from tests.support.net import wait_for

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
UNLOCK_0_3 = bytes([0x02, 0x02, 0x31, 0x03, (0x02 + 0x02 + 0x31 + 0x03) & 0xFF])  # ADDR = board << 4 | (lock - 1)


def expect(target):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def screenshot_dir() -> Path:
    """Screenshots go to /tmp (``SIM_SCREENSHOTS`` overrides), never into the repository."""
    folder = Path(os.environ.get("SIM_SCREENSHOTS", "/tmp/sim-page-screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Served:
    """A WSGI app on a free port in a thread."""

    def __init__(self, app) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def sim():
    simulator = Simulator(boards=2, seed=11, spring_delay=0.05, labels=demo_labels())
    yield simulator
    simulator.close()


@pytest.fixture(params=["control", "demo"])
def served(request, sim):
    if request.param == "control":
        app = create_control_app(sim)
    else:
        app = create_app(SimpleNamespace(config=Config(), simulator=sim))
    server = Served(app)
    yield server
    server.close()


def open_page(browser, url: str, viewport: dict):
    """A fresh page on ``url`` once the tiles are drawn; console errors are collected in ``page.errors``."""
    context = browser.new_context(viewport=viewport, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.errors = []
    page.on("console", lambda msg: page.errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.goto(url)
    expect(page.get_by_test_id("tile-1-16")).to_be_visible()
    return context, page


def tile(page, board: int, lock: int):
    return page.get_by_test_id(f"tile-{board}-{lock}")


def assert_no_horizontal_scroll(page) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    assert widths[0] <= widths[1], f"page is {widths[0]} px wide on a {widths[1]} px screen"


def test_doors_and_items_from_the_tiles(browser, served, sim):
    context, page = open_page(browser, served.url + "/sim/", DESKTOP)
    try:
        a01 = tile(page, 0, 1)
        expect(a01).to_contain_text("A01")
        expect(a01).to_have_attribute("data-door", "closed")
        expect(a01).to_contain_text("Cửa đóng")

        page.once("dialog", lambda dialog: dialog.dismiss())
        a01.locator("[data-action=door]").click()
        page.wait_for_timeout(300)
        assert sim.lock_state(0, 1)["door"] == "closed", "a dismissed confirmation must not open the door"

        page.once("dialog", lambda dialog: dialog.accept())
        a01.locator("[data-action=door]").click()
        wait_for(lambda: sim.lock_state(0, 1)["door"] == "open", timeout=5, message="A01 forced open")
        assert len(sim.cabinet.forced_openings) == 1
        expect(a01).to_have_attribute("data-door", "open")
        expect(a01).to_contain_text("CỬA MỞ")
        expect(a01).to_have_class("tile is-open")
        expect(page.get_by_test_id("notice")).to_contain_text("A01")

        a01.locator("[data-action=item]").click()
        wait_for(lambda: sim.lock_state(0, 1)["item"], timeout=5, message="an item in A01")
        expect(a01).to_have_attribute("data-item", "true")

        a01.locator("[data-action=door]").click()
        wait_for(lambda: sim.lock_state(0, 1)["door"] == "closed", timeout=5, message="A01 closed")
        assert sim.lock_state(0, 1)["latched"] is True
        expect(a01).to_have_attribute("data-door", "closed")
        expect(a01).to_have_attribute("data-latched", "true")
        page.screenshot(path=str(screenshot_dir() / "sim-page-desktop.png"))
        assert_no_horizontal_scroll(page)
        assert page.errors == []
    finally:
        context.close()


def test_the_page_follows_the_bus_and_shows_its_frames(browser, served, sim):
    context, page = open_page(browser, served.url + "/sim/", DESKTOP)
    port = serial.serial_for_url(sim.serve_bus("inprocess"), timeout=2)
    try:
        port.write(UNLOCK_0_3)
        assert len(port.read(9)) == 9
        a03 = tile(page, 0, 3)
        expect(a03).to_have_attribute("data-door", "open")
        expect(a03).to_contain_text("Chốt nhả")
        log = page.get_by_test_id("frame-log")
        expect(log.locator("tr").first).to_have_attribute("data-dir", "board>host")
        expect(log).to_contain_text(UNLOCK_0_3.hex(" ").upper())
        sim.phones.receive("0912345678", "Ma nhan: 12345678\nHo so HS-1 da co ket qua.")  # as the demo's notifier does
        sms = page.get_by_test_id("sms-list").get_by_test_id("sms")
        expect(sms).to_have_count(1)
        expect(sms).to_contain_text("0912345678")
        expect(sms.locator("pre")).to_have_text("Ma nhan: 12345678\nHo so HS-1 da co ket qua.")
        assert page.errors == []
    finally:
        port.close()
        context.close()


def test_faults_are_injected_listed_and_cleared(browser, served, sim):
    context, page = open_page(browser, served.url + "/sim/", DESKTOP)
    try:
        page.get_by_test_id("fault-kind").select_option("offline")
        page.get_by_test_id("fault-board").select_option("1")
        page.get_by_test_id("fault-count").fill("0")
        page.get_by_test_id("fault-inject").click()
        wait_for(lambda: sim.faults_active() == [{"kind": "offline", "board": 1, "lock": None, "count": 0}],
                 timeout=5, message="board 1 offline")
        expect(page.get_by_test_id("fault-list")).to_contain_text("offline")
        expect(page.get_by_test_id("board-faults-1")).to_contain_text("offline")
        expect(page.get_by_test_id("board-faults-0")).to_have_text("")

        sim.fault("jam", 0, 7)  # from elsewhere: the page picks it up by polling
        expect(tile(page, 0, 7)).to_have_attribute("data-jammed", "true")
        expect(tile(page, 0, 7)).to_contain_text("KẸT CHỐT")

        page.get_by_test_id("fault-clear").click()
        wait_for(lambda: sim.faults_active() == [], timeout=5, message="no fault left")
        expect(page.get_by_test_id("fault-list")).to_contain_text("No active faults")
        expect(tile(page, 0, 7)).to_have_attribute("data-jammed", "false")

        page.get_by_test_id("fault-kind").select_option("jam")
        page.get_by_test_id("fault-board").select_option("")
        page.get_by_test_id("fault-lock").select_option("3")
        page.get_by_test_id("fault-inject").click()
        expect(page.get_by_test_id("alert-text")).to_contain_text("unknown_lock")
        expect(page.get_by_test_id("alert-text")).to_contain_text("a lock needs its board")
        assert sim.faults_active() == []
    finally:
        context.close()


def test_the_scanner_is_unplugged_and_replugged_from_the_page(browser, served, sim):
    sim.serve_scanner("inprocess")
    context, page = open_page(browser, served.url + "/sim/", DESKTOP)
    try:
        page.get_by_test_id("fault-kind").select_option("unplug")
        page.get_by_test_id("fault-target").select_option("scanner")
        page.get_by_test_id("fault-board").select_option("1")  # ignored for unplug
        page.get_by_test_id("fault-inject").click()
        wait_for(lambda: not sim.plugged("scanner"), timeout=5, message="scanner unplugged")
        assert sim.plugged("bus")
        expect(page.get_by_test_id("fault-list")).to_contain_text("scanner")
        page.get_by_test_id("fault-kind").select_option("replug")
        page.get_by_test_id("fault-inject").click()
        wait_for(lambda: sim.plugged("scanner"), timeout=5, message="scanner back")
    finally:
        context.close()


def test_scanning_text_reaches_the_scanner_line(browser, served, sim):
    scanner = serial.serial_for_url(sim.serve_scanner("inprocess"), timeout=5)
    context, page = open_page(browser, served.url + "/sim/", PHONE)
    try:
        page.get_by_test_id("scan-data").fill("HS-2025-000123")
        page.get_by_test_id("scan-submit").click()
        assert scanner.read_until(b"\r\n") == b"HS-2025-000123\r\n"
        expect(page.get_by_test_id("scan-history")).to_contain_text("HS-2025-000123")
        expect(page.get_by_test_id("scan-data")).to_have_value("")
        expect(page.get_by_test_id("link")).to_contain_text("Live")
        page.screenshot(path=str(screenshot_dir() / "sim-page-phone.png"), full_page=True)
        assert_no_horizontal_scroll(page)
        assert page.errors == []
    finally:
        scanner.close()
        context.close()


def test_a_browser_at_the_control_root_lands_on_the_page(browser, sim):
    server = Served(create_control_app(sim))
    context, page = open_page(browser, server.url + "/", DESKTOP)
    try:
        assert page.url == server.url + "/sim/"
        expect(page.get_by_test_id("summary")).to_contain_text("kerong-cu16")
    finally:
        context.close()
        server.close()


def test_a_lost_simulator_is_shown(browser, sim):
    server = Served(create_control_app(sim))
    context, page = open_page(browser, server.url + "/sim/", DESKTOP)
    try:
        expect(page.get_by_test_id("link")).to_contain_text("Live")
        server.close()
        expect(page.get_by_test_id("link")).to_contain_text("Disconnected")
    finally:
        context.close()
