"""Every flow of LockerService, driven with a fake bus and a fake clock."""

from __future__ import annotations

import re
import pytest

from locker.errors import (Conflict, HardwareUnavailable, InvalidCredentials, InvalidInput,
                           NoCompartmentAvailable, NotFound, Throttled)
from locker.ports import BoardAvailability, DoorChanged, ItemChanged, ScanRead, Tick, UnlockOutcome
from tests.domain_support import Harness, all_stored_values


@pytest.fixture
def h(migrated_db_url):
    harness = Harness(migrated_db_url)
    yield harness
    harness.db.dispose()


# ---- drop-off ------------------------------------------------------------------------

def test_dropoff_is_stored_when_the_door_closes(h):
    d = h.svc.start_dropoff(" HS-001 ", "0912 345 678", "s", kiosk="k1")
    assert d == {"id": d["id"], "compartment": "A01", "status": "opening"}
    assert h.bus.unlocks == [(0, 1)]
    assert h.compartment("A01")["state"] == "reserved"
    assert h.svc.get_dropoff(d["id"])["status"] == "opening"
    h.released("A01")
    h.door("A01", True)
    assert h.svc.get_dropoff(d["id"])["status"] == "door_open"
    h.door("A01", False)
    stored = h.svc.get_dropoff(d["id"])
    assert {key: stored[key] for key in ("id", "dossier_code", "compartment", "status")} == {
        "id": d["id"], "dossier_code": "HS-001", "compartment": "A01", "status": "stored"}
    assert stored["receipt"]["status"] == "no_printer" and stored["receipt"]["qr"] == "HS-001"
    assert h.compartment("A01") | {} == {"label": "A01", "size": "S", "board": 0, "lock": 1,
                                         "state": "holding_dropoff", "door": "closed", "dossier_code": "HS-001",
                                         "bus": "main"}
    assert h.svc.get_dossier("HS-001")["status"] == "dropped_off"
    assert {"dropoff_started", "unlock_requested", "unlock_released", "door_opened", "door_closed",
            "dropoff_stored"} <= set(h.kinds())


def test_allocation_takes_the_smallest_fitting_size_then_larger(h):
    got = [h.svc.start_dropoff(f"HS-{i}", "0912345678", "S", kiosk="k1")["compartment"] for i in range(4)]
    assert got == ["A01", "A02", "B01", "C01"]
    with pytest.raises(NoCompartmentAvailable):
        h.svc.start_dropoff("HS-9", "0912345678", "S", kiosk="k1")
    with pytest.raises(NoCompartmentAvailable):
        h.svc.start_dropoff("HS-9", "0912345678", "L", kiosk="k2")


@pytest.mark.parametrize("args", [("", "0912345678", "S"), ("HS-1", "123", "S"), ("HS-1", "0912345678", "XL"),
                                  (None, None, None), ("HS\x00", "0912345678", "S")])
def test_bad_dropoff_input_changes_nothing(h, args):
    before = h.svc.events_after(0)
    with pytest.raises(InvalidInput):
        h.svc.start_dropoff(*args, kiosk="k1")
    assert h.svc.events_after(0) == before and h.bus.unlocks == []


def test_unknown_records_are_not_found(h):
    for getter in (h.svc.get_dropoff, h.svc.get_pickup, h.svc.get_result, h.svc.get_collection):
        with pytest.raises(NotFound):
            getter(999)
        with pytest.raises(InvalidInput):
            getter("1; drop table")
    with pytest.raises(NotFound):
        h.svc.get_dossier("NOPE")


def test_failed_pulse_request_frees_the_compartment(h):
    h.bus.fail = True
    with pytest.raises(HardwareUnavailable):
        h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k1")
    assert h.compartment("A01")["state"] == "free"
    assert h.svc.get_dropoff(1)["status"] == "failed"


# ---- clerk collection ----------------------------------------------------------------

