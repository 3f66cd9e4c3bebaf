"""Real answers of the real service, through the Flask app, against the OpenAPI
document it publishes: every status, field and type an answer carries must be
one the document advertises, and the document's status enums are the domain's."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from api.app import create_app
from api.demo import DEMO_PROCEDURES
from api.runtime import Runtime
from firmware_sim.layout import demo_compartments
from firmware_sim.simulator import Simulator
from locker import accounts, outbox, states
from locker.config import config_from_dict
from locker.kiosk import KioskMode
from locker.models import OutboxMessage
from locker.statuses import CollectionStatus, DossierStatus, DropoffStatus, PickupStatus, ResultStatus
from tests.support.net import wait_for

OTHER_KIOSK_TOKEN = "a-second-kiosk-token-of-32-characters"
JSON_TYPES: dict[str, Any] = {"object": dict, "array": list, "string": str, "boolean": bool,
                              "integer": int, "number": (int, float), "null": type(None)}


def resolve(doc: dict, ref: str) -> dict:
    node: Any = doc
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


def problems(doc: dict, schema: dict, value: Any, where: str = "$") -> list[str]:
    """What in ``value`` the schema does not allow; keys a model does not declare count too."""
    if "$ref" in schema:
        return problems(doc, resolve(doc, schema["$ref"]), value, where)
    if "anyOf" in schema:
        if any(not problems(doc, option, value, where) for option in schema["anyOf"]):
            return []
        return [f"{where}: {value!r} matches no option of {schema['anyOf']}"]
    if "const" in schema and value != schema["const"]:
        return [f"{where}: {value!r} is not {schema['const']!r}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{where}: {value!r} is not one of {schema['enum']}"]
    kind = schema.get("type")
    wrong_type = kind is not None and (not isinstance(value, JSON_TYPES[kind])
                                       or (kind != "boolean" and isinstance(value, bool)))
    if wrong_type:
        return [f"{where}: {value!r} is not of type {kind}"]
    if kind == "array":
        items = schema.get("items", {})
        return [p for i, item in enumerate(value) for p in problems(doc, items, item, f"{where}[{i}]")]
    if kind != "object":
        return []
    declared = schema.get("properties", {})
    extra = schema.get("additionalProperties", not declared)
    found = [f"{where}.{key}: required but missing" for key in schema.get("required", ()) if key not in value]
    for key, item in value.items():
        if key in declared:
            found += problems(doc, declared[key], item, f"{where}.{key}")
        elif isinstance(extra, dict):
            found += problems(doc, extra, item, f"{where}.{key}")
        elif extra is not True:
            found.append(f"{where}.{key}: not in the document")
    return found


def test_the_checker_itself_catches_what_it_must():
    doc = {"components": {"schemas": {"M": {"type": "object", "required": ["status"], "properties": {
        "status": {"enum": ["door_open"], "type": "string"}, "n": {"type": "integer"}}}}}}
    model = {"$ref": "#/components/schemas/M"}
    assert problems(doc, model, {"status": "door_open", "n": 1}) == []
    assert problems(doc, model, {"status": "cancelled"})
    assert problems(doc, model, {"status": "door_open", "presence": True})
    assert problems(doc, model, {"status": "door_open", "n": True})
    assert problems(doc, model, {})


@pytest.fixture
def app(tmp_path):
    sim = Simulator(boards=1)
    config = config_from_dict({
        "database": {"url": f"sqlite:///{tmp_path / 'locker.db'}"},
        "bus": {"url": sim.serve_bus("inprocess"), "poll_interval_ms": 50},
        "http": {"public_url": "http://kiosk.test", "kiosk_token": OTHER_KIOSK_TOKEN},
        "security": {"secret_file": str(tmp_path / "secret")},
        "kiosk": {"procedures_file": str(DEMO_PROCEDURES)},
        "compartment": demo_compartments(1),
    }, env={})
    runtime = Runtime.from_config(config)
    runtime.db.upgrade()
    with runtime.db.session() as s:
        accounts.create_account(s, "ann", "clerk", "a long password")
        token = accounts.create_token(s, "ann")
        accounts.create_account(s, "ada", "admin", "a long password")
        admin_token = accounts.create_token(s, "ada")
        accounts.create_account(s, "tom", "technician", "a long password")
        tech_token = accounts.create_token(s, "tom")
    runtime.start()
    try:
        wait_for(lambda: runtime.health()["status"] == "ok", message="healthy")
        api = Api(create_app(runtime=runtime), runtime, sim, token)
        api.admin = {"Authorization": f"Bearer {admin_token}"}
        api.tech = {"Authorization": f"Bearer {tech_token}"}
        yield api
    finally:
        runtime.stop()
        sim.close()


class Api:
    """Calls the app and checks each answer against the document's model for its route."""

    def __init__(self, app: Any, runtime: Runtime, sim: Simulator, token: str) -> None:
        self.client = app.test_client()
        self.runtime, self.sim = runtime, sim
        self.clerk = {"Authorization": f"Bearer {token}"}
        self.doc = self.client.get("/api/v1/openapi.json").get_json()
        self.checked: set[tuple[str, str, int]] = set()

    def call(self, method: str, path: str, route: str, status: int, **kwargs: Any) -> Any:
        resp = self.client.open(path, method=method, **kwargs)
        assert resp.status_code == status, resp.get_data(as_text=True)
        answer = self.doc["paths"][route][method.lower()]["responses"][str(status)]
        if "application/json" in answer.get("content", {}):
            schema = answer["content"]["application/json"]["schema"]
            assert problems(self.doc, schema, resp.get_json()) == [], (method, path)
        self.checked.add((method, route, status))
        return resp.get_json()

    def documented_json_answers(self) -> set[tuple[str, str]]:
        """(method, route) of every operation documented with a JSON model for success."""
        return {(method.upper(), route) for route, ops in self.doc["paths"].items() for method, op in ops.items()
                if any(status.startswith("2") and "$ref" in str(answer.get("content", {}).get("application/json"))
                       for status, answer in op["responses"].items())}

    def wait_pickup(self, pickup: dict, status: str) -> dict:
        route = "/api/v1/pickups/{pickup_id}"
        wait_for(lambda: self.runtime.service.get_pickup(pickup["id"])["status"] == status, message=status)
        return self.call("GET", f"/api/v1/pickups/{pickup['id']}", route, 200)

    def wait_dropoff(self, dropoff: dict, status: str) -> dict:
        route = "/api/v1/dropoffs/{dropoff_id}"
        wait_for(lambda: self.runtime.service.get_dropoff(dropoff["id"])["status"] == status, message=status)
        return self.call("GET", f"/api/v1/dropoffs/{dropoff['id']}", route, 200)

    def door_cycle(self, label: str, *, item: bool) -> None:
        """The unlocked door springs open; the person puts something in (or takes it out) and closes it."""
        board, lock = self.where(label)
        wait_for(lambda: self.sim.lock_state(board, lock)["door"] == "open", message=f"{label} open")
        self.sim.item(board, lock, item)
        self.sim.door(board, lock, "close")

    def where(self, label: str) -> tuple[int, int]:
        comp = next(c for c in self.runtime.config.compartments if c.label == label)
        return comp.board, comp.lock

    def last_code(self) -> str:
        with self.runtime.db.session() as s:
            rows = s.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()
            texts = [outbox.unseal(self.runtime.secret, m.payload)["text"] for m in rows]
        return next(m.group(1) for t in reversed(texts) if (m := re.search(r"^[^\n]*: (\d{8})$", t, re.M)))


