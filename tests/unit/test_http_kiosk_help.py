"""The kiosk's availability endpoint, the help that citizen errors carry, and offline boards in
drop-off errors, through the web layer (fake service)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from locker.errors import InvalidCredentials, NoCompartmentAvailable

from tests.unit.test_http_support import CLERK, assert_error, make_client

HOTLINE, HOURS = "0236 3822 000", "Thứ Hai - Thứ Sáu, 7:30 - 17:00"


@pytest.fixture
def client(monkeypatch):
    c, rt = make_client(monkeypatch)
    rt.config = replace(rt.config, office=replace(rt.config.office, hotline=HOTLINE, hours=HOURS))
    return c, rt


def free(label: str, size: str, board: int) -> dict:
    return {"label": label, "size": size, "board": board, "lock": 1, "state": "free", "door": "closed",
            "dossier_code": None}


def test_availability_of_a_working_cabinet(client):
    c, _ = client
    body = c.get("/api/v1/kiosk/availability").get_json()
    assert body["dropoff"]["available"] and body["pickup"]["available"]
    assert body["notices"] == []
    assert HOTLINE in body["contact"]["vi"] and HOURS in body["contact"]["en"]


def test_availability_of_an_offline_cabinet_in_both_languages(client):
    c, rt = client
    rt.service.healthy = {**rt.service.healthy, "boards": {0: "offline", 1: "offline"}}
    body = c.get("/api/v1/kiosk/availability?lang=en").get_json()
    assert (body["dropoff"]["reason"], body["pickup"]["reason"]) == ("hardware_unavailable",) * 2
    assert [(n["flow"], bool(n["vi"]), bool(n["en"])) for n in body["notices"]] == [
        ("dropoff", True, True), ("pickup", True, True)]


def test_availability_is_for_kiosks_only(client):
    c, _ = client
    body = assert_error(c.get("/api/v1/kiosk/availability", environ_base={"REMOTE_ADDR": "10.0.0.5"}), 403,
                        "kiosk_only")
    assert HOTLINE in body["help"]


@pytest.mark.parametrize(("lang", "step"), [("vi", "mã nhận 8 chữ số"), ("en", "8-digit pickup code")])
def test_a_citizen_error_says_what_to_do_next_and_whom_to_call(client, lang, step):
    c, rt = client
    rt.service.fail("start_pickup", InvalidCredentials())
    resp = c.post(f"/api/v1/pickups?lang={lang}", json={"dossier_code": "H1", "code": "12345678"})
    body = assert_error(resp, 403, "invalid_credentials")
    assert step in body["help"] and HOTLINE in body["help"] and HOURS in body["help"]
    assert HOTLINE not in body["message"]


def test_clerk_errors_carry_no_kiosk_help(client):
    c, _ = client
    body = assert_error(c.get("/api/v1/results/99", headers=CLERK), 404, "not_found")
    assert "help" not in body


def test_no_compartment_only_because_its_board_is_offline_is_a_hardware_problem(client):
    c, rt = client
    rt.service.fail("start_dropoff", NoCompartmentAvailable("M"))
    rt.service.list_compartments = lambda: [free("A01", "M", 0)]
    request = {"dossier_code": "H1", "phone": "0912345678", "size": "M"}
    assert_error(c.post("/api/v1/dropoffs", json=request), 409, "no_compartment")   # its board answers
    rt.service.healthy = {**rt.service.healthy, "boards": {0: "offline", 1: "online"}}
    body = assert_error(c.post("/api/v1/dropoffs?lang=en", json=request), 503, "hardware_unavailable")
    assert "come back later" in body["help"]
