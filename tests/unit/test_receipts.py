"""Proof of every transaction: the SMS and the receipt after a drop-off and a pickup, and
what happens when the printer cannot print (the domain, with a printer that answers
what the test says)."""

from __future__ import annotations

import re

import pytest

from locker.ports import Receipt
from tests.domain_support import Harness


class ScriptedPrinter:
    """A receipt printer answering ``answer`` to every job; keeps the receipts it was given."""

    def __init__(self, answer: str = "ok") -> None:
        self.answer = answer
        self.printed: list[Receipt] = []

    def print_receipt(self, receipt: Receipt) -> str:
        self.printed.append(receipt)
        return self.answer

    def status(self) -> str:
        return self.answer


@pytest.fixture
def printer():
    return ScriptedPrinter()


@pytest.fixture
def h(migrated_db_url, printer):
    harness = Harness(migrated_db_url, printer=printer)
    yield harness
    harness.db.dispose()


def alarms(h: Harness) -> list[dict]:
    return [e for e in h.svc.events_after(0, 1000) if e["data"].get("alarm")]


def test_a_stored_dropoff_sends_an_sms_and_prints_a_receipt_after_the_commit(h, printer):
    d = h.svc.start_dropoff("HS-R1", "0912345678", "S", kiosk="k1")
    h.released("A01")
    h.door("A01", True)
    assert h.svc.get_dropoff(d["id"]).get("receipt") is None
    h.door("A01", False)
    assert printer.printed == []  # printing waits for its own thread, never the coordinator's
    assert h.svc.get_dropoff(d["id"])["receipt"]["status"] == "printing"
    text = h.sms_texts()[-1]
    assert text.startswith("Tu ho so: da nhan ho so HS-R1") and "ngan A01" in text and "15:00 01/03/2025" in text

    assert h.svc.receipts.run_once() is True
    [receipt] = printer.printed
    assert (receipt.kind, receipt.dossier_code, receipt.compartment, receipt.qr) == ("dropoff", "HS-R1", "A01", "HS-R1")
    assert receipt.office == h.config.office.name and receipt.time == h.clock.now()
    lines = [line.text for line in receipt.lines]
    assert lines[0] == h.config.office.name and "Mã hồ sơ / Dossier: HS-R1" in lines
    assert "Ngăn / Compartment: A01" in lines and "Thời gian / Time: 15:00 01/03/2025" in lines
    assert receipt.next_steps in lines
    shown = h.svc.get_dropoff(d["id"])["receipt"]
    assert shown == {"number": receipt.number, "status": "printed", "lines": lines, "qr": "HS-R1"}
    assert "receipt_printed" in h.kinds() and alarms(h) == []
    assert h.svc.receipts.run_once() is False


def test_a_collected_pickup_sends_an_sms_and_prints_a_receipt(h, printer):
    r, code, _ = h.result("HS-R2")
    sent_before = len(h.sms_texts())
    p = h.svc.start_pickup(dossier_code="HS-R2", code=code, kiosk="k1")
    h.cycle(r["compartment"])
    [text] = h.sms_texts()[sent_before:]
    assert "ban da nhan ket qua ho so HS-R2" in text
    assert text.startswith("Tu ho so") and not re.search(r"(?<![0-9])[0-9]{8}(?![0-9])", text)
    h.svc.receipts.run_once()
    assert [(x.kind, x.dossier_code) for x in printer.printed] == [("pickup", "HS-R2")]
    assert h.svc.get_pickup(p["id"])["receipt"]["lines"][1] == "BIÊN NHẬN TRẢ KẾT QUẢ"


