"""The judged journey of expiry, in Chromium against ``locker sim`` and ``locker serve``:
a result whose deadline passes (5 seconds in this cabinet's configuration) is listed for
return, and a clerk's retrieval run (the cabinet's scanner confirming it) returns it to
the counter, as its dossier's history says."""

from __future__ import annotations

import pytest

from tests.browser.console_support import (chromium, clerk_page, console_cabinet, ready_result, row, screenshot,
                                           take_out, wait_row)

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


@pytest.fixture(scope="module")
def cab(tmp_path_factory):
    with console_cabinet(tmp_path_factory, "console-expiry", security={"credential_ttl_days": 5 / 86400},
                         extra=f"[expiry]\nreminder_hours = {2 / 3600}\n") as cabinet:
        yield cabinet


@pytest.fixture(scope="module")
def browser(chromium_path):
    with chromium(chromium_path) as b:
        yield b


def test_an_expired_result_retrieved(browser, cab):
    result = ready_result(cab, "HS-E1")
    cab.wait_status(f"/api/v1/results/{result['id']}", "expired", clerk=True, timeout=15)
    with clerk_page(browser, cab) as page:
        page.goto(cab.api + "/console/deadlines/")
        assert "HS-E1" in page.get_by_test_id("expired").inner_text()
        page.goto(cab.api + "/console/dossiers/?code=HS-E1")  # the dossier search leads to the retrieval
        page.get_by_test_id("dossier-retrieve").click()
        assert "HS-E1" in page.get_by_test_id("expired-list").inner_text()
        form = page.get_by_test_id("start-retrieval")
        form.locator("input[name=scanner]").check()
        page.get_by_test_id("start-retrieval-run").click()
        label = result["compartment"]
        wait_row(page, "run-item", compartment=label, state="door_open")
        take_out(cab, label)
        cab.sim_post("/sim/scan", {"data": "HS-E1"})
        wait_row(page, "run-item", compartment=label, check="confirmed")
        cab.close_door(label)
        wait_row(page, "run-item", compartment=label, state="taken")
        screenshot(page, "retrieval")
        page.get_by_test_id("close-run").click()
        assert "clerk1" in page.get_by_test_id("signed").inner_text()
        assert row(page, "run-item", check="confirmed").count() == 1
        page.goto(cab.api + "/console/dossiers/?code=HS-E1")
        assert "mang về quầy" in page.get_by_test_id("dossier-status").inner_text()
    dossier = cab.get("/api/v1/dossiers/HS-E1", clerk=True).json()
    assert dossier["status"] == "result_returned"
    assert [e["data"]["to"] for e in dossier["history"] if e["kind"] == "result_returned"] == ["counter"]
    assert [e["kind"] for e in dossier["history"]].count("result_expiring") == 1
