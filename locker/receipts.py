"""Proof of every transaction: an SMS and a printed receipt after each drop-off and pickup.

The SMS goes into the outbox in the flow's transaction. The receipt is printed
after the commit, by a thread of its own, so the coordinator never waits for the
printer. A printer that cannot print (offline, out of paper) raises a ``printer``
alarm and sends the receipt by SMS; the kiosk shows it on screen meanwhile. The
receipts of the last few transactions are kept in memory for the kiosk's
``GET`` of the drop-off or pickup (:meth:`Receipts.view`).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from . import messages
from .alarm_kinds import AlarmKind
from .alarms import Alarms
from .audit import AuditRecorder
from .config import Config
from .models import Dropoff, Pickup
from .notices import CitizenMessages
from .ports import Clock, Receipt, ReceiptKind, ReceiptPrinter
from .statuses import ReceiptStatus

log = logging.getLogger(__name__)

#: How many recent receipts the kiosk can still ask for.
KEEP = 200
NUMBER_PREFIX = {"dropoff": "G", "pickup": "N"}


@dataclass
class _Kept:
    receipt: Receipt
    citizen: dict[str, Any]  # phone, email, language: where the receipt goes if it cannot be printed
    status: ReceiptStatus


class Receipts:
    def __init__(self, *, db: Any, config: Config, clock: Clock, audit: AuditRecorder, alarms: Alarms,
                 messages: CitizenMessages, printer: ReceiptPrinter | None = None) -> None:
        self._alarms = alarms
        self._db = db
        self._config = config
        self._messages = messages
        self._clock = clock
        self._audit = audit
        self._printer = printer
        self._kept: OrderedDict[tuple[str, int], _Kept] = OrderedDict()
        self._mutex = threading.Lock()
        self._jobs: queue.Queue[tuple[str, int] | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    # ---- called by the flows, in their transaction ----------------------------------------

    def dropoff_stored(self, s: Session, dropoff: Dropoff, label: str) -> None:
        citizen = {"phone": dropoff.phone, "email": dropoff.email, "language": dropoff.language}
        self._issue(s, "dropoff", dropoff.id, dropoff.dossier.code, label, citizen)

    def pickup_collected(self, s: Session, pickup: Pickup, label: str) -> None:
        result = pickup.result
        citizen = {"phone": result.phone, "email": result.email, "language": result.language}
        self._issue(s, "pickup", pickup.id, result.dossier.code, label, citizen)

    def _issue(self, s: Session, kind: ReceiptKind, record_id: int, code: str, label: str,
               citizen: dict[str, Any]) -> None:
        now = self._clock.now()
        number = f"{NUMBER_PREFIX[kind]}-{record_id}"
        lines = messages.receipt_lines(kind, office=self._config.office.name, number=number, dossier_code=code,
                                       compartment=label, time=now)
        receipt = Receipt(number=number, kind=kind, office=self._config.office.name, dossier_code=code,
                          compartment=label, time=now, next_steps=messages.NEXT_STEPS[kind][0],
                          lines=tuple(lines))
        self._messages.send(s, f"{kind}_receipt", dossier=code, label=label, at=now, number=number, **citizen)
        kept = _Kept(receipt, citizen, ReceiptStatus.PRINTING if self._printer else ReceiptStatus.NO_PRINTER)
        event.listen(s, "after_commit", lambda _session: self._committed((kind, record_id), kept), once=True)

    def _committed(self, key: tuple[str, int], kept: _Kept) -> None:
        with self._mutex:
            self._kept[key] = kept
            while len(self._kept) > KEEP:
                self._kept.popitem(last=False)
        if self._printer is not None:
            self._jobs.put(key)

    # ---- what the kiosk sees -----------------------------------------------------------------

    def view(self, kind: str, record_id: int) -> dict[str, Any] | None:
        """``{"number", "status", "lines", "qr"}`` of a recent receipt, else None."""
        with self._mutex:
            kept = self._kept.get((kind, record_id))
            if kept is None:
                return None
            return {"number": kept.receipt.number, "status": str(kept.status),
                    "lines": [line.text for line in kept.receipt.lines], "qr": kept.receipt.qr}

    # ---- printing ------------------------------------------------------------------------------

    def run_once(self, timeout: float = 0.0) -> bool:
        """Print the next queued receipt; False when none came within ``timeout`` seconds."""
        try:
            key = self._jobs.get(timeout=timeout) if timeout else self._jobs.get_nowait()
        except queue.Empty:
            return False
        if key is None:
            return False
        self._handle(key)
        return True

    def _handle(self, key: tuple[str, int]) -> None:
        with self._mutex:
            kept = self._kept.get(key)
        if kept is not None:
            self._print(kept)

    def _print(self, kept: _Kept) -> None:
        try:
            status = self._printer.print_receipt(kept.receipt)  # type: ignore[union-attr]
        except Exception:  # noqa: BLE001 - a printer adapter must not stop the printing thread
            log.exception("receipt printer failed")
            status = "error"
        receipt = kept.receipt
        with self._db.session() as s:
            if status == "ok":
                self._audit.event(s, "receipt_printed", compartment=receipt.compartment,
                                  dossier=receipt.dossier_code, receipt=receipt.number)
                self._alarms.clear(s, AlarmKind.PRINTER, event="receipt_printed")
            else:
                self._not_printed(s, kept, status)
        with self._mutex:
            kept.status = ReceiptStatus.PRINTED if status == "ok" else ReceiptStatus.NOT_PRINTED

    def _not_printed(self, s: Session, kept: _Kept, status: str) -> None:
        receipt = kept.receipt
        self._alarms.raise_(s, AlarmKind.PRINTER, event="printer", compartment=receipt.compartment,
                            dossier=receipt.dossier_code, cabinet_wide=True, reason=status, receipt=receipt.number)
        self._messages.send(s, "printer_fallback", dossier=receipt.dossier_code, label=receipt.compartment,
                            at=receipt.time, number=receipt.number, **kept.citizen)

    def start(self) -> None:
        if self._printer is not None and self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="locker-receipts", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while True:
            key = self._jobs.get()
            if key is None:
                return
            try:
                self._handle(key)
            except Exception:  # noqa: BLE001 - the thread survives a database hiccup
                log.exception("printing a receipt failed")
