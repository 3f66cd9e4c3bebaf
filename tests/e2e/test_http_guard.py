"""The service's HTTP door across processes (``locker sim`` and ``locker serve``): a page on
a foreign host opens no door, a wrong kiosk token is audited, and a busy HTTP port stops
``locker serve`` before it touches the bus or the audit log."""

from __future__ import annotations

import socket

import pytest
import requests
from sqlalchemy import func, select

from locker.db import Database
from locker.models import AuditEvent
from tests.e2e.conftest import printed_snippet, write_config
from tests.support.net import free_port
from tests.support.processes import LockerProcess, run_locker

pytestmark = pytest.mark.e2e

DROPOFF = {"dossier_code": "HS-E2E-HOST", "phone": "0912345678", "size": "S"}


def test_a_foreign_host_opens_no_door_and_a_wrong_kiosk_token_is_audited(sqlite_cabinet):
    cab = sqlite_cabinet
    first = cab.last_frame_number()
    rebinding = [{"Host": "evil.example"}, {"Host": f"evil.example:{cab.api.rsplit(':', 1)[1]}"},
                 {"Origin": "http://evil.example"}]
    for headers in rebinding:
        resp = requests.post(cab.api + "/api/v1/dropoffs", json=DROPOFF, headers=headers, timeout=10)
        assert resp.status_code == 403 and resp.json()["error"] == "foreign_host", resp.text
        page = requests.get(cab.api + "/kiosk", headers=headers, timeout=10)
        assert page.status_code == 403 and page.json()["error"] == "foreign_host"
    assert requests.get(cab.api + "/kiosk", timeout=10).status_code == 200
    resp = requests.post(cab.api + "/api/v1/dropoffs", json=DROPOFF, headers={"X-Kiosk-Token": "guess"}, timeout=10)
    assert resp.status_code == 403 and resp.json()["error"] == "kiosk_only"
    assert cab.unlock_frames_since(first) == [], "no door was pulsed"
    assert cab.service_compartments() and all(c["state"] == "free" for c in cab.service_compartments().values())
    [refused] = cab.events("kiosk_token_refused")
    assert refused["actor"] == "client:127.0.0.1" and refused["data"] == {"address": "127.0.0.1"}
    assert cab.events("dropoff_started") == []


def test_a_busy_http_port_stops_serve_before_the_bus_and_the_audit_log(tmp_path, sms_gateway):
    bus_port, scanner_port, control_port, http_port = (free_port() for _ in range(4))
    sim = LockerProcess("sim", "--boards", "1", "--serial", f"tcp://127.0.0.1:{bus_port}",
                        "--scanner", f"tcp://127.0.0.1:{scanner_port}", "--control", f"127.0.0.1:{control_port}",
                        "--gpio", "none", cwd=tmp_path, name="sim")
    try:
        sim_url = f"http://127.0.0.1:{control_port}"
        sim.wait_http(sim_url + "/sim/state")
        db_url = f"sqlite:///{tmp_path / 'locker.db'}"
        config = tmp_path / "locker.toml"
        write_config(config, db_url=db_url, http_port=http_port, bus_url=f"socket://127.0.0.1:{bus_port}",
                     scanner_url=f"socket://127.0.0.1:{scanner_port}", sms_url=sms_gateway.url,
                     secret=tmp_path / "locker.secret", compartments=printed_snippet(sim.output())["compartment"])
        assert run_locker("db", "upgrade", "--config", str(config), cwd=tmp_path).returncode == 0
        with socket.socket() as other_program:
            other_program.bind(("127.0.0.1", http_port))
            other_program.listen()
            result = run_locker("serve", "--config", str(config), cwd=tmp_path, timeout=30)
        output = result.stdout + result.stderr
        assert result.returncode == 1, output
        assert "http.port" in output and f"127.0.0.1:{http_port}" in output and "Traceback" not in output
        assert requests.get(sim_url + "/sim/frames", timeout=5).json() == [], "nothing went out on the bus"
        database = Database(db_url)
        with database.session() as s:
            assert s.execute(select(func.count()).select_from(AuditEvent)).scalar_one() == 0
        database.dispose()
    finally:
        sim.stop()
