"""The judged journeys of the clerks' runs, in Chromium against ``locker sim`` and
``locker serve`` as separate processes: a batch of three results loaded by scanning
(``/sim/scan``: the cabinet's scanner), a morning collection with one mismatch flagged
(a desk scanner typing into the page), a deadline extended; and refusals. The run pages
follow the console's event stream: idle, they fetch nothing again and again."""

from __future__ import annotations

import pytest
import requests

from tests.browser.console_support import (announce, chromium, clerk_page, console_cabinet, put_in, ready_result,
                                           requests_while_idle, row, screenshot, stored_dropoff, system_token,
                                           take_out, wait_row)

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


@pytest.fixture(scope="module")
def cab(tmp_path_factory):
    with console_cabinet(tmp_path_factory, "console-runs") as cabinet:
        yield cabinet


@pytest.fixture(scope="module")
def browser(chromium_path):
    with chromium(chromium_path) as b:
        yield b


@pytest.fixture
def page(browser, cab):
    with clerk_page(browser, cab) as p:
        yield p


def test_a_batch_of_three_results_loaded_by_scanning(page, cab):
    onestop = system_token(cab)
    announce(cab, onestop, "HS-A1", "S")
    announce(cab, onestop, "HS-A2", "M")
    page.get_by_role("link", name="Nạp kết quả").first.click()
    page.get_by_test_id("use-cabinet-scanner").check()
    page.get_by_test_id("start-batch").click()
    page.get_by_test_id("cabinet-scanner").wait_for()
    idle = requests_while_idle(page)
    assert len(idle) <= 1, f"the batch page polls: {idle}"  # it follows the console's stream instead
    for code in ("HS-A1", "HS-A2"):
        cab.sim_post("/sim/scan", {"data": code})
        wait_row(page, "load-item", code=code)
        put_in(cab, row(page, "load-item", code=code).locator("strong").inner_text())
        wait_row(page, "load-item", code=code, state="ready")
    cab.sim_post("/sim/scan", {"data": "HS-A3"})  # nobody announced it: phone and size, typed once
    page.get_by_test_id("details-phone").fill("0987 654 321")
    page.get_by_test_id("details-size").select_option("S")
    screenshot(page, "load-results-details")
    page.get_by_test_id("details-submit").click()
    wait_row(page, "load-item", code="HS-A3")
    put_in(cab, row(page, "load-item", code="HS-A3").locator("strong").inner_text())
    wait_row(page, "load-item", code="HS-A3", state="ready")
    assert row(page, "load-item", state="ready").count() == 3
    assert "09******78" in page.get_by_test_id("load-items").inner_text()
    screenshot(page, "load-results")
    page.get_by_test_id("close-run").click()
    page.get_by_test_id("run-status").filter(has_text="đã kết thúc").wait_for()
    with page.expect_download() as download:
        page.get_by_test_id("manifest-csv").click()
    csv = open(download.value.path(), encoding="utf-8").read()
    assert all(code in csv for code in ("HS-A1", "HS-A2", "HS-A3")) and "0912345678" not in csv
    page.get_by_test_id("manifest-print").click()
    page.wait_for_url("**/manifest")
    assert page.get_by_test_id("manifest").locator("tbody tr").count() == 3
    screenshot(page, "load-results-manifest")


def test_a_morning_collection_with_one_mismatch_flagged(page, cab):
    first, second = sorted(stored_dropoff(cab, code) for code in ("HS-B1", "HS-B2"))
    expected = {c["label"]: c["dossier_code"] for c in cab.get("/api/v1/compartments", clerk=True).json()}
    page.get_by_role("link", name="Lượt lấy hồ sơ").first.click()
    screenshot(page, "collection-runs")
    page.get_by_test_id("start-collection-run").click()
    wait_row(page, "run-item", compartment=first, state="door_open")
    idle = requests_while_idle(page)
    assert len(idle) <= 1, f"the run page polls: {idle}"
    take_out(cab, first)
    page.get_by_test_id("scan-input").fill("HS-WRONG")  # the desk scanner types and presses Enter
    page.get_by_test_id("scan-input").press("Enter")
    wait_row(page, "run-item", compartment=first, check="mismatch")
    assert "HS-WRONG" in page.get_by_test_id("notice").inner_text()
    screenshot(page, "collection-mismatch")
    cab.close_door(first)
    wait_row(page, "run-item", compartment=second, state="door_open")  # the next opened by itself
    take_out(cab, second)
    page.get_by_test_id("scan-input").fill(expected[second])
    page.get_by_test_id("scan-input").press("Enter")
    wait_row(page, "run-item", compartment=second, check="confirmed")
    cab.close_door(second)
    wait_row(page, "run-item", compartment=second, state="taken")
    page.get_by_test_id("close-run").click()
    assert "clerk1" in page.get_by_test_id("signed").inner_text()
    page.get_by_test_id("manifest-print").click()
    page.wait_for_url("**/manifest")
    assert "clerk1" in page.get_by_test_id("signature").inner_text()
    screenshot(page, "collection-manifest")
    mismatches = [e for e in cab.events("run_item_mismatch") if e["compartment"] == first]
    assert mismatches and mismatches[0]["actor"] == "clerk1"


def test_a_deadline_extended_once_with_a_reason(page, cab):
    ready_result(cab, "HS-C1")
    page.goto(cab.api + "/console/deadlines/")
    line = row(page, "waiting-result", code="HS-C1")
    line.get_by_test_id("extend-reason").fill("Công dân đi công tác")
    line.get_by_test_id("extend").click()
    page.get_by_test_id("flash-success").wait_for()
    assert "Công dân đi công tác" in row(page, "waiting-result", code="HS-C1").inner_text()
    assert row(page, "waiting-result", code="HS-C1").get_by_test_id("extend").count() == 0
    screenshot(page, "deadlines")


def test_signed_out_pages_and_actions_are_refused(browser, cab):
    runs_before = cab.get("/api/v1/load-runs", clerk=True).json()
    context = browser.new_context()
    try:
        page = context.new_page()
        for path in ("/console/loading/", "/console/collection/", "/console/deadlines/", "/console/loading/1"):
            page.goto(cab.api + path)
            assert "/login" in page.url, path
    finally:
        context.close()
    for path in ("/console/loading/", "/console/collection/", "/console/loading/1/scan",
                 "/console/collection/1/close", "/console/deadlines/1/extend"):
        answer = requests.post(cab.api + path, data={"data": "HS-1", "kind": "collection", "reason": "x"},
                               allow_redirects=False, timeout=10)
        assert answer.status_code in (302, 400, 403), (path, answer.status_code)
    assert cab.get("/api/v1/load-runs", clerk=True).json() == runs_before  # nothing started, nothing changed
