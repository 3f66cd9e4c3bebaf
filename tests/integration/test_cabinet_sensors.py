"""The cabinet's sensors through the real runtime and the simulator's GPIO: power
failure refuses new drop-offs, a low battery shuts the service down, tamper and
the service door are audited, and the LED tower sums it up."""

from __future__ import annotations

import pytest

from firmware_sim.layout import DEMO_GPIO
from api.runtime import Runtime
from firmware_sim.gpio import SimGpio
from firmware_sim.layout import demo_compartments
from firmware_sim.simulator import Simulator
from locker.config import config_from_dict
from locker.errors import ConfigError, OnBattery
from tests.support.net import wait_for


@pytest.fixture
def cabinet(tmp_path, monkeypatch):
    sim = Simulator(boards=1, gpio=SimGpio(DEMO_GPIO))
    config = config_from_dict({
        "database": {"url": f"sqlite:///{tmp_path / 'l.db'}"},
        "bus": {"url": sim.serve_bus("inprocess"), "poll_interval_ms": 50},
        "security": {"secret_file": str(tmp_path / "secret")},
        "gpio": DEMO_GPIO,
        "compartment": demo_compartments(1),
    }, env={})
    shutdowns: list[bool] = []
    # The real one signals this process.
    monkeypatch.setattr(Runtime, "request_shutdown", lambda self: shutdowns.append(True))
    runtime = Runtime.from_config(config, simulator=sim)
    runtime.db.upgrade()
    runtime.start()
    try:
        wait_for(lambda: runtime.health()["status"] == "ok", message="healthy")
        yield runtime, sim, shutdowns
    finally:
        runtime.stop()
        sim.close()


def kinds(runtime):
    return [e["kind"] for e in runtime.service.events_after(0)]


def tower(sim):
    return {name: sim.gpio.state()[name]["value"] for name in ("led_green", "led_amber", "led_red")}


def test_on_battery_no_new_dropoffs_until_power_returns(cabinet):
    runtime, sim, _ = cabinet
    wait_for(lambda: tower(sim)["led_green"], message="green tower")
    sim.gpio.set_active("power_fail", True)
    wait_for(lambda: runtime.health()["power"] == "battery", message="on battery")
    with pytest.raises(OnBattery) as err:
        runtime.service.start_dropoff("HS-1", "0912345678", "S", kiosk="k")
    assert err.value.status == 503 and "pin dự phòng" in err.value.message("vi")
    assert "power_failure" in kinds(runtime)
    wait_for(lambda: tower(sim)["led_amber"] and not tower(sim)["led_green"], message="amber tower")
    sim.gpio.set_active("power_fail", False)
    wait_for(lambda: runtime.health()["power"] == "mains", message="mains")
    assert runtime.service.start_dropoff("HS-1", "0912345678", "S", kiosk="k")["status"] == "opening"
    assert "power_restored" in kinds(runtime)


def test_low_battery_shuts_down_and_tamper_raises_an_alarm(cabinet):
    runtime, sim, shutdowns = cabinet
    sim.gpio.set_active("tamper", True)
    wait_for(lambda: "tamper" in kinds(runtime), message="tamper alarm")
    alarm = [e for e in runtime.service.events_after(0) if e["kind"] == "tamper"][0]
    assert alarm["data"]["alarm"] is True
    wait_for(lambda: tower(sim)["led_red"], message="red tower")
    sim.gpio.set_active("service_door", True)
    wait_for(lambda: "service_door_opened" in kinds(runtime), message="service door")
    sim.gpio.set_active("battery_low", True)
    wait_for(lambda: shutdowns == [True], message="clean shutdown requested")


def test_presence_reaches_the_kiosk(cabinet):
    runtime, sim, _ = cabinet
    sim.gpio.set_active("presence", True)
    wait_for(lambda: runtime.service.kiosk_activity()["presence"] is True, message="presence")


def test_a_bad_pin_stops_the_start_naming_its_key(tmp_path):
    config = config_from_dict({
        "database": {"url": f"sqlite:///{tmp_path / 'l.db'}"},
        "security": {"secret_file": str(tmp_path / "secret")},
        "gpio": {"tamper": 4, "buzzer": 4},
    }, env={})
    sim = Simulator(boards=1)  # mock pins, as in the demo
    try:
        with pytest.raises(ConfigError) as err:
            Runtime.from_config(config, simulator=sim)
        assert err.value.key.startswith("gpio.") and "4" in str(err.value)
    finally:
        sim.close()
