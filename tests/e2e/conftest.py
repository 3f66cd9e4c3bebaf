"""A simulated cabinet and the service as two separate processes over TCP."""

from __future__ import annotations

import json
import re
import tomllib
import signal
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pytest
import requests

from tests.support.net import free_port, wait_for
from tests.support.processes import LockerProcess, prepare_locker, run_locker
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
    config: Path | None = None
    restarts: int = 0
    sim_process: LockerProcess | None = None

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

    def close_door(self, label: str, *, item: bool | None = None) -> None:
        """A person closes the door, after putting something in (``item=True``) or taking it out."""
        board, lock = self.lock_of(label)
        if item is not None:
            self.put_item(label, item)
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

    def unlock_frames_since(self, after: int) -> list[bytes]:
        return [f for f in self.host_frames_since(after) if len(f) == 5 and f[2] == 0x31]

    def relay_pulses(self) -> dict[tuple[int, int], int]:
        """How often each relay lock's relay was energised, by (board, lock) (gpio-relay cabinets)."""
        state = requests.get(self.sim + "/sim/state", timeout=10).json()
        return {(b["address"], lock["lock"]): lock["pulses"] for b in state["boards"] for lock in b["locks"]
                if "pulses" in lock}

    # ---- faults, doors and the service's view --------------------------------------

    def fault(self, kind: str, board: int | None = None, lock: int | None = None, count: int = 0) -> dict:
        return self.sim_post("/sim/fault", {"kind": kind, "board": board, "lock": lock, "count": count})

    def open_door(self, label: str) -> dict:
        board, lock = self.lock_of(label)
        return self.sim_post("/sim/door", {"board": board, "lock": lock, "action": "open"})

    def put_item(self, label: str, present: bool = True) -> dict:
        board, lock = self.lock_of(label)
        return self.sim_post("/sim/item", {"board": board, "lock": lock, "present": present})

    def service_compartments(self) -> dict[str, dict]:
        response = self.get("/api/v1/compartments", clerk=True)
        assert response.status_code == 200, response.text
        return {c["label"]: c for c in response.json()}

    def events(self, kind: str | None = None, after: int = 0) -> list[dict]:
        response = self.get(f"/api/v1/events?after={after}&limit=1000", clerk=True)
        assert response.status_code == 200, response.text
        return [e for e in response.json() if kind is None or e["kind"] == kind]

    def alarms(self, kind: str | None = None, compartment: str | None = None) -> list[dict]:
        return [e for e in self.events(kind) if (e.get("data") or {}).get("alarm") is True
                and (compartment is None or e["compartment"] == compartment)]

    def inbox(self, state: str = "") -> list[dict]:
        """The alarms inbox (``GET /api/v1/alarms``), newest first."""
        response = self.get(f"/api/v1/alarms?state={state}", clerk=True)
        assert response.status_code == 200, response.text
        return response.json()

    def health(self) -> dict:
        return requests.get(self.api + "/healthz", timeout=10).json()

    # ---- the service process ---------------------------------------------------------

    def kill_service(self) -> None:
        """SIGKILL: no clean shutdown, exactly like a power cut of the controller."""
        assert self.service is not None
        self.service.proc.kill()
        self.service.proc.wait(10)
        self.service.stop()

    def start_service(self) -> None:
        assert self.config is not None
        self.restarts += 1
        self.service = LockerProcess("serve", "--config", str(self.config), cwd=self.workdir,
                                     name=f"serve-{self.restarts}")
        self.service.wait_http(self.api + "/healthz")

    def locker(self, *args: str, stdin: str | None = None):  # noqa: ANN201 - CompletedProcess
        assert self.config is not None
        return run_locker(*args, "--config", str(self.config), cwd=self.workdir, stdin=stdin)


def kerong_unlock_frame(board: int, lock: int) -> bytes:
    body = bytes([0x02, (board << 4) | (lock - 1), 0x31, 0x03])
    return body + bytes([sum(body) & 0xFF])


