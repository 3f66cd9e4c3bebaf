"""Malformed requests: every answer is a JSON error, never a 500, and nothing is stored."""

from __future__ import annotations

import json
import random

import pytest

from tests.unit.test_http_support import CLERK, assert_error, make_client

POSTS = ["/api/v1/dropoffs", "/api/v1/pickups", "/api/v1/results", "/api/v1/collections", "/api/v1/kiosk/mode",
         "/api/v1/results/1/reissue"]
DROPOFF = {"dossier_code": "H1", "phone": "0912345678", "size": "M"}
STARTS = ("start_dropoff", "start_pickup", "load_result", "start_collection", "set_kiosk_mode")


@pytest.fixture
def client(monkeypatch):
    return make_client(monkeypatch)


def _started(rt):
    return [call for call in rt.service.calls if call[0] in STARTS]


@pytest.mark.parametrize("raw", [b"", b"{", b"{'a': 1}", b"\xff\xfe", b"[" * 5000 + b"]" * 5000, b"nul",
                                 b'{"dossier_code": "H1",}'])
def test_malformed_json_is_400(client, raw):
    c, rt = client
    assert_error(c.post("/api/v1/dropoffs", data=raw, content_type="application/json"), 400, "invalid_json")
    assert _started(rt) == []


@pytest.mark.parametrize("body, field", [
    ([1, 2], "body"), ("text", "body"), (None, "body"), (17, "body"),
    (DROPOFF | {"size": 3}, "size"), (DROPOFF | {"phone": None}, "phone"),
    (DROPOFF | {"dossier_code": ["H1"]}, "dossier_code"), (DROPOFF | {"size": {"a": 1}}, "size"),
    (DROPOFF | {"size": True}, "size"), ({"phone": "0912345678", "size": "M"}, "dossier_code"),
    (DROPOFF | {"extra": "x"}, "extra"), (DROPOFF | {"dossier_code": "H" * 5000}, "dossier_code"),
    (DROPOFF | {"dossier_code": "\ud800"}, "dossier_code"),
])
def test_wrong_json_shapes_name_the_field(client, body, field):
    c, rt = client
    resp = c.post("/api/v1/dropoffs", data=json.dumps(body), content_type="application/json")
    assert assert_error(resp, 400, "invalid_input")["field"] == field
    assert _started(rt) == []


def test_body_must_be_declared_json(client):
    c, rt = client
    resp = c.post("/api/v1/dropoffs", data=json.dumps(DROPOFF), content_type="text/plain")
    assert_error(resp, 415, "unsupported_media_type")
    assert_error(c.post("/api/v1/dropoffs", data={"dossier_code": "H1"}), 415, "unsupported_media_type")
    assert _started(rt) == []


def test_huge_bodies_are_413_json(client):
    c, rt = client
    huge = json.dumps(DROPOFF | {"dossier_code": "H" * 200_000})
    assert_error(c.post("/api/v1/dropoffs", data=huge, content_type="application/json"), 413, "too_large")
    assert_error(c.post("/api/v1/results", data=huge, content_type="application/json", headers=CLERK), 413,
                 "too_large")
    assert _started(rt) == []


def test_unknown_routes_and_wrong_methods(client):
    c, _ = client
    assert_error(c.get("/api/v1/nothing"), 404, "not_found")
    assert_error(c.get("/api/v2/dropoffs"), 404, "not_found")
    resp = c.delete("/api/v1/dropoffs")
    assert_error(resp, 405, "method_not_allowed")
    assert "POST" in resp.headers["Allow"]
    assert_error(c.put("/api/v1/dropoffs/1", json={}), 405, "method_not_allowed")
    assert_error(c.post("/healthz"), 405, "method_not_allowed")


def test_language_follows_query_then_accept_language(client):
    c, _ = client
    vi = c.get("/api/v1/nothing").get_json()["message"]
    en = c.get("/api/v1/nothing", headers={"Accept-Language": "en-US,en;q=0.9"}).get_json()["message"]
    assert vi == "Không tìm thấy địa chỉ này." and en == "No such resource."
    assert c.get("/api/v1/nothing", headers={"Accept-Language": "vi,en;q=0.5"}).get_json()["message"] == vi
    assert c.get("/api/v1/nothing", headers={"Accept-Language": "fr"}).get_json()["message"] == vi
    assert c.get("/api/v1/nothing?lang=en").get_json()["message"] == en
    assert c.get("/api/v1/nothing?lang=vi", headers={"Accept-Language": "en"}).get_json()["message"] == vi
    body = c.post("/api/v1/dropoffs", json=DROPOFF | {"size": 1}, headers={"Accept-Language": "en"}).get_json()
    assert body["message"] == "size must be a string."


def test_an_unexpected_failure_is_still_a_json_error(client):
    c, rt = client
    rt.service.fail("list_compartments", RuntimeError("boom"))
    assert_error(c.get("/api/v1/compartments", headers=CLERK), 500, "internal_error")


def test_a_database_failure_is_503(client):
    from sqlalchemy.exc import OperationalError

    c, rt = client
    rt.service.fail("get_dropoff", OperationalError("SELECT", {}, Exception("database is locked")))
    assert_error(c.get("/api/v1/dropoffs/1"), 503, "database_unavailable")


def _random_value(rng: random.Random, depth: int = 0):
    kinds = ["str", "int", "float", "bool", "null", "list", "dict", "code"] if depth < 3 else ["str", "int", "null"]
    kind = rng.choice(kinds)
    if kind == "str":
        return "".join(chr(rng.choice([rng.randrange(32, 127), rng.randrange(0, 0x3000)]))
                       for _ in range(rng.randrange(0, 40)))
    if kind == "int":
        return rng.choice([0, -1, 2**70, rng.randrange(-1000, 1000)])
    if kind == "float":
        return rng.choice([1.5, -0.0, 1e308])
    if kind == "bool":
        return rng.choice([True, False])
    if kind == "null":
        return None
    if kind == "list":
        return [_random_value(rng, depth + 1) for _ in range(rng.randrange(0, 4))]
    if kind == "code":
        return rng.choice(["H01.2025/000123", "0912345678", "M", "12345678", "idle", "busy", "A05"])
    keys = ["dossier_code", "phone", "size", "code", "qr", "compartment", "mode", "x", ""]
    return {rng.choice(keys): _random_value(rng, depth + 1) for _ in range(rng.randrange(0, 5))}


def _random_body(rng: random.Random) -> bytes:
    choice = rng.random()
    if choice < 0.6:
        return json.dumps(_random_value(rng)).encode()
    if choice < 0.8:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(0, 60)))
    text = json.dumps(_random_value(rng))
    return text[: rng.randrange(0, len(text) + 1)].encode()


def test_fuzzed_bodies_never_crash_anything(client):
    c, _ = client
    rng = random.Random(20250101)
    for _ in range(600):
        path = rng.choice(POSTS)
        headers = dict(CLERK) if rng.random() < 0.8 else {}
        ctype = rng.choice(["application/json", "application/json", "application/json; charset=utf-8",
                            "text/plain", "application/x-www-form-urlencoded"])
        resp = c.post(path, data=_random_body(rng), content_type=ctype, headers=headers)
        assert resp.status_code < 500, (path, resp.status_code, resp.get_data(as_text=True))
        assert resp.status_code == 204 or resp.is_json
        if resp.status_code >= 400:
            body = resp.get_json()
            assert isinstance(body["error"], str) and isinstance(body["message"], str)
