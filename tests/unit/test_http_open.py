"""Open endpoints: health, metrics, the OpenAPI document, QR images, headers, the simulator mount."""

from __future__ import annotations

import sys
from types import ModuleType, SimpleNamespace

import pytest
from flask import Blueprint
from prometheus_client.parser import text_string_to_metric_families

from tests.unit.test_http_support import CLERK, GOOD_QR, assert_error, make_client


@pytest.fixture
def client(monkeypatch):
    return make_client(monkeypatch)


def test_health_ok(client):
    c, _ = client
    resp = c.get("/healthz", environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok", "database": "ok", "bus": {"boards": {"0": "online", "1": "online"}},
                               "scanner": "ok", "gpio": "absent", "power": "mains", "tamper": False,
                               "compartments": {"free": 30, "holding_dropoff": 2},
                               "alarms": {"open": 0, "acknowledged": 0, "by_kind": {}}}


@pytest.mark.parametrize("change, scanner", [
    (lambda rt: rt.service.healthy["boards"].update({1: "offline"}), "ok"),
    (lambda rt: rt.service.healthy["boards"].update({1: "unknown"}), "ok"),
    (lambda rt: setattr(rt, "scanner", False), "down"),
    (lambda rt: rt.service.healthy.update({"power": "battery"}), "ok"),
    (lambda rt: rt.service.healthy.update({"tamper": True}), "ok"),
    (lambda rt: setattr(rt, "gpio", False), "ok"),
])
def test_health_degraded_but_serving(client, change, scanner):
    c, rt = client
    change(rt)
    resp = c.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json()["status"] == "degraded" and resp.get_json()["scanner"] == scanner


def test_health_names_the_gpio_state(client):
    c, rt = client
    rt.gpio = True
    assert c.get("/healthz").get_json()["gpio"] == "ok"
    rt.gpio = False
    assert c.get("/healthz").get_json()["gpio"] == "down"


def test_health_without_scanner_is_ok(client):
    c, rt = client
    rt.scanner = None
    assert c.get("/healthz").get_json()["scanner"] == "absent"
    assert c.get("/healthz").get_json()["status"] == "ok"


def test_health_database_down_is_503(client):
    c, rt = client
    rt.database = False
    assert c.get("/healthz").status_code == 503
    rt.database = True
    rt.service.fail("health", RuntimeError("no database"))
    resp = c.get("/healthz")
    assert resp.status_code == 503
    assert resp.get_json()["database"] == "error" and resp.get_json()["status"] == "degraded"


def _families(text):
    return {family.name: family for family in text_string_to_metric_families(text)}


def test_metrics_parse_and_count_requests(client):
    c, rt = client
    c.get("/api/v1/dropoffs/1")
    c.get("/no/such/page/123")
    resp = c.get("/metrics")
    assert resp.status_code == 200 and resp.content_type.startswith("text/plain")
    families = _families(resp.get_data(as_text=True))
    requests = {(s.labels["endpoint"], s.labels["status"]): s.value
                for s in families["locker_http_requests"].samples if s.name.endswith("_total")}
    assert requests[("/api/v1/dropoffs/<id:dropoff_id>", "404")] == 1
    assert requests[("unmatched", "404")] == 1
    assert "locker_http_request_duration_seconds" in families
    states = {s.labels["state"]: s.value for s in families["locker_compartments"].samples}
    assert states["free"] == 30 and states["out_of_service"] == 0
    assert {s.labels["board"]: s.value for s in families["locker_board_online"].samples} == {"0": 1, "1": 1}
    assert families["locker_bus_frames_sent"].samples[0].value == 10
    errors = families["locker_bus_errors"].samples[0]
    assert errors.labels == {"board": "0", "kind": "no_answer"} and errors.value == 1
    latency = {s.labels["quantile"]: s.value for s in families["locker_bus_answer_latency_seconds"].samples}
    assert latency["1.0"] == 0.05
    buckets = {s.labels["le"]: s.value for s in families["locker_bus_answer_seconds"].samples
               if s.name.endswith("_bucket")}
    assert buckets == {"0.01": 1, "0.025": 2, "0.05": 3, "+Inf": 3}
    assert families["locker_bus_last_seen_seconds_ago"].samples[0].value >= 0
    assert families["locker_scanner_up"].samples[0].value == 1


def test_metrics_survive_failing_sources_and_apps_do_not_share_a_registry(monkeypatch):
    c1, rt = make_client(monkeypatch)
    c2, _ = make_client(monkeypatch)
    rt.service.fail("health", RuntimeError("down"))
    rt.stats = {0: {"frames_sent": "lots"}}
    c1.get("/healthz")
    families = _families(c1.get("/metrics").get_data(as_text=True))
    assert families["locker_database_up"].samples[0].value == 0
    other = _families(c2.get("/metrics").get_data(as_text=True))
    assert not [s for s in other["locker_http_requests"].samples if s.labels.get("endpoint") == "/healthz"]


