"""The simulator page's cabinet panel in Chromium: switching GPIO inputs, and each tile's
size and the service's state of its compartment."""

from __future__ import annotations

import pytest

from firmware_sim.control import create_control_app
from firmware_sim.gpio import SimGpio
from firmware_sim.layout import DEMO_GPIO, demo_compartments
from firmware_sim.simulator import Simulator
from tests.browser.test_sim_page_browser import CHROMIUM_ARGS, Served, expect
from tests.support.net import wait_for
from tests.support.screenshots import shoot

pytestmark = pytest.mark.browser


@pytest.fixture
def panel(chromium_path):
    from playwright.sync_api import sync_playwright

    rooms = demo_compartments(2)
    sim = Simulator(boards=2, spring_delay=0.05, gpio=SimGpio(DEMO_GPIO),
                    labels={(r["board"], r["lock"]): r["label"] for r in rooms})
    sim.sizes = {(r["board"], r["lock"]): r["size"] for r in rooms}
    said = {"A02": {"state": "out_of_service", "door": "closed", "dossier_code": None},
            "A03": {"state": "holding_result", "door": "closed", "dossier_code": "HS-9"}}
    served = Served(create_control_app(sim, service_view=lambda: said))
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.set_default_timeout(10_000)
            page.goto(served.url + "/sim/")
            yield page, sim
            browser.close()
    finally:
        served.close()
        sim.close()


def test_the_page_switches_gpio_inputs_and_shows_sizes_and_service_states(panel):
    page, sim = panel
    tamper = page.get_by_test_id("gpio-tamper")
    expect(tamper).to_have_attribute("data-active", "false")
    tamper.click()
    wait_for(lambda: sim.gpio.state()["tamper"]["active"] is True, message="tamper active")
    expect(tamper).to_have_attribute("data-active", "true")
    page.get_by_test_id("gpio-power_fail").click()
    wait_for(lambda: sim.gpio.state()["power_fail"]["active"] is True, message="on battery")
    expect(page.get_by_test_id("gpio-led_green")).to_be_visible()
    expect(page.get_by_test_id("size-0-7")).to_contain_text("M")
    expect(page.get_by_test_id("service-0-2")).to_contain_text("out of service")
    expect(page.get_by_test_id("service-0-3")).to_contain_text("HS-9")
    expect(page.get_by_test_id("tile-0-2")).to_have_attribute("data-service", "out_of_service")
    expect(page.get_by_test_id("gpio-power_fail")).to_have_attribute("data-active", "true")
    shoot(page, "simulator")
    tamper.click()
    wait_for(lambda: sim.gpio.state()["tamper"]["active"] is False, message="tamper cleared")
