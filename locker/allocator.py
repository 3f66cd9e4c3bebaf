"""Choosing a compartment for a drop-off or a result, what occupies it, giving it
back, and moving a record elsewhere when its lock failed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import states
from .boards import Boards
from .compartments import Compartments
from .errors import NoCompartmentAvailable, NoLowCompartment
from .models import Assignment, Compartment
from .ports import Clock
from .reach import Reach

SIZE_ORDER = {"S": 0, "M": 1, "L": 2}


class _Taken(Exception):
    """The candidate compartment changed under us; try the next one."""


class Allocator:
    def __init__(self, *, boards: Boards, compartments: Compartments, clock: Clock, reach: Reach) -> None:
        self._boards = boards
        self._compartments = compartments
        self._clock = clock
        self._reach = reach

    def allocate(self, s: Session, size: str, *, dropoff_id: int | None = None, result_id: int | None = None,
                 exclude: tuple[int, ...] = (), low: bool = False) -> Compartment:
        """Reserve a free compartment of ``size`` or larger (``low``: within wheelchair reach). The
        unique index on active assignments settles races: the loser retries with the next candidate."""
        candidates = self._candidates(s, size, exclude)
        if low:
            candidates = [c for c in candidates if self._reach.within(c.label)]
        for comp in candidates:
            try:
                with s.begin_nested():
                    s.add(Assignment(compartment_id=comp.id, dropoff_id=dropoff_id, result_id=result_id,
                                     active=True, created_at=self._now()))
                    s.flush()
                    s.refresh(comp)
                    if comp.state != states.FREE or comp.door != "closed":
                        raise _Taken()
            except (IntegrityError, _Taken):
                continue
            self._compartments.move(comp, states.RESERVED)
            return comp
        raise NoLowCompartment(size) if low else NoCompartmentAvailable(size)

    def _candidates(self, s: Session, size: str, exclude: tuple[int, ...]) -> list[Compartment]:
        wanted = [k for k, v in SIZE_ORDER.items() if v >= SIZE_ORDER[size]]
        query = select(Compartment).where(
            Compartment.state == states.FREE, Compartment.door == "closed", Compartment.size.in_(wanted),
            Compartment.board >= 0, Compartment.id.not_in(exclude or (-1,)), Compartment.item.is_not(True),
        )
        offline = self._boards.offline()
        candidates = [c for c in s.execute(query).scalars() if (c.bus, c.board) not in offline]
        return sorted(candidates, key=lambda c: (SIZE_ORDER[c.size], c.label))

    def assignment(self, s: Session, comp: Compartment) -> Assignment | None:
        return s.execute(
            select(Assignment).where(Assignment.compartment_id == comp.id, Assignment.active == true())
        ).scalar_one_or_none()

    def release(self, s: Session, comp: Compartment) -> None:
        """The compartment no longer holds what was assigned to it."""
        held = self.assignment(s, comp)
        if held is not None:
            held.active, held.released_at = False, self._now()
            s.flush()

    def give_back(self, s: Session, comp: Compartment) -> None:
        """A reservation that will not be filled: release it, and free a still-reserved compartment."""
        self.release(s, comp)
        if comp.state == states.RESERVED:
            self._compartments.move(comp, states.FREE)

    def relocate(self, s: Session, record: Any, *, away_from: Compartment, **ids: int) -> Compartment | None:
        """Reserve another compartment for ``record`` (a drop-off or result); None when none is free.
        Moved from a compartment within reach, it goes to another within reach when one is free."""
        new = None
        for low in (True, False) if self._reach.within(away_from.label) else (False,):
            try:
                new = self.allocate(s, record.size, exclude=(away_from.id,), low=low, **ids)
                break
            except NoCompartmentAvailable:
                continue
        if new is None:
            return None
        record.compartment_id = new.id
        s.flush()
        s.refresh(record)
        return new

    def _now(self) -> datetime:
        return self._clock.now()
