"""The ``/sim/*`` control API (docs/interface.md section 4) as a Flask blueprint.

``GET /sim/`` answers a browser (a client preferring ``text/html``) with the
simulator page (``templates/sim_page.html``, ``static/sim.js``, ``static/sim.css``),
and any other client with a JSON index. The page uses relative URLs only, so it
works wherever the blueprint is mounted at ``/sim``.

Errors are ``{"error": "<word>", "message": "<Vietnamese> / <English>"}`` with
status 400 for any bad input; nothing a client sends causes a 500.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, jsonify, redirect, render_template, request
from werkzeug.exceptions import HTTPException

from .faults import KINDS, PLUG_KINDS
from .errors import SimulatorError
from .service_link import ServiceView
from .simulator import RELAY_FAULT_KINDS, Simulator

MAX_FRAMES = 100_000

#: The page loads its script and style from ``/sim/static`` only (no inline code, no CDN).
PAGE_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                "script-src 'self'; object-src 'none'; base-uri 'none'; "
                                "frame-ancestors 'none'; form-action 'self'"),
    "X-Content-Type-Options": "nosniff",
}


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


def _prefers_html() -> bool:
    """True for a browser: ``text/html`` is acceptable and not ranked below JSON."""
    accepted = request.accept_mimetypes
    return accepted.best_match(["application/json", "text/html"]) == "text/html"


def _negotiated(response: Response) -> Response:
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = "no-store"
    return response


def _page() -> Response:
    response = Response(render_template("sim_page.html"), mimetype="text/html")
    response.headers.update(PAGE_HEADERS)
    return _negotiated(response)


def _labelled(sim: Simulator, board: int, lock: dict) -> dict:
    label = sim.labels.get((board, lock["lock"]))
    return lock if label is None else {**lock, "label": label}


def _state(sim: Simulator) -> dict:
    state = sim.state()
    return {**state, "boards": [{**board, "locks": [_labelled(sim, board["address"], lock)
                                                    for lock in board["locks"]]}
                                for board in state["boards"]]}


def _compartments(sim: Simulator, service_view: ServiceView | None) -> dict:
    """Each labelled lock with its size and what the service says of it (null when it cannot say)."""
    try:
        service = service_view() if service_view is not None else None
    except Exception:  # noqa: BLE001 - the page shows "unreachable", never an error
        service = None
    rooms = [{"board": board, "lock": lock, "label": label, "size": sim.sizes.get((board, lock)),
              "service": (service or {}).get(label)} for (board, lock), label in sorted(sim.labels.items())]
    return {"service": "absent" if service_view is None else "ok" if service is not None else "unreachable",
            "compartments": rooms}


def create_control_blueprint(sim: Simulator, *, service_view: ServiceView | None = None) -> Blueprint:
    """The control API of ``sim`` under ``/sim``; ``service_view`` tells what the service says
    of each compartment (see :mod:`firmware_sim.service_link`).

    >>> from flask import Flask
    >>> sim = Simulator(boards=1)
    >>> app = Flask("doc"); app.register_blueprint(create_control_blueprint(sim))
    >>> client = app.test_client()
    >>> client.post("/sim/door", json={"board": 0, "lock": 2, "action": "open"}).get_json()["forced"]
    True
    >>> client.post("/sim/door", data="{").status_code
    400
    >>> client.get("/sim/", headers={"Accept": "text/html"}).mimetype
    'text/html'
    >>> client.get("/sim/").get_json()["boards"]
    1
    >>> sim.close()
    """
    bp = Blueprint("sim", __name__, url_prefix="/sim", template_folder="templates",
                   static_folder="static")

    @bp.errorhandler(SimulatorError)
    def bad_input(err: SimulatorError):
        return _error(err.code, err.vi, str(err))

    @bp.get("/")
    def index():
        return _page() if _prefers_html() else _negotiated(jsonify(_index(sim)))

    @bp.get("/state")
    def state():
        return jsonify(_state(sim))

    @bp.get("/compartments")
    def compartments():
        return jsonify(_compartments(sim, service_view))

    @bp.post("/door")
    def door():
        board, lock, action = _required(_body(), "board", "lock", "action")
        forced = sim.door(board, lock, action)
        return jsonify({"board": board, **_labelled(sim, board, sim.lock_state(board, lock)), "forced": forced})

    @bp.post("/item")
    def item():
        board, lock, present = _required(_body(), "board", "lock", "present")
        sim.item(board, lock, present)
        return jsonify({"board": board, **_labelled(sim, board, sim.lock_state(board, lock))})

    @bp.post("/scan")
    def scan():
        (data,) = _required(_body(), "data")
        wire = sim.scan(data)
        first, last = wire or (None, None)
        return jsonify({"data": data, "t_first_ns": first, "t_last_ns": last})

    @bp.post("/gpio")
    def gpio():
        body = _body()
        if "active" in body and "value" not in body:  # the condition, whatever the wiring
            name, active = _required(body, "name", "active")
            sim.gpio.set_active(name, active)
        else:  # the pin level, like a switch on its wire
            name, value = _required(body, "name", "value")
            sim.gpio.set_input(name, value)
        return jsonify({"name": name, **sim.gpio.state()[name]})

    @bp.post("/fault")
    def fault():
        body = _body()
        (kind,) = _required(body, "kind")
        count = body.get("count")
        sim.fault(kind, body.get("board"), body.get("lock"), 0 if count is None else count, body.get("target"),
                  body.get("frames"))
        return jsonify({"faults": sim.faults_active()})

    @bp.get("/receipts")
    def receipts():
        return jsonify(sim.printer.receipts(_whole_number("after", 0)))

    @bp.get("/sms")
    def sms():
        return jsonify(sim.phones.messages(_whole_number("after", 0)))

    @bp.get("/faults")
    def faults():
        return jsonify({"faults": sim.faults_active()})

    @bp.get("/frames")
    def frames():
        after = _whole_number("after", 0)
        limit = min(_whole_number("limit", MAX_FRAMES), MAX_FRAMES)
        return jsonify(sim.frames(after, limit))

    return bp


def create_control_app(sim: Simulator, *, service_view: ServiceView | None = None) -> Flask:
    """A small Flask app serving only the control API and its page (for ``locker sim``).

    A browser asking for ``/`` is sent to the page at ``/sim/``.
    """
    app = Flask(__name__, static_folder=None)
    app.json.ensure_ascii = False
    app.register_blueprint(create_control_blueprint(sim, service_view=service_view))

    @app.get("/")
    def index():
        if _prefers_html():
            return _negotiated(redirect("sim/", 302))
        return _negotiated(jsonify(_index(sim)))

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        return _error(err.name.lower().replace(" ", "_"), _VI_HTTP.get(err.code, "Lỗi yêu cầu"),
                      err.description or err.name, err.code or 400)

    return app


def _index(sim: Simulator) -> dict:
    relays_only = sim.board_type == "gpio-relay"
    kinds = [*RELAY_FAULT_KINDS, *PLUG_KINDS] if relays_only else list(KINDS)
    return {"simulator": sim.board_type, "boards": len(sim.state()["boards"]),
            "fault_kinds": kinds, "last_frame": sim.log.last_n,
            "endpoints": ["GET /sim/state", "GET /sim/compartments", "POST /sim/door", "POST /sim/item", "POST /sim/scan",
                          "POST /sim/gpio", "POST /sim/fault", "GET /sim/faults", "GET /sim/frames?after=<n>",
                          "GET /sim/receipts?after=<n>", "GET /sim/sms?after=<n>",
                          "GET /sim/ (Accept: text/html) the simulator page"]}


_VI_HTTP = {
    404: "Không tìm thấy địa chỉ này",
    405: "Phương thức không được hỗ trợ",
    413: "Yêu cầu quá lớn",
}