def test_clerk_collects_a_dropoff(h):
    d = h.dropoff()
    c = h.svc.start_collection("A01", actor="clerk1")
    assert c["status"] == "opening" and h.bus.unlocks[-1] == (0, 1)
    with pytest.raises(Conflict):
        h.svc.start_collection("A01", actor="clerk1")
    h.cycle("A01")
    assert h.svc.get_collection(c["id"]) == {"id": c["id"], "compartment": "A01", "status": "collected"}
    assert h.svc.get_dropoff(d["id"])["status"] == "collected"
    assert h.compartment("A01")["state"] == "free"
    with pytest.raises(Conflict):
        h.svc.start_collection("A01", actor="clerk1")
    with pytest.raises(NotFound):
        h.svc.start_collection("Z99", actor="clerk1")


# ---- result and pickup ---------------------------------------------------------------

def test_result_ready_queues_an_encrypted_sms_and_stores_no_plain_code(h):
    r, code, qr = h.result("H01.2025/000123")
    assert h.svc.get_result(r["id"])["status"] == "ready"
    assert h.compartment(r["compartment"])["state"] == "holding_result"
    text, link = h.sms_texts()[-2:]
    # Vietnamese (the default) without diacritics, the code alone on the first line.
    assert text.startswith(f"Ma nhan: {code}\nHo so H01.2025/000123 da co ket qua") and "ngan A01" in text
    assert re.findall(r"(?<!\d)\d{8}(?!\d)", text) == [code]
    assert f"http://kiosk.test/q/{qr}" in link and not re.search(r"(?<!\d)\d{8}(?!\d)", link)
    values = all_stored_values(h.db)
    assert any(table == "credentials" for table, _ in values)
    for table, value in values:
        assert code not in str(value), table
        assert qr.split(".")[2] not in str(value), table


def test_pickup_with_code(h):
    r, code, _ = h.result("HS-7")
    p = h.svc.start_pickup(dossier_code="HS-7", code=code, kiosk="k1")
    assert p == {"id": p["id"], "compartment": r["compartment"], "status": "opening"}
    assert h.svc.get_pickup(p["id"])["status"] == "opening"
    h.released(r["compartment"])
    assert h.svc.get_pickup(p["id"])["status"] == "door_open"
    with pytest.raises(InvalidCredentials):  # used as soon as the door is confirmed released
        h.svc.start_pickup(dossier_code="HS-7", code=code, kiosk="k2")
    h.door(r["compartment"], True)
    h.door(r["compartment"], False)
    collected = h.svc.get_pickup(p["id"])
    assert {key: collected[key] for key in ("id", "dossier_code", "compartment", "status")} == {
        "id": p["id"], "dossier_code": "HS-7", "compartment": "A01", "status": "collected"}
    assert collected["receipt"]["lines"][1] == "BIÊN NHẬN TRẢ KẾT QUẢ"
    assert h.svc.get_result(r["id"])["status"] == "collected"
    assert h.compartment("A01")["state"] == "free"
    assert h.svc.get_dossier("HS-7")["status"] == "picked_up"
    with pytest.raises(InvalidCredentials):
        h.svc.start_pickup(dossier_code="HS-7", code=code, kiosk="k1")
    attempts = [e for e in h.svc.events_after(0, 1000) if e["kind"] == "pickup_attempt"]
    assert [e["data"]["ok"] for e in attempts] == [True, False, False]
    assert all(code not in str(e) for e in h.svc.events_after(0, 1000))


def test_pickup_with_qr_and_from_the_scanner(h):
    r1, _, qr1 = h.result("HS-1")
    r2, _, qr2 = h.result("HS-2")
    p = h.svc.start_pickup(qr=f"http://kiosk.test/q/{qr1}", kiosk="k1")
    assert p["compartment"] == r1["compartment"]
    h.svc.set_kiosk_mode("scanner", "busy")
    h.svc.handle_event(ScanRead(qr2))
    assert h.svc.kiosk_activity()["last_scan"] is None
    h.clock.advance(61)  # busy lapses without a refresh
    h.svc.handle_event(ScanRead(qr2))
    act = h.svc.kiosk_activity()
    assert act["mode"] == "idle" and act["last_scan"]["ok"] is True
    assert act["last_scan"]["pickup"]["compartment"] == r2["compartment"]
    h.svc.handle_event(ScanRead("\x00garbage\xff" * 100))
    assert h.svc.kiosk_activity()["last_scan"]["error"] == "not_a_pickup_code"
    with pytest.raises(InvalidCredentials):
        h.svc.start_pickup(qr=qr1[:-2] + "AA", kiosk="k1")
    with pytest.raises(InvalidInput):
        h.svc.start_pickup(qr=qr1, code="12345678", kiosk="k1")


