"""Manifests of clerks' runs as CSV (the console's print view shows the same rows).

>>> run = {"id": 3, "kind": "load", "clerk": "lan", "started_at": "t0", "ended_at": None, "items": [
...     {"n": 1, "dossier_code": "HS-1", "compartment": "A01", "size": "S", "phone": "09******78",
...      "announced": True, "state": "ready", "time": "t1"}]}
>>> print(manifest_csv(run).splitlines()[1])
1,HS-1,A01,S,09******78,yes,ready,t1
"""

from __future__ import annotations

import csv
import io
from typing import Any

LOAD_COLUMNS = ("n", "dossier_code", "compartment", "size", "phone", "announced", "state", "time")
CABINET_COLUMNS = ("n", "compartment", "dossier_code", "state", "check", "scanned_code", "note", "time")


def rows(run: dict[str, Any]) -> tuple[tuple[str, ...], list[list[str]]]:
    """(columns, rows) of a run's manifest."""
    columns = LOAD_COLUMNS if run["kind"] == "load" else CABINET_COLUMNS
    return columns, [[_cell(item.get(c)) for c in columns] for item in run["items"]]


def manifest_csv(run: dict[str, Any]) -> str:
    columns, body = rows(run)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(body)
    signed = run.get("signed_by")
    writer.writerow([])
    writer.writerow(["run", run["id"], run["kind"], "clerk", run["clerk"], "started", run["started_at"],
                     "ended", run["ended_at"] or "", "signed by", signed or ""])
    return out.getvalue()


def filename(run: dict[str, Any]) -> str:
    return f"manifest-{run['kind']}-{run['id']}.csv"


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not text[1:2].isdigit() else text
