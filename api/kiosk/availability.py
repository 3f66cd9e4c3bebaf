"""What a citizen can do at the cabinet right now, told on the kiosk's start screen before anyone types.

Built from the service's health (boards, power) and its compartments: a drop-off needs mains power
and a free, closed compartment on a board that answers; a pickup needs a board that answers. A
compartment on an offline board is never counted as free, and a cabinet whose free compartments
are all on offline boards is reported as a hardware problem, never as full.

>>> health = {"database": "ok", "power": "mains", "boards": {"0": "offline", "1": "online"}}
>>> free_on_0 = {"label": "A01", "size": "S", "bus": "main", "board": 0, "state": "free", "door": "closed"}
>>> held_on_1 = {"label": "B01", "size": "M", "bus": "main", "board": 1, "state": "holding_result", "door": "closed"}
>>> found = availability(health, [free_on_0, held_on_1], main_bus="main")
>>> found["dropoff"]
{'available': False, 'reason': 'hardware_unavailable', 'sizes': {'S': 'hardware_unavailable', 'M': 'no_compartment', 'L': 'no_compartment'}, 'low': None}
>>> found["pickup"]
{'available': True, 'reason': None}

``low`` is the same per size for the compartments within wheelchair reach (null: the cabinet has none):

>>> free_on_1 = {**free_on_0, "label": "B02", "board": 1}
>>> availability(health, [free_on_0, free_on_1], main_bus="main", within_reach={"A01"})["dropoff"]["low"]
{'S': 'hardware_unavailable', 'M': 'no_low_compartment', 'L': 'no_low_compartment'}
"""

from __future__ import annotations

from typing import AbstractSet, Any, Iterable, Mapping

from locker.validation import SIZES  # smallest first
#: Why a flow cannot start: the error word its request would get.
HARDWARE, ON_BATTERY, FULL = "hardware_unavailable", "on_battery", "no_compartment"
#: No compartment within wheelchair reach is free (a drop-off with ``low``).
NO_LOW = "no_low_compartment"

NOTICES: dict[tuple[str, str], tuple[str, str]] = {
    ("dropoff", HARDWARE): ("Tủ đang gặp sự cố kỹ thuật nên tạm thời không nhận hồ sơ.",
                            "The cabinet has a technical problem and cannot take dossiers now."),
    ("dropoff", ON_BATTERY): ("Tủ đang chạy bằng pin dự phòng nên tạm thời không nhận hồ sơ.",
                              "The cabinet is running on its backup battery and cannot take dossiers now."),
    ("dropoff", FULL): ("Tủ đã hết ngăn trống nên tạm thời không nhận hồ sơ.",
                        "The cabinet is full and cannot take dossiers now."),
    ("pickup", HARDWARE): ("Tủ đang gặp sự cố kỹ thuật nên tạm thời không trả kết quả.",
                           "The cabinet has a technical problem and cannot hand out results now."),
}


def availability(health: Mapping[str, Any], compartments: Iterable[Mapping[str, Any]], *,
                 main_bus: str, within_reach: AbstractSet[str] = frozenset()) -> dict[str, Any]:
    """``{"dropoff": {"available", "reason", "sizes", "low"}, "pickup": {"available", "reason"}}``: ``reason``
    is the error word the flow's request would get (null when it can work); ``sizes`` maps each size
    to the error word a drop-off of that size would get, or null; ``low`` the same for a drop-off
    asking for a compartment within reach (``within_reach``: their labels), null when there is none."""
    boards = {str(name): state for name, state in (health.get("boards") or {}).items()}
    compartments = list(compartments)
    answering = {c["label"] for c in compartments if boards.get(_board_name(c, main_bus)) != "offline"}
    hardware_ok = health.get("database") == "ok" and bool(answering)
    sizes = {size: _size_reason(compartments, answering, size) for size in SIZES}
    reachable = [c for c in compartments if c["label"] in within_reach]
    low = {size: _size_reason(reachable, answering, size, full=NO_LOW) for size in SIZES} if reachable else None
    if not hardware_ok or health.get("power") == "battery":
        dropoff_reason: str | None = ON_BATTERY if hardware_ok else HARDWARE
        sizes = dict.fromkeys(SIZES, dropoff_reason)
        low = low and dict.fromkeys(SIZES, dropoff_reason)
    elif all(sizes.values()):
        dropoff_reason = HARDWARE if HARDWARE in sizes.values() else FULL
    else:
        dropoff_reason = None
    return {"dropoff": {"available": dropoff_reason is None, "reason": dropoff_reason, "sizes": sizes, "low": low},
            "pickup": {"available": hardware_ok, "reason": None if hardware_ok else HARDWARE}}


def notices(found: Mapping[str, Any]) -> list[dict[str, str]]:
    """The bilingual sentences the start screen shows, one per flow that cannot start."""
    return [{"flow": flow, "vi": NOTICES[(flow, found[flow]["reason"])][0],
             "en": NOTICES[(flow, found[flow]["reason"])][1]}
            for flow in ("dropoff", "pickup") if not found[flow]["available"]]


def _board_name(compartment: Mapping[str, Any], main_bus: str) -> str:
    """How health names a board (``locker.boards.Boards.name``): its number on the first bus, else ``bus/board``."""
    bus, board = compartment.get("bus", main_bus), compartment["board"]
    return str(board) if bus == main_bus else f"{bus}/{board}"


def _size_reason(compartments: list[Mapping[str, Any]], answering: set[str], size: str, *,
                 full: str = FULL) -> str | None:
    """None when a free compartment of ``size`` or larger answers; a hardware problem when the only
    free ones sit on boards that do not answer; else ``full``: the cabinet has none."""
    fitting = [c["label"] for c in compartments if c["state"] == "free" and c["door"] == "closed"
               and SIZES.index(c["size"]) >= SIZES.index(size)]
    if any(label in answering for label in fitting):
        return None
    return HARDWARE if fitting else full
