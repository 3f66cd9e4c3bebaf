"""The JSON shapes of docs/interface.md section 3, built from models.

>>> from locker.models import Compartment
>>> compartment_view(Compartment(label="A01", size="S", bus="main", board=0, lock=1, state="free", door="closed"), None)
{'label': 'A01', 'size': 'S', 'board': 0, 'lock': 1, 'state': 'free', 'door': 'closed', 'dossier_code': None, 'bus': 'main'}
"""

from __future__ import annotations

from typing import Any

from .models import Collection, Compartment, Dropoff, Pickup, Result
from .statuses import STARTED


def _label(c: Compartment | None) -> str | None:
    return c.label if c is not None else None


def started(record_id: int, compartment: Compartment) -> dict[str, Any]:
    return {"id": record_id, "compartment": compartment.label, "status": STARTED}


def dropoff_view(d: Dropoff, *, code_shown: bool = True) -> dict[str, Any]:
    return {"id": d.id, "dossier_code": d.dossier.code if code_shown else None, "compartment": _label(d.compartment),
            "status": d.status}


def result_view(r: Result) -> dict[str, Any]:
    return {"id": r.id, "dossier_code": r.dossier.code, "compartment": _label(r.compartment), "status": r.status}


def pickup_view(p: Pickup, *, code_shown: bool = True) -> dict[str, Any]:
    return {"id": p.id, "dossier_code": p.result.dossier.code if code_shown else None,
            "compartment": _label(p.compartment), "status": p.status}


def collection_view(c: Collection) -> dict[str, Any]:
    return {"id": c.id, "compartment": _label(c.compartment), "status": c.status}


def compartment_view(c: Compartment, dossier_code: str | None) -> dict[str, Any]:
    return {"label": c.label, "size": c.size, "board": c.board, "lock": c.lock, "state": c.state,
            "door": c.door, "dossier_code": dossier_code, "bus": c.bus}
