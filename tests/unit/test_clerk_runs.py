"""Announcements, loading batches, collection and retrieval runs, and deadlines, driven
through LockerService with a fake bus and a fake clock."""

from __future__ import annotations

import pytest

from locker.errors import Conflict, InvalidCredentials, InvalidInput, NotFound
from locker.ports import ItemChanged, ScanRead, Tick
from tests.domain_support import Harness

ANN = dict(phone="0912345678", due="2025-03-05", size="M", procedure_="Cấp phép xây dựng")


@pytest.fixture
def h(migrated_db_url):
    harness = Harness(migrated_db_url, credential_ttl_days=2)
    yield harness
    harness.db.dispose()


def announce(h, code, **changes):
    return h.svc.runs.announcements.announce(code, **{**ANN, **changes}, actor="onestop")


# ---- announcements -------------------------------------------------------------------

def test_the_same_announcement_twice_changes_nothing(h):
    first, created = announce(h, "hs-1")
    events = h.svc.events_after(0)
    again, created_again = announce(h, "HS-1")
    assert created and not created_again and first == again
    assert first == {"dossier_code": "HS-1", "phone": "09******78", "email": None, "language": None,
                     "due": "2025-03-05", "size": "M", "procedure": "Cấp phép xây dựng", "status": "announced"}
    assert h.svc.events_after(0) == events


def test_a_corrected_announcement_replaces_it_until_loaded(h):
    announce(h, "HS-1")
    corrected, created = announce(h, "HS-1", size="L")
    assert not created and corrected["size"] == "L"
    run = h.svc.runs.load.start(actor="clerk1")
    h.svc.runs.load.scan(run["id"], "HS-1", actor="clerk1")
    with pytest.raises(Conflict):
        announce(h, "HS-1", size="S")
    with pytest.raises(Conflict):
        h.svc.runs.announcements.withdraw("HS-1", actor="onestop")
    assert h.svc.runs.announcements.get("hs-1")["status"] == "loaded"


def test_an_address_or_language_given_again_is_the_same_announcement_and_a_new_one_replaces_it(h):
    first, _ = announce(h, "HS-1", email="Lan@Example.VN", language="en")
    assert (first["email"], first["language"]) == ("L**@example.vn", "en")
    events = h.svc.events_after(0)
    assert announce(h, "HS-1", email="Lan@example.vn", language="en") == (first, False)
    assert h.svc.events_after(0) == events
    corrected, created = announce(h, "HS-1", email="lan.nguyen@example.vn", language="vi")
    assert not created and (corrected["email"], corrected["language"]) == ("l*********@example.vn", "vi")
    dropped, _ = announce(h, "HS-1")
    assert (dropped["email"], dropped["language"]) == (None, None)
    assert h.kinds().count("announcement_updated") == 2


def test_withdrawal_is_idempotent_and_a_withdrawn_result_is_not_matched(h):
    announce(h, "HS-1")
    h.svc.runs.announcements.withdraw("hs-1", actor="onestop")
    h.svc.runs.announcements.withdraw("HS-1", actor="onestop")
    assert [e["kind"] for e in h.svc.events_after(0)].count("announcement_withdrawn") == 1
    run = h.svc.runs.load.start(actor="clerk1")
    assert h.svc.runs.load.scan(run["id"], "HS-1", actor="clerk1")["pending_code"] == "HS-1"
    with pytest.raises(NotFound):
        h.svc.runs.announcements.withdraw("HS-2", actor="onestop")
    assert announce(h, "HS-1")[1] is True


@pytest.mark.parametrize("bad", [dict(due="5/3/2025"), dict(phone="123"), dict(size="XL"), dict(procedure_=""),
                                 dict(email="lan@"), dict(email=["lan@example.vn"]), dict(language="fr"),
                                 dict(language="")])
def test_a_bad_announcement_changes_nothing(h, bad):
    with pytest.raises(InvalidInput):
        announce(h, "HS-1", **bad)
    assert h.svc.events_after(0) == [] or "result_announced" not in h.kinds()


# ---- loading batches -----------------------------------------------------------------