def test_real_answers_match_the_published_document(app):
    api, person = app, {"phone": "0912345678", "size": "S"}
    api.call("GET", "/healthz", "/healthz", 200)

    dropoff = api.call("POST", "/api/v1/dropoffs", "/api/v1/dropoffs", 201, json={"dossier_code": "HS-1", **person})
    seen = {api.call("GET", f"/api/v1/dropoffs/{dropoff['id']}", "/api/v1/dropoffs/{dropoff_id}", 200)["status"]}
    api.door_cycle(dropoff["compartment"], item=True)
    wait_for(lambda: api.runtime.service.get_dropoff(dropoff["id"])["status"] == "stored", message="stored")
    seen.add(api.call("GET", f"/api/v1/dropoffs/{dropoff['id']}", "/api/v1/dropoffs/{dropoff_id}", 200)["status"])
    assert "stored" in seen and seen <= {"opening", "door_open", "stored"}
    rating = "/api/v1/dropoffs/{dropoff_id}/rating"
    api.call("POST", f"/api/v1/dropoffs/{dropoff['id']}/rating", rating, 201, json={"score": 5, "chips": ["quick"]})
    assert api.call("POST", f"/api/v1/dropoffs/{dropoff['id']}/rating", rating, 409,
                    json={"score": 4})["error"] == "already_rated"
    other_kiosk = api.call("GET", f"/api/v1/dropoffs/{dropoff['id']}", "/api/v1/dropoffs/{dropoff_id}", 200,
                           headers={"X-Kiosk-Token": OTHER_KIOSK_TOKEN})  # a kiosk other than the local one
    assert other_kiosk["dossier_code"] is None and other_kiosk["status"] == "stored"

    result = api.call("POST", "/api/v1/results", "/api/v1/results", 201, headers=api.clerk,
                      json={"dossier_code": "HS-2", **person})
    api.door_cycle(result["compartment"], item=True)
    wait_for(lambda: api.runtime.service.get_result(result["id"])["status"] == "ready", message="ready")
    api.call("GET", f"/api/v1/results/{result['id']}", "/api/v1/results/{result_id}", 200, headers=api.clerk)
    api.call("POST", f"/api/v1/results/{result['id']}/reissue", "/api/v1/results/{result_id}/reissue", 200,
             headers=api.clerk)

    wrong = {"dossier_code": "HS-2", "code": "00000000"}
    refused = api.call("POST", "/api/v1/pickups", "/api/v1/pickups", 403, json=wrong)
    assert refused["error"] == "invalid_credentials" and refused["attempts_left"] == 4
    code = api.last_code()
    pickup = api.call("POST", "/api/v1/pickups", "/api/v1/pickups", 201, json={"dossier_code": "HS-2", "code": code})
    api.door_cycle(pickup["compartment"], item=True)  # closed on the result
    api.wait_pickup(pickup, "left_inside")
    api.call("POST", f"/api/v1/pickups/{pickup['id']}/end", "/api/v1/pickups/{pickup_id}/end", 200)
    assert api.wait_pickup(pickup, "uncollected")["status"] == "uncollected"
    pickup = api.call("POST", "/api/v1/pickups", "/api/v1/pickups", 201, json={"dossier_code": "HS-2", "code": code})
    api.door_cycle(pickup["compartment"], item=True)
    api.wait_pickup(pickup, "left_inside")
    api.call("POST", f"/api/v1/pickups/{pickup['id']}/reopen", "/api/v1/pickups/{pickup_id}/reopen", 200)
    api.door_cycle(pickup["compartment"], item=False)
    assert api.wait_pickup(pickup, "collected")["status"] == "collected"
    api.call("POST", f"/api/v1/pickups/{pickup['id']}/rating", "/api/v1/pickups/{pickup_id}/rating", 201,
             json={"score": 2, "chips": []})

    empty = api.call("POST", "/api/v1/dropoffs", "/api/v1/dropoffs", 201, json={"dossier_code": "HS-4", **person})
    api.door_cycle(empty["compartment"], item=False)
    api.wait_dropoff(empty, "closed_empty")
    api.call("POST", f"/api/v1/dropoffs/{empty['id']}/reopen", "/api/v1/dropoffs/{dropoff_id}/reopen", 200)
    api.door_cycle(empty["compartment"], item=False)
    api.wait_dropoff(empty, "closed_empty")
    assert api.call("POST", f"/api/v1/dropoffs/{empty['id']}/end", "/api/v1/dropoffs/{dropoff_id}/end",
                    200)["status"] == "cancelled"

    collection = api.call("POST", "/api/v1/collections", "/api/v1/collections", 201, headers=api.clerk,
                          json={"compartment": dropoff["compartment"]})
    api.door_cycle(dropoff["compartment"], item=False)
    wait_for(lambda: api.runtime.service.get_collection(collection["id"])["status"] == "collected",
             message="collection done")
    api.call("GET", f"/api/v1/collections/{collection['id']}", "/api/v1/collections/{collection_id}", 200,
             headers=api.clerk)
    api.call("GET", f"/api/v1/dropoffs/{dropoff['id']}", "/api/v1/dropoffs/{dropoff_id}", 200)

    api.call("GET", "/api/v1/compartments", "/api/v1/compartments", 200, headers=api.clerk)
    api.call("POST", f"/api/v1/compartments/{dropoff['compartment']}/service", "/api/v1/compartments/{label}/service",
             200, headers=api.clerk, json={"in_service": False, "reason": "hinge"})
    for code in ("HS-1", "HS-2"):
        api.call("GET", f"/api/v1/dossiers/{code}", "/api/v1/dossiers/{code}", 200, headers=api.clerk)
    api.call("GET", "/api/v1/events?limit=1000", "/api/v1/events", 200, headers=api.clerk)
    api.call("POST", "/api/v1/kiosk/mode", "/api/v1/kiosk/mode", 204, json={"mode": "busy"})
    api.call("GET", "/api/v1/kiosk/activity", "/api/v1/kiosk/activity", 200)
    api.call("GET", "/api/v1/kiosk/availability", "/api/v1/kiosk/availability", 200)
    api.call("GET", "/api/v1/kiosk/layout", "/api/v1/kiosk/layout", 200)
    info_answers(api)
    api.call("GET", "/api/v1/dropoffs/999", "/api/v1/dropoffs/{dropoff_id}", 404)
    maintenance_answers(api, dropoff["compartment"])
    api.call("GET", "/healthz", "/healthz", 200)
    api.sim.door(*api.where("A16"), "open")  # forced open (a compartment no flow used): an alarm for the inbox
    wait_for(lambda: [a for a in api.runtime.service.list_alarms("open") if a["kind"] == "forced_open"],
             message="the forced door raises an alarm")
    opened = api.call("GET", "/api/v1/alarms?state=open", "/api/v1/alarms", 200, headers=api.clerk)
    assert len(opened) == 1, [(a["kind"], a["compartment"], a.get("details"), a.get("time")) for a in opened]
    [alarm] = opened
    api.call("POST", f"/api/v1/alarms/{alarm['id']}/ack", "/api/v1/alarms/{alarm_id}/ack", 200, headers=api.clerk,
             json={"note": "checked"})
    api.call("POST", f"/api/v1/alarms/{alarm['id']}/resolve", "/api/v1/alarms/{alarm_id}/resolve", 200,
             headers=api.clerk, json={})
    assert api.call("GET", "/healthz", "/healthz", 200)["alarms"]["open"] == 0
    webhook_answers(api)
    from tests.integration.test_clerk_runs_http import exercise_clerk_runs

    exercise_clerk_runs(api)
    reports_answers(api)
    assert api.documented_json_answers() - {(m, r) for m, r, _ in api.checked} == set()


