"""The service's HTTP door across processes (``locker sim`` and ``locker serve``): a busy
HTTP port stops ``locker serve`` before it touches the bus or the audit log."""

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
