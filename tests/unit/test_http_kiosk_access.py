"""Who is a kiosk: its token, or else the one local kiosk; wrong kiosk tokens are audited
and throttled per address."""

from __future__ import annotations

from dataclasses import replace

import pytest

from locker.config import KioskConfig
from locker.errors import NoCompartmentAvailable
from tests.unit.test_http_support import REMOTE, assert_error, make_client

DROPOFF = {"dossier_code": "H01.2025/000123", "phone": "0912345678", "size": "M"}
TOKEN = {"X-Kiosk-Token": "k-secret"}
WRONG = {"X-Kiosk-Token": "guess"}


def kiosks_seen(rt) -> list[str]:
    return [call[2]["kiosk"] for call in rt.service.calls if call[0] in ("start_dropoff", "start_pickup")]


def test_every_loopback_address_is_the_one_local_kiosk(monkeypatch):
    c, rt = make_client(monkeypatch)
    for address in ("127.0.0.1", "127.0.0.2", "127.9.9.9", "::1", "::ffff:127.0.0.1"):
        resp = c.post("/api/v1/dropoffs", json=DROPOFF, environ_base={"REMOTE_ADDR": address})
        assert resp.status_code == 201, address
    assert set(kiosks_seen(rt)) == {"kiosk:local"}, "another loopback address must not get a throttle of its own"


def test_the_token_kiosk_is_one_kiosk_wherever_it_calls_from(monkeypatch):
    c, rt = make_client(monkeypatch, kiosk_token="k-secret")
    for address in ("10.0.0.5", "10.0.0.6", "127.0.0.1"):
        resp = c.post("/api/v1/dropoffs", json=DROPOFF, headers=TOKEN, environ_base={"REMOTE_ADDR": address})
        assert resp.status_code == 201
    assert kiosks_seen(rt) == ["kiosk-token"] * 3


def test_wrong_kiosk_tokens_are_refused_audited_then_throttled(monkeypatch):
    c, rt = make_client(monkeypatch, kiosk_token="k-secret", loopback=False)
    threshold = rt.config.security.kiosk_failure_threshold
    for _ in range(threshold - 1):
        assert_error(c.post("/api/v1/dropoffs", json=DROPOFF, headers=WRONG, environ_base=REMOTE), 403, "kiosk_only")
    assert [e["kind"] for e in rt.audited] == ["kiosk_token_refused"] * (threshold - 1)
    assert rt.audited[0]["actor"] == "client:10.0.0.5" and rt.audited[0]["address"] == "10.0.0.5"
    assert_error(c.post("/api/v1/dropoffs", json=DROPOFF, headers=WRONG, environ_base=REMOTE), 403, "kiosk_only")
    alarm = rt.audited[-1]
    assert alarm["kind"] == "kiosk_token_throttled" and alarm["alarm"] is True
    assert alarm["retry_after"] == rt.config.security.throttle_base_s

    # Blocked: even the right token waits, and nothing more is written per attempt.
    audited = len(rt.audited)
    for headers in (WRONG, TOKEN):
        resp = c.post("/api/v1/dropoffs?lang=en", json=DROPOFF, headers=headers, environ_base=REMOTE)
        assert_error(resp, 429, "throttled")
        assert int(resp.headers["Retry-After"]) == rt.config.security.throttle_base_s
    assert len(rt.audited) == audited and kiosks_seen(rt) == []
    other = {"REMOTE_ADDR": "10.0.0.9"}
    assert c.post("/api/v1/dropoffs", json=DROPOFF, headers=TOKEN, environ_base=other).status_code == 201

    rt.clock.advance(rt.config.security.throttle_base_s)
    assert c.post("/api/v1/dropoffs", json=DROPOFF, headers=TOKEN, environ_base=REMOTE).status_code == 201


