"""Announcements, loading batches, collection and retrieval runs and deadlines through the
real service and the Flask app: every answer checked against the published document, and
a refusal for each protected action."""

from __future__ import annotations

import pytest

from locker import accounts
from tests.integration.test_http_openapi_answers import Api, app  # noqa: F401  (a fixture)
from tests.support.net import wait_for

PERSON = {"phone": "0912345678", "due": "2026-12-01", "procedure": "Chứng thực bản sao"}


def token_of(api: Api, name: str, role: str) -> dict[str, str]:
    with api.runtime.db.session() as s:
        if s.query(accounts.Account).filter_by(name=name).first() is None:
            accounts.create_account(s, name, role, "a long password")
        return {"Authorization": f"Bearer {accounts.create_token(s, name)}"}


def exercise_clerk_runs(api: Api) -> None:
    """Call every route of this part once with a documented answer (used by the document test too)."""
    onestop = token_of(api, "onestop", "system")
    body = {"dossier_code": "hs-10", "size": "S", **PERSON}
    assert api.call("POST", "/api/v1/announcements", "/api/v1/announcements", 201, headers=onestop,
                    json=body)["dossier_code"] == "HS-10"
    api.call("POST", "/api/v1/announcements", "/api/v1/announcements", 200, headers=onestop, json=body)
    api.call("GET", "/api/v1/announcements/HS-10", "/api/v1/announcements/{code}", 200, headers=onestop)
    contact = api.call("POST", "/api/v1/announcements", "/api/v1/announcements", 201, headers=onestop,
                       json={**body, "dossier_code": "HS-11", "email": "lan@example.vn", "language": "en"})
    assert (contact["email"], contact["language"]) == ("l**@example.vn", "en")
    api.call("DELETE", "/api/v1/announcements/HS-11", "/api/v1/announcements/{code}", 204, headers=onestop)

    run = api.call("POST", "/api/v1/load-runs", "/api/v1/load-runs", 201, headers=api.clerk, json={})
    path, route = f"/api/v1/load-runs/{run['id']}", "/api/v1/load-runs/{run_id}"
    loaded = api.call("POST", f"{path}/scans", route + "/scans", 200, headers=api.clerk, json={"data": "HS-10"})
    api.door_cycle(loaded["items"][0]["compartment"], item=True)
    api.call("POST", f"{path}/scans", route + "/scans", 200, headers=api.clerk, json={"data": "HS-12"})
    typed = api.call("POST", f"{path}/details", route + "/details", 200, headers=api.clerk,
                     json={"phone": "0987654321", "size": "S"})
    api.door_cycle(typed["items"][1]["compartment"], item=True)
    try:
        wait_for(lambda: [i["state"] for i in api.runtime.service.runs.load.get(run["id"])["items"]] == ["ready"] * 2,
                 message="both ready")
    except AssertionError as exc:  # say where each stood, and why, if they never got there
        raise AssertionError(f"{exc}: {api.runtime.service.runs.load.get(run['id'])['items']}, "
                             f"open alarms {api.runtime.service.list_alarms('open')}") from None
    api.call("GET", path, route, 200, headers=api.clerk)
    api.call("GET", "/api/v1/load-runs", "/api/v1/load-runs", 200, headers=api.clerk)
    api.call("POST", f"{path}/close", route + "/close", 200, headers=api.clerk)
    manifest = api.client.get(f"{path}/manifest.csv", headers=api.clerk)
    assert manifest.status_code == 200 and manifest.mimetype == "text/csv"
    assert "HS-10" in manifest.get_data(as_text=True) and "0912345678" not in manifest.get_data(as_text=True)

    waiting = api.call("GET", "/api/v1/results/waiting", "/api/v1/results/waiting", 200, headers=api.clerk)
    result_id = next(r["id"] for r in waiting if r["dossier_code"] == "HS-10")
    api.call("POST", f"/api/v1/results/{result_id}/extend", "/api/v1/results/{result_id}/extend", 200,
             headers=api.clerk, json={"reason": "citizen in hospital"})
    api.call("GET", "/api/v1/results/expired", "/api/v1/results/expired", 200, headers=api.clerk)

    dropoff = api.call("POST", "/api/v1/dropoffs", "/api/v1/dropoffs", 201,
                       json={"dossier_code": "HS-13", "phone": "0912345678", "size": "S"})
    api.door_cycle(dropoff["compartment"], item=True)
    wait_for(lambda: api.runtime.service.get_dropoff(dropoff["id"])["status"] == "stored", message="stored")
    cab = api.call("POST", "/api/v1/collection-runs", "/api/v1/collection-runs", 201, headers=api.clerk,
                   json={"kind": "collection"})
    path, route = f"/api/v1/collection-runs/{cab['id']}", "/api/v1/collection-runs/{run_id}"
    api.door_cycle(cab["items"][0]["compartment"], item=False)
    flagged = api.call("POST", f"{path}/scans", route + "/scans", 200, headers=api.clerk, json={"data": "HS-99"})
    assert [i["check"] for i in flagged["items"]] == ["mismatch"]
    wait_for(lambda: api.runtime.service.runs.cabinet.get(cab["id"])["items"][0]["state"] == "taken",
             message="taken")
    api.call("POST", f"{path}/items/{cab['items'][0]['id']}/missing", route + "/items/{item_id}/missing", 200,
             headers=api.clerk)
    api.call("POST", f"{path}/next", route + "/next", 409, headers=api.clerk)
    api.call("GET", path, route, 200, headers=api.clerk)
    api.call("GET", "/api/v1/collection-runs", "/api/v1/collection-runs", 200, headers=api.clerk)
    signed = api.call("POST", f"{path}/close", route + "/close", 200, headers=api.clerk)
    assert signed["signed_by"] == "ann"
    assert "signed by,ann" in api.client.get(f"{path}/manifest.csv", headers=api.clerk).get_data(as_text=True)