def info_answers(api: Api) -> None:
    """The kiosk's procedures and its status lookup (a dossier that went through the cabinet, and one not)."""
    [first, *_] = api.call("GET", "/api/v1/kiosk/procedures", "/api/v1/kiosk/procedures", 200)
    api.call("GET", f"/api/v1/kiosk/procedures/{first['code']}", "/api/v1/kiosk/procedures/{procedure}", 200)
    api.call("GET", "/api/v1/kiosk/procedures/0.000000", "/api/v1/kiosk/procedures/{procedure}", 404)
    api.call("POST", "/api/v1/kiosk/lookups", "/api/v1/kiosk/lookups", 200, json={"dossier_code": "HS-1"})
    api.call("POST", "/api/v1/kiosk/lookups", "/api/v1/kiosk/lookups", 404, json={"dossier_code": "HS-NEVER"})


def reports_answers(api: Api) -> None:
    """The reports, the office's counter total for a day, and a citizen's data erased on request."""
    day = api.runtime.clock.now().date().isoformat()
    api.call("POST", "/api/v1/counter-totals", "/api/v1/counter-totals", 200, headers=api.admin,
             json={"date": day, "count": 12})
    api.call("GET", f"/api/v1/reports?from={day}&to={day}", "/api/v1/reports", 200, headers=api.clerk)
    api.call("POST", "/api/v1/dossiers/HS-1/erase", "/api/v1/dossiers/{code}/erase", 200, headers=api.admin,
             json={"reason": "request no. 1"})


