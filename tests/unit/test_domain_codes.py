"""Guessing pickup codes: a kiosk's failures are forgotten after its penalty and a
quiet period; locking code entry on a dossier keeps its QR code working and tells its
owner; every refusal of a typed code says how many attempts are left, the same for a
dossier code that does not exist; a record's dossier code is shown only to its kiosk."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from locker import credentials
from locker.errors import InvalidCredentials, Throttled
from tests.domain_support import Harness


@pytest.fixture
def h(migrated_db_url):
    harness = Harness(migrated_db_url)
    yield harness
    harness.db.dispose()


def refused(h, **attempt) -> InvalidCredentials:
    with pytest.raises(InvalidCredentials) as err:
        h.svc.start_pickup(**attempt)
    return err.value


def test_a_kiosk_s_failures_are_forgotten_after_its_penalty_and_a_quiet_period(h):
    wrong = {"dossier_code": "NOPE", "code": "00000000", "kiosk": "k1"}
    for _ in range(5):
        refused(h, **wrong)
    with pytest.raises(Throttled):
        refused(h, **wrong)
    h.clock.advance(30 + 299)  # the 30 s penalty, then not quite the quiet period
    refused(h, **wrong)
    with pytest.raises(Throttled) as err:  # still counted: the penalty doubles
        refused(h, **wrong)
    assert err.value.retry_after == 60
    h.clock.advance(60 + 300)
    for _ in range(4):  # forgotten: four typos cost nothing
        refused(h, **wrong)
    refused(h, **wrong)
    with pytest.raises(Throttled) as err:
        refused(h, **wrong)
    assert err.value.retry_after == 30


def test_locked_code_entry_keeps_the_qr_working_and_tells_the_owner(h):
    r, code, qr = h.result("HS-1")
    wrong = f"{(int(code) + 1) % 10**8:08d}"
    left = [refused(h, dossier_code="HS-1", code=wrong, kiosk=f"k{i}").attempts_left for i in range(5)]
    assert left == [4, 3, 2, 1, 0]
    err = refused(h, dossier_code="HS-1", code=code, kiosk="k9")  # the right code, but typing is locked
    assert err.attempts_left == 0 and "locked" in err.message("en") and "khoá" in err.message("vi")
    texts = h.sms_texts()
    # the code, its QR link, then the lock notice (no code in it)
    assert len(texts) == 3 and "HS-1" in texts[-1] and "QR" in texts[-1] and not re.search(r"\d{8}", texts[-1])
    assert texts[-1].startswith("Ho so HS-1: nhap sai ma nhieu lan, da khoa nhap ma.")
    assert [e["kind"] for e in h.svc.events_after(0, 1000) if e["data"].get("alarm")] == ["code_entry_locked"]
    assert h.svc.start_pickup(qr=qr, kiosk="k9")["compartment"] == r["compartment"]


def test_clerks_can_reissue_a_locked_code(h):
    r, code, _ = h.result("HS-1")
    for i in range(5):
        refused(h, dossier_code="HS-1", code=f"{(int(code) + 1) % 10**8:08d}", kiosk=f"k{i}")
    h.svc.reissue_credential(r["id"], actor="clerk1")
    new_code = h.last_code()
    assert h.svc.start_pickup(dossier_code="HS-1", code=new_code, kiosk="k1")["status"] == "opening"


def test_an_unknown_dossier_code_counts_down_like_a_real_one(h):
    h.result("HS-1")
    real = [refused(h, dossier_code="HS-1", code="00000000", kiosk=f"a{i}").attempts_left for i in range(6)]
    unknown = [refused(h, dossier_code="HS-404", code="00000000", kiosk=f"b{i}").attempts_left for i in range(6)]
    assert real == unknown == [4, 3, 2, 1, 0, 0]
    assert refused(h, qr="LK1.1.AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA", kiosk="c").attempts_left is None


def test_a_dossier_code_that_exists_costs_the_same_hashes_and_reads(h, monkeypatch):
    """Only the real dossier's failure count is written (an UPDATE); the reads and the
    hashing before the answer are the same."""
    h.result("HS-1")
    hashes = []
    real_hash = credentials.code_hash
    monkeypatch.setattr(credentials, "code_hash", lambda *a: hashes.append(a[1]) or real_hash(*a))
    statements = []
    event.listen(h.db.engine, "before_cursor_execute", lambda *a: statements.append(a[2].split()[0]))

    def work(dossier_code, kiosk):
        hashes.clear(), statements.clear()
        refused(h, dossier_code=dossier_code, code="00000000", kiosk=kiosk)
        return len(hashes), statements.count("SELECT")

    assert work("HS-1", "k1") == work("HS-404", "k2")


def test_a_records_dossier_code_is_shown_only_to_its_kiosk_while_on_screen(h):
    d = h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="kiosk:1")
    assert h.svc.get_dropoff(d["id"], kiosk="kiosk:1")["dossier_code"] == "HS-1"
    assert h.svc.get_dropoff(d["id"], kiosk="kiosk:2")["dossier_code"] is None
    h.cycle("A01")
    assert h.svc.get_dropoff(d["id"], kiosk="kiosk:1")["dossier_code"] == "HS-1"  # its last screen
    h.clock.advance(61)
    assert h.svc.get_dropoff(d["id"], kiosk="kiosk:1") == {"id": d["id"], "dossier_code": None,
                                                          "compartment": "A01", "status": "stored"}
    assert h.svc.get_dropoff(d["id"])["dossier_code"] == "HS-1"  # clerks and the service see it
    _, code, _ = h.result("HS-2")
    p = h.svc.start_pickup(dossier_code="HS-2", code=code, kiosk="kiosk:1")
    assert h.svc.get_pickup(p["id"], kiosk="kiosk:1")["dossier_code"] == "HS-2"
    assert h.svc.get_pickup(p["id"], kiosk="kiosk:2")["dossier_code"] is None
