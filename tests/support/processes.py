"""Running ``locker`` commands as separate processes, the way a technician does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import requests

from .net import wait_for


def locker_command() -> list[str]:
    script = Path(sys.executable).with_name("locker")
    return [str(script)] if script.exists() else [sys.executable, "-m", "api"]


def run_locker(*args: str, cwd: Path, stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(locker_command() + list(args), cwd=cwd, input=stdin, capture_output=True,
                          text=True, timeout=timeout, env=_env())


def prepare_locker(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    """A preparation step (``db upgrade``, ``user add``, ``token create``) through the same command,
    in this process: the process under test is the ``serve`` or ``sim`` started afterwards, and
    starting a Python process for each step costs more than the step."""
    from click.testing import CliRunner

    from api.cli import cli

    previous = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, list(args), input=stdin, env={k: None for k in os.environ
                                                                        if k.startswith("LOCKER_")})
    finally:
        os.chdir(previous)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(["locker", *args], result.exit_code, result.stdout, result.stderr)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCKER_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


class LockerProcess:
    """A long-running ``locker`` command whose output goes to a log file."""

    def __init__(self, *args: str, cwd: Path, name: str, env: dict[str, str] | None = None) -> None:
        """``env`` adds variables (the caller's ``LOCKER_*`` ones are never passed on)."""
        self.log_path = cwd / f"{name}.log"
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(locker_command() + list(args), cwd=cwd, stdout=self._log,
                                     stderr=subprocess.STDOUT, env={**_env(), **(env or {})}, start_new_session=True)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_http(self, url: str, timeout: float = 30.0) -> None:
        def up() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"process exited with {self.proc.returncode}:\n{self.output()}")
            return requests.get(url, timeout=2).status_code < 500
        try:
            wait_for(up, timeout=timeout, message=url)
        except AssertionError:
            raise AssertionError(f"{url} did not come up; output:\n{self.output()}") from None

    def stop(self, timeout: float = 15.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self._log.close()
        return self.proc.returncode
