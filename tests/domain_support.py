"""Fakes and a harness for driving ``locker.LockerService`` in tests without threads."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select, text

from locker import audit, outbox
from locker.audit import event_hash
from locker.config import config_from_dict
from locker.db import Database
from locker.models import AuditEvent, Base, Compartment, OutboxMessage
from locker.ports import BoardReading, DoorChanged, ItemChanged, LockReading, UnlockOutcome
from locker.service import LockerService

SECRET = bytes(range(32))
LAYOUT = [
    {"label": "A01", "board": 0, "lock": 1, "size": "S"},
    {"label": "A02", "board": 0, "lock": 2, "size": "S"},
    {"label": "B01", "board": 0, "lock": 3, "size": "M"},
    {"label": "C01", "board": 1, "lock": 1, "size": "L"},
]


class FakeClock:
    def __init__(self) -> None:
        self.t = datetime(2025, 3, 1, 8, 0, tzinfo=timezone.utc)
        self.mono = 1000.0

    def now(self) -> datetime:
        return self.t

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.t += timedelta(seconds=seconds)
        self.mono += seconds


class FakeBus:
    """Records unlock requests; the test feeds the outcomes back itself."""

    def __init__(self) -> None:
        self.unlocks: list[tuple[int, int]] = []
        self.fail = False

    def request_unlock(self, board: int, lock: int, *, bus: str = "main") -> None:
        if self.fail:
            raise OSError("bus gone")
        self.unlocks.append((board, lock))

    def read_boards(self, timeout: float) -> dict[int, BoardReading | None]:
        return {}


def config(layout: list[dict] | None = None, *, item_sensors: bool = False, notify: dict | None = None,
           **security: Any):
    """Door-only rules unless ``item_sensors`` (a Kerong CU16 bus has them by default)."""
    return config_from_dict({
        "bus": {"url": "loop://", "item_sensors": item_sensors},
        "http": {"public_url": "http://kiosk.test"},
        "security": {"secret_file": "/nonexistent", **security},
        "notify": notify or {},
        "compartment": layout if layout is not None else LAYOUT,
    }, env={})


def readings(layout: list[dict] | None = None, *, open_doors: set[str] = frozenset(),
             offline: set[int] = frozenset(), items: set[str] = frozenset()) -> dict[int, BoardReading | None]:
    layout = layout if layout is not None else LAYOUT
    out: dict[int, BoardReading | None] = {}
    for c in layout:
        if c["board"] in offline:
            out[c["board"]] = None
            continue
        board = out.setdefault(c["board"], BoardReading(c["board"], {}))
        board.locks[c["lock"]] = LockReading(door_open=c["label"] in open_doors, item=c["label"] in items)
    return out


def drop_audit_triggers(db: Database) -> None:
    """Remove the append-only guard, to simulate tampering by someone with database access."""
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("DROP TRIGGER audit_events_no_update ON audit_events")
        else:
            conn.exec_driver_sql("DROP TRIGGER audit_events_no_update")
            conn.exec_driver_sql("DROP TRIGGER audit_events_no_delete")


def rewrite_and_recompute(db, seq: int, data: dict) -> None:
    """What a database owner could do: change one event and recompute every hash after it."""
    drop_audit_triggers(db)
    with db.session() as s:
        rows = s.execute(select(AuditEvent).where(AuditEvent.seq >= seq).order_by(AuditEvent.seq)).scalars().all()
        prev = s.execute(select(AuditEvent.hash).where(AuditEvent.seq == seq - 1)).scalar_one_or_none() \
            or audit.GENESIS
        for row in rows:
            new_data = data if row.seq == seq else json.loads(row.data)
            digest = event_hash(prev, row.seq, row.time, row.kind, row.actor, row.compartment, row.dossier_code,
                                new_data)
            s.execute(text("UPDATE audit_events SET data = :d, prev_hash = :p, hash = :h WHERE seq = :q"),
                      {"d": audit.canonical(new_data), "p": prev, "h": digest, "q": row.seq})
            prev = digest
        s.execute(text("UPDATE audit_head SET hash = :h WHERE id = 1"), {"h": prev})


def all_stored_values(db: Database) -> list[tuple[str, Any]]:
    """(table, value) for every column of every row of every table."""
    out = []
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(table.select()):
                out.extend((table.name, value) for value in row)
    return out


class Harness:
    def __init__(self, url: str, layout: list[dict] | None = None, *, item_sensors: bool = False,
                 printer: Any = None, notify: dict | None = None, **security: Any) -> None:
        self.layout = layout if layout is not None else LAYOUT
        self.printer = printer
        self.db = Database(url)
        self.db.upgrade()
        self.bus = FakeBus()
        self.clock = FakeClock()
        self.config = config(self.layout, item_sensors=item_sensors, notify=notify, **security)
        self.svc = self.new_service()
        self.svc.sync_compartments()
        self.svc.reconcile(readings(self.layout))

    def new_service(self) -> LockerService:
        return LockerService(config=self.config, db=self.db, bus=self.bus, secret=SECRET, clock=self.clock,
                             printer=self.printer)

    def where(self, label: str) -> tuple[int, int]:
        c = next(c for c in self.layout if c["label"] == label)
        return c["board"], c["lock"]

    def released(self, label: str) -> None:
        self.svc.handle_event(UnlockOutcome(*self.where(label), "released"))

    def door(self, label: str, is_open: bool) -> None:
        self.svc.handle_event(DoorChanged(*self.where(label), is_open))

    def cycle(self, label: str) -> None:
        """The latch releases, the person opens the door and closes it again."""
        self.released(label)
        self.door(label, True)
        self.door(label, False)

    def item(self, label: str, present: bool) -> None:
        self.svc.handle_event(ItemChanged(*self.where(label), present))

    def outcome(self, label: str, result: str) -> None:
        self.svc.handle_event(UnlockOutcome(*self.where(label), result))

    def compartment(self, label: str) -> dict:
        return next(c for c in self.svc.list_compartments() if c["label"] == label)

    def kinds(self) -> list[str]:
        """Every audit event's kind, in order (paged: the service answers at most 1000 at a time)."""
        kinds, after = [], 0
        while page := self.svc.events_after(after, 1000):
            kinds += [e["kind"] for e in page]
            after = page[-1]["seq"]
        return kinds

    def dropoff(self, code: str = "HS-001", size: str = "S") -> dict:
        d = self.svc.start_dropoff(code, "0912345678", size, kiosk="k1")
        self.cycle(d["compartment"])
        return d

    def result(self, code: str = "HS-001", size: str = "S") -> tuple[dict, str, str]:
        """Load a result and close its door; returns (start answer, pickup code, QR token)."""
        r = self.svc.load_result(code, "0987654321", size, actor="clerk1")
        self.cycle(r["compartment"])
        return r, self.last_code(), self.last_qr()

    def last_code(self) -> str:
        """The pickup code of the latest SMS that carries one (on its own line)."""
        return next(m.group(1) for t in reversed(self.sms_texts()) if (m := re.search(r"^[^\n]*: (\d{8})$", t, re.M)))

    def last_qr(self) -> str:
        """The QR token of the latest SMS link."""
        return next(m.group(1) for t in reversed(self.sms_texts()) if (m := re.search(r"/q/(\S+)", t)))

    def sms_texts(self) -> list[str]:
        with self.db.session() as s:
            rows = s.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()
            return [outbox.unseal(SECRET, m.payload)["text"] for m in rows]

    def state_of(self, label: str) -> str:
        with self.db.session() as s:
            return s.execute(select(Compartment.state).where(Compartment.label == label)).scalar_one()
