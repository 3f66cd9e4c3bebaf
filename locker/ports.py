"""The ports the domain needs from the outside world, and the events that come in.

Adapters (``api.hardware`` wraps :mod:`drivers`) implement these; tests may pass
their own. The domain never sees a serial port, a GPIO pin or an HTTP client.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Literal, Protocol, Union


# ---- events coming from the lock bus ------------------------------------------------

@dataclass(frozen=True)
class DoorChanged:
    """A lock's latch was seen released (``open``) or engaged again (closed)."""

    board: int
    lock: int
    open: bool
    bus: str = "main"


@dataclass(frozen=True)
class ItemChanged:
    board: int
    lock: int
    present: bool
    bus: str = "main"


@dataclass(frozen=True)
class BoardAvailability:
    board: int
    online: bool
    bus: str = "main"


UnlockResult = Literal["released", "jammed", "unknown"]


@dataclass(frozen=True)
class UnlockOutcome:
    """The confirmed outcome of one :meth:`LockBus.request_unlock`.

    ``released``: a status read showed the latch released. ``jammed``: the board
    answered but the latch stayed engaged until the open timeout. ``unknown``: the
    board did not answer, so nobody knows.
    """

    board: int
    lock: int
    result: UnlockResult
    bus: str = "main"


@dataclass(frozen=True)
class ScanRead:
    """The scanner read a code (already stripped of its line ending)."""

    data: str


@dataclass(frozen=True)
class SensorChanged:
    """A cabinet sensor settled: service_door, tamper, power_fail, battery_low, presence.

    ``active`` means the condition its name says (door open, on battery, ...)."""

    name: str
    active: bool


@dataclass(frozen=True)
class Tick:
    """Time passed (about once a second): lets the service escalate doors left open."""


HardwareEvent = Union[DoorChanged, ItemChanged, BoardAvailability, UnlockOutcome, ScanRead, SensorChanged, Tick]


@dataclass(frozen=True)
class LockReading:
    door_open: bool
    item: bool


@dataclass(frozen=True)
class BoardReading:
    board: int
    locks: dict[int, LockReading]   # lock number (from 1) -> reading
    bus: str = "main"


#: A board's place in the cabinet: (bus name, board address).
BoardKey = tuple[str, int]


class LockBus(Protocol):
    def request_unlock(self, board: int, lock: int, *, bus: str = "main") -> None:
        """Queue an unlock pulse. Exactly one :class:`UnlockOutcome` event follows."""

    def read_boards(self, timeout: float) -> dict[BoardKey, BoardReading | None]:
        """Read every configured board now (blocking); ``None`` for a board that did not answer.

        A plain board number as a key stands for that board on the first bus."""


class ScannerControl(Protocol):
    def set_reading(self, on: bool) -> None:
        """Let the scanner read codes (``True``) or keep it from reading (``False``)."""


class Panel(Protocol):
    """The cabinet's signals to people nearby: the buzzer and the LED status tower."""

    def set_buzzer(self, on: bool) -> None: ...

    def show(self, state: str) -> None:
        """The tower: ``ready``, ``degraded``, ``on_battery`` or ``alarm``."""


@dataclass(frozen=True)
class Delivery:
    """What a gateway answered to a message it accepted: HTTP status and its message id ("" if none)."""

    status: int | None = None
    message_id: str = ""


class Notifier(Protocol):
    def send_sms(self, to: str, text: str) -> Delivery | None:
        """Deliver one SMS or raise :class:`NotifierError`."""


class EmailSender(Protocol):
    def send_email(self, to: str, subject: str, body: str) -> Delivery | None:
        """Deliver one plain-text UTF-8 email or raise :class:`NotifierError`."""


class NotifierError(Exception):
    """The message was not delivered; it will be retried. ``status``: the gateway's HTTP status, if any."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


ReceiptKind = Literal["dropoff", "pickup"]
#: What a receipt printer reports: printed (``ok``), or why it could not print.
PrintStatus = Literal["ok", "out_of_paper", "offline", "error"]


@dataclass(frozen=True)
class ReceiptLine:
    """One line of a receipt; ``style`` is ``title``, ``subtitle``, ``big``, ``text`` or ``small``."""

    text: str
    style: str = "text"


@dataclass(frozen=True)
class Receipt:
    """The proof a citizen takes home after a drop-off or a pickup."""

    number: str
    kind: ReceiptKind
    office: str
    dossier_code: str
    compartment: str
    time: datetime
    next_steps: str
    lines: tuple[ReceiptLine, ...]

    @property
    def qr(self) -> str:
        """The QR printed on the receipt holds the dossier code."""
        return self.dossier_code


class ReceiptPrinter(Protocol):
    def print_receipt(self, receipt: Receipt) -> PrintStatus:
        """Print one receipt (blocking, a few seconds at most); never raises."""

    def status(self) -> PrintStatus:
        """Whether the printer could print now."""


class Clock(Protocol):
    def now(self) -> datetime: ...
    def monotonic(self) -> float: ...


class SystemClock:
    """The wall clock in UTC, and the monotonic clock."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def monotonic(self) -> float:
        return time.monotonic()


EventSink = Callable[[HardwareEvent], None]