def test_every_route_answers_as_documented(app):
    exercise_clerk_runs(app)


PROTECTED = [
    ("POST", "/api/v1/load-runs", {}), ("GET", "/api/v1/load-runs", None),
    ("POST", "/api/v1/load-runs/1/scans", {"data": "HS-1"}), ("POST", "/api/v1/load-runs/1/close", None),
    ("POST", "/api/v1/collection-runs", {"kind": "collection"}), ("POST", "/api/v1/collection-runs/1/next", None),
    ("POST", "/api/v1/collection-runs/1/scans", {"data": "HS-1"}), ("POST", "/api/v1/collection-runs/1/close", None),
    ("POST", "/api/v1/results/1/extend", {"reason": "x"}), ("GET", "/api/v1/results/expired", None),
]


@pytest.mark.parametrize("method, path, body", PROTECTED)
def test_runs_refuse_the_one_stop_system_and_strangers(app, method, path, body):
    onestop = token_of(app, "onestop", "system")
    kwargs = {"json": body} if body is not None else {}
    assert app.client.open(path, method=method, headers=onestop, **kwargs).get_json()["error"] == "forbidden"
    assert app.client.open(path, method=method, **kwargs).status_code == 401


def test_announcements_refuse_clerks_and_technicians(app):
    technician = token_of(app, "tom", "technician")
    body = {"dossier_code": "HS-1", "size": "S", **PERSON}
    for who in (app.clerk, technician):
        assert app.client.post("/api/v1/announcements", json=body, headers=who).status_code == 403
        assert app.client.delete("/api/v1/announcements/HS-1", headers=who).status_code == 403
    assert app.client.post("/api/v1/announcements", json=body).status_code == 401
    admin = token_of(app, "ada", "admin")
    assert app.client.post("/api/v1/announcements", json=body, headers=admin).status_code == 201
    assert app.client.post("/api/v1/announcements", json={**body, "size": "XL"}, headers=admin).get_json()[
        "field"] == "size"
    for bad in ({"email": "lan@"}, {"email": 7}, {"language": "fr"}):
        answer = app.client.post("/api/v1/announcements", json={**body, **bad}, headers=admin)
        assert answer.status_code == 400 and answer.get_json()["field"] == next(iter(bad))
    assert app.runtime.service.runs.announcements.get("HS-1")["size"] == "S"
    assert app.runtime.service.runs.announcements.get("HS-1")["email"] is None