def test_wrong_codes_are_counted_and_revoke_at_the_limit(h):
    r, code, _ = h.result("HS-1")
    wrong = f"{(int(code) + 1) % 10**8:08d}"
    for i in range(5):
        with pytest.raises(InvalidCredentials):
            h.svc.start_pickup(dossier_code="HS-1", code=wrong, kiosk=f"kiosk{i}")
    with pytest.raises(InvalidCredentials):  # revoked: even the right code is refused now
        h.svc.start_pickup(dossier_code="HS-1", code=code, kiosk="other")
    revoked = [e for e in h.svc.events_after(0, 1000) if e["kind"] == "code_entry_locked"]
    assert len(revoked) == 1 and revoked[0]["data"]["alarm"] is True
    again = h.svc.reissue_credential(r["id"], actor="clerk1")
    assert again["status"] == "ready"
    new_code = h.last_code()
    with pytest.raises(InvalidCredentials):
        h.svc.start_pickup(dossier_code="HS-1", code=code, kiosk="other")
    assert h.svc.start_pickup(dossier_code="HS-1", code=new_code, kiosk="other")["status"] == "opening"
    assert "credential_reissued" in h.kinds()


def test_reissue_revokes_the_old_code(h):
    r, code, qr = h.result("HS-1")
    h.svc.reissue_credential(r["id"], actor="clerk1")
    new_code = h.last_code()
    assert h.sms_texts()[-2].startswith(f"Ma nhan moi: {new_code}\nHo so HS-1, ngan A01.")
    for kwargs in ({"dossier_code": "HS-1", "code": code}, {"qr": qr}):
        with pytest.raises(InvalidCredentials):
            h.svc.start_pickup(kiosk="k1", **kwargs)
    assert h.svc.start_pickup(dossier_code="HS-1", code=new_code, kiosk="k1")["status"] == "opening"
    with pytest.raises(NotFound):
        h.svc.reissue_credential(r["id"] + 100, actor="clerk1")


def test_expired_code_is_refused(h):
    _, code, _ = h.result("HS-1")
    h.clock.advance(30 * 86400 + 1)
    with pytest.raises(InvalidCredentials):
        h.svc.start_pickup(dossier_code="HS-1", code=code, kiosk="k1")
    assert [e["data"]["reason"] for e in h.svc.events_after(0, 1000) if e["kind"] == "pickup_attempt"] == ["expired"]


def test_kiosk_throttle_doubles_and_resets_on_success(h):
    _, code, _ = h.result("HS-1")
    attempt = {"dossier_code": "NOPE", "code": "00000000", "kiosk": "k1"}
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            h.svc.start_pickup(**attempt)
    with pytest.raises(Throttled) as err:  # even the right code is not evaluated while blocked
        h.svc.start_pickup(dossier_code="HS-1", code=code, kiosk="k1")
    assert err.value.retry_after == 30
    for penalty in (60, 120):
        h.clock.advance(penalty / 2 + 1)
        with pytest.raises(InvalidCredentials):
            h.svc.start_pickup(**attempt)
        with pytest.raises(Throttled) as err:
            h.svc.start_pickup(**attempt)
        assert err.value.retry_after == penalty
    assert sum(k == "kiosk_throttled" for k in h.kinds()) == 3
    h.svc = h.new_service()  # the block survives a restart
    with pytest.raises(Throttled):
        h.svc.start_pickup(**attempt)
    h.clock.advance(121)
    assert h.svc.start_pickup(dossier_code="HS-1", code=code, kiosk="k1")["status"] == "opening"
    for _ in range(4):
        with pytest.raises(InvalidCredentials):
            h.svc.start_pickup(**attempt)
    with pytest.raises(InvalidCredentials):
        h.svc.start_pickup(**attempt)
    with pytest.raises(Throttled) as err:
        h.svc.start_pickup(**attempt)
    assert err.value.retry_after == 30


