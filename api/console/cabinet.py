"""The live cabinet grid (``/console/cabinet``): every compartment where it is on the
cabinet, updated through the console's event stream; a click shows its history."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template
from flask_babel import lazy_gettext as _l

from ..auth import runtime
from .guard import role_required
from .nav import NavItem

bp = Blueprint("cabinet", __name__, url_prefix="/console/cabinet")

NAV = (NavItem("cabinet.grid", _l("Cabinet"), _l("The live cabinet: every compartment, its door, sensor and "
                                                 "contents, and its opening history."), "clerk", order=10),)


@bp.get("/")
@role_required("clerk")
def grid() -> Any:
    cells = runtime().service.cabinet_grid()
    rows = max((c["row"] or 0 for c in cells), default=0)
    columns = max((c["column"] or 0 for c in cells), default=0)
    return render_template("console/cabinet.html", cells=cells, rows=rows, columns=columns)


@bp.get("/cells.json")
@role_required("clerk")
def cells() -> Any:
    return jsonify(runtime().service.cabinet_grid())


@bp.get("/<label>/history.json")
@role_required("clerk")
def history(label: str) -> Any:
    return jsonify(runtime().service.compartment_history(label))
