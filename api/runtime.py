"""The composition root: builds the database, drivers, domain service and workers
from a :class:`locker.config.Config`, and starts and stops them in the right order.

Start order matters for crash safety: the bus starts polling, every board is read
afresh, the service reconciles the journal with the sensors, and only then does
the coordinator deliver hardware events and the web server accept requests.
"""

from __future__ import annotations

import logging
import os
import signal
from typing import Any

from locker.accounts import account_for_token_in
from locker.alarm_kinds import AlarmKind
from locker.audit import record
from locker.changes import ChangeFeed
from locker.config import Config
from locker.coordinator import Coordinator
from locker.db import Database
from locker.keyfile import load_or_create_secret
from locker.models import Account
from locker.email_sender import SmtpEmailSender
from locker.notifiers import HttpSmsNotifier, LogNotifier
from locker.outbox import OutboxWorker
from locker.audit_head import HeadExporter, load_or_create_signing_key
from locker.webhooks import WebhookOutbox
from locker.privacy import PurgeJob
from drivers.errors import GpioError
from drivers.gpio import CabinetIO
from drivers.pin_factories import PinsWatch, open_pin_factory
from locker.errors import ConfigError
from locker.ports import Clock, HardwareEvent, Notifier, SensorChanged, SystemClock
from locker.service import LockerService

from .events import EventHub
from .health import health_report
from .live import LiveFeed
from .live_hardware import HardwareWatch
from .printing import ReceiptPrinterAdapter
from .technician import hardware_report
from .hardware import CabinetBus, DriverLockBus, GpioPanel, NoLockBus, ScannerAdapter, open_cabinet_io

log = logging.getLogger(__name__)

#: Seconds the start waits for every board's first reading before reconciling without it.
RECONCILE_TIMEOUT = 5.0


#: Kiosk pages listening to the scanner at once (the cabinet's own screen, and one being reloaded).
KIOSK_STREAMS = 2
#: The alarms the HTTP layer raises: both are repeated refused attempts at a kiosk.
API_ALARMS = {"kiosk_token_throttled": AlarmKind.FAILED_CODES, "dropoff_rate_limited": AlarmKind.FAILED_CODES,
              "lookup_rate_limited": AlarmKind.FAILED_CODES}


class SchemaOutOfDate(RuntimeError):
    def __init__(self) -> None:
        super().__init__(
            "Cơ sở dữ liệu chưa được nâng cấp; hãy chạy 'locker db upgrade'. / "
            "The database schema is not up to date; run 'locker db upgrade'."
        )