def test_a_repeat_offender_waits_twice_as_long(monkeypatch):
    c, rt = make_client(monkeypatch, kiosk_token="k-secret", loopback=False)
    sec = rt.config.security
    for round_ in (1, 2):
        for _ in range(sec.kiosk_failure_threshold):
            c.post("/api/v1/kiosk/mode", json={"mode": "busy"}, headers=WRONG, environ_base=REMOTE)
        resp = c.post("/api/v1/kiosk/mode", json={"mode": "busy"}, headers=WRONG, environ_base=REMOTE)
        assert_error(resp, 429, "throttled")
        assert int(resp.headers["Retry-After"]) == sec.throttle_base_s * round_
        rt.clock.advance(sec.throttle_base_s * round_)


def test_a_token_when_none_is_configured_is_a_wrong_token(monkeypatch):
    c, rt = make_client(monkeypatch)
    assert_error(c.post("/api/v1/dropoffs", json=DROPOFF, headers=WRONG), 403, "kiosk_only")
    assert [e["kind"] for e in rt.audited] == ["kiosk_token_refused"] and kiosks_seen(rt) == []


def test_the_runtime_writes_refused_tokens_into_the_audit_log(tmp_path):
    from api.app import create_app
    from api.runtime import Runtime
    from locker.config import config_from_dict

    rt = Runtime(config_from_dict({"database": {"url": f"sqlite:///{tmp_path / 'locker.db'}"},
                                   "security": {"secret_file": str(tmp_path / "locker.secret")}}, env={}))
    rt.db.upgrade()
    try:
        c = create_app(rt).test_client()
        assert_error(c.get("/api/v1/kiosk/activity", headers=WRONG, environ_base=REMOTE), 403, "kiosk_only")
        [event] = rt.service.events_after(0)
        assert (event["kind"], event["actor"], event["data"]) == ("kiosk_token_refused", "client:10.0.0.5",
                                                                  {"address": "10.0.0.5"})
    finally:
        rt.db.dispose()


# ---- the kiosk's host names (DNS rebinding) ---------------------------------------------

CITIZEN_REQUESTS = [("post", "/api/v1/dropoffs", DROPOFF), ("get", "/api/v1/dropoffs/1", None),
                    ("post", "/api/v1/pickups", {"dossier_code": "H1", "code": "12345678"}),
                    ("get", "/api/v1/pickups/1", None), ("post", "/api/v1/kiosk/mode", {"mode": "busy"}),
                    ("get", "/api/v1/kiosk/activity", None), ("get", "/", None), ("get", "/kiosk", None)]


@pytest.mark.parametrize("headers", [
    {"Host": "evil.example"}, {"Host": "evil.example:8000"}, {"Host": "127.0.0.1.evil.example"},
    {"Host": "127.0.0.1:8000", "Origin": "http://evil.example:8000"}, {"Host": "localhost", "Origin": "null"},
    {"Host": "localhost", "Origin": "file://"}, {"Host": "a b"},
])
def test_a_page_on_another_host_is_refused_everywhere_a_door_could_open(monkeypatch, headers):
    c, rt = make_client(monkeypatch, kiosk_token="k-secret")
    for method, path, body in CITIZEN_REQUESTS:
        resp = getattr(c, method)(path + "?lang=en", json=body, headers={**headers, **TOKEN})
        message = assert_error(resp, 403, "foreign_host")["message"]
        assert "not the locker's kiosk" in message, path
    assert_error(c.get("/kiosk", headers=headers), 403, "foreign_host")
    assert "không phải màn hình kiosk" in c.get("/kiosk", headers=headers).get_json()["message"]
    assert rt.service.calls == []


@pytest.mark.parametrize("headers", [
    {"Host": "localhost"}, {"Host": "127.0.0.1:8000"}, {"Host": "[::1]:8000"}, {"Host": "LOCALHOST."},
    {"Host": "127.0.0.1:8000", "Origin": "http://localhost:8000"}, {"Host": "localhost", "Origin": "https://[::1]"},
])
def test_the_kiosk_hosts_on_any_port_are_served(monkeypatch, headers):
    c, _ = make_client(monkeypatch)
    assert c.get("/kiosk", headers=headers).status_code == 200
    assert c.post("/api/v1/dropoffs", json=DROPOFF, headers=headers).status_code == 201


