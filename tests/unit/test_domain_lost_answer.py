"""A lost unlock answer (outcome ``unknown``) proves nothing: the flow stays with the
compartment that was pulsed until proof arrives, and moves elsewhere only after a
good read shows the latch still engaged and, by the item sensor, nothing went in."""

from __future__ import annotations

import pytest

from locker.ports import BoardAvailability, Tick
from tests.domain_support import Harness


@pytest.fixture
def h(migrated_db_url):
    harness = Harness(migrated_db_url, item_sensors=True)
    yield harness
    harness.db.dispose()


@pytest.fixture
def door_only(migrated_db_url):
    harness = Harness(migrated_db_url)
    yield harness
    harness.db.dispose()


def tick(h, seconds: float) -> None:
    h.clock.advance(seconds)
    h.svc.handle_event(Tick())


def without_receipt(view: dict) -> dict:
    return {k: v for k, v in view.items() if k != "receipt"}


def test_the_flow_stays_with_the_pulsed_compartment_while_nothing_is_known(h):
    d = h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k1")
    h.outcome("A01", "unknown")
    assert without_receipt(h.svc.get_dropoff(d["id"])) == {"id": d["id"], "dossier_code": "HS-1",
                                                           "compartment": "A01", "status": "opening"}
    tick(h, 1)
    assert h.bus.unlocks == [(0, 1)] and h.compartment("A01")["state"] == "reserved"
    assert "unlock_unknown" in h.kinds()


def test_a_good_read_with_the_latch_engaged_and_no_item_moves_it_on(h):
    d = h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k1")
    h.outcome("A01", "unknown")
    tick(h, 3)
    assert h.svc.get_dropoff(d["id"])["compartment"] == "A02"
    assert h.bus.unlocks == [(0, 1), (0, 2)] and h.compartment("A01")["state"] == "out_of_service"
    h.cycle("A02")
    h.item("A02", True)
    assert h.svc.get_dropoff(d["id"])["status"] == "stored"


def test_a_dossier_put_in_during_the_blind_window_is_recorded_where_it_is(h):
    d = h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k1")
    h.svc.handle_event(BoardAvailability(0, False))  # the board stops answering
    h.outcome("A01", "unknown")
    tick(h, 10)
    assert h.svc.get_dropoff(d["id"])["compartment"] == "A01"  # its board unread: no move
    h.svc.handle_event(BoardAvailability(0, True))  # back: every lock reported afresh, latches first
    h.door("A01", False)
    h.item("A01", True)
    assert without_receipt(h.svc.get_dropoff(d["id"])) == {"id": d["id"], "dossier_code": "HS-1",
                                                           "compartment": "A01", "status": "stored"}
    tick(h, 5)
    assert h.bus.unlocks == [(0, 1)] and h.compartment("A01")["state"] == "holding_dropoff"


def test_a_door_seen_open_after_a_lost_answer_goes_on_as_usual(h):
    d = h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k1")
    h.outcome("A01", "unknown")
    h.door("A01", True)
    assert h.svc.get_dropoff(d["id"])["status"] == "door_open"
    h.item("A01", True)
    h.door("A01", False)
    tick(h, 5)
    assert h.svc.get_dropoff(d["id"])["status"] == "stored" and h.bus.unlocks == [(0, 1)]


def test_a_board_that_never_comes_back_fails_the_flow_where_it_is(h):
    d = h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k1")
    h.svc.handle_event(BoardAvailability(0, False))
    h.outcome("A01", "unknown")
    tick(h, 61)
    dropoff = h.svc.get_dropoff(d["id"])
    assert (dropoff["status"], dropoff["compartment"]) == ("failed", "A01")
    assert h.bus.unlocks == [(0, 1)] and h.compartment("A01")["state"] == "out_of_service"


def test_without_item_sensors_a_lost_answer_never_moves_the_flow(door_only):
    h = door_only
    d = h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k1")
    h.outcome("A01", "unknown")
    tick(h, 3)
    dropoff = h.svc.get_dropoff(d["id"])
    assert (dropoff["status"], dropoff["compartment"]) == ("failed", "A01")
    assert h.bus.unlocks == [(0, 1)] and h.compartment("A01")["state"] == "out_of_service"
