"""A simulated cabinet and the service as two separate processes over TCP."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from firmware_sim.layout import demo_compartments
from tests.support.net import free_port, wait_for
from tests.support.processes import LockerProcess, run_locker
from tests.support.sms_gateway import SmsGateway


@dataclass
class Cabinet:
    api: str
    sim: str
    token: str
    sms: SmsGateway
    workdir: Path
    compartments: dict[str, dict] = field(default_factory=dict)
    service: LockerProcess | None = None

    @property
    def clerk(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def post(self, path: str, body: dict, *, clerk: bool = False, **kw) -> requests.Response:
        return requests.post(self.api + path, json=body, headers=self.clerk if clerk else {}, timeout=10, **kw)

    def get(self, path: str, *, clerk: bool = False) -> requests.Response:
        return requests.get(self.api + path, headers=self.clerk if clerk else {}, timeout=10)

    def sim_post(self, path: str, body: dict) -> dict:
        response = requests.post(self.sim + path, json=body, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def lock_of(self, label: str) -> tuple[int, int]:
        c = self.compartments[label]
        return c["board"], c["lock"]

    def sim_lock(self, label: str) -> dict:
        board, lock = self.lock_of(label)
        state = requests.get(self.sim + "/sim/state", timeout=10).json()
        [b] = [b for b in state["boards"] if b["address"] == board]
        [entry] = [entry for entry in b["locks"] if entry["lock"] == lock]
        return entry

    def wait_door(self, label: str, door: str, timeout: float = 10) -> None:
        wait_for(lambda: self.sim_lock(label)["door"] == door, timeout=timeout, message=f"{label} door {door}")

    def close_door(self, label: str) -> None:
        board, lock = self.lock_of(label)
        self.sim_post("/sim/door", {"board": board, "lock": lock, "action": "close"})

    def wait_status(self, path: str, status: str, *, clerk: bool = False, timeout: float = 10) -> dict:
        def reached() -> dict | None:
            body = self.get(path, clerk=clerk).json()
            return body if body.get("status") == status else None
        return wait_for(reached, timeout=timeout, message=f"{path} status {status}")

    def frames(self, after: int = 0) -> list[dict]:
        return requests.get(self.sim + f"/sim/frames?after={after}", timeout=10).json()

    def last_frame_number(self) -> int:
        frames = self.frames()
        return frames[-1]["n"] if frames else 0

    def host_frames_since(self, after: int) -> list[bytes]:
        return [bytes.fromhex(f["hex"].replace(" ", "")) for f in self.frames(after) if f["dir"] == "host>board"]


def kerong_unlock_frame(board: int, lock: int) -> bytes:
    body = bytes([0x02, (board << 4) | (lock - 1), 0x31, 0x03])
    return body + bytes([sum(body) & 0xFF])


def write_config(path: Path, *, db_url: str, http_port: int, bus_url: str, scanner_url: str,
                 sms_url: str, secret: Path, compartments: list[dict], extra: str = "") -> None:
    lines = [
        "[database]", f'url = "{db_url}"', "",
        "[http]", 'host = "127.0.0.1"', f"port = {http_port}", f'public_url = "http://127.0.0.1:{http_port}"', "",
        "[bus]", f'url = "{bus_url}"', 'protocol = "kerong-cu16"', "baudrate = 19200",
        "answer_timeout_ms = 200", "poll_interval_ms = 100", "open_timeout_ms = 2500", "",
        "[scanner]", f'url = "{scanner_url}"', "",
        "[notify.sms]", 'kind = "http"', f'url = "{sms_url}"', "",
        "[security]", f'secret_file = "{secret}"', "",
        extra,
    ]
    for c in compartments:
        lines += ["[[compartment]]", f'label = "{c["label"]}"', f'board = {c["board"]}', f'lock = {c["lock"]}',
                  f'size = "{c["size"]}"', ""]
    path.write_text("\n".join(lines), encoding="utf-8")


@pytest.fixture
def cabinet(tmp_path, db_url, sms_gateway):
    bus_port, scanner_port, control_port, http_port = (free_port() for _ in range(4))
    sim = LockerProcess("sim", "--boards", "2", "--serial", f"tcp://127.0.0.1:{bus_port}",
                        "--scanner", f"tcp://127.0.0.1:{scanner_port}", "--control", f"127.0.0.1:{control_port}",
                        "--seed", "7", cwd=tmp_path, name="sim")
    service: LockerProcess | None = None
    try:
        sim_url = f"http://127.0.0.1:{control_port}"
        sim.wait_http(sim_url + "/sim/state")
        urls = re.findall(r"socket://127\.0\.0\.1:\d+", sim.output())
        assert f"socket://127.0.0.1:{bus_port}" in urls, sim.output()
        compartments = demo_compartments(2)
        config = tmp_path / "locker.toml"
        write_config(config, db_url=db_url, http_port=http_port, bus_url=f"socket://127.0.0.1:{bus_port}",
                     scanner_url=f"socket://127.0.0.1:{scanner_port}", sms_url=sms_gateway.url,
                     secret=tmp_path / "locker.secret", compartments=compartments)
        for args, stdin in ((("db", "upgrade"), None),
                            (("user", "add", "clerk1", "--role", "clerk", "--password-stdin"), "s3cret-pass\n")):
            result = run_locker(*args, "--config", str(config), cwd=tmp_path, stdin=stdin)
            assert result.returncode == 0, result.stdout + result.stderr
        result = run_locker("token", "create", "clerk1", "--config", str(config), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        token = result.stdout.strip().splitlines()[-1]
        service = LockerProcess("serve", "--config", str(config), cwd=tmp_path, name="serve")
        api = f"http://127.0.0.1:{http_port}"
        service.wait_http(api + "/healthz")
        yield Cabinet(api=api, sim=sim_url, token=token, sms=sms_gateway, workdir=tmp_path,
                      compartments={c["label"]: c for c in compartments}, service=service)
    finally:
        if service is not None:
            service.stop()
        sim.stop()
        time.sleep(0)