def write_config(path: Path, *, db_url: str, http_port: int, bus_url: str, scanner_url: str,
                 sms_url: str, secret: Path, compartments: list[dict], extra: str = "",
                 open_timeout_ms: int = 2500, bus: dict | None = None, sms: dict | None = None,
                 security: dict | None = None, public_url: bool = True) -> None:
    """``bus`` holds the [bus] keys (as printed by ``locker sim``); Kerong CU16 by default.
    A ``gpio-relay`` bus gets no ``url`` (its locks are GPIO pins, listed in ``relay_locks``).
    ``sms`` adds keys to [notify.sms] (e.g. a short ``retry_base_s``), ``security`` to [security]
    (e.g. a short ``credential_ttl_days``). Without ``public_url`` a pickup code comes without
    the SMS of its QR link."""
    bus = dict(bus or {"protocol": "kerong-cu16", "baudrate": 19200, "answer_timeout_ms": 200})
    if bus.get("protocol") != "gpio-relay":
        bus["url"] = bus_url
    bus.update(poll_interval_ms=100, open_timeout_ms=open_timeout_ms)
    lines = [
        "[database]", f'url = "{db_url}"', "",
        "[http]", 'host = "127.0.0.1"', f"port = {http_port}",
        f'public_url = "http://127.0.0.1:{http_port}"' if public_url else "", "",
        "[bus]", *(f"{key} = {toml_value(value)}" for key, value in bus.items()), "",
        "[scanner]", f'url = "{scanner_url}"', "",
        "[notify.sms]", 'kind = "http"', f'url = "{sms_url}"',
        *(f"{key} = {json.dumps(value)}" for key, value in (sms or {}).items()), "",
        "[security]", f'secret_file = "{secret}"',
        *(f"{key} = {json.dumps(value)}" for key, value in (security or {}).items()), "",
        extra,
    ]
    for c in compartments:
        lines += ["[[compartment]]", f'label = "{c["label"]}"', f'board = {c["board"]}', f'lock = {c["lock"]}',
                  f'size = "{c["size"]}"', ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def toml_value(value) -> str:
    """A TOML value for a number, boolean, string, array or inline table.

    >>> toml_value([{"relay": 18, "switch": 2}])
    '[{ relay = 18, switch = 2 }]'
    """
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key} = {toml_value(item)}" for key, item in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return json.dumps(value)


def printed_snippet(output: str) -> dict:
    """The locker.toml snippet that ``locker sim`` prints for the technician, parsed."""
    marker = "Paste into locker.toml:"
    assert marker in output, output
    snippet = output.split(marker, 1)[1]
    lines = snippet.splitlines()
    keep = []
    for line in lines:  # the snippet ends where the simulator's next message begins
        if line and not (line.startswith(("[", "#")) or "=" in line):
            break
        keep.append(line)
    return tomllib.loads("\n".join(keep))


