"""Clerk endpoints: bearer tokens, roles, results, collections, dossiers and the audit log."""

from __future__ import annotations

import pytest

from locker.errors import Conflict

from tests.unit.test_http_support import CLERK, assert_error, make_client

RESULT = {"dossier_code": "H01.2025/000123", "phone": "+84912345678", "size": "L"}
CLERK_REQUESTS = [
    ("post", "/api/v1/results", RESULT), ("get", "/api/v1/results/1", None),
    ("post", "/api/v1/results/1/reissue", None), ("post", "/api/v1/collections", {"compartment": "A05"}),
    ("get", "/api/v1/collections/1", None), ("get", "/api/v1/compartments", None),
    ("get", "/api/v1/dossiers/H01.2025/000123", None), ("get", "/api/v1/events", None),
]


@pytest.fixture
def client(monkeypatch):
    return make_client(monkeypatch)


def test_load_result_follow_and_reissue(client):
    c, rt = client
    resp = c.post("/api/v1/results", json=RESULT, headers=CLERK)
    assert resp.status_code == 201
    assert resp.get_json() == {"id": 1, "compartment": "C01", "status": "door_open"}
    assert rt.service.calls[-1] == ("load_result", ("H01.2025/000123", "+84912345678", "L"),
                                    {"actor": "ann", "email": None, "language": None})
    assert c.get("/api/v1/results/1", headers=CLERK).get_json()["dossier_code"] == "H01.2025/000123"
    resp = c.post("/api/v1/results/1/reissue", headers=CLERK)
    assert resp.status_code == 200 and resp.get_json()["id"] == 1
    assert rt.service.calls[-1] == ("reissue_credential", (1,), {"actor": "ann"})
    assert_error(c.post("/api/v1/results/7/reissue", headers=CLERK), 404, "not_found")
    assert_error(c.get("/api/v1/results/x", headers=CLERK), 404, "not_found")


def test_reissue_conflict(client):
    c, rt = client
    c.post("/api/v1/results", json=RESULT, headers=CLERK)
    rt.service.fail("reissue_credential", Conflict("Chưa sẵn sàng.", "Not ready yet."))
    assert_error(c.post("/api/v1/results/1/reissue", headers=CLERK), 409, "conflict")


def test_collection(client):
    c, rt = client
    resp = c.post("/api/v1/collections", json={"compartment": "A05"}, headers=CLERK)
    assert resp.status_code == 201 and resp.get_json()["status"] == "door_open"
    assert rt.service.calls[-1] == ("start_collection", ("A05",), {"actor": "ann"})
    assert c.get("/api/v1/collections/1", headers=CLERK).get_json()["compartment"] == "A05"
    assert_error(c.get("/api/v1/collections/2", headers=CLERK), 404, "not_found")
    body = assert_error(c.post("/api/v1/collections", json={"compartment": 5}, headers=CLERK), 400,
                        "invalid_input")
    assert body["field"] == "compartment"


def test_compartments_and_dossier_with_slash(client):
    c, _ = client
    assert c.get("/api/v1/compartments", headers=CLERK).get_json()[0]["label"] == "A01"
    resp = c.get("/api/v1/dossiers/H01.2025/000123", headers=CLERK)
    assert resp.status_code == 200 and resp.get_json()["code"] == "H01.2025/000123"
    assert_error(c.get("/api/v1/dossiers/nope", headers=CLERK), 404, "not_found")


def test_events_paging_and_bad_numbers(client):
    c, rt = client
    assert c.get("/api/v1/events", headers=CLERK).get_json()[0]["seq"] == 1
    assert rt.service.calls[-1] == ("events_after", (0,), {"limit": 500})
    c.get("/api/v1/events?after=41&limit=10", headers=CLERK)
    assert rt.service.calls[-1] == ("events_after", (41,), {"limit": 10})
    for query, field in [("after=-1", "after"), ("after=x", "after"), ("after=1e3", "after"),
                         ("after=99999999999999999999999", "after"), ("limit=0", "limit"),
                         ("limit=100000", "limit"), ("limit=", "limit"), ("after=%C2%B2", "after")]:
        body = assert_error(c.get(f"/api/v1/events?{query}", headers=CLERK), 400, "invalid_input")
        assert body["field"] == field


@pytest.mark.parametrize("method, path, body", CLERK_REQUESTS)
def test_clerk_endpoints_need_a_valid_bearer_token(client, method, path, body):
    c, rt = client
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic Y2xlcms6eA=="},
                    {"Authorization": "Bearer "}, {"Authorization": "clerk-token"}):
        assert_error(getattr(c, method)(path, json=body, headers=headers), 401, "unauthorized")
    assert_error(getattr(c, method)(path, json=body, headers={"Authorization": "Bearer viewer-token"}), 403,
                 "forbidden")
    assert rt.service.calls == []


def test_higher_roles_are_clerks_too(client):
    c, rt = client
    assert c.get("/api/v1/compartments", headers={"Authorization": "Bearer admin-token"}).status_code == 200


def test_clerk_endpoints_do_not_need_a_kiosk(client):
    c, _ = client
    resp = c.get("/api/v1/compartments", headers=CLERK, environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert resp.status_code == 200
