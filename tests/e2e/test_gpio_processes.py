"""The cabinet's GPIO across processes: ``locker sim --gpio`` serves its mock pins as a
pigpio daemon, ``locker serve`` drives them through gpiozero's PiGPIOFactory, and
``POST /sim/gpio`` acts on the service as real wires would."""

from __future__ import annotations

import pytest
import requests

from tests.e2e.conftest import running_cabinet
from tests.support.net import wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture
def gpio_cabinet(tmp_path, sms_gateway):
    with running_cabinet(tmp_path, f"sqlite:///{tmp_path / 'locker.db'}", sms_gateway, gpio=True) as cab:
        yield cab


def set_input(cab, name: str, active: bool) -> dict:
    return cab.sim_post("/sim/gpio", {"name": name, "active": active})


def pins(cab) -> dict[str, dict]:
    return requests.get(cab.sim + "/sim/state", timeout=5).json()["gpio"]


def dropoff(cab, code: str) -> requests.Response:
    return cab.post("/api/v1/dropoffs", {"dossier_code": code, "phone": "0901234567", "size": "S"})


def test_power_failure_tamper_and_presence_reach_the_service(gpio_cabinet):
    cab = gpio_cabinet
    assert cab.health()["gpio"] == "ok"
    wait_for(lambda: pins(cab)["led_green"]["active"], message="the tower shows ready (green)")

    set_input(cab, "power_fail", True)
    wait_for(lambda: cab.health()["power"] == "battery", message="the service knows it is on battery")
    refused = dropoff(cab, "HS-GPIO-1")
    assert refused.status_code == 503 and refused.json()["error"] == "on_battery"
    wait_for(lambda: pins(cab)["led_amber"]["active"] and not pins(cab)["led_green"]["active"],
             message="the tower shows on battery (amber)")
    assert cab.alarms("power_failure")

    set_input(cab, "power_fail", False)
    wait_for(lambda: cab.health()["power"] == "mains", message="mains back")
    accepted = dropoff(cab, "HS-GPIO-2")
    assert accepted.status_code == 201, accepted.text

    set_input(cab, "tamper", True)
    wait_for(lambda: cab.alarms("tamper"), message="a tamper alarm for the clerks")
    wait_for(lambda: pins(cab)["led_red"]["active"], message="the tower shows the alarm (red)")
    assert cab.health()["tamper"] is True

    set_input(cab, "presence", True)
    wait_for(lambda: cab.get("/api/v1/kiosk/activity").json()["presence"], message="the kiosk hears someone")


def test_battery_low_stops_the_service_cleanly(gpio_cabinet):
    cab = gpio_cabinet
    set_input(cab, "battery_low", True)
    wait_for(lambda: cab.service.proc.poll() is not None, timeout=20, message="the service stopped itself")
    assert cab.service.proc.returncode == 0, cab.service.output()


def test_a_vanished_gpio_daemon_makes_the_service_degraded(gpio_cabinet):
    cab = gpio_cabinet
    cab.sim_process.proc.terminate()
    cab.sim_process.proc.wait(timeout=15)
    wait_for(lambda: cab.health()["gpio"] == "down", message="gpio reads down")
    assert cab.health()["status"] == "degraded"