@contextmanager
def running_cabinet(tmp_path: Path, db_url: str, sms_gateway: SmsGateway, *,
                    open_timeout_ms: int = 2500, board_type: str = "kerong-cu16",
                    sms: dict | None = None, gpio: bool = False, printer: bool = False,
                    security: dict | None = None, extra: str = "", public_url: bool = True) -> Iterator[Cabinet]:
    """``locker sim`` and ``locker serve`` as separate processes over TCP, with a clerk token.

    The service's [bus], [gpio] and [[compartment]] tables are the ones ``locker sim``
    prints; ``sms`` adds keys to its [notify.sms] table, ``security`` to [security], and
    ``extra`` more tables (e.g. ``[expiry]``). With ``gpio`` the simulator
    serves its pins as a pigpio daemon and the service drives them through it;
    ``board_type="gpio-relay"`` (relay locks on GPIO pins, no RS485 bus) always does.
    With ``printer`` the simulator serves its receipt printer like a network printer,
    and the service prints on it (the [printer] table ``locker sim`` prints).
    """
    relay_only = board_type == "gpio-relay"
    gpio = gpio or relay_only
    bus_port, scanner_port, control_port, http_port, gpio_port, printer_port = (free_port() for _ in range(6))
    gpio_spec = f"tcp://127.0.0.1:{gpio_port}" if gpio else "none"
    printer_spec = f"tcp://127.0.0.1:{printer_port}" if printer else "none"
    sim = LockerProcess("sim", "--boards", "2", "--board-type", board_type, "--serial", f"tcp://127.0.0.1:{bus_port}",
                        "--scanner", f"tcp://127.0.0.1:{scanner_port}", "--control", f"127.0.0.1:{control_port}",
                        "--gpio", gpio_spec, "--printer", printer_spec, "--seed", "7", cwd=tmp_path, name="sim")
    cab: Cabinet | None = None
    try:
        # The database and the account are prepared while the simulator boots.
        config = tmp_path / "locker.toml"
        common = dict(db_url=db_url, http_port=http_port, bus_url=f"socket://127.0.0.1:{bus_port}",
                      scanner_url=f"socket://127.0.0.1:{scanner_port}", sms_url=sms_gateway.url,
                      secret=tmp_path / "locker.secret", open_timeout_ms=open_timeout_ms, sms=sms,
                      security=security, public_url=public_url)
        write_config(config, compartments=[], **common)
        for args, stdin in ((("db", "upgrade"), None),
                            (("user", "add", "clerk1", "--role", "clerk", "--password-stdin"), "s3cret-pass\n")):
            result = prepare_locker(*args, "--config", str(config), cwd=tmp_path, stdin=stdin)
            assert result.returncode == 0, result.stdout + result.stderr
        result = prepare_locker("token", "create", "clerk1", "--config", str(config), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        token = result.stdout.strip().splitlines()[-1]
        sim_url = f"http://127.0.0.1:{control_port}"
        sim.wait_http(sim_url + "/sim/state")
        urls = re.findall(r"socket://127\.0\.0\.1:\d+", sim.output())
        assert (f"socket://127.0.0.1:{bus_port}" in urls) != relay_only, sim.output()
        snippet = printed_snippet(sim.output())
        compartments = snippet["compartment"]
        bus = {key: value for key, value in snippet["bus"].items() if key != "url"}
        if board_type.startswith("kerong"):
            bus["answer_timeout_ms"] = 200
        if relay_only:
            bus["pulse_ms"] = 100
        gpio_table = "".join(f"{key} = {toml_value(value)}\n" for key, value in snippet.get("gpio", {}).items())
        extra += "\n[gpio]\n" + gpio_table if gpio else ""
        if printer:
            extra += "\n[printer]\n" + "".join(f"{key} = {toml_value(value)}\n"
                                               for key, value in snippet["printer"].items())
        write_config(config, compartments=compartments, bus=bus, extra=extra, **common)
        cab = Cabinet(api=f"http://127.0.0.1:{http_port}", sim=sim_url, token=token, sms=sms_gateway,
                      workdir=tmp_path, compartments={c["label"]: c for c in compartments}, config=config,
                      sim_process=sim)
        cab.start_service()
        yield cab
    finally:
        processes = [p for p in (cab.service if cab else None, sim) if p is not None]
        for process in processes:  # both shut down at once
            if process.proc.poll() is None:
                process.proc.send_signal(signal.SIGTERM)
        for process in processes:
            process.stop()


@pytest.fixture
def cabinet(tmp_path, db_url, sms_gateway):
    with running_cabinet(tmp_path, db_url, sms_gateway) as cab:
        yield cab


@pytest.fixture
def sqlite_cabinet(tmp_path, sms_gateway):
    """The cabinet on SQLite only, with a short jam timeout: for the slower fault tests."""
    with running_cabinet(tmp_path, f"sqlite:///{tmp_path / 'locker.db'}", sms_gateway,
                         open_timeout_ms=1000) as cab:
        yield cab
