"""The console's live pages in Debian's Chromium, against ``locker sim`` and
``locker serve`` as separate processes: an alarm raised by a simulator fault sounds,
shows a banner, comes into the inbox live (newest first; acknowledged elsewhere, its row
changes) and is acknowledged; the cabinet grid follows a door opened in the
simulator; a dossier is found by its code and its pickup code reissued; and what a
signed-out browser may not do is refused.

``LOCKER_SCREENSHOTS=docs/console`` saves the pages at 1366x768 into that folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests

from tests.browser.conftest import CHROMIUM_ARGS
from tests.e2e.conftest import running_cabinet
from tests.support.net import wait_for
from tests.support.sms_gateway import SmsGateway

SCREEN = {"width": 1366, "height": 768}
CLERK = ("clerk1", "s3cret-pass")
PHONE = "0912345678"


@pytest.fixture(scope="module")
def cab(tmp_path_factory):
    gateway = SmsGateway()
    tmp = tmp_path_factory.mktemp("console-live")
    try:
        with running_cabinet(tmp, f"sqlite:///{tmp / 'locker.db'}", gateway) as cabinet:
            yield cabinet
    finally:
        gateway.close()


@pytest.fixture(scope="module")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        # The console's alarm chime plays without a click first, as on the clerks' desk PC once allowed.
        chromium = pw.chromium.launch(executable_path=chromium_path,
                                      args=[*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"])
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, cab):
    context = browser.new_context(viewport=SCREEN, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        context.close()


def sign_in(page, cab, who=CLERK, then="/console/"):
    page.goto(cab.api + "/login?next=" + then)
    page.fill("#name", who[0])
    page.fill("#password", who[1])
    page.get_by_test_id("sign-in").click()
    page.wait_for_url(cab.api + then + "*")


def wait_live(page):
    page.locator("[data-testid=live-status][data-live=yes]").wait_for()


def sim_door(cab, label, action):
    c = cab.compartments[label]
    response = requests.post(cab.sim + "/sim/door", json={"board": c["board"], "lock": c["lock"], "action": action},
                             timeout=10)
    assert response.status_code == 200, response.text


def screenshot(page, name):
    folder = os.environ.get("LOCKER_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


def test_an_alarm_from_a_simulator_fault_sounds_and_is_acknowledged(page, cab):
    sign_in(page, cab, then="/console/alarms/")
    wait_live(page)
    assert page.get_by_test_id("no-alarms").is_visible()
    sim_door(cab, "A05", "open")  # a latched door opened by hand: forced open
    banner = page.get_by_test_id("alarm-banner")
    banner.wait_for(state="visible")
    assert banner.get_attribute("data-kind") == "forced_open" and "A05" in banner.inner_text()
    wait_for(lambda: int(page.evaluate("document.body.dataset.alarmSounds || '0'")) >= 1,
             message="the alarm chime played")
    rows = page.get_by_test_id("alarm-row")
    rows.first.wait_for()  # in the list already, without reloading
    assert "A05" in rows.first.inner_text() and not page.get_by_test_id("no-alarms").is_visible()
    page.evaluate("window.notReloaded = true")
    sim_door(cab, "A06", "open")  # another one while the list is open: the banner again, its row on top
    page.locator("[data-testid=alarm-banner][data-kind=forced_open]").filter(has_text="A06").wait_for()
    wait_for(lambda: rows.count() == 2 and "A06" in rows.first.inner_text(), message="the new row on top")
    [a06] = [a for a in requests.get(cab.api + "/api/v1/alarms?state=open", headers=cab.clerk, timeout=10).json()
             if a["compartment"] == "A06"]
    acked = requests.post(cab.api + f"/api/v1/alarms/{a06['id']}/ack", json={"note": "Ca trực khác đã xem"},
                          headers=cab.clerk, timeout=10)
    assert acked.status_code == 200, acked.text  # acknowledged elsewhere: the row here says so
    a06_row = page.locator(f"[data-testid=alarm-row][data-alarm-id='{a06['id']}'][data-state=acknowledged]")
    a06_row.wait_for()
    assert "Ca trực khác đã xem" in a06_row.get_by_test_id("alarm-note").inner_text()
    assert a06_row.get_by_test_id("ack").count() == 0
    assert page.evaluate("window.notReloaded") is True
    screenshot(page, "alarms")
    page.get_by_test_id("alarm-banner-show").click()
    row = page.locator("[data-testid=alarm-row][data-kind=forced_open]").filter(has_text="A05")
    row.wait_for()
    row.get_by_test_id("ack-note").fill("Đã kiểm tra, cửa bị cạy")
    row.get_by_test_id("ack").click()
    page.get_by_test_id("flash-success").wait_for()
    [alarm] = [a for a in requests.get(cab.api + "/api/v1/alarms?state=acknowledged", headers=cab.clerk,
                                       timeout=10).json() if a["compartment"] == "A05"]
    assert (alarm["acknowledged_by"], alarm["note"]) == ("clerk1", "Đã kiểm tra, cửa bị cạy")
    page.goto(cab.api + "/console/alarms/?state=acknowledged")
    assert "Đã kiểm tra, cửa bị cạy" in page.get_by_test_id("alarm-list").inner_text()
    for label in ("A05", "A06"):
        sim_door(cab, label, "close")


def test_the_grid_follows_a_door_opened_in_the_simulator(page, cab):
    sign_in(page, cab, then="/console/cabinet/")
    wait_live(page)
    cell = page.locator("[data-testid=cell][data-label=A09]")
    assert cell.get_attribute("data-door") == "closed"
    box_a08, box_a09 = (page.locator(f"[data-testid=cell][data-label={label}]").bounding_box()
                        for label in ("A08", "A09"))
    assert box_a09["y"] > box_a08["y"] and abs(box_a09["x"] - box_a08["x"]) < 2, "A09 is below A08, as on the cabinet"
    sim_door(cab, "A09", "open")
    page.locator("[data-testid=cell][data-label=A09][data-door=open]").wait_for()
    cell.locator("[data-testid=cell-alarm][data-kind=forced_open]").wait_for()
    screenshot(page, "cabinet")
    sim_door(cab, "A09", "close")
    page.locator("[data-testid=cell][data-label=A09][data-door=closed]").wait_for()
    cell.click()
    history = page.get_by_test_id("history")
    history.locator("[data-testid=history-row]").first.wait_for()
    assert "forced_open" in history.inner_text() and "door_closed" in history.inner_text()


def test_a_dossier_is_found_by_its_code_and_its_pickup_code_reissued(page, cab):
    loaded = cab.post("/api/v1/results", {"dossier_code": "HS-WEB-001", "phone": PHONE, "size": "S"}, clerk=True)
    assert loaded.status_code == 201, loaded.text
    label = loaded.json()["compartment"]
    c = cab.compartments[label]
    wait_for(lambda: any(lock["door"] == "open" for b in requests.get(cab.sim + "/sim/state", timeout=10).json()["boards"]
                         if b["address"] == c["board"] for lock in b["locks"] if lock["lock"] == c["lock"]),
             message="the result's door opens")
    put = requests.post(cab.sim + "/sim/item", json={"board": c["board"], "lock": c["lock"], "present": True}, timeout=10)
    assert put.status_code == 200, put.text   # item sensors: the result is seen inside
    sim_door(cab, label, "close")
    wait_for(lambda: requests.get(cab.api + f"/api/v1/results/{loaded.json()['id']}", headers=cab.clerk,
                                  timeout=10).json()["status"] == "ready", message="ready")
    wait_for(lambda: any("HS-WEB-001" in m["text"] for m in cab.sms.messages), message="the first SMS")
    sent = len(cab.sms.messages)
    sign_in(page, cab, then="/console/dossiers/")
    page.get_by_test_id("dossier-code").fill("hs-web-001")
    page.get_by_test_id("dossier-search").click()
    assert page.get_by_test_id("dossier-found").inner_text() == "HS-WEB-001"
    assert label in page.get_by_test_id("dossier-where").inner_text()
    assert "09******78" in page.get_by_test_id("dossier-records").inner_text()
    assert PHONE not in page.content()
    assert page.locator("[data-testid=history-row][data-kind=credential_issued]").count() == 1
    screenshot(page, "dossier")
    page.get_by_test_id("reissue").click()
    page.get_by_test_id("flash-success").wait_for()
    wait_for(lambda: len(cab.sms.messages) > sent, message="a new SMS with the new code")
    assert page.locator("[data-testid=history-row][data-kind=credential_issued]").count() == 2


def test_signed_out_browsers_are_refused_every_action_of_these_pages(cab):
    before = requests.get(cab.api + "/api/v1/alarms", headers=cab.clerk, timeout=10).json()
    target = before[0]["id"] if before else 1
    for method, path in (("GET", "/console/alarms/"), ("POST", f"/console/alarms/{target}/ack"),
                         ("POST", f"/console/alarms/{target}/resolve"), ("GET", "/console/cabinet/"),
                         ("GET", "/console/cabinet/cells.json"), ("GET", "/console/cabinet/A01/history.json"),
                         ("GET", "/console/dossiers/?code=HS-WEB-001"), ("POST", "/console/dossiers/HS-WEB-001/reissue"),
                         ("GET", "/console/events/stream")):
        response = requests.request(method, cab.api + path, data={"note": "x", "result": "1"}, timeout=10,
                                    allow_redirects=False)
        assert response.status_code in (302, 303, 400, 401, 403), (method, path, response.status_code)
        assert "text/event-stream" not in response.headers.get("Content-Type", "")
        if response.status_code in (302, 303):
            assert "/login" in response.headers["Location"], (method, path)
    after = requests.get(cab.api + "/api/v1/alarms", headers=cab.clerk, timeout=10).json()
    assert after == before, "nothing changed"


def test_a_stream_away_shows_reconnecting_and_the_grid_catches_up(page, cab):
    stream = "**/console/events/stream*"
    page.route(stream, lambda route: route.abort())  # the stream cannot be reached
    sign_in(page, cab, then="/console/cabinet/")
    page.locator("[data-testid=live-status][data-live=no]").wait_for()
    assert page.get_by_test_id("live-status").inner_text() == "Đang kết nối lại…"
    sim_door(cab, "A10", "open")  # while this page hears nothing
    page.unroute(stream)
    page.locator("[data-testid=live-status][data-live=yes]").wait_for(timeout=20_000)  # it comes back by itself
    page.locator("[data-testid=cell][data-label=A10][data-door=open]").wait_for()  # read again on reconnecting
    sim_door(cab, "A10", "close")
    page.locator("[data-testid=cell][data-label=A10][data-door=closed]").wait_for()