def test_a_batch_loads_announced_results_by_scanning(h):
    announce(h, "HS-1", size="S")
    announce(h, "HS-2", size="M")
    run = h.svc.runs.load.start(actor="clerk1")
    view = h.svc.runs.load.scan(run["id"], "hs-1", actor="clerk1")
    assert [(i["dossier_code"], i["compartment"], i["state"]) for i in view["items"]] == [("HS-1", "A01", "opening")]
    h.released("A01")
    h.door("A01", True)
    assert h.svc.runs.load.get(run["id"])["items"][0]["state"] == "door_open"
    h.door("A01", False)
    h.svc.runs.load.scan(run["id"], "HS-2", actor="clerk1")
    h.outcome("B01", "jammed")
    items = h.svc.runs.load.get(run["id"])["items"]
    assert [(i["n"], i["state"], i["announced"], i["phone"]) for i in items] == [
        (1, "ready", True, "09******78"), (2, "opening", True, "09******78")]
    assert items[1]["compartment"] == "C01"  # moved away from the jammed lock
    assert h.svc.runs.announcements.get("HS-2")["status"] == "loaded"
    closed = h.svc.runs.load.close(run["id"], actor="clerk1")
    assert closed["status"] == "closed" and closed["ended_at"]
    with pytest.raises(Conflict):
        h.svc.runs.load.scan(run["id"], "HS-3", actor="clerk1")


def test_an_unannounced_receipt_asks_for_phone_and_size_once(h):
    run = h.svc.runs.load.start(actor="clerk1")
    view = h.svc.runs.load.scan(run["id"], "HS-9", actor="clerk1")
    assert view["pending_code"] == "HS-9" and view["notice"]["word"] == "needs_details" and view["items"] == []
    with pytest.raises(InvalidInput):
        h.svc.runs.load.details(run["id"], "12", "S", actor="clerk1")
    view = h.svc.runs.load.details(run["id"], "0987654321", "s", actor="clerk1")
    assert view["pending_code"] is None and view["items"][0]["announced"] is False
    with pytest.raises(Conflict):
        h.svc.runs.load.details(run["id"], "0987654321", "S", actor="clerk1")


def test_a_double_read_opens_no_second_door_and_a_pickup_qr_is_refused(h):
    announce(h, "HS-1")
    run = h.svc.runs.load.start(actor="clerk1")
    h.svc.runs.load.scan(run["id"], "HS-1", actor="clerk1")
    with pytest.raises(Conflict):
        h.svc.runs.load.scan(run["id"], "HS-1", actor="clerk1")
    with pytest.raises(InvalidInput):
        h.svc.runs.load.scan(run["id"], "LK1.7.AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA", actor="clerk1")
    assert len(h.bus.unlocks) == 1
    assert h.svc.runs.load.get(run["id"])["notice"]["word"] == "invalid_input"


def test_the_cabinet_scanner_feeds_the_run_that_holds_it(h):
    announce(h, "HS-1", size="S")
    run = h.svc.runs.load.start(actor="clerk1", scanner=True)
    with pytest.raises(Conflict):
        h.svc.runs.load.start(actor="clerk2", scanner=True)
    h.svc.handle_event(ScanRead("HS-1"))
    items = h.svc.runs.load.get(run["id"])["items"]
    assert [i["dossier_code"] for i in items] == ["HS-1"] and h.bus.unlocks == [(0, 1)]
    h.svc.runs.load.close(run["id"], actor="clerk1")
    h.svc.handle_event(ScanRead("HS-2"))  # back to the kiosk: a receipt's code for its page, nothing opens
    assert h.bus.unlocks == [(0, 1)] and "scan_read" in h.kinds()


# ---- collection and retrieval runs ---------------------------------------------------

def test_a_scan_goes_where_the_scanner_is_held_now_not_where_it_was(h):
    filled(h, "HS-1")
    h.svc.handle_event(ScanRead("HS-1"))  # nobody holds the scanner yet: the kiosk's
    run = h.svc.runs.cabinet.start("collection", actor="clerk1", scanner=True)
    h.released("A01")
    h.door("A01", True)
    h.svc.handle_event(ScanRead("HS-1"))  # now the run's
    assert h.svc.runs.cabinet.get(run["id"])["items"][0]["check"] == "confirmed"
    h.door("A01", False)
    h.svc.runs.cabinet.close(run["id"], actor="clerk1")
    before = h.kinds().count("scan_read")
    h.svc.handle_event(ScanRead("HS-1"))  # the kiosk's again
    assert h.kinds().count("scan_read") == before + 1