@pytest.mark.parametrize("answer", ["out_of_paper", "offline", "error"])
def test_a_printer_that_cannot_print_raises_an_alarm_and_sends_the_receipt_by_sms(h, printer, answer):
    printer.answer = answer
    d = h.dropoff("HS-R3")
    sent_before = len(h.sms_texts())
    h.svc.receipts.run_once()
    [alarm] = alarms(h)
    assert (alarm["kind"], alarm["compartment"], alarm["dossier_code"]) == ("printer", "A01", "HS-R3")
    assert alarm["data"]["reason"] == answer
    [text] = h.sms_texts()[sent_before:]
    number = h.svc.get_dropoff(d["id"])["receipt"]["number"]
    assert text == f"Bien nhan {number} (may in hong): ho so HS-R3, ngan A01, 15:00 01/03/2025."
    assert h.svc.get_dropoff(d["id"])["receipt"]["status"] == "not_printed"
    [inbox] = h.svc.list_alarms("open")
    assert (inbox["kind"], inbox["compartment"], inbox["board"]) == ("printer", None, None)


def test_the_printer_alarm_folds_and_resolves_itself_once_a_receipt_prints(h, printer):
    printer.answer = "out_of_paper"
    for code in ("HS-P1", "HS-P2"):
        h.dropoff(code)
        h.svc.receipts.run_once()
    [alarm] = h.svc.list_alarms("open")
    assert (alarm["kind"], alarm["count"]) == ("printer", 2), "one printer, one alarm"
    printer.answer = "ok"
    h.dropoff("HS-P3")
    h.svc.receipts.run_once()
    assert h.svc.list_alarms("open") == []
    [resolved] = h.svc.list_alarms("resolved")
    assert resolved["resolved_by"] == "system" and resolved["id"] == alarm["id"]


def test_without_a_printer_the_receipt_is_for_the_screen_only(migrated_db_url):
    h = Harness(migrated_db_url)
    try:
        d = h.dropoff("HS-R4")
        receipt = h.svc.get_dropoff(d["id"])["receipt"]
        assert receipt["status"] == "no_printer" and receipt["qr"] == "HS-R4"
        assert h.svc.receipts.run_once() is False and alarms(h) == []
        assert "da nhan ho so HS-R4" in h.sms_texts()[-1]
    finally:
        h.db.dispose()


def test_a_failed_dropoff_gets_no_receipt_and_no_sms(h, printer):
    d = h.svc.start_dropoff("HS-R5", "0912345678", "S", kiosk="k1")
    h.outcome("A01", "jammed")
    h.outcome("A02", "jammed")
    h.outcome("B01", "jammed")
    h.outcome("C01", "jammed")
    assert h.svc.get_dropoff(d["id"])["status"] == "failed"
    assert "receipt" not in h.svc.get_dropoff(d["id"])
    assert h.sms_texts() == [] and h.svc.receipts.run_once() is False


def test_a_citizen_at_an_english_kiosk_gets_every_message_in_english(h, printer):
    """The drop-off's language carries over to the result loaded for the same dossier."""
    printer.answer = "out_of_paper"
    d = h.svc.start_dropoff("HS-EN1", "0912345678", "S", kiosk="k1", language="en")
    h.cycle(d["compartment"])
    h.svc.receipts.run_once()
    number = h.svc.get_dropoff(d["id"])["receipt"]["number"]
    stored, fallback = h.sms_texts()[-2:]
    assert stored.startswith("Locker: dossier HS-EN1 received 15:00 01/03/2025, compartment A01.")
    assert fallback == f"Receipt {number} (printer down): dossier HS-EN1, compartment A01, 15:00 01/03/2025."
    h.svc.start_collection(d["compartment"], actor="clerk1")
    h.cycle(d["compartment"])
    printer.answer = "ok"
    r, code, _ = h.result("HS-EN1")
    assert h.sms_texts()[-2].startswith(f"Pickup code: {code}\nDossier HS-EN1: the result is in locker compartment")
    h.svc.start_pickup(dossier_code="HS-EN1", code=code, kiosk="k1")
    h.cycle(r["compartment"])
    assert h.sms_texts()[-1].startswith("Locker: you collected the result of dossier HS-EN1 from compartment")