def webhook_answers(api: Api) -> None:
    """The webhook endpoints, with a subscription that has had deliveries (to a closed port)."""
    hook = api.call("POST", "/api/v1/webhooks", "/api/v1/webhooks", 201, headers=api.admin,
                    json={"url": "http://127.0.0.1:9/hooks", "events": ["result.ready", "audit.head"]})
    api.runtime.audit_heads.export()
    path = f"/api/v1/webhooks/{hook['id']}"
    wait_for(lambda: api.runtime.service.webhooks.get(hook["id"])["deliveries"], message="a delivery")
    api.call("GET", "/api/v1/webhooks", "/api/v1/webhooks", 200, headers=api.admin)
    api.call("GET", path, "/api/v1/webhooks/{webhook_id}", 200, headers=api.admin)
    api.call("PATCH", path, "/api/v1/webhooks/{webhook_id}", 200, headers=api.admin, json={"paused": True})
    log = api.call("GET", f"{path}/deliveries", "/api/v1/webhooks/{webhook_id}/deliveries", 200, headers=api.admin)
    api.call("POST", f"/api/v1/webhooks/deliveries/{log[0]['id']}/redeliver",
             "/api/v1/webhooks/deliveries/{delivery_id}/redeliver", 200, headers=api.admin)
    api.call("GET", f"{path}/deliveries", "/api/v1/webhooks/{webhook_id}/deliveries", 200, headers=api.admin)
    metrics = api.client.get("/metrics").get_data(as_text=True)
    assert 'locker_webhook_deliveries{status="pending"}' in metrics
    api.call("DELETE", path, "/api/v1/webhooks/{webhook_id}", 204, headers=api.admin)
    api.call("GET", path, "/api/v1/webhooks/{webhook_id}", 404, headers=api.admin)


