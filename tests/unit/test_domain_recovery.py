"""Start-up reconciliation and the SMS outbox's retries."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from locker import outbox
from locker.errors import NoCompartmentAvailable
from locker.models import DoorOperation, OutboxMessage
from tests.domain_support import SECRET, Harness, readings
from tests.support.notifiers import FlakyNotifier


@pytest.fixture
def h(migrated_db_url):
    harness = Harness(migrated_db_url)
    yield harness
    harness.db.dispose()


def _ops(h):
    with h.db.session() as s:
        return [op.status for op in s.execute(select(DoorOperation).order_by(DoorOperation.id)).scalars()]


def _restart(h, **kw):
    h.svc = h.new_service()
    return h.svc.reconcile(readings(h.layout, **kw))


# ---- reconcile -----------------------------------------------------------------------

def test_pending_intent_is_abandoned_without_a_pulse(h):
    h.bus.request_unlock = lambda board, lock, bus="main": (_ for _ in ()).throw(SystemExit("crash before the pulse"))
    with pytest.raises(SystemExit):
        h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k1")
    assert _ops(h) == ["pending"]
    h.bus.__dict__.pop("request_unlock")
    report = _restart(h)
    assert report["abandoned"] == 1 and report["out_of_service"] == []
    assert _ops(h) == ["abandoned"] and h.bus.unlocks == []
    assert h.svc.get_dropoff(1)["status"] == "failed"
    assert h.compartment("A01")["state"] == "free"
    assert {"reconcile_started", "reconcile_abandoned", "reconcile_done"} <= set(h.kinds())


def test_opened_operation_with_the_door_now_closed_completes(h):
    d = h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k1")
    h.door("A01", True)
    report = _restart(h)
    assert report["completed"] == 1
    assert h.svc.get_dropoff(d["id"])["status"] == "stored"


def test_operation_with_the_door_still_open_keeps_waiting(h):
    d = h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k1")
    h.released("A01")
    report = _restart(h, open_doors={"A01"})
    assert report["waiting"] == 1 and h.compartment("A01")["door"] == "open"
    h.door("A01", False)
    assert h.svc.get_dropoff(d["id"])["status"] == "stored"


def test_pulsed_operation_with_the_door_closed_is_unexplained(h):
    r, code, _ = h.result("HS-1")
    h.svc.start_pickup(dossier_code="HS-1", code=code, kiosk="k1")
    report = _restart(h)
    assert report["out_of_service"] == ["A01"]
    assert h.compartment("A01")["state"] == "out_of_service"
    assert h.svc.get_pickup(1)["status"] == "failed"
    alarm = [e for e in h.svc.events_after(0, 1000) if e["kind"] == "reconcile_unexplained"]
    assert alarm and alarm[0]["data"]["alarm"] is True


def test_open_doors_without_an_operation_go_out_of_service(h):
    h.dropoff("HS-1")
    report = _restart(h, open_doors={"A01", "A02"})
    assert sorted(report["out_of_service"]) == ["A01", "A02"]
    assert h.compartment("A02")["state"] == "out_of_service"


def test_offline_board_at_start_leaves_doors_unknown(h):
    report = _restart(h, offline={1})
    assert report["doors_unknown"] == 1
    assert h.compartment("C01")["door"] == "unknown"
    assert h.svc.health()["boards"] == {0: "online", 1: "offline"}
    with pytest.raises(NoCompartmentAvailable):
        h.svc.start_dropoff("HS-1", "0912345678", "L", kiosk="k1")


def test_sync_retires_and_rewires_compartments(h):
    h.dropoff("HS-1")
    h.config = type(h.config)(**{**h.config.__dict__, "compartments": (
        h.config.compartments[1].__class__("A02", 0, 9, "M"), h.config.compartments[0])})
    h.svc = h.new_service()
    h.svc.sync_compartments()
    labels = {c["label"]: c for c in h.svc.list_compartments()}
    assert set(labels) == {"A01", "A02"}
    assert (labels["A02"]["lock"], labels["A02"]["size"]) == (9, "M")
    assert labels["A01"]["state"] == "holding_dropoff"
    assert h.svc.health()["compartments"]["out_of_service"] == 0  # retired ones are not listed


# ---- outbox ---------------------------------------------------------------------------


def test_outbox_retries_with_backoff_and_redacts_after_sending(h):
    h.result("HS-1")  # two SMS: the code, then the QR link
    notifier = FlakyNotifier(failures=6)
    worker = outbox.OutboxWorker(db=h.db, notifier=notifier, secret=SECRET, clock=h.clock, backoff=(5, 15))
    delays = []
    for _ in range(3):
        assert worker.run_once() == 0
        with h.db.session() as s:
            msgs = s.execute(select(OutboxMessage)).scalars().all()
            assert len({m.next_attempt_at for m in msgs}) == 1
            delays.append((msgs[0].next_attempt_at - h.clock.now()).total_seconds())
            assert all(m.status == "pending" and m.last_error.endswith("gateway down") for m in msgs)
        assert worker.run_once() == 0  # not due yet
        h.clock.advance(delays[-1])
    assert delays == [5, 10, 15]
    assert worker.run_once() == 2 and len(notifier.sent) == 2
    with h.db.session() as s:
        msgs = s.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()
        assert [(m.status, m.attempts) for m in msgs] == [("sent", 4)] * 2
        code_text, link_text = (outbox.unseal(SECRET, m.payload)["text"] for m in msgs)
    assert "********" in code_text and "HS-1" in code_text and not re.search(r"[0-9]{8}", code_text)
    assert "/q/[redacted]" in link_text and "HS-1" in link_text
    assert worker.run_once() == 0