def test_allowed_hosts_come_from_the_configuration(monkeypatch):
    c, rt = make_client(monkeypatch)
    rt.config = replace(rt.config, kiosk=KioskConfig(allowed_hosts=("kiosk.office.vn",)))
    assert c.get("/kiosk", headers={"Host": "kiosk.office.vn:8000"}).status_code == 200
    assert_error(c.get("/kiosk", headers={"Host": "localhost"}), 403, "foreign_host")


def test_open_and_clerk_endpoints_do_not_depend_on_the_host(monkeypatch):
    c, _ = make_client(monkeypatch)
    assert c.get("/healthz", headers={"Host": "status.example"}).status_code == 200


# ---- drop-offs per minute ----------------------------------------------------------------

def test_a_kiosk_cannot_open_every_free_door_at_once(monkeypatch):
    c, rt = make_client(monkeypatch)
    limit = rt.config.kiosk.dropoffs_per_minute
    for i in range(limit):
        assert c.post("/api/v1/dropoffs", json=DROPOFF).status_code == 201
        rt.clock.advance(1)
    resp = c.post("/api/v1/dropoffs?lang=en", json=DROPOFF)
    body = assert_error(resp, 429, "dropoff_rate_limited")
    assert resp.headers["Retry-After"] == str(60 - limit)
    assert f"wait {60 - limit} seconds" in body["message"]
    assert len([call for call in rt.service.calls if call[0] == "start_dropoff"]) == limit
    [alarm] = rt.audited
    assert (alarm["kind"], alarm["actor"], alarm["alarm"], alarm["limit"]) == (
        "dropoff_rate_limited", "kiosk:local", True, limit)
    assert_error(c.post("/api/v1/dropoffs", json=DROPOFF), 429, "dropoff_rate_limited")
    assert len(rt.audited) == 1, "one alarm per minute, not one per refusal"
    assert c.post("/api/v1/pickups", json={"dossier_code": "H1", "code": "12345678"}).status_code == 201

    rt.clock.advance(60 - limit)  # the first start has left the window
    assert c.post("/api/v1/dropoffs", json=DROPOFF).status_code == 201
    assert_error(c.post("/api/v1/dropoffs", json=DROPOFF), 429, "dropoff_rate_limited")


def test_each_kiosk_has_its_own_pace_and_failed_starts_do_not_count(monkeypatch):
    c, rt = make_client(monkeypatch, kiosk_token="k-secret")
    rt.config = replace(rt.config, kiosk=replace(rt.config.kiosk, dropoffs_per_minute=2))
    rt.service.fail("start_dropoff", NoCompartmentAvailable("M"))
    for _ in range(3):
        assert_error(c.post("/api/v1/dropoffs", json=DROPOFF), 409, "no_compartment")
    del rt.service.failures["start_dropoff"]
    for _ in range(2):
        assert c.post("/api/v1/dropoffs", json=DROPOFF).status_code == 201
        assert c.post("/api/v1/dropoffs", json=DROPOFF, headers=TOKEN, environ_base=REMOTE).status_code == 201
    assert_error(c.post("/api/v1/dropoffs", json=DROPOFF), 429, "dropoff_rate_limited")
    assert_error(c.post("/api/v1/dropoffs", json=DROPOFF, headers=TOKEN, environ_base=REMOTE), 429,
                 "dropoff_rate_limited")


def test_the_openapi_document_names_the_new_refusals(monkeypatch):
    c, _ = make_client(monkeypatch)
    paths = c.get("/api/v1/openapi.json").get_json()["paths"]
    dropoffs = paths["/api/v1/dropoffs"]["post"]["responses"]
    assert "foreign_host" in dropoffs["403"]["description"]
    assert "dropoff_rate_limited" in dropoffs["429"]["description"]
    assert "429" in paths["/api/v1/kiosk/activity"]["get"]["responses"], "wrong kiosk tokens are throttled"
