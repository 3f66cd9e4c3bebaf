"""A cabinet the way a kiosk runs it: ``locker sim`` and ``locker serve`` as two separate
processes over TCP, with the production settings (``[bus]`` as ``locker sim`` prints it:
poll interval 150 ms, 0.2 s between two pulses), SMS to a local HTTP gateway, and a
clerk's API token. The benchmark talks to both over HTTP; the simulator's frame log and
``POST /sim/scan`` carry ``time.monotonic_ns()`` of this machine, the benchmark's clock.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import requests

from tests.support.sms_gateway import SmsGateway

from .rig import BenchError, free_port, terminate, wait_until

CLERK_PASSWORD = "bench-password\n"


def locker_command() -> list[str]:
    script = Path(sys.executable).with_name("locker")
    return [str(script)] if script.exists() else [sys.executable, "-m", "api"]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCKER_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


class Process:
    """A long-running ``locker`` command; its output goes to ``NAME.log``."""

    def __init__(self, *args: str, cwd: Path, name: str) -> None:
        self.log = cwd / f"{name}.log"
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen(locker_command() + list(args), cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                         env=_env(), start_new_session=True)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_http(self, url: str) -> None:
        def up() -> bool:
            if self.proc.poll() is not None:
                raise BenchError(f"{self.log.stem} exited with {self.proc.returncode}:\n{self.output()[-2000:]}")
            try:
                return requests.get(url, timeout=2).status_code == 200
            except requests.RequestException:
                return False
        wait_until(up, timeout=60, what=f"{url} to answer", interval=0.05)

    def stop(self) -> None:
        terminate(self.proc, grace_s=15)


def run_locker(*args: str, cwd: Path, stdin: str | None = None) -> str:
    done = subprocess.run(locker_command() + list(args), cwd=cwd, input=stdin, capture_output=True, text=True,
                          timeout=120, env=_env())
    if done.returncode != 0:
        raise BenchError(f"locker {' '.join(args)} failed: {done.stdout}{done.stderr}")
    return done.stdout


class Cabinet:
    """The two processes' HTTP sides: the service (``api``) and the simulator (``sim``)."""

    def __init__(self, *, api: str, sim: str, token: str, sms: SmsGateway, compartments: list[dict],
                 bus: dict, scanner_baud: int) -> None:
        self.api, self.sim, self.sms = api, sim, sms
        self.session = requests.Session()
        self.clerk = {"Authorization": f"Bearer {token}"}
        self.where = {c["label"]: (c["board"], c["lock"]) for c in compartments}
        self.bus = bus
        self.scanner_baud = scanner_baud

    def post(self, path: str, body: dict, *, clerk: bool = False) -> tuple[int, Any]:
        answer = self.session.post(self.api + path, json=body, headers=self.clerk if clerk else {}, timeout=30)
        return answer.status_code, answer.json()

    def get(self, path: str, *, clerk: bool = False) -> Any:
        answer = self.session.get(self.api + path, headers=self.clerk if clerk else {}, timeout=30)
        if answer.status_code != 200:
            raise BenchError(f"GET {path} answered {answer.status_code}: {answer.text[:300]}")
        return answer.json()

    def sim_post(self, path: str, body: dict) -> Any:
        answer = self.session.post(self.sim + path, json=body, timeout=30)
        if answer.status_code != 200:
            raise BenchError(f"POST {path} to the simulator answered {answer.status_code}: {answer.text[:300]}")
        return answer.json()

    def frames(self, after: int) -> list[dict]:
        return self.session.get(f"{self.sim}/sim/frames?after={after}", timeout=30).json()

    def last_frame(self) -> int:
        return self.session.get(self.sim + "/sim/", timeout=30).json()["last_frame"]

    def doors(self) -> dict[tuple[int, int], str]:
        state = self.session.get(self.sim + "/sim/state", timeout=30).json()
        return {(b["address"], lock["lock"]): lock["door"] for b in state["boards"] for lock in b["locks"]}

    def close(self, label: str, *, item: bool) -> None:
        """A person closes the door after putting the paper in (``item``) or taking it out."""
        board, lock = self.where[label]
        self.sim_post("/sim/item", {"board": board, "lock": lock, "present": item})
        self.sim_post("/sim/door", {"board": board, "lock": lock, "action": "close"})

    def states(self) -> dict[str, str]:
        return {c["label"]: c["state"] for c in self.get("/api/v1/compartments", clerk=True)}


