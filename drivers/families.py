"""What is known of each lock-board family, stated once.

Pure data, importable without pyserial or gpiozero: the codecs (``drivers.kerong``
and the others), the bus driver and the configuration all read their family facts
from here. Sources are ``PROTOCOLS.md``; single-source facts are settings a bus may
override (``latched_bit``, ``baudrate``, ``answer_timeout_ms``).

>>> cu16 = family("kerong-cu16")
>>> cu16.baudrate, cu16.board_addresses, cu16.locks_per_board, cu16.item_sensors
(19200, range(0, 16), 16, True)
>>> family("8a").locks_setting, family("gpio-relay").serial
('channels', False)
>>> round(cu16.frame_silence() * 1000, 2), family("8a").frame_silence(19200)   # seconds
(2.08, 0.025)
>>> family("acme")
Traceback (most recent call last):
...
drivers.errors.DriverError: unknown board protocol 'acme'; known: 8a, gpio-relay, kerong-cu16, kerong-cu48, winnsen
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import DriverError

#: Line speeds a bus or a scanner may be set to.
BAUDRATES = (9600, 19200, 38400, 57600, 115200)
#: Bits on the wire per character (8N1: start, 8 data, stop).
BITS_PER_CHAR = 10


def char_time(baudrate: int) -> float:
    """Seconds one 8N1 character takes on the line."""
    return BITS_PER_CHAR / baudrate


@dataclass(frozen=True)
class BoardFamily:
    """One family of lock boards (the ``[bus] protocol`` setting)."""

    name: str
    #: ``module:Class`` of the codec in ``drivers/``; "" for families without a byte protocol.
    codec: str
    baudrate: int
    answer_timeout_ms: int
    #: The latch bit value that means "latched" unless the bus says otherwise.
    latched_bit: int
    board_addresses: range
    #: Locks on one board; when ``locks_setting`` is set, the most that setting allows.
    locks_per_board: int
    #: Whether the boards report an item (infrared) sensor per lock.
    item_sensors: bool
    #: The bus setting that decides the number of locks per board ("" when fixed), and
    #: the fewest it may set.
    locks_setting: str = ""
    locks_min: int = 1
    #: Silence that ends a frame on the line: a fixed time (ms) where a source gives
    #: one, otherwise ``frame_silence_chars`` character times at the line's speed.
    frame_silence_ms: float | None = None
    frame_silence_chars: float = 4.0
    #: Minimum pause between the end of one transaction and the next request (ms).
    transaction_gap_ms: float = 0.0
    #: The unlock pulse range (ms) the board's set-pulse-time command takes; None without one.
    pulse_time_ms: tuple[int, int] | None = None
    #: Whether the boards are reached through a serial port (``[bus] url``).
    serial: bool = True
    #: The bus settings the codec takes besides ``latched_bit`` (its constructor's options).
    options: tuple[str, ...] = ()

    def frame_silence(self, baudrate: int | None = None) -> float:
        """Seconds of silence that end a frame at ``baudrate`` (default: the family's)."""
        if self.frame_silence_ms is not None:
            return self.frame_silence_ms / 1000
        return self.frame_silence_chars * char_time(baudrate or self.baudrate)

    @property
    def first_board(self) -> int:
        return self.board_addresses[0]

    @property
    def last_board(self) -> int:
        return self.board_addresses[-1]


# Kerong and Winnsen frames have a known length: a few character times of silence end a
# broken one (PROTOCOLS.md); 8A frames end with 25 ms of silence (PROTOCOLS.md).
FAMILIES: dict[str, BoardFamily] = {f.name: f for f in (
    BoardFamily("kerong-cu16", "kerong:KerongCU16", 19200, 300, 1, range(16), 16, item_sensors=True,
                pulse_time_ms=(10, 655350)),
    # The single CU48 source gives a 48-bit latch word and no item bits; no address range
    # either, so 16 like the CU16.
    BoardFamily("kerong-cu48", "kerong_cu48:KerongCU48", 19200, 300, 1, range(16), 48, item_sensors=False),
    BoardFamily("8a", "board8a:Board8A", 9600, 1500, 1, range(1, 33), 50, item_sensors=False,
                locks_setting="channels", locks_min=2, frame_silence_ms=25.0, transaction_gap_ms=5.0,
                options=("channels", "status_order")),
    BoardFamily("winnsen", "winnsen:Winnsen", 9600, 300, 0, range(4), 16, item_sensors=False,
                options=("station_base",)),
    # Small cabinets without lock boards: relays on GPIO outputs, door switches on inputs.
    BoardFamily("gpio-relay", "", 9600, 300, 1, range(1), 64, item_sensors=False,
                locks_setting="relay_locks", serial=False),
)}

#: Every family name, and those reached through a serial port.
PROTOCOLS = tuple(FAMILIES)
SERIAL_PROTOCOLS = tuple(name for name, f in FAMILIES.items() if f.serial)


def family(name: str) -> BoardFamily:
    """The facts of the family called ``name``; :class:`DriverError` naming the known ones."""
    found = FAMILIES.get(name) if isinstance(name, str) else None
    if found is None:
        raise DriverError(f"unknown board protocol {name!r}; known: {', '.join(sorted(FAMILIES))}")
    return found
