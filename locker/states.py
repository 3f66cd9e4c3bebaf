"""The compartment state machine.

>>> from locker.models import Compartment
>>> c = Compartment(label="A01", size="S", board=0, lock=1, state=FREE)
>>> transition(c, RESERVED); c.state
'reserved'
>>> transition(c, RESERVED)
Traceback (most recent call last):
...
locker.states.IllegalTransition: compartment A01 cannot go from reserved to reserved
"""

from __future__ import annotations

from typing import Protocol

from .errors import Conflict

FREE = "free"
RESERVED = "reserved"
HOLDING_DROPOFF = "holding_dropoff"
HOLDING_RESULT = "holding_result"
OUT_OF_SERVICE = "out_of_service"
STATES = (FREE, RESERVED, HOLDING_DROPOFF, HOLDING_RESULT, OUT_OF_SERVICE)

#: state -> the states it may move to. ``out_of_service -> free`` is only taken by an
#: explicit clerk action on an empty compartment (see LockerService.return_to_service).
#: Flows never leave ``out_of_service`` on their own; see :func:`return_to_service`.
TRANSITIONS: dict[str, frozenset[str]] = {
    FREE: frozenset({RESERVED, OUT_OF_SERVICE}),
    RESERVED: frozenset({HOLDING_DROPOFF, HOLDING_RESULT, FREE, OUT_OF_SERVICE}),
    HOLDING_DROPOFF: frozenset({FREE, OUT_OF_SERVICE}),
    HOLDING_RESULT: frozenset({FREE, OUT_OF_SERVICE}),
    OUT_OF_SERVICE: frozenset({FREE}),
}


class IllegalTransition(Conflict):
    code = "illegal_transition"

    def __init__(self, label: str, old: str, new: str) -> None:
        super().__init__(
            f"Ngăn {label} không thể chuyển từ trạng thái {old} sang {new}.",
            f"compartment {label} cannot go from {old} to {new}",
            compartment=label, old=old, new=new,
        )


class _HasState(Protocol):
    label: str
    state: str


def allowed(old: str, new: str) -> bool:
    return new in TRANSITIONS.get(old, frozenset())


#: The states a clerk may return an out-of-service compartment to: free when it is
#: empty, or holding what is still inside it (a jammed latch that was repaired).
RETURNS = frozenset({FREE, HOLDING_DROPOFF, HOLDING_RESULT})


def return_to_service(compartment: _HasState, new: str) -> None:
    """The clerk's explicit return of an out-of-service compartment to ``new``.

    >>> from locker.models import Compartment
    >>> c = Compartment(label="A01", size="S", board=0, lock=1, state=OUT_OF_SERVICE)
    >>> return_to_service(c, HOLDING_RESULT); c.state
    'holding_result'
    """
    if compartment.state != OUT_OF_SERVICE or new not in RETURNS:
        raise IllegalTransition(compartment.label, compartment.state, new)
    compartment.state = new


def transition(compartment: _HasState, new: str) -> None:
    """Move ``compartment`` to ``new`` or raise :class:`IllegalTransition`."""
    if not allowed(compartment.state, new):
        raise IllegalTransition(compartment.label, compartment.state, new)
    compartment.state = new