def _resolve(doc, ref):
    assert ref.startswith("#/"), ref
    node = doc
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_openapi_document_covers_every_route_and_resolves(client):
    c, _ = client
    resp = c.get("/api/v1/openapi.json", environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert resp.status_code == 200
    doc = resp.get_json()
    assert doc["openapi"].startswith("3.1")
    assert set(doc["components"]["securitySchemes"]) == {"bearer", "kiosk"}
    methods: dict[str, set[str]] = {}  # several views may share a path (GET and DELETE of one resource)
    for rule in c.application.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = rule.rule
        for arg in rule.arguments:
            path = path.replace(f"<id:{arg}>", f"{{{arg}}}").replace(f"<path:{arg}>", f"{{{arg}}}")
        assert path in doc["paths"], path
        methods.setdefault(path, set()).update(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    for path, served in methods.items():
        assert set(doc["paths"][path]) == served, path
    refs = list(_refs(doc))
    assert refs
    for ref in refs:
        _resolve(doc, ref)
    assert "$defs" not in str(doc)
    dropoff = doc["paths"]["/api/v1/dropoffs"]["post"]
    assert dropoff["security"] == [{"kiosk": []}, {}]
    assert set(dropoff["responses"]) >= {"201", "400", "403", "413"}
    assert doc["paths"]["/api/v1/results"]["post"]["security"] == [{"bearer": []}]
    assert doc["paths"]["/api/v1/dossiers/{code}"]["get"]["parameters"][0]["name"] == "code"
    assert doc["paths"]["/api/v1/pickups/{pickup_id}"]["get"]["parameters"][0]["schema"] == {"type": "integer", "minimum": 1,
                                                                                         "maximum": 2**63 - 1}
    request_schema = _resolve(doc, dropoff["requestBody"]["content"]["application/json"]["schema"]["$ref"])
    assert request_schema["additionalProperties"] is False


def test_qr_image_only_for_signed_tokens(client):
    c, _ = client
    resp = c.get(f"/q/{GOOD_QR}", environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    assert resp.get_data().startswith(b"\x89PNG\r\n\x1a\n")
    assert resp.headers["Cache-Control"] == "no-store"
    for token in ("LK1.1.bm9uY2U.forged", "x" * 400, "a b", "%00"):
        assert_error(c.get(f"/q/{token}"), 404, "not_found")


def test_security_headers(client):
    c, _ = client
    resp = c.get("/api/v1/compartments", headers=CLERK)
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["Cache-Control"] == "no-store"


def test_simulator_control_is_mounted_only_in_demo(monkeypatch):
    fake = ModuleType("firmware_sim.control")

    def create_control_blueprint(sim, *, service_view):
        assert callable(service_view)  # the page shows the service's state of each compartment
        bp = Blueprint("sim", __name__, url_prefix="/sim")
        bp.add_url_rule("/state", "state", lambda: {"boards": sim.boards})
        return bp

    fake.create_control_blueprint = create_control_blueprint
    monkeypatch.setitem(sys.modules, "firmware_sim.control", fake)
    c, _ = make_client(monkeypatch)
    assert_error(c.get("/sim/state"), 404, "not_found")
    from api.app import create_app

    c, rt = make_client(monkeypatch)
    rt.simulator = SimpleNamespace(boards=[])
    demo = create_app(rt).test_client()
    assert demo.get("/sim/state").get_json() == {"boards": []}


def test_qr_image_checks_the_domain_signature(monkeypatch):
    from locker.credentials import qr_mac

    c, rt = make_client(monkeypatch)
    nonce = "A" * 22
    assert c.get(f"/q/LK1.5.{nonce}.{qr_mac(rt.secret, 5, nonce)}").status_code == 200
    assert_error(c.get(f"/q/LK1.5.{nonce}.{qr_mac(b'other' * 8, 5, nonce)}"), 404, "not_found")
    assert_error(c.get(f"/q/LK1.6.{nonce}.{qr_mac(rt.secret, 5, nonce)}"), 404, "not_found")


def test_openapi_document_describes_every_webhook_event_and_its_signature(client):
    from locker.webhooks import EVENT_TYPES

    c, _ = client
    doc = c.get("/api/v1/openapi.json", environ_base={"REMOTE_ADDR": "10.1.1.1"}).get_json()
    assert set(doc["webhooks"]) == set(EVENT_TYPES)
    for name, item in doc["webhooks"].items():
        post = item["post"]
        assert {p["name"] for p in post["parameters"]} == {"X-Locker-Timestamp", "X-Locker-Signature"}
        payload = _resolve(doc, post["requestBody"]["content"]["application/json"]["schema"]["$ref"])
        assert set(payload["required"]) == {"id", "type", "time", "data"}
        assert name in str(_resolve(doc, "#/components/schemas/WebhookPayload")["properties"]["type"])
    assert doc["paths"]["/api/v1/webhooks"]["post"]["security"] == [{"bearer": []}]