def test_success_resets_the_kiosk_counter(h):
    _, code, _ = h.result("HS-1")
    for _ in range(4):
        with pytest.raises(InvalidCredentials):
            h.svc.start_pickup(dossier_code="NOPE", code="00000000", kiosk="k1")
    h.svc.start_pickup(dossier_code="HS-1", code=code, kiosk="k1")
    for _ in range(4):
        with pytest.raises(InvalidCredentials):
            h.svc.start_pickup(dossier_code="NOPE", code="00000000", kiosk="k1")
    with pytest.raises(InvalidCredentials):  # fifth failure since the success: refused, not yet throttled
        h.svc.start_pickup(dossier_code="NOPE", code="00000000", kiosk="k1")


# ---- faults --------------------------------------------------------------------------

def test_jam_moves_the_dropoff_to_another_compartment(h):
    d = h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k1")
    h.outcome("A01", "jammed")
    assert h.compartment("A01")["state"] == "out_of_service"
    assert h.bus.unlocks == [(0, 1), (0, 2)]
    moved = h.svc.get_dropoff(d["id"])
    assert moved["compartment"] == "A02" and moved["status"] == "opening"
    h.cycle("A02")
    assert h.svc.get_dropoff(d["id"])["status"] == "stored"
    kinds = h.kinds()
    assert {"lock_jammed", "compartment_out_of_service", "dropoff_moved"} <= set(kinds)


def test_jam_with_no_compartment_left_fails_the_dropoff(h):
    d = h.svc.start_dropoff("HS-1", "0912345678", "L", kiosk="k1")
    h.outcome("C01", "unknown")
    h.clock.advance(3)  # a good read since: the latch stayed engaged (this bus has no item sensors)
    h.svc.handle_event(Tick())
    assert h.svc.get_dropoff(d["id"])["status"] == "failed"
    comp = h.compartment("C01")
    assert comp["state"] == "out_of_service"
    assert "unlock_unknown" in h.kinds() and "dropoff_failed" in h.kinds()


def test_jam_during_result_load_moves_it(h):
    r = h.svc.load_result("HS-1", "0912345678", "M", actor="clerk1")
    h.outcome("B01", "jammed")
    assert h.svc.get_result(r["id"])["compartment"] == "C01"
    h.cycle("C01")
    assert h.svc.get_result(r["id"])["status"] == "ready"


def test_jam_keeps_the_pickup_credential_valid(h):
    r, code, _ = h.result("HS-1")
    p = h.svc.start_pickup(dossier_code="HS-1", code=code, kiosk="k1")
    h.outcome(r["compartment"], "jammed")
    assert h.svc.get_pickup(p["id"])["status"] == "failed"
    assert h.compartment(r["compartment"])["state"] == "out_of_service"
    with pytest.raises(HardwareUnavailable):  # valid code, but the compartment needs a technician
        h.svc.start_pickup(dossier_code="HS-1", code=code, kiosk="k1")
    with pytest.raises(Conflict):  # still holds the result
        h.svc.return_to_service(r["compartment"], actor="tech")
    attempt = [e for e in h.svc.events_after(0, 1000) if e["kind"] == "pickup_attempt"][-1]
    assert attempt["data"]["reason"] == "hardware_unavailable"


def test_forced_open_raises_an_alarm(h):
    h.dropoff("HS-1")
    h.door("A01", True)
    forced = [e for e in h.svc.events_after(0, 1000) if e["kind"] == "forced_open"]
    assert len(forced) == 1 and forced[0]["data"]["alarm"] is True and forced[0]["compartment"] == "A01"
    assert h.compartment("A01")["door"] == "open"


def test_offline_board_doors_are_unknown_and_not_offered(h):
    h.svc.handle_event(BoardAvailability(1, False))
    assert h.compartment("C01")["door"] == "unknown"
    assert h.svc.health()["boards"] == {0: "online", 1: "offline"}
    with pytest.raises(NoCompartmentAvailable):
        h.svc.start_dropoff("HS-1", "0912345678", "L", kiosk="k1")
    h.svc.handle_event(BoardAvailability(1, True))
    h.svc.handle_event(DoorChanged(1, 1, False))
    assert h.svc.start_dropoff("HS-1", "0912345678", "L", kiosk="k1")["compartment"] == "C01"
    assert "board_offline" in h.kinds() and "board_online" in h.kinds()