def maintenance_answers(api: Api, out_of_service: str) -> None:
    """Openings, a check run, back in service and the hardware view, as documented."""
    opening = api.call("POST", "/api/v1/maintenance/openings", "/api/v1/maintenance/openings", 201,
                       headers=api.tech, json={"compartment": out_of_service, "reason": "hinge check"})
    api.door_cycle(out_of_service, item=False)
    wait_for(lambda: api.runtime.service.get_maintenance_opening(opening["id"])["status"] == "closed",
             message="maintenance opening closed")
    api.call("GET", f"/api/v1/maintenance/openings/{opening['id']}", "/api/v1/maintenance/openings/{opening_id}",
             200, headers=api.clerk)
    api.call("POST", f"/api/v1/compartments/{out_of_service}/back-in-service",
             "/api/v1/compartments/{label}/back-in-service", 200, headers=api.clerk, json={"reason": "fixed"})
    api.call("POST", "/api/v1/compartments/A16/out-of-service", "/api/v1/compartments/{label}/out-of-service",
             200, headers=api.clerk, json={"reason": "hinge"})
    run = api.call("POST", "/api/v1/maintenance/runs", "/api/v1/maintenance/runs", 201, headers=api.tech)
    runs = "/api/v1/maintenance/runs/{run_id}"
    api.call("POST", f"/api/v1/maintenance/runs/{run['id']}/checks/{run['current']}", runs + "/checks/{label}", 200,
             headers=api.tech, json={"opened_ok": True, "latch_ok": True, "sensor_ok": None, "note": "ok"})
    api.call("POST", f"/api/v1/maintenance/runs/{run['id']}/next", runs + "/next", 200, headers=api.tech)
    api.call("GET", f"/api/v1/maintenance/runs/{run['id']}", runs, 200, headers=api.tech)
    api.call("POST", f"/api/v1/maintenance/runs/{run['id']}/finish", runs + "/finish", 200, headers=api.tech)
    api.call("GET", "/api/v1/technician/hardware", "/api/v1/technician/hardware", 200, headers=api.tech)


def test_a_jammed_pickup_answers_failed_as_documented(app):
    api = app
    result = api.call("POST", "/api/v1/results", "/api/v1/results", 201, headers=api.clerk,
                      json={"dossier_code": "HS-3", "phone": "0912345678", "size": "S"})
    api.door_cycle(result["compartment"], item=True)
    wait_for(lambda: api.runtime.service.get_result(result["id"])["status"] == "ready", message="ready")
    api.sim.fault("jam", *api.where(result["compartment"]))
    pickup = api.call("POST", "/api/v1/pickups", "/api/v1/pickups", 201,
                      json={"dossier_code": "HS-3", "code": api.last_code()})
    wait_for(lambda: api.runtime.service.get_pickup(pickup["id"])["status"] == "failed", timeout=20,
             message="failed")
    api.call("GET", f"/api/v1/pickups/{pickup['id']}", "/api/v1/pickups/{pickup_id}", 200)
    listing = api.call("GET", "/api/v1/compartments", "/api/v1/compartments", 200, headers=api.clerk)
    assert {c["label"]: c["state"] for c in listing}[result["compartment"]] == "out_of_service"


VOCABULARIES = [
    ("Dropoff", "status", DropoffStatus), ("Result", "status", ResultStatus), ("Pickup", "status", PickupStatus),
    ("Collection", "status", CollectionStatus), ("Dossier", "status", DossierStatus),
    ("Compartment", "state", states.STATES), ("KioskActivity", "mode", KioskMode),
]


def test_the_document_names_the_domain_s_words_and_no_others(app):
    for model, field, vocabulary in VOCABULARIES:
        schema = app.doc["components"]["schemas"][model]["properties"][field]
        assert schema["enum"] == [str(word) for word in vocabulary], model
