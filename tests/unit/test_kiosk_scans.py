"""What the kiosk's scanner reads, as the page learns it: each outcome goes to the watchers
(the kiosk page's stream) as it is read; a receipt's dossier code starts a drop-off on the page."""

from __future__ import annotations

import pytest

from locker.ports import ScanRead
from tests.domain_support import Harness


@pytest.fixture
def h(migrated_db_url):
    harness = Harness(migrated_db_url)
    yield harness
    harness.db.dispose()


@pytest.fixture
def seen(h) -> list[dict]:
    scans: list[dict] = []
    h.svc.watch_kiosk_scans(scans.append)
    return scans


def test_a_receipt_code_read_while_idle_is_told_to_the_page_and_opens_nothing(h, seen):
    h.svc.handle_event(ScanRead(" hs.2025/0042 \r\n"))
    [scan] = seen
    assert (scan["ok"], scan["dossier_code"], scan["pickup"], scan["error"]) == (True, "HS.2025/0042", None, None)
    assert h.svc.kiosk_activity()["last_scan"] == scan
    assert h.bus.unlocks == [] and "dropoff_started" not in h.kinds()
    [read] = [e for e in h.svc.events_after(0, 1000) if e["kind"] == "scan_read"]
    assert (read["dossier_code"], read["data"]["ok"], read["data"]["reason"]) == ("HS.2025/0042", True, "receipt code")


def test_while_a_form_is_on_screen_a_receipt_code_is_not_news(h, seen):
    h.svc.set_kiosk_mode("scanner", "busy")
    h.svc.handle_event(ScanRead("HS.2025/0042"))
    assert seen == [] and h.svc.kiosk_activity()["last_scan"] is None
    [read] = [e for e in h.svc.events_after(0, 1000) if e["kind"] == "scan_read"]
    assert read["data"]["reason"] == "kiosk busy"


@pytest.mark.parametrize("data", ["LK1.7.broken", "http://kiosk.test/q/nothing-signed", "not a code!", "X" * 65])
def test_a_broken_pickup_qr_or_garbage_is_never_a_dossier_code(h, seen, data):
    h.svc.handle_event(ScanRead(data))
    [scan] = seen
    assert (scan["ok"], scan["dossier_code"], scan["error"]) == (False, None, "not_a_pickup_code")
    assert h.bus.unlocks == []


def test_a_pickup_qr_opens_its_door_and_the_page_is_told_at_once(h, seen):
    result, _, qr = h.result("HS-9")
    h.svc.handle_event(ScanRead(qr))
    [scan] = seen
    assert scan["ok"] is True and scan["pickup"]["compartment"] == result["compartment"]
    assert scan["dossier_code"] is None


def test_a_failing_watcher_does_not_stop_the_others(h, seen):
    def broken(scan: dict) -> None:
        raise RuntimeError("a page that cannot be told")

    h.svc.watch_kiosk_scans(broken)
    after: list[dict] = []
    h.svc.watch_kiosk_scans(after.append)
    h.svc.handle_event(ScanRead("HS-1"))
    assert [s["dossier_code"] for s in seen] == [s["dossier_code"] for s in after] == ["HS-1"]