class Runtime:
    """Everything one service process owns.

    >>> from locker.config import config_from_dict
    >>> rt = Runtime.from_config(config_from_dict(
    ...     {"database": {"url": "sqlite://"}, "security": {"secret_file": "/tmp/doctest.secret"}}, env={}))
    >>> rt.db.upgrade(); rt.start(); rt.health()["status"]
    'ok'
    >>> rt.stop()
    """

    def __init__(self, config: Config, *, simulator: Any = None) -> None:
        """Build every part from ``config``; ``simulator`` (``locker demo``, tests) lends its mock GPIO pins."""
        self.config = config
        self.simulator = simulator
        self.clock: Clock = SystemClock()
        self.db = Database(config.database.url)
        self.secret = load_or_create_secret(config.security.secret_file)
        self.notifier = self._make_notifier()
        self.pin_factory, self._own_pin_factory = self._open_pin_factory()
        self.pins_watch = PinsWatch(self.pin_factory, reopen=lambda: open_pin_factory(config.gpio_pin_factory),
                                    on_reopened=self._pins_reopened, on_lost=self._pins_lost
                                    ) if self._own_pin_factory else None
        self.bus = self._make_bus()
        self.scanner = (
            ScannerAdapter(config.scanner, sink=self._submit)
            if config.scanner.url else None
        )
        self.io = self._make_io()
        self.panel = GpioPanel(self.io) if self.io else None
        self.printer = ReceiptPrinterAdapter(config.printer) if config.printer.url else None
        self.service = LockerService(config=config, db=self.db, bus=self.bus, secret=self.secret, clock=self.clock,
                                     scanner=self.scanner, panel=self.panel, shutdown=self.request_shutdown,
                                     printer=self.printer)
        self.coordinator = Coordinator(self.service, tick_interval=1.0)
        self.email = SmtpEmailSender(config.email) if config.email.enabled else None
        self.outbox = OutboxWorker(db=self.db, notifier=self.notifier, secret=self.secret, clock=self.clock,
                                   email=self.email, alarms=self.service.alarms,
                                   backoff=(config.sms.retry_base_s, config.sms.retry_max_s),
                                   max_attempts=config.sms.max_attempts)
        self.webhook_outbox = WebhookOutbox(db=self.db, secret=self.secret, clock=self.clock, config=config.webhooks)
        self.audit_heads = HeadExporter(db=self.db, key=load_or_create_signing_key(config.audit.signing_key_file),
                                        path=config.audit.export_file, clock=self.clock,
                                        interval=config.audit.export_interval_s)
        self.purge_job = PurgeJob(privacy=self.service.privacy)
        self.hub = EventHub()
        #: The kiosk page's stream (``GET /kiosk/events``): each scan at the scanner as it is read.
        self.kiosk_hub = EventHub(max_clients=KIOSK_STREAMS, newest_wins=True)
        self.service.watch_kiosk_scans(lambda scan: self.kiosk_hub.publish("scan", scan))
        changes = ChangeFeed(self.db)
        self.live = LiveFeed(service=self.service, hub=self.hub, feed=changes)
        self.hardware_watch = HardwareWatch(read=lambda: hardware_report(self), hub=self.hub)
        changes.subscribe(self._audit_committed)
        self.started = False
        self.reconcile_report: dict | None = None

    @classmethod
    def from_config(cls, config: Config, **options: Any) -> "Runtime":
        return cls(config, **options)

    def _make_notifier(self) -> Notifier:
        """The configured SMS gateway; ``kind = "log"`` logs each message masked and keeps the last few."""
        sms = self.config.sms
        if sms.kind == "http":
            return HttpSmsNotifier(sms.url, timeout=sms.timeout_s, headers=sms.headers,
                                   body_template=sms.body_template, content_type=sms.content_type,
                                   message_id_path=sms.message_id_path, success_path=sms.success_path,
                                   success_value=sms.success_value)
        phones = getattr(self.simulator, "phones", None)
        return LogNotifier(forward=phones.receive if phones is not None else None)

    def _make_bus(self) -> CabinetBus | NoLockBus:
        used = [bus for bus in self.config.buses
                if (bus.url or bus.protocol == "gpio-relay") and self.config.boards_on(bus.name)]
        if not used:
            return NoLockBus(sink=self._submit)
        return CabinetBus([DriverLockBus(bus, boards=self.config.boards_on(bus.name), sink=self._submit,
                                         pin_factory=self.pin_factory)
                           for bus in used])

    def _open_pin_factory(self) -> tuple[Any, bool]:
        """(factory, opened here): the simulator's mock pins in the demo and tests, else ``[gpio] pin_factory``.

        None leaves the choice to gpiozero (a Pi's own pins). A remote factory is
        only connected when some pin is configured.
        """
        sim_gpio = getattr(self.simulator, "gpio", None)
        if sim_gpio is not None:
            return sim_gpio.factory, False
        needs_pins = bool(self.config.gpio) or any(bus.protocol == "gpio-relay" for bus in self.config.buses)
        if not needs_pins:
            return None, False
        try:
            factory = open_pin_factory(self.config.gpio_pin_factory)
        except GpioError as exc:
            raise ConfigError(exc.setting or "gpio.pin_factory", str(exc)) from None
        return factory, factory is not None

    def _make_io(self) -> CabinetIO | None:
        if not self.config.gpio:
            return None
        return open_cabinet_io(self.config.gpio, sink=self._submit, pin_factory=self.pin_factory)

    def _relay_buses(self) -> list[DriverLockBus]:
        return [bus for bus in getattr(self.bus, "buses", {}).values() if bus.on_pins]

    def _pins_lost(self) -> None:
        for bus in self._relay_buses():
            bus.pins_lost()

    def _pins_reopened(self, factory: Any) -> None:
        """The pins' daemon is back: set the cabinet's devices up again on the new connection."""
        old_factory, self.pin_factory = self.pin_factory, factory
        if self.io is not None and self.panel is not None:
            self.io.close()
            self.io = open_cabinet_io(self.config.gpio, sink=self._submit, pin_factory=factory)
            self.panel.attach(self.io)
            for name, active in self.io.inputs().items():  # what changed while nobody could see it
                self._submit(SensorChanged(name, active))
        for bus in self._relay_buses():
            bus.replace_pins(factory)
        try:
            old_factory.close()
        except Exception as exc:  # noqa: BLE001 - the old connection is already gone
            log.debug("gpio: closing the lost pin factory: %s", exc)

    def _audit_committed(self, changes: Any) -> None:
        """New audit events were committed: the webhook outbox looks at them now, not at its next poll."""
        if changes.audit:
            self.webhook_outbox.wake()

    def request_shutdown(self) -> None:
        """Stop this process the way systemd would (SIGTERM): the server, then the runtime."""
        os.kill(os.getpid(), signal.SIGTERM)

    def _submit(self, event: HardwareEvent) -> None:
        self.coordinator.submit(event)

    def start(self) -> None:
        """Reconcile with the boards, then start delivering events and messages."""
        if not self.db.is_current():
            raise SchemaOutOfDate()
        self.service.sync_compartments()
        self.bus.start()
        readings = self.bus.read_boards(RECONCILE_TIMEOUT)
        self.reconcile_report = self.service.reconcile(readings)
        if self.io is not None:  # the sensors' state at start, e.g. already on battery
            for name, active in self.io.inputs().items():
                self._submit(SensorChanged(name, active))
        self.coordinator.start()
        if self.pins_watch is not None:
            self.pins_watch.start()
        self.outbox.start()
        self.webhook_outbox.start()
        self.audit_heads.start()
        self.purge_job.start()
        self.live.start()
        self.hardware_watch.start()
        self.service.receipts.start()
        if self.scanner is not None:
            self.scanner.start()
        self.started = True
        log.info("runtime started; reconcile: %s", self.reconcile_report)

    def stop(self) -> None:
        self.hub.close()
        self.kiosk_hub.close()
        self.live.stop()
        self.hardware_watch.stop()
        if self.scanner is not None:
            self.scanner.stop()
        self.service.receipts.stop()
        self.outbox.stop()
        self.webhook_outbox.stop()
        self.purge_job.stop()
        self.bus.stop()
        self.coordinator.stop()
        self.audit_heads.stop()  # the last head, after the last event
        if self.io is not None:
            self.io.close()
        if self.pins_watch is not None:
            self.pins_watch.stop()
        if self._own_pin_factory:
            self._close_pin_factory()
        self.db.dispose()
        self.started = False

    def _close_pin_factory(self) -> None:
        try:
            self.pin_factory.close()
        except Exception as exc:  # noqa: BLE001 - a vanished pigpio daemon must not stop the shutdown
            log.warning("gpio: closing the pin factory failed: %s", exc)
        self._own_pin_factory = False

    # ---- state for /healthz and /metrics -------------------------------------------

    def bus_stats(self) -> dict[int, dict]:
        return self.bus.stats()

    def scanner_ok(self) -> bool | None:
        return None if self.scanner is None else self.scanner.ok()

    def gpio_ok(self) -> bool | None:
        """None without GPIO; False when the pins' daemon (pigpio) can no longer be reached."""
        if self.io is None and not any(bus.protocol == "gpio-relay" for bus in self.config.buses):
            return None
        return self.pins_watch.reachable if self.pins_watch is not None else True

    def database_ok(self) -> bool:
        return self.db.ping()

    def audit(self, kind: str, *, actor: str, alarm: bool = False, **data: Any) -> None:
        """Append an event to the audit log, e.g. a refused kiosk token; with ``alarm`` it raises
        the alarm of :data:`API_ALARMS` for that event."""
        with self.db.session() as session:
            if alarm:
                self.service.alarms.raise_(session, API_ALARMS[kind], event=kind, actor=actor, **data)
            else:
                record(session, kind, actor=actor, data=data, clock=self.clock)

    def account_for_token(self, token: str) -> Account | None:
        """The enabled account owning this API token (its use noted), else None; expired: TokenExpired."""
        return account_for_token_in(self.db, token, now=self.clock.now())

    def health(self) -> dict:
        """What ``/healthz`` answers."""
        return health_report(self)