def filled(h, *codes):
    """Drop-offs whose papers the item sensors see."""
    for code in codes:
        d = h.dropoff(code)
        h.svc.handle_event(ItemChanged(*h.where(d["compartment"]), True))


def test_a_morning_collection_opens_one_after_another_and_flags_a_mismatch(h):
    filled(h, "HS-1", "HS-2", "HS-3")
    run = h.svc.runs.cabinet.start("collection", actor="clerk1")
    assert [(i["compartment"], i["dossier_code"], i["state"]) for i in run["items"]] == [
        ("A01", "HS-1", "opening"), ("A02", "HS-2", "waiting"), ("B01", "HS-3", "waiting")]
    h.released("A01")
    h.door("A01", True)
    assert h.svc.runs.cabinet.scan(run["id"], "hs-1", actor="clerk1")["items"][0]["check"] == "confirmed"
    h.door("A01", False)  # the next door opens by itself
    assert h.bus.unlocks[-1] == (0, 2)
    h.released("A02")
    view = h.svc.runs.cabinet.scan(run["id"], "HS-77", actor="clerk1")
    assert view["items"][1]["check"] == "mismatch" and view["items"][1]["scanned_code"] == "HS-77"
    assert view["notice"]["word"] == "mismatch" and "run_item_mismatch" in h.kinds()
    with pytest.raises(Conflict):
        h.svc.runs.cabinet.close(run["id"], actor="clerk1")  # A02 is still open
    h.door("A02", True)
    h.door("A02", False)
    h.cycle("B01")
    h.svc.runs.cabinet.mark_missing(run["id"], view["items"][2]["id"], actor="clerk1")
    signed = h.svc.runs.cabinet.close(run["id"], actor="clerk1")
    assert [(i["state"], i["check"]) for i in signed["items"]] == [
        ("taken", "confirmed"), ("taken", "mismatch"), ("taken", "missing")]
    assert signed["signed_by"] == "clerk1" and signed["ended_at"]
    assert h.svc.get_dossier("HS-1")["status"] == "received"


def test_a_wrong_dossier_scanned_after_the_next_door_opened_is_flagged_on_the_one_just_emptied(h):
    filled(h, "HS-1", "HS-2")
    run = h.svc.runs.cabinet.start("collection", actor="clerk1")
    h.cycle("A01")  # taken out and closed: the next door opens before the clerk scans
    assert h.bus.unlocks[-1] == (0, 2)
    h.released("A02")
    view = h.svc.runs.cabinet.scan(run["id"], "HS-77", actor="clerk1")
    assert [(i["compartment"], i["check"]) for i in view["items"]] == [("A01", "mismatch"), ("A02", "unchecked")]


def test_next_opens_without_waiting_and_an_empty_compartment_is_flagged(migrated_db_url):
    h = Harness(migrated_db_url, item_sensors=True)
    try:
        for code in ("HS-1", "HS-2"):  # the papers go in, the item sensors see them
            label = h.svc.start_dropoff(code, "0912345678", "S", kiosk="k1")["compartment"]
            h.released(label)
            h.door(label, True)
            h.item(label, True)
            h.door(label, False)
        h.item("A02", False)  # overnight, A02's papers are gone
        run = h.svc.runs.cabinet.start("collection", actor="clerk1")
        with pytest.raises(Conflict):
            h.svc.runs.cabinet.start("collection", actor="clerk2")
        view = h.svc.runs.cabinet.next(run["id"], actor="clerk1")
        assert h.bus.unlocks[-2:] == [(0, 1), (0, 2)]
        assert view["items"][1]["check"] == "missing" and "sensor" in view["items"][1]["note"]
        with pytest.raises(Conflict):
            h.svc.runs.cabinet.next(run["id"], actor="clerk1")
        view = h.svc.runs.cabinet.scan(run["id"], "HS-X", actor="clerk1")  # yet a wrong dossier came out of A02
        assert [i["check"] for i in view["items"]] == ["unchecked", "mismatch"]
        h.released("A01")
        h.door("A01", True)
        h.door("A01", False)  # closed with the papers still inside: the run waits
        assert h.svc.runs.cabinet.get(run["id"])["items"][0]["state"] == "left_inside"
    finally:
        h.db.dispose()


def test_nothing_to_collect_is_a_conflict(h):
    with pytest.raises(Conflict):
        h.svc.runs.cabinet.start("collection", actor="clerk1")
    with pytest.raises(InvalidInput):
        h.svc.runs.cabinet.start("everything", actor="clerk1")


