"""Citizen and kiosk endpoints: happy paths, kiosk-only access, credentials, throttling."""

from __future__ import annotations

import pytest

from locker.errors import HardwareUnavailable, NoCompartmentAvailable, Throttled

from tests.unit.test_http_support import GOOD_QR, PICKUP_CODE, REMOTE, assert_error, make_client

DROPOFF = {"dossier_code": "H01.2025/000123", "phone": "0912345678", "size": "M"}


@pytest.fixture
def client(monkeypatch):
    return make_client(monkeypatch)


def test_dropoff_opens_a_compartment_and_can_be_followed(client):
    c, rt = client
    resp = c.post("/api/v1/dropoffs", json=DROPOFF)
    assert resp.status_code == 201
    assert resp.get_json() == {"id": 1, "compartment": "A05", "status": "door_open"}
    assert rt.service.calls[-1] == ("start_dropoff", ("H01.2025/000123", "0912345678", "M"),
                                    {"kiosk": "kiosk:local", "email": None, "language": "vi"})
    # The kiosk screen's language and an optional address reach the domain.
    resp = c.post("/api/v1/dropoffs?lang=en", json={**DROPOFF, "email": "lan@example.vn"})
    assert resp.status_code == 201
    assert rt.service.calls[-1][2] == {"kiosk": "kiosk:local", "email": "lan@example.vn", "language": "en"}
    assert c.get("/api/v1/dropoffs/1").get_json() == {
        "id": 1, "dossier_code": "H01.2025/000123", "compartment": "A05", "status": "door_open"}


def test_unknown_and_non_integer_ids_are_json_404s(client):
    c, _ = client
    assert_error(c.get("/api/v1/dropoffs/99"), 404, "not_found")
    for path in ("/api/v1/dropoffs/abc", "/api/v1/dropoffs/-1", "/api/v1/dropoffs/0", "/api/v1/dropoffs/1.5",
                 "/api/v1/pickups/99999999999999999999999", "/api/v1/pickups/%00"):
        assert_error(c.get(path), 404, "not_found")


def test_service_validation_errors_carry_the_field(client):
    c, rt = client
    body = assert_error(c.post("/api/v1/dropoffs", json=DROPOFF | {"size": "XL"}), 400, "invalid_input")
    assert body["field"] == "size"
    assert rt.service.ops["dropoff"] == {}


@pytest.mark.parametrize("exc, status, word", [
    (NoCompartmentAvailable("L"), 409, "no_compartment"),
    (HardwareUnavailable(), 503, "hardware_unavailable"),
])
def test_domain_errors_keep_their_status_and_word(client, exc, status, word):
    c, rt = client
    rt.service.fail("start_dropoff", exc)
    assert_error(c.post("/api/v1/dropoffs", json=DROPOFF), status, word)


def test_pickup_with_code_and_with_qr(client):
    c, rt = client
    resp = c.post("/api/v1/pickups", json={"dossier_code": "H1", "code": PICKUP_CODE})
    assert resp.status_code == 201 and resp.get_json()["compartment"] == "B03"
    resp = c.post("/api/v1/pickups", json={"qr": GOOD_QR})
    assert resp.status_code == 201
    assert rt.service.calls[-1][2] == {"dossier_code": None, "code": None, "qr": GOOD_QR, "kiosk": "kiosk:local"}
    assert c.get("/api/v1/pickups/2").get_json()["status"] == "door_open"
    assert_error(c.get("/api/v1/pickups/3"), 404, "not_found")


@pytest.mark.parametrize("body", [
    {}, {"dossier_code": "H1"}, {"code": PICKUP_CODE},
    {"dossier_code": "H1", "code": PICKUP_CODE, "qr": GOOD_QR}, {"qr": GOOD_QR, "code": PICKUP_CODE},
])
def test_pickup_needs_exactly_one_kind_of_credential(client, body):
    c, rt = client
    assert_error(c.post("/api/v1/pickups", json=body), 400, "invalid_input")
    assert not [call for call in rt.service.calls if call[0] == "start_pickup"]


def test_wrong_credentials_are_403(client):
    c, _ = client
    assert_error(c.post("/api/v1/pickups", json={"dossier_code": "H1", "code": "00000000"}), 403,
                 "invalid_credentials")


def test_throttled_pickup_is_429_with_retry_after(client):
    c, rt = client
    rt.service.fail("start_pickup", Throttled(120))
    resp = c.post("/api/v1/pickups?lang=en", json={"qr": GOOD_QR})
    body = assert_error(resp, 429, "throttled")
    assert resp.headers["Retry-After"] == "120"
    assert "120 seconds" in body["message"]


def test_non_kiosk_clients_are_refused_everywhere(client):
    c, rt = client
    requests = [("post", "/api/v1/dropoffs", DROPOFF), ("get", "/api/v1/dropoffs/1", None),
                ("post", "/api/v1/pickups", {"qr": GOOD_QR}), ("get", "/api/v1/pickups/1", None),
                ("post", "/api/v1/kiosk/mode", {"mode": "busy"}), ("get", "/api/v1/kiosk/activity", None)]
    for method, path, body in requests:
        resp = getattr(c, method)(path, json=body, environ_base=REMOTE)
        assert_error(resp, 403, "kiosk_only")
    assert rt.service.calls == []


def test_ipv6_loopback_is_a_kiosk(client):
    c, _ = client
    assert c.post("/api/v1/dropoffs", json=DROPOFF, environ_base={"REMOTE_ADDR": "::1"}).status_code == 201


def test_kiosk_token_admits_a_remote_kiosk(monkeypatch):
    c, rt = make_client(monkeypatch, kiosk_token="k-secret", loopback=False)
    resp = c.post("/api/v1/dropoffs", json=DROPOFF, environ_base=REMOTE, headers={"X-Kiosk-Token": "k-secret"})
    assert resp.status_code == 201
    assert rt.service.calls[-1][2] == {"kiosk": "kiosk-token", "email": None, "language": "vi"}
    assert_error(c.post("/api/v1/dropoffs", json=DROPOFF, environ_base=REMOTE,
                        headers={"X-Kiosk-Token": "wrong"}), 403, "kiosk_only")
    # loopback_is_kiosk = false: loopback alone is not enough behind a reverse proxy
    assert_error(c.post("/api/v1/dropoffs", json=DROPOFF), 403, "kiosk_only")


def test_empty_kiosk_token_setting_admits_nobody_by_token(monkeypatch):
    c, _ = make_client(monkeypatch, kiosk_token="", loopback=False)
    assert_error(c.post("/api/v1/dropoffs", json=DROPOFF, environ_base=REMOTE, headers={"X-Kiosk-Token": ""}),
                 403, "kiosk_only")


def test_kiosk_mode_and_activity(client):
    c, rt = client
    resp = c.post("/api/v1/kiosk/mode", json={"mode": "busy"})
    assert resp.status_code == 204 and resp.get_data() == b""
    assert rt.service.modes == {"scanner": "busy"}
    rt.service.last_scan = {"at": "2025-01-01T00:00:00Z", "ok": True,
                            "pickup": {"id": 4, "compartment": "B03", "status": "door_open"}, "error": None}
    assert c.get("/api/v1/kiosk/activity").get_json() == {"mode": "busy", "last_scan": rt.service.last_scan}
    for bad in ({"mode": "away"}, {"mode": 1}, {}, {"mode": "idle", "x": 1}):
        assert_error(c.post("/api/v1/kiosk/mode", json=bad), 400, "invalid_input")
    assert rt.service.modes == {"scanner": "busy"}