@contextmanager
def cabinet_processes(workdir: Path, *, boards: int = 2, pace: bool = True, extra: str = "") -> Iterator[Cabinet]:
    """``locker sim`` (paced at the family's baud rate, or not) and ``locker serve`` on SQLite;
    ``extra``: more tables for ``locker.toml``."""
    bus_port, scanner_port, control_port, http_port = (free_port() for _ in range(4))
    sms = SmsGateway()
    sim = Process("sim", "--boards", str(boards), "--serial", f"tcp://127.0.0.1:{bus_port}",
                  "--scanner", f"tcp://127.0.0.1:{scanner_port}", "--control", f"127.0.0.1:{control_port}",
                  "--gpio", "none", "--seed", "1", *(["--pace"] if pace else []), cwd=workdir, name="sim")
    service = None
    try:
        config = workdir / "locker.toml"
        config.write_text(_config_toml(workdir, http_port, sms.url, "", []), encoding="utf-8")
        run_locker("db", "upgrade", "--config", str(config), cwd=workdir)
        run_locker("user", "add", "clerk1", "--role", "clerk", "--password-stdin", "--config", str(config),
                   cwd=workdir, stdin=CLERK_PASSWORD)
        token = run_locker("token", "create", "clerk1", "--config", str(config), cwd=workdir).strip().splitlines()[-1]
        sim_url = f"http://127.0.0.1:{control_port}"
        sim.wait_http(sim_url + "/sim/state")
        snippet = _printed_snippet(sim.output())
        bus = dict(snippet["bus"])
        hardware = _table("bus", bus) + _table("scanner", snippet["scanner"]) + extra
        config.write_text(_config_toml(workdir, http_port, sms.url, hardware, snippet["compartment"]), encoding="utf-8")
        service = Process("serve", "--config", str(config), cwd=workdir, name="serve")
        api = f"http://127.0.0.1:{http_port}"
        service.wait_http(api + "/healthz")
        cab = Cabinet(api=api, sim=sim_url, token=token, sms=sms, compartments=snippet["compartment"], bus=bus,
                      scanner_baud=int(snippet["scanner"].get("baudrate", 115200)))
        wait_until(lambda: _settled(cab), timeout=60, what="the service to read every board and the scanner")
        yield cab
    finally:
        for process in (service, sim):
            if process is not None:
                process.stop()
        sms.close()


def _settled(cab: Cabinet) -> bool:
    health = cab.session.get(cab.api + "/healthz", timeout=30).json()
    return health.get("status") == "ok" and health.get("scanner") == "ok"


def _config_toml(workdir: Path, http_port: int, sms_url: str, hardware: str, compartments: list[dict]) -> str:
    lines = ["[database]", f'url = "sqlite:///{workdir / "locker.db"}"', "",
             "[http]", 'host = "127.0.0.1"', f"port = {http_port}", f'public_url = "http://127.0.0.1:{http_port}"', "",
             "[notify.sms]", 'kind = "http"', f'url = "{sms_url}"', "",
             "[security]", f'secret_file = "{workdir / "locker.secret"}"', "", hardware]
    for c in compartments:
        lines += ["[[compartment]]", *(f"{key} = {json.dumps(value)}" for key, value in c.items()), ""]
    return "\n".join(lines)


def _table(name: str, values: dict) -> str:
    return "\n".join([f"[{name}]", *(f"{key} = {json.dumps(value)}" for key, value in values.items()), "", ""])


def _printed_snippet(output: str) -> dict:
    """The ``locker.toml`` snippet ``locker sim`` prints for the technician."""
    marker = "Paste into locker.toml:"
    if marker not in output:
        raise BenchError(f"locker sim printed no configuration:\n{output[-2000:]}")
    keep = []
    for line in output.split(marker, 1)[1].splitlines():
        if line and not (line.startswith(("[", "#")) or "=" in line):
            break
        keep.append(line)
    return tomllib.loads("\n".join(keep))
