"""The maintenance and hardware pages through the Flask test client: who may do what,
reasons, the weekly check with its checklist and printable result, the lock test."""

from __future__ import annotations

import pytest

from tests.support.console import ConsoleBrowser, console_runtime

LAYOUT = [{"label": "A01", "board": 0, "lock": 1, "size": "S"}, {"label": "A02", "board": 0, "lock": 2, "size": "M"}]


@pytest.fixture
def runtime(tmp_path):
    rt = console_runtime(tmp_path, compartment=LAYOUT, bus={"url": "loop://"})
    rt.service.sync_compartments()
    rt.service.reconcile({})
    yield rt
    rt.db.dispose()


def signed_in(runtime, role):
    browser = ConsoleBrowser(runtime)
    assert browser.sign_in(role).status_code == 302
    return browser


def page(resp):
    return resp.get_data(as_text=True)


def test_a_clerk_opening_a_free_compartment_is_refused_and_audited(runtime):
    clerk = signed_in(runtime, "clerk")
    where = "/console/maintenance/compartments/A01"
    resp = clerk.submit(where, where + "/open", {"reason": "curious"})
    assert resp.status_code == 403
    assert runtime.service.maintenance_openings() == []
    assert any(e["kind"] == "console_refused" and e["actor"] == "clerk" for e in runtime.service.events_after(0))


def test_the_maintenance_page_lists_every_compartment_with_a_link(runtime):
    clerk = signed_in(runtime, "clerk")
    assert "/console/maintenance/" in page(clerk.get("/console/"))
    shown = page(clerk.get("/console/maintenance/"))
    for label in ("A01", "A02"):
        assert f'href="/console/maintenance/compartments/{label}"' in shown


def test_a_clerk_cannot_reach_the_technician_pages(runtime):
    clerk = signed_in(runtime, "clerk")
    for path in ("/console/technician/", "/console/maintenance/runs/", "/console/technician/hardware.json"):
        assert clerk.get(path).status_code == 403, path
    assert "Hardware" not in page(clerk.get("/console/"))


def test_a_clerk_is_refused_every_technician_action_and_nothing_changes(runtime):
    clerk = signed_in(runtime, "clerk")
    before = runtime.service.events_after(0, 1000)
    where = "/console/maintenance/compartments/A01"
    for action in ("/console/maintenance/runs/", "/console/maintenance/runs/1/next",
                   "/console/maintenance/runs/1/finish", "/console/maintenance/runs/1/checks/A01",
                   "/console/technician/lock-test"):
        assert clerk.submit(where, action, {"compartment": "A01"}).status_code == 403, action
    after = runtime.service.events_after(0, 1000)
    assert {e["kind"] for e in after[len(before):]} == {"console_refused"}
    assert runtime.service.get_check_run() is None and runtime.service.maintenance_openings() == []


def test_signed_out_visitors_are_sent_to_sign_in(runtime):
    visitor = ConsoleBrowser(runtime)
    for path in ("/console/maintenance/compartments/A01", "/console/maintenance/runs/", "/console/technician/"):
        resp = visitor.get(path)
        assert resp.status_code == 302 and resp.headers["Location"].startswith("/login"), path


def test_a_technician_opens_an_out_of_service_compartment_from_its_page(runtime):
    tech = signed_in(runtime, "technician")
    where = "/console/maintenance/compartments/A02"
    missing = tech.submit(where, where + "/out-of-service", {"reason": " "})
    assert missing.status_code == 400 and runtime.service.list_compartments()[1]["state"] == "free"
    assert tech.submit(where, where + "/out-of-service", {"reason": "hinge"}).status_code == 302
    assert 'data-state="out_of_service"' in page(tech.get(where))
    resp = tech.submit(where, where + "/open", {"reason": "fix the hinge"})
    assert resp.status_code == 302
    [opening] = runtime.service.maintenance_openings(label="A02")
    assert opening["reason"] == "fix the hinge" and opening["actor"] == "technician"
    shown = page(tech.get(resp.headers["Location"]))
    assert f'data-testid="opening-{opening["id"]}"' in shown and "fix the hinge" in shown
    assert runtime.service.list_compartments()[1]["state"] == "out_of_service"
    live = tech.get(f"/console/maintenance/openings/{opening['id']}.json").get_json()
    assert live["status"] == "opening" and live["compartment"] == "A02"


def test_the_weekly_check_page_runs_saves_a_checklist_and_prints(runtime):
    tech = signed_in(runtime, "technician")
    runs = "/console/maintenance/runs/"
    started = tech.submit(runs, runs, {})
    assert started.status_code == 302
    run_page = started.headers["Location"]
    shown = page(tech.get(run_page))
    assert 'data-testid="run-current">A01<' in shown
    run_id = int(run_page.rstrip("/").rsplit("/", 1)[1])
    saved = tech.submit(run_page, f"/console/maintenance/runs/{run_id}/checks/A01",
                        {"opened_ok": "yes", "latch_ok": "no", "sensor_ok": "", "note": "latch stiff"})
    assert saved.status_code == 302
    tech.submit(run_page, f"/console/maintenance/runs/{run_id}/next", {})
    assert tech.get(f"/console/maintenance/runs/{run_id}.json").get_json()["current"] == "A02"
    tech.submit(run_page, f"/console/maintenance/runs/{run_id}/finish", {})
    printed = page(tech.get(f"/console/maintenance/runs/{run_id}/print"))
    assert "latch stiff" in printed and "A02" in printed
    check = runtime.service.get_check_run(run_id)["checks"][0]
    assert (check["opened_ok"], check["latch_ok"], check["sensor_ok"]) == (True, False, None)


def test_the_hardware_page_says_no_printer_and_tests_a_lock(runtime):
    tech = signed_in(runtime, "technician")
    hw = "/console/technician/"
    shown = page(tech.get(hw))
    assert 'data-testid="printer-state"' in shown and "data-testid=\"lock-test-form\"" in shown
    assert tech.submit(hw, hw + "lock-test", {"compartment": "A01"}).status_code == 302
    [test] = runtime.service.maintenance_openings(reason="lock test")
    assert test["compartment"] == "A01"
    body = tech.get(hw + "hardware.json").get_json()
    assert body["hardware"]["printer"] is None and body["tests"][0]["id"] == test["id"]
