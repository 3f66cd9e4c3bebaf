"""The ``/sim/*`` control API (CONTRACT.md section 4) as a Flask blueprint.

Errors are ``{"error": "<word>", "message": "<Vietnamese> / <English>"}`` with
status 400 for any bad input; nothing a client sends causes a 500.
"""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from .simulator import Simulator, SimulatorError

MAX_FRAMES = 100_000


def _error(code: str, vi: str, en: str, status: int = 400):
    return jsonify({"error": code, "message": f"{vi} / {en}"}), status


def _body() -> dict:
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        raise SimulatorError("the body must be a JSON object", code="invalid_json",
                             vi="nội dung yêu cầu phải là một đối tượng JSON")
    return body


def _required(body: dict, *names: str) -> list:
    missing = [name for name in names if name not in body]
    if missing:
        listed = ", ".join(missing)
        raise SimulatorError(f"missing field(s): {listed}", code="missing_field",
                             vi=f"thiếu trường: {listed}")
    return [body[name] for name in names]


def _whole_number(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise SimulatorError(f"{name} must be a whole number, 0 or more", code="invalid_field",
                             vi=f"{name} phải là số nguyên không âm")
    return int(raw)


def create_control_blueprint(sim: Simulator) -> Blueprint:
    """The control API of ``sim`` under ``/sim``.

    >>> from flask import Flask
    >>> sim = Simulator(boards=1)
    >>> app = Flask("doc"); app.register_blueprint(create_control_blueprint(sim))
    >>> client = app.test_client()
    >>> client.post("/sim/door", json={"board": 0, "lock": 2, "action": "open"}).get_json()["forced"]
    True
    >>> client.post("/sim/door", data="{").status_code
    400
    >>> sim.close()
    """
    bp = Blueprint("sim", __name__, url_prefix="/sim")

    @bp.errorhandler(SimulatorError)
    def bad_input(err: SimulatorError):
        return _error(err.code, err.vi, str(err))

    @bp.get("/")
    def index():
        return jsonify(_index(sim))

    @bp.get("/state")
    def state():
        return jsonify(sim.state())

    @bp.post("/door")
    def door():
        board, lock, action = _required(_body(), "board", "lock", "action")
        forced = sim.door(board, lock, action)
        return jsonify({"board": board, **sim.lock_state(board, lock), "forced": forced})

    @bp.post("/item")
    def item():
        board, lock, present = _required(_body(), "board", "lock", "present")
        sim.item(board, lock, present)
        return jsonify({"board": board, **sim.lock_state(board, lock)})

    @bp.post("/scan")
    def scan():
        (data,) = _required(_body(), "data")
        sim.scan(data)
        return jsonify({"data": data})

    @bp.post("/fault")
    def fault():
        body = _body()
        (kind,) = _required(body, "kind")
        count = body.get("count")
        sim.fault(kind, body.get("board"), body.get("lock"), 0 if count is None else count)
        return jsonify({"faults": sim.faults_active()})

    @bp.get("/faults")
    def faults():
        return jsonify({"faults": sim.faults_active()})

    @bp.get("/frames")
    def frames():
        after = _whole_number("after", 0)
        limit = min(_whole_number("limit", MAX_FRAMES), MAX_FRAMES)
        return jsonify(sim.frames(after, limit))

    return bp


def create_control_app(sim: Simulator) -> Flask:
    """A small Flask app serving only the control API (for ``locker sim``)."""
    app = Flask(__name__)
    app.json.ensure_ascii = False
    app.register_blueprint(create_control_blueprint(sim))

    @app.get("/")
    def index():
        return jsonify(_index(sim))

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        return _error(err.name.lower().replace(" ", "_"), _VI_HTTP.get(err.code, "Lỗi yêu cầu"),
                      err.description or err.name, err.code or 400)

    return app


def _index(sim: Simulator) -> dict:
    return {"simulator": sim.board_type, "boards": sim.cabinet.board_count,
            "endpoints": ["GET /sim/state", "POST /sim/door", "POST /sim/item", "POST /sim/scan",
                          "POST /sim/fault", "GET /sim/faults", "GET /sim/frames?after=<n>"]}


_VI_HTTP = {
    404: "Không tìm thấy địa chỉ này",
    405: "Phương thức không được hỗ trợ",
    413: "Yêu cầu quá lớn",
}