# ---- deadlines -----------------------------------------------------------------------

def test_reminder_then_expiry_then_retrieval_returns_it_to_the_counter(h):
    r, code, _ = h.result("HS-1")
    h.clock.advance(24 * 3600)  # the default reminder: 24 hours before the 2-day deadline
    h.svc.handle_event(Tick())
    h.svc.handle_event(Tick())
    texts = h.sms_texts()
    # the code, its QR link, then the reminder
    assert len(texts) == 3 and "HS-1" in texts[2] and "A01" in texts[2] and texts[2].startswith("Nhac: ")
    h.clock.advance(24 * 3600 + 1)
    h.svc.handle_event(Tick())
    assert h.svc.get_result(r["id"])["status"] == "expired"
    h.clock.advance(3600)
    h.svc.handle_event(Tick())
    texts = h.sms_texts()  # told once that the deadline passed
    assert len(texts) == 4 and texts[3].startswith("Ho so HS-1 da het han nhan tai tu")
    queued = [e for e in h.svc.events_after(0, 1000) if e["kind"] == "sms_queued"]
    assert [(e["dossier_code"], e["data"]["message_kind"]) for e in queued][-1] == ("HS-1", "expired")
    assert h.svc.get_dossier("HS-1")["status"] == "result_expired"
    assert [x["dossier_code"] for x in h.svc.runs.expiry.awaiting_return()] == ["HS-1"]
    with pytest.raises(InvalidCredentials):
        h.svc.start_pickup(dossier_code="HS-1", code=code, kiosk="k1")
    run = h.svc.runs.cabinet.start("retrieval", actor="clerk1")
    h.released("A01")
    h.svc.runs.cabinet.scan(run["id"], "HS-1", actor="clerk1")
    h.door("A01", True)
    h.door("A01", False)
    signed = h.svc.runs.cabinet.close(run["id"], actor="clerk1")
    assert [(i["state"], i["check"]) for i in signed["items"]] == [("taken", "confirmed")]
    dossier = h.svc.get_dossier("HS-1")
    assert dossier["status"] == "result_returned"
    returned = [e for e in dossier["history"] if e["kind"] == "result_returned"]
    assert returned and returned[0]["data"]["to"] == "counter"
    assert h.svc.runs.expiry.awaiting_return() == [] and h.state_of("A01") == "free"


def test_a_citizen_erased_on_request_gets_no_message_when_the_deadline_passes(h):
    r, _code, _ = h.result("HS-1")
    h.svc.privacy.erase("HS-1", actor="admin", reason="request 2025/20")
    sent = h.kinds().count("sms_queued")  # the erased messages' texts are gone
    h.clock.advance(2 * 24 * 3600 + 1)
    h.svc.handle_event(Tick())
    assert h.svc.get_result(r["id"])["status"] == "expired" and h.kinds().count("sms_queued") == sent == 2


def test_a_deadline_is_extended_once_with_a_reason(h):
    r, code, _ = h.result("HS-1")
    with pytest.raises(InvalidInput):
        h.svc.runs.expiry.extend(r["id"], "", actor="clerk1")
    view = h.svc.runs.expiry.extend(r["id"], "citizen abroad", actor="clerk1")
    assert view["extended"] and view["deadline"].startswith("2025-03-10")
    with pytest.raises(Conflict):
        h.svc.runs.expiry.extend(r["id"], "again", actor="clerk1")
    h.clock.advance(3 * 24 * 3600)
    h.svc.handle_event(Tick())
    assert h.svc.get_result(r["id"])["status"] == "ready"
    reissued = h.svc.reissue_credential(r["id"], actor="clerk1")
    assert reissued["expires_at"].startswith("2025-03-10")  # a new code keeps the deadline
    assert "deadline_extended" in h.kinds()


def test_a_pickup_in_progress_is_not_expired_under_the_citizen(h):
    r, code, _ = h.result("HS-1")
    h.clock.advance(2 * 24 * 3600 - 5)
    h.svc.start_pickup(dossier_code="HS-1", code=code, kiosk="k1")
    h.clock.advance(10)
    h.svc.handle_event(Tick())
    assert h.svc.get_result(r["id"])["status"] == "ready"
    h.cycle("A01")
    assert h.svc.get_result(r["id"])["status"] == "collected"
