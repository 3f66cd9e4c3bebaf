"""Cabinet layouts per board family, the demo cabinet, and the locker.toml snippet."""

from __future__ import annotations

import string
import time
from typing import Callable, Iterable, Mapping, Sequence

from .cabinet import LOCKS_PER_BOARD, Cabinet, SimLock, _Board

#: Sizes of locks 1-16 on each demo board: 6 small, 6 medium, 4 large.
DEMO_SIZES = ("S",) * 6 + ("M",) * 6 + ("L",) * 4
#: Baud rate of each board family, for the snippet.
BAUDRATES = {"kerong-cu16": 19200, "kerong-cu48": 19200, "8a": 9600, "winnsen": 9600}


class FamilyCabinet(Cabinet):
    """A :class:`Cabinet` whose boards have the addresses and lock count of a family.

    >>> cab = FamilyCabinet(range(1, 3), locks_per_board=24, spring_delay=0.0)
    >>> cab.addresses, cab.board_count, cab.has(0), cab.has(2, 24), cab.has(2, 25)
    (range(1, 3), 2, False, True, False)
    >>> cab.pulse(2, 24), len(cab.locks(1))
    (True, 24)

    An empty range is a cabinet without lock boards (its locks are all on relays):

    >>> FamilyCabinet(range(0)).board_count
    0
    """

    def __init__(self, addresses: range, *, locks_per_board: int = LOCKS_PER_BOARD,
                 spring_delay: float = 0.3, clock: Callable[[], float] = time.monotonic) -> None:
        if addresses.start < 0 or addresses.step != 1:
            raise ValueError("addresses must be a range of board addresses")
        if locks_per_board < 1:
            raise ValueError("a board needs at least one lock")
        super().__init__(1, spring_delay=spring_delay, clock=clock)
        self.addresses = addresses
        self.locks_per_board = locks_per_board
        # Indexed by address; entries below the first address are never reachable.
        self._boards = [_Board(locks=[SimLock() for _ in range(locks_per_board)])
                        for _ in range(addresses.stop)]

    @property
    def board_count(self) -> int:
        return len(self.addresses)

    def has(self, board: int, lock: int | None = None) -> bool:
        if board not in self.addresses:
            return False
        return lock is None or 1 <= lock <= self.locks_per_board

    def locks(self, board: int) -> list[SimLock]:
        with self._mutex:
            return [self.lock(board, n) for n in range(1, self.locks_per_board + 1)]


def demo_sizes(locks: int) -> tuple[str, ...]:
    """Sizes of locks 1..``locks``: about 3/8 small, 3/8 medium, the rest large.

    >>> demo_sizes(16) == DEMO_SIZES, demo_sizes(8)
    (True, ('S', 'S', 'S', 'M', 'M', 'M', 'L', 'L'))
    """
    small = medium = round(locks * 3 / 8)
    return ("S",) * small + ("M",) * medium + ("L",) * (locks - small - medium)


def demo_compartments(boards: int | Iterable[int] = 2, locks_per_board: int = LOCKS_PER_BOARD) -> list[dict]:
    """Compartments of the demo cabinet: the first board is column A, the next B, ...

    ``boards`` is a number of boards (addresses from 0) or the board addresses.

    >>> rooms = demo_compartments()
    >>> len(rooms), rooms[0], rooms[-1]["label"]
    (32, {'label': 'A01', 'board': 0, 'lock': 1, 'size': 'S'}, 'B16')
    >>> demo_compartments(range(1, 2), 24)[-1]
    {'label': 'A24', 'board': 1, 'lock': 24, 'size': 'L'}
    """
    addresses = list(range(boards) if isinstance(boards, int) else boards)
    if not 1 <= len(addresses) <= len(string.ascii_uppercase):
        raise ValueError("boards must be between 1 and 26")
    sizes = demo_sizes(locks_per_board)
    return [{"label": f"{string.ascii_uppercase[column]}{lock:02d}", "board": board, "lock": lock,
             "size": sizes[lock - 1]}
            for column, board in enumerate(addresses) for lock in range(1, locks_per_board + 1)]


#: The demo cabinet's GPIO (BCM numbers): inputs pulled up and switched to ground, outputs active high.
DEMO_GPIO = {"service_door": 17, "tamper": 27, "power_fail": 22, "battery_low": 23, "presence": 24,
             "led_green": 5, "led_amber": 6, "led_red": 13, "buzzer": 19}

#: The protocol name of cabinets whose locks are relays on GPIO pins, without lock boards.
RELAY_PROTOCOL = "gpio-relay"
#: The demo relay-lock cabinet (``locker sim --board-type gpio-relay``): lock N is entry N-1, BCM
#: numbers clear of :data:`DEMO_GPIO` and of the UART (14, 15), which may carry the scanner. The
#: relays sit on pins pulled low at power-up, so an active-high relay stays off while the Pi boots.
DEMO_RELAY_LOCKS = ({"relay": 18, "switch": 2}, {"relay": 20, "switch": 3}, {"relay": 21, "switch": 4},
                    {"relay": 16, "switch": 7}, {"relay": 12, "switch": 8}, {"relay": 26, "switch": 25})


