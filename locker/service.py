"""``LockerService``: the flows of the dossier locker, as one object the API, the CLI
and the hardware coordinator call.

Every flow persists its intent (records, compartment state, door operation, audit
event) in one transaction before the lock bus is asked for a pulse; hardware events
(:meth:`handle_event`) then drive it to its end. The service holds its parts: the
journal (:mod:`locker.journal`), the allocator, one flow per purpose
(:mod:`locker.flows`) found through one table, the door events, the start-up
reconciliation, maintenance, the inventory and the kiosk desk.

>>> from locker.config import config_from_dict
>>> from locker.db import Database
>>> class Bus:
...     def request_unlock(self, board, lock, *, bus="main"): pass
...     def read_boards(self, timeout): return {}
>>> cfg = config_from_dict({"bus": {"url": "loop://"},
...     "compartment": [{"label": "A01", "board": 0, "lock": 1, "size": "M"}]}, env={})
>>> db = Database("sqlite://"); db.upgrade()
>>> svc = LockerService(config=cfg, db=db, bus=Bus(), secret=bytes(32))
>>> svc.sync_compartments()
>>> [c["state"] for c in svc.list_compartments()]
['free']
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from . import audit, credentials, dossiers, states, validation
from .alarms import Alarms
from .allocator import Allocator
from .audit import AuditRecorder
from .boards import Boards
from .cabinet_grid import CabinetGrid
from .compartments import Compartments
from .config import Config
from .doors import DoorEvents
from .dossier_view import DossierView
from .errors import NotFound
from .flows import FlowTable
from .flows.collection import CollectionFlow
from .flows.dropoff import DropoffFlow
from .flows.maintenance import MaintenanceFlow
from .flows.pickup import PickupFlow
from .flows.result_load import ResultLoadFlow
from .inventory import Inventory
from .journal import Journal, Unlock
from .kiosk import SCANNER, KioskDesk, KioskMode
from .left_open import ALARM, LeftOpenEscalation
from .maintenance import Maintenance
from .maintenance_runs import MaintenanceRuns
from .models import AuditEvent, Compartment, Result
from .alarm_digest import AlarmDigest
from .notices import CitizenMessages, CredentialSender
from .ports import Clock, LockBus, Panel, ReceiptPrinter, ScannerControl, ScanRead, SensorChanged, SystemClock, Tick
from .privacy import Privacy
from .ratings import Ratings
from .public_status import StatusLookup
from .reach import Reach
from .receipts import Receipts
from .reports import Reports
from .reconcile import Reconciler
from .runs import ClerkRuns
from .unlocks import Unlocker
from .sensors import CabinetSensors
from .throttle import PickupThrottle
from .signin import SignIns
from .account_admin import AccountAdmin
from .webhooks import Webhooks

__all__ = ["LockerService"]

log = logging.getLogger("locker.service")


class LockerService:
    """The domain service; see docs/architecture.md for the method table."""

    def __init__(self, *, config: Config, db: Any, bus: LockBus, secret: bytes,
                 clock: Clock | None = None, scanner: ScannerControl | None = None,
                 panel: Panel | None = None, shutdown: Callable[[], None] | None = None,
                 printer: ReceiptPrinter | None = None) -> None:
        self.config, self.db, self.bus, self.secret = config, db, bus, secret
        db.seal_with(secret)
        self.clock = clock = clock or SystemClock()
        recorder = AuditRecorder(clock=clock)
        self._boards = Boards(config)
        self.alarms = alarms = Alarms(db=db, audit=recorder, clock=clock, boards=self._boards)
        self._sensors = CabinetSensors(audit=recorder, alarms=alarms, panel=panel, shutdown=shutdown)
        self._left_open = LeftOpenEscalation(doors=config.doors, audit=recorder, alarms=alarms, clock=clock,
                                             panel=panel)
        self._compartments_part = compartments = Compartments(config=config, audit=recorder, clock=clock,
                                                              alarms=alarms)
        journal = Journal(audit=recorder, clock=clock, boards=self._boards)
        #: Which compartments a person in a wheelchair can reach (``low`` drop-offs, the kiosk's offer).
        self.reach = Reach.of(config)
        allocator = Allocator(boards=self._boards, compartments=compartments, clock=clock, reach=self.reach)
        parts = dict(db=db, clock=clock, audit=recorder, journal=journal, allocator=allocator,
                     compartments=compartments)
        #: Receipts and SMS after each drop-off and pickup; the runtime starts and stops its printing thread.
        #: The one way a part sends a citizen an SMS (and an email when they gave an address).
        self.messages = CitizenMessages(config=config, secret=secret, clock=clock, audit=recorder)
        #: Clerks' digest of new alarms by email, checked on each tick.
        self.alarm_digest = AlarmDigest(config=config, secret=secret, clock=clock, audit=recorder)
        self.receipts = Receipts(db=db, config=config, clock=clock, audit=recorder, alarms=alarms,
                                 messages=self.messages, printer=printer)
        sender = CredentialSender(config=config, secret=secret, clock=clock, audit=recorder, messages=self.messages)
        self._dropoffs = DropoffFlow(**parts, sensors=self._sensors, receipts=self.receipts)
        self._results = ResultLoadFlow(**parts, sensors=self._sensors, sender=sender)
        self._pickups = PickupFlow(**parts, secret=secret, receipts=self.receipts, alarms=alarms,
                                   throttle=PickupThrottle(config=config, alarms=alarms, clock=clock, sender=sender))
        self._collections = CollectionFlow(**parts, alarms=alarms)
        self._openings = MaintenanceFlow(db=db, clock=clock, audit=recorder, journal=journal,
                                         compartments=compartments)
        self._runs = MaintenanceRuns(db=db, clock=clock, audit=recorder, compartments=compartments,
                                     flow=self._openings)
        self._flows = flows = FlowTable((self._dropoffs, self._results, self._pickups, self._collections,
                                         self._openings), journal=journal, compartments=compartments, clock=clock)
        self._unlocks = Unlocker(db=db, bus=bus, journal=journal, flows=flows, alarms=alarms)
        self._doors = DoorEvents(clock=clock, audit=recorder, journal=journal, flows=flows, boards=self._boards,
                                 compartments=compartments, left_open=self._left_open, alarms=alarms)
        self._reconciler = Reconciler(db=db, clock=clock, audit=recorder, journal=journal, flows=flows,
                                      boards=self._boards, compartments=compartments, left_open=self._left_open,
                                      alarms=alarms)
        self._maintenance = Maintenance(**parts)
        self._grid = CabinetGrid(db=db, config=config, alarms=alarms)
        self._dossier_view = DossierView(db=db)
        self.status_lookup = StatusLookup(db=db)  # the kiosk's lookup by dossier code
        self._inventory = Inventory(config=config, db=db, clock=clock, audit=recorder, compartments=compartments)
        #: Operators signing in to the console (a public part: the console's pages use it directly).
        self.signins = SignIns(db=db, clock=clock, audit=recorder, alarms=alarms, console=config.console, secret=secret)
        self.account_admin = AccountAdmin(db=db, audit=recorder, secret=secret)
        #: The supervisors' reports and the office's counter totals; the kiosk's satisfaction ratings.
        self.reports = Reports(db=db, clock=clock, audit=recorder)
        self.ratings = Ratings(db=db, clock=clock, audit=recorder)
        #: Purging and erasing citizens' personal data.
        self.privacy = Privacy(db=db, clock=clock, audit=recorder, retention_days=config.privacy.retention_days)
        #: Webhook subscriptions and their delivery log (an admin's; the runtime runs the delivery outbox).
        self.webhooks = Webhooks(db=db, secret=secret, clock=clock, audit=recorder)
        self._kiosk = KioskDesk(db=db, clock=clock, audit=recorder, left_open=self._left_open, sensors=self._sensors,
                                scanner=scanner, start_pickup=self.start_pickup, badge_scanned=self.signins.badge_scanned)
        #: The clerks' runs: announcements, loading batches, collection and retrieval runs, deadlines.
        self.runs = ClerkRuns.build(config=config, db=db, clock=clock, audit=recorder, messages=self.messages,
                                    load_result=self.load_result, start_collection=self.start_collection,
                                    holds_item=compartments.holds_item,
                                    scanner_on=lambda: self._kiosk.set_mode(SCANNER, KioskMode.IDLE))

    # ---- flows ----------------------------------------------------------------------------

    def start_dropoff(self, dossier_code: Any, phone: Any, size: Any, *, kiosk: Any, email: Any = None,
                      language: Any = "vi", low: Any = False) -> dict[str, Any]:
        """Reserve and unlock a compartment for a citizen's dossier (``language``: the kiosk screen's;
        ``low``: within wheelchair reach)."""
        return self._unlocks.start(self._dropoffs.start(dossier_code, phone, size, kiosk=kiosk, email=email,
                                                        language=language, low=low))

    def get_dropoff(self, dropoff_id: Any, *, kiosk: str | None = None) -> dict[str, Any]:
        """With ``kiosk``, the dossier code only for the kiosk that started it, while on its screen;
        once stored, with its ``receipt`` while it is recent."""
        return self._with_receipt("dropoff", self._dropoffs.get(dropoff_id, kiosk=kiosk))

    def reopen_dropoff(self, dropoff_id: Any, *, kiosk: Any) -> dict[str, Any]:
        """Open the same compartment again for a drop-off whose door closed on nothing."""
        return self._unlocks.start(self._dropoffs.reopen(dropoff_id, kiosk=kiosk))

    def end_dropoff(self, dropoff_id: Any, *, kiosk: Any) -> dict[str, Any]:
        """The person left the kiosk: a drop-off closed on nothing is cancelled."""
        return self._dropoffs.end(dropoff_id, kiosk=kiosk)

    def load_result(self, dossier_code: Any, phone: Any, size: Any, *, actor: Any, email: Any = None,
                    language: Any = None) -> dict[str, Any]:
        """Reserve and unlock a compartment for a dossier's result (``language`` None: the drop-off's)."""
        return self._unlocks.start(self._results.start(dossier_code, phone, size, actor=actor, email=email,
                                                       language=language))

    def get_result(self, result_id: Any) -> dict[str, Any]:
        return self._results.get(result_id)

    def reissue_credential(self, result_id: Any, *, actor: Any) -> dict[str, Any]:
        """Revoke the result's credentials and send a new code by SMS."""
        return self._results.reissue(result_id, actor=actor)

    def start_pickup(self, *, dossier_code: Any = None, code: Any = None, qr: Any = None,
                     kiosk: Any) -> dict[str, Any]:
        """Check a pickup credential (dossier code + 8-digit code, or a QR) and unlock."""
        return self._unlocks.start(self._pickups.start(dossier_code=dossier_code, code=code, qr=qr, kiosk=kiosk))

    def pickup_link(self, qr: Any) -> dict[str, Any]:
        """What the SMS link's page shows for a pickup QR: ``{"dossier_code", "compartment", "expires_at",
        "state"}`` (state ``ok``, ``used``, ``revoked`` or ``expired``); :class:`NotFound` for a forged link."""
        token = credentials.parse_qr(qr)
        with self.db.session() as s:
            cred = credentials.verify_qr(s, token, secret=self.secret) if token is not None else None
            result = s.get(Result, cred.result_id) if cred is not None else None
            if result is None:
                raise NotFound("pickup link", "")
            return {"dossier_code": result.dossier.code, "expires_at": cred.expires_at,
                    "compartment": result.compartment.label if result.compartment else None,
                    "state": credentials.state_of(cred, self.clock.now())}

    def get_pickup(self, pickup_id: Any, *, kiosk: str | None = None) -> dict[str, Any]:
        """With ``kiosk``, the dossier code only for the kiosk that started it, while on its screen;
        once collected, with its ``receipt`` while it is recent."""
        return self._with_receipt("pickup", self._pickups.get(pickup_id, kiosk=kiosk))

    def reopen_pickup(self, pickup_id: Any, *, kiosk: Any) -> dict[str, Any]:
        """Open the same compartment again for a pickup whose door closed on the result."""
        return self._unlocks.start(self._pickups.reopen(pickup_id, kiosk=kiosk))

    def end_pickup(self, pickup_id: Any, *, kiosk: Any) -> dict[str, Any]:
        """The citizen left the kiosk: a pickup closed on the result is uncollected."""
        return self._pickups.end(pickup_id, kiosk=kiosk)

    def _with_receipt(self, kind: str, view: dict[str, Any]) -> dict[str, Any]:
        """The receipt names the dossier: only for whoever may see its code."""
        if view.get("dossier_code") is None:
            return view
        receipt = self.receipts.view(kind, view["id"])
        return view if receipt is None else {**view, "receipt": receipt}

    def start_collection(self, compartment_label: Any, *, actor: Any) -> dict[str, Any]:
        """Open a compartment holding a drop-off (or an uncollected result) for a clerk."""
        return self._unlocks.start(self._collections.start(compartment_label, actor=actor))

    def get_collection(self, collection_id: Any) -> dict[str, Any]:
        return self._collections.get(collection_id)

    def set_out_of_service(self, compartment_label: Any, *, actor: Any, reason: Any = "maintenance") -> dict:
        return self._maintenance.set_out_of_service(compartment_label, actor=actor, reason=reason)

    def return_to_service(self, compartment_label: Any, *, actor: Any, emptied: bool = False,
                          keep_contents: bool = False, reason: Any = None) -> dict:
        return self._maintenance.return_to_service(compartment_label, actor=actor, emptied=emptied,
                                                   keep_contents=keep_contents, reason=reason)

    def open_for_maintenance(self, compartment_label: Any, reason: Any, *, actor: Any, role: Any) -> dict:
        """Fire a compartment's lock for a reason, whatever its state or sensor says (clerks:
        only a compartment holding a drop-off or a result)."""
        return self._unlocks.start(self._openings.start(compartment_label, reason, actor=actor, role=role))

    def get_maintenance_opening(self, opening_id: Any) -> dict:
        return self._openings.get(opening_id)

    def maintenance_openings(self, *, label: Any = None, reason: str | None = None, limit: int = 20) -> list[dict]:
        """The newest maintenance openings, of one compartment or for one reason if asked."""
        return self._openings.recent(label=label, reason=reason, limit=limit)

    def start_check_run(self, *, actor: Any) -> dict:
        """The weekly "open all" check: every compartment one after another."""
        return self._run_step(self._runs.start(actor=actor))

    def next_in_check_run(self, run_id: Any, *, actor: Any) -> dict:
        return self._run_step(self._runs.next(run_id, actor=actor))

    def record_check(self, run_id: Any, label: Any, answers: dict, *, actor: Any) -> dict:
        return self._runs.record_check(run_id, label, answers, actor=actor)

    def finish_check_run(self, run_id: Any, *, actor: Any) -> dict:
        return self._runs.finish(run_id, actor=actor)

    def get_check_run(self, run_id: Any = None) -> dict | None:
        """One run, or the newest (None before the first)."""
        return self._runs.latest() if run_id is None else self._runs.get(run_id)

    def _run_step(self, step: tuple[dict, Unlock | None]) -> dict:
        answer, unlock = step
        if unlock is not None:
            self._unlocks.send(unlock)
        return answer if unlock is None else self._runs.get(answer["id"])

    # ---- alarms ---------------------------------------------------------------------------

    def list_alarms(self, state: Any = None) -> list[dict[str, Any]]:
        """Newest first; ``state`` one of open, acknowledged, resolved (or all)."""
        return self.alarms.listing(state)

    def acknowledge_alarm(self, alarm_id: Any, *, actor: Any, note: Any) -> dict[str, Any]:
        return self.alarms.acknowledge(alarm_id, actor=actor, note=note)

    def resolve_alarm(self, alarm_id: Any, *, actor: Any, note: Any = None) -> dict[str, Any]:
        return self.alarms.resolve(alarm_id, actor=actor, note=note)

    # ---- hardware -------------------------------------------------------------------------

    def reconcile(self, readings: dict[Any, Any]) -> dict[str, Any]:
        """Called once at start, before any request: the journal against the boards' readings."""
        report = self._reconciler.reconcile(readings)
        self._runs.live = True
        return report

    def handle_event(self, event: Any) -> None:
        """Apply one hardware event; errors are logged, never raised."""
        try:
            if isinstance(event, ScanRead):
                if not self.runs.scanned(event.data):
                    self._kiosk.scanned(event.data)
                return
            with self.db.session() as s:
                unlocks = self._route(s, event)
            self._unlocks.send_all(unlocks)
            self.runs.cabinet.advance()
        except Exception:  # noqa: BLE001 - the event thread must survive anything
            log.exception("failed to handle %r", event)

    def _route(self, s: Session, event: Any) -> list[Unlock]:
        unlocks: list[Unlock] = []
        if isinstance(event, Tick):
            self._left_open.tick(s)
            self.alarm_digest.tick(s)
            self._flows.expire(s, window_s=self.config.doors.reopen_window_s)
            unlocks = self._doors.settle_unconfirmed(s)
            self.runs.expiry.tick(s)
        elif isinstance(event, SensorChanged):
            self._sensors.changed(s, event)
        else:
            return self._doors.apply(s, event)
        self._update_tower(s)
        return unlocks

    def _update_tower(self, s: Session) -> None:
        out_of_service = s.execute(select(Compartment.id).where(
            Compartment.state == states.OUT_OF_SERVICE, Compartment.board >= 0).limit(1)).first() is not None
        self._sensors.update_tower(alarm=bool(self._left_open.watch.at_least(ALARM)),
                                   degraded=self._boards.any_not_online() or out_of_service)

    # ---- the kiosk ------------------------------------------------------------------------

    def set_kiosk_mode(self, kiosk: Any, mode: Any) -> None:
        """``busy`` while a kiosk shows a form (scans are ignored), ``idle`` otherwise."""
        self._kiosk.set_mode(kiosk, mode)

    def kiosk_activity(self, kiosk: Any = None) -> dict[str, Any]:
        return self._kiosk.activity(kiosk)

    def watch_kiosk_scans(self, watcher: Callable[[dict[str, Any]], None]) -> None:
        """``watcher(scan)`` with each scan's outcome at the kiosk's scanner, as it is read (must not block)."""
        self._kiosk.watch(watcher)

    # ---- inventory and queries --------------------------------------------------------------

    def sync_compartments(self) -> None:
        """Make the stored compartments match the configuration without losing history."""
        self._inventory.sync()

    def list_compartments(self) -> list[dict[str, Any]]:
        return self._inventory.listing()

    def cabinet_grid(self, labels: Any = None) -> list[dict[str, Any]]:
        """The console's grid: every compartment (or those labels) with its place on the cabinet."""
        return self._grid.cells(labels)

    def compartment_history(self, label: Any) -> list[dict[str, Any]]:
        """The compartment's audit events, newest first."""
        with self.db.read_session() as s:
            label = self._compartments_part.find(s, label).label
        return self._grid.history(label)

    def dossier_overview(self, code: Any) -> dict[str, Any]:
        """Where the dossier is, its records, SMS, whole history and the actions open to a clerk."""
        return self._dossier_view.overview(code)

    def get_dossier(self, code: Any) -> dict[str, Any]:
        code = validation.dossier_code(code)
        with self.db.read_session() as s:
            dossier = dossiers.find(s, code)
            if dossier is None:
                raise NotFound("dossier", code)
            events = s.execute(select(AuditEvent).where(AuditEvent.dossier_code == code)
                               .order_by(AuditEvent.seq)).scalars()
            return {"code": dossier.code, "status": dossier.status, "history": [audit.as_dict(e) for e in events]}

    def events_after(self, seq: Any = 0, limit: Any = 500) -> list[dict[str, Any]]:
        seq = validation.whole_number("after", seq)
        limit = validation.whole_number("limit", limit, 1, 1000)
        with self.db.read_session() as s:
            rows = s.execute(select(AuditEvent).where(AuditEvent.seq > seq).order_by(AuditEvent.seq)
                             .limit(limit)).scalars()
            return [audit.as_dict(e) for e in rows]

    def health(self) -> dict[str, Any]:
        counts = {state: 0 for state in states.STATES}
        database, alarms = "ok", {}
        try:
            alarms = self.alarms.counts()
            with self.db.read_session() as s:
                s.execute(text("select 1"))
                for state, n in s.execute(select(Compartment.state, func.count()).where(Compartment.board >= 0)
                                          .group_by(Compartment.state)).all():
                    counts[state] = n
        except SQLAlchemyError as exc:
            log.warning("health check: database error: %s", exc)
            database = "error"
        return {"database": database, "boards": self._boards.report(), "compartments": counts,
                "power": "battery" if self._sensors.on_battery else "mains",
                "tamper": bool(self._sensors.active.get("tamper")), "alarms": alarms}
