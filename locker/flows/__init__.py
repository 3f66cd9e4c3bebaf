"""The flows, one object per purpose of a door operation, found through one table.

A flow starts by committing its record and a door operation (it returns the
:class:`~locker.journal.Unlock` to send after the commit); the hardware events then
reach it through :class:`FlowTable`: the door was confirmed open, the door closed
again (complete), or the door never opened (fail).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Protocol

from sqlalchemy.orm import Session

from .. import validation
from ..compartments import Compartments
from ..errors import NotFound
from ..journal import Journal, OpStatus, Unlock
from ..models import DoorOperation
from ..ports import Clock


class Flow(Protocol):
    purpose: str
    model: type

    def opened(self, s: Session, op: DoorOperation, record: Any) -> None:
        """The door is confirmed open (latch released or door seen open)."""

    def complete(self, s: Session, op: DoorOperation, record: Any) -> None:
        """The door closed again after opening."""

    def fail(self, s: Session, op: DoorOperation, record: Any, reason: str, *, relocate: bool) -> Unlock | None:
        """The door never opened; returns an operation to pulse when the flow moved elsewhere."""


def shown(db: Any, model: type, record_id: Any, *, name: str, view: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """What ``GET`` answers for one record: its view, or :class:`NotFound` naming it."""
    with db.session() as s:
        record = s.get(model, validation.whole_number("id", record_id))
        if record is None:
            raise NotFound(name, record_id)
        return view(record)


class FlowTable:
    """Purpose -> flow; what every flow's ending shares happens here, once."""

    def __init__(self, flows: Iterable[Flow], *, journal: Journal, compartments: Compartments,
                 clock: Clock) -> None:
        self._flows = {flow.purpose: flow for flow in flows}
        self._journal = journal
        self._compartments = compartments
        self._clock = clock

    def __getitem__(self, purpose: str) -> Flow:
        return self._flows[purpose]

    def record(self, s: Session, op: DoorOperation) -> Any:
        return s.get(self[op.purpose].model, op.ref_id)

    def opened(self, s: Session, op: DoorOperation) -> None:
        self[op.purpose].opened(s, op, self.record(s, op))

    def complete(self, s: Session, op: DoorOperation) -> None:
        self._journal.advance(op, OpStatus.CLOSED)
        record = self.record(s, op)
        record.updated_at = self._clock.now()
        self[op.purpose].complete(s, op, record)

    def fail(self, s: Session, op: DoorOperation, reason: str, *, out_of_service: str | None = None,
             relocate: bool = False) -> Unlock | None:
        """End the flow of an operation that did not open its door (its journal status is
        already final); ``out_of_service`` takes the compartment out with that reason."""
        if out_of_service:
            self._compartments.out_of_service(s, op.compartment, out_of_service, op=op.id)
        record = self.record(s, op)
        record.updated_at = self._clock.now()
        return self[op.purpose].fail(s, op, record, reason, relocate=relocate)