def config_toml(bus_url: str, scanner_url: str, compartments: list[dict], *,
                protocol: str = "kerong-cu16", latched_bit: int = 1,
                bus_options: dict | None = None, gpio_factory: str = "", gpio: dict | None = None,
                relay_locks: Sequence[Mapping] = (), printer_url: str = "") -> str:
    """The ``[bus]``, ``[scanner]``, ``[printer]``, ``[gpio]`` and ``[[compartment]]`` tables for locker.toml.

    ``bus_options`` are further ``[bus]`` keys of the family (``channels``, ...);
    ``gpio_factory`` (the simulator's pigpio address) and ``gpio`` (name -> pin
    spec) make the ``[gpio]`` table, left out when ``gpio_factory`` is empty;
    ``[printer]`` is left out without a ``printer_url``.
    A ``gpio-relay`` bus has no URL and no baud rate: its ``[bus]`` lists the
    ``relay_locks`` instead (see :func:`relay_bus_lines`).

    >>> print(config_toml("socket://127.0.0.1:7701", "socket://127.0.0.1:7702",
    ...                   demo_compartments(1)[:1]))
    [bus]
    url = "socket://127.0.0.1:7701"
    protocol = "kerong-cu16"
    baudrate = 19200
    <BLANKLINE>
    [scanner]
    url = "socket://127.0.0.1:7702"
    baudrate = 115200
    <BLANKLINE>
    [[compartment]]
    label = "A01"
    board = 0
    lock = 1
    size = "S"
    <BLANKLINE>
    """
    if protocol == RELAY_PROTOCOL:
        lines = relay_bus_lines(relay_locks)
    else:
        lines = ["[bus]", f"url = {_toml_str(bus_url)}", f"protocol = {_toml_str(protocol)}",
                 f"baudrate = {BAUDRATES.get(protocol, 19200)}"]
        if latched_bit != 1:
            lines.append(f"latched_bit = {int(latched_bit)}")
        for key, value in (bus_options or {}).items():
            lines.append(f"{key} = {_toml_value(value)}")
    lines += ["", "[scanner]", f"url = {_toml_str(scanner_url)}", "baudrate = 115200"]
    if printer_url:
        lines += ["", "[printer]", f"url = {_toml_str(printer_url)}", "width_mm = 58"]
    if gpio_factory:
        lines += ["", "[gpio]", f"pin_factory = {_toml_str(gpio_factory)}"]
        lines += [f"{name} = {_toml_value(spec)}" for name, spec in (gpio or {}).items()]
    for room in compartments:
        lines += ["", "[[compartment]]", f"label = {_toml_str(room['label'])}",
                  f"board = {int(room['board'])}", f"lock = {int(room['lock'])}",
                  f"size = {_toml_str(room['size'])}"]
    return "\n".join(lines) + "\n"


def relay_bus_lines(relay_locks: Sequence[Mapping]) -> list[str]:
    """The ``[bus]`` table of a ``gpio-relay`` cabinet, one relay lock a line.

    Every line but the table header holds ``=``, so a reader may cut the snippet
    at the first line without one.

    >>> print("\\n".join(relay_bus_lines(DEMO_RELAY_LOCKS[:2])))
    [bus]
    protocol = "gpio-relay"
    relay_locks = [
      { relay = 18, switch = 2 },  # lock 1
      { relay = 20, switch = 3 }]  # lock 2
    """
    if not relay_locks:
        raise ValueError("a gpio-relay bus needs at least one relay lock")
    last = len(relay_locks)
    entries = [f"  {_toml_value(dict(lock))}{']' if n == last else ','}  # lock {n}"
               for n, lock in enumerate(relay_locks, start=1)]
    return ["[bus]", f"protocol = {_toml_str(RELAY_PROTOCOL)}", "relay_locks = [", *entries]


def _toml_value(value) -> str:
    """A TOML number, boolean, string or inline table.

    >>> _toml_value(24), _toml_value(True), _toml_value("high-first")
    ('24', 'true', '"high-first"')
    >>> _toml_value({"pin": 24, "pull_up": False})
    '{ pin = 24, pull_up = false }'
    """
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key} = {_toml_value(item)}" for key, item in value.items()) + " }"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return _toml_str(value)


def _toml_str(value: str) -> str:
    """A TOML basic string.

    >>> print(_toml_str('C:\\\\a "b"'))
    "C:\\\\a \\"b\\""
    """
    out = []
    for char in str(value):
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'