def test_items_and_garbage_events(h):
    h.svc.handle_event(ItemChanged(0, 1, True))
    h.svc.handle_event(DoorChanged(9, 9, True))
    h.svc.handle_event(UnlockOutcome(0, 2, "released"))
    h.svc.handle_event("not an event")
    h.svc.handle_event(ScanRead(None))
    assert h.compartment("A01")["state"] == "free"
    assert h.svc.health()["database"] == "ok"


def test_return_to_service_after_emptying(h):
    h.dropoff("HS-1")
    h.svc.set_out_of_service("A01", actor="tech", reason="broken hinge")
    with pytest.raises(Conflict):
        h.svc.return_to_service("A01", actor="tech")
    assert h.svc.return_to_service("A01", actor="tech", emptied=True)["state"] == "free"
    assert h.svc.get_dropoff(1)["status"] == "collected"


def test_clerk_removes_an_uncollected_result_and_the_code_dies(h):
    r, code, _ = h.result("HS-1")
    c = h.svc.start_collection(r["compartment"], actor="clerk1")
    h.cycle(r["compartment"])
    assert h.svc.get_collection(c["id"])["status"] == "collected"
    assert h.svc.get_result(r["id"])["status"] == "expired"
    with pytest.raises(InvalidCredentials):
        h.svc.start_pickup(dossier_code="HS-1", code=code, kiosk="k1")
    dossier = h.svc.get_dossier("HS-1")
    assert dossier["status"] == "result_removed"
    history = dossier["history"]
    assert [e["seq"] for e in history] == sorted(e["seq"] for e in history)
    assert set(history[0]) == {"seq", "time", "kind", "actor", "compartment", "dossier_code", "data", "hash"}
    assert history[0]["time"].endswith("Z")


def test_every_flow_says_opening_until_its_door_is_seen_open(h):
    """``opening`` after the unlock was sent; ``door_open`` only once the door (or its
    latch) was seen open; a jam moves an opening flow on without claiming the door opened."""
    r = h.svc.load_result("HS-1", "0912345678", "S", actor="clerk1")
    assert h.svc.get_result(r["id"])["status"] == "opening"
    h.door(r["compartment"], True)  # the door seen open without a latch answer first
    assert h.svc.get_result(r["id"])["status"] == "door_open"
    h.door(r["compartment"], False)
    assert h.svc.get_result(r["id"])["status"] == "ready"
    c = h.svc.start_collection(r["compartment"], actor="clerk1")
    assert h.svc.get_collection(c["id"])["status"] == "opening"
    h.released(r["compartment"])
    assert h.svc.get_collection(c["id"])["status"] == "door_open"
    d = h.svc.start_dropoff("HS-2", "0912345678", "S", kiosk="k1")
    h.outcome(d["compartment"], "jammed")
    assert h.svc.get_dropoff(d["id"])["status"] == "opening"
    with pytest.raises(Conflict):  # the drop-off under way, now elsewhere, still holds the dossier code
        h.svc.start_dropoff("HS-2", "0912345678", "S", kiosk="k2")


def test_dossier_codes_are_one_code_whatever_the_case(h):
    """Trimmed and upper-cased wherever they enter: a result loaded in lower case is
    collected by typing upper case, and a stored dossier is not dropped off twice."""
    r = h.svc.load_result("  hs-case/1 ", "0987654321", "S", actor="clerk1")
    h.cycle(r["compartment"])
    code = h.last_code()
    assert "HS-CASE/1" in h.sms_texts()[-2] and h.svc.get_dossier("hs-case/1")["code"] == "HS-CASE/1"
    assert h.svc.start_pickup(dossier_code="HS-CASE/1", code=code, kiosk="k1")["compartment"] == r["compartment"]
    d = h.dropoff("kq-9")
    assert h.svc.get_dropoff(d["id"])["dossier_code"] == "KQ-9"
    for typed in ("KQ-9", " kq-9"):
        with pytest.raises(Conflict) as refused:
            h.svc.start_dropoff(typed, "0912345678", "S", kiosk="k2")
        assert refused.value.code == "already_in_cabinet" and refused.value.status == 409
        assert "đã được gửi vào tủ" in refused.value.message("vi")
        assert "already in the locker" in refused.value.message("en")
    assert len(h.bus.unlocks) == 3
