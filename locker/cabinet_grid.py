"""The cabinet as the console draws it: every compartment where it is on the cabinet's
front, with its state, door, item sensor, what it holds since when, and its alarms.

Places come from the configuration: a compartment's own ``row`` and ``column``, else
down columns of ``[layout] rows`` in bus, board and lock order, each board starting a
new column (to the right of the columns placed by hand).

>>> from locker.config import config_from_dict
>>> cfg = config_from_dict({"bus": {"url": "loop://"}, "layout": {"rows": 2}, "compartment": [
...     {"label": "A01", "board": 0, "lock": 1, "size": "S"}, {"label": "A02", "board": 0, "lock": 2, "size": "S"},
...     {"label": "A03", "board": 0, "lock": 3, "size": "S"}, {"label": "B01", "board": 1, "lock": 1, "size": "L"},
...     {"label": "X1", "board": 1, "lock": 2, "size": "M", "row": 1, "column": 1}]}, env={})
>>> positions(cfg)
{'X1': (1, 1), 'A01': (1, 2), 'A02': (2, 2), 'A03': (1, 3), 'B01': (1, 4)}
"""

from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from .alarms import Alarms
from .audit import as_dict, iso
from .config import Config
from .models import Assignment, AuditEvent, Compartment, Dossier, Dropoff, Result

HISTORY_MAX = 200


def positions(config: Config) -> dict[str, tuple[int, int]]:
    """``label -> (row, column)``, both from 1."""
    placed = {c.label: (c.row, c.column) for c in config.compartments if c.row is not None and c.column is not None}
    bus_order = {bus.name: i for i, bus in enumerate(config.buses)}
    auto = sorted((c for c in config.compartments if c.label not in placed),
                  key=lambda c: (bus_order.get(c.bus, len(bus_order)), c.board, c.lock))
    column = max((col for _, col in placed.values()), default=0)
    row, board = config.layout.rows, None
    for c in auto:
        if (c.bus, c.board) != board or row >= config.layout.rows:
            column, row, board = column + 1, 0, (c.bus, c.board)
        row += 1
        placed[c.label] = (row, column)
    return placed


def front(config: Config) -> dict[str, Any]:
    """The cabinet's front as the kiosk draws it: ``{"rows", "columns", "compartments": [{"label",
    "row", "column", "size"}]}`` (the places of :func:`positions`), in label order.

    >>> from locker.config import config_from_dict
    >>> cfg = config_from_dict({"bus": {"url": "loop://"}, "layout": {"rows": 2}, "compartment": [
    ...     {"label": "A01", "board": 0, "lock": 1, "size": "S"}, {"label": "A02", "board": 0, "lock": 2, "size": "L"},
    ...     {"label": "A03", "board": 0, "lock": 3, "size": "M"}]}, env={})
    >>> front(cfg)["rows"], front(cfg)["columns"], front(cfg)["compartments"][2]
    (2, 2, {'label': 'A03', 'row': 1, 'column': 2, 'size': 'M'})
    """
    places = positions(config)
    cells = [{"label": c.label, "row": places[c.label][0], "column": places[c.label][1], "size": c.size}
             for c in sorted(config.compartments, key=lambda c: c.label)]
    return {"rows": max((c["row"] for c in cells), default=0),
            "columns": max((c["column"] for c in cells), default=0), "compartments": cells}


class CabinetGrid:
    def __init__(self, *, db: Any, config: Config, alarms: Alarms) -> None:
        self._db = db
        self._alarms = alarms
        self._places = positions(config)

    def cells(self, labels: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Every configured compartment (or only ``labels``), in label order."""
        query = select(Compartment).where(Compartment.board >= 0).order_by(Compartment.label)
        if labels is not None:
            query = query.where(Compartment.label.in_(list(labels)))
        with self._db.read_session() as s:
            comps = list(s.execute(query).scalars())
            held = _held(s)
            alarms = self._alarms.open_at(s, [c.label for c in comps])
            return [self._cell(c, held.get(c.id), alarms.get(c.label, [])) for c in comps]

    def history(self, label: str, limit: int = HISTORY_MAX) -> list[dict[str, Any]]:
        """The compartment's audit events, newest first: openings, closings, what was put in or taken out."""
        with self._db.read_session() as s:
            rows = s.execute(select(AuditEvent).where(AuditEvent.compartment == label)
                             .order_by(AuditEvent.seq.desc()).limit(limit)).scalars()
            return [as_dict(e) for e in rows]

    def _cell(self, comp: Compartment, held: tuple[str, str, Any] | None,
              alarms: list[dict[str, Any]]) -> dict[str, Any]:
        row, column = self._places.get(comp.label, (None, None))
        code, what, since = held if held is not None else (None, None, None)
        return {
            "label": comp.label, "size": comp.size, "bus": comp.bus, "board": comp.board, "lock": comp.lock,
            "state": comp.state, "door": comp.door, "item": comp.item, "service_note": comp.service_note or None,
            "dossier_code": code, "holds": what, "since": iso(since) if since is not None else None,
            "row": row, "column": column,
            "alarms": [{"id": a["id"], "kind": a["kind"], "state": a["state"]} for a in alarms],
        }


def _held(s: Session) -> dict[int, tuple[str, str, Any]]:
    """``compartment id -> (dossier code, "dropoff" | "result", since)`` for every active assignment."""
    out: dict[int, tuple[str, str, Any]] = {}
    for model, column, what in ((Dropoff, Assignment.dropoff_id, "dropoff"), (Result, Assignment.result_id, "result")):
        rows = s.execute(
            select(Assignment.compartment_id, Dossier.code, Assignment.created_at).join(model, model.id == column)
            .join(Dossier, Dossier.id == model.dossier_id).where(Assignment.active == true())
        ).all()
        out.update({cid: (code, what, since) for cid, code, since in rows})
    return out
