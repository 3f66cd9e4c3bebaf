"""The demo cabinet and the configuration snippet a technician pastes into locker.toml."""

from __future__ import annotations

import string

from .cabinet import LOCKS_PER_BOARD

#: Sizes of locks 1-16 on each demo board: 6 small, 6 medium, 4 large.
DEMO_SIZES = ("S",) * 6 + ("M",) * 6 + ("L",) * 4


def demo_compartments(boards: int = 2) -> list[dict]:
    """Compartments of the demo cabinet: board 0 is column A, board 1 column B, ...

    >>> rooms = demo_compartments()
    >>> len(rooms), rooms[0], rooms[-1]["label"]
    (32, {'label': 'A01', 'board': 0, 'lock': 1, 'size': 'S'}, 'B16')
    """
    if not 1 <= boards <= len(string.ascii_uppercase):
        raise ValueError("boards must be between 1 and 26")
    return [{"label": f"{string.ascii_uppercase[board]}{lock:02d}", "board": board, "lock": lock,
             "size": DEMO_SIZES[lock - 1]}
            for board in range(boards) for lock in range(1, LOCKS_PER_BOARD + 1)]


def config_toml(bus_url: str, scanner_url: str, compartments: list[dict], *,
                protocol: str = "kerong-cu16", latched_bit: int = 1) -> str:
    """The ``[bus]``, ``[scanner]`` and ``[[compartment]]`` tables for locker.toml.

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
    lines = ["[bus]", f"url = {_toml_str(bus_url)}", f"protocol = {_toml_str(protocol)}",
             "baudrate = 19200"]
    if latched_bit != 1:
        lines.append(f"latched_bit = {int(latched_bit)}")
    lines += ["", "[scanner]", f"url = {_toml_str(scanner_url)}", "baudrate = 115200"]
    for room in compartments:
        lines += ["", "[[compartment]]", f"label = {_toml_str(room['label'])}",
                  f"board = {int(room['board'])}", f"lock = {int(room['lock'])}",
                  f"size = {_toml_str(room['size'])}"]
    return "\n".join(lines) + "\n"


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
