"""The simulator's pins behind a pigpio daemon socket, driven by gpiozero's unchanged
``PiGPIOFactory`` (``[gpio] pin_factory = "pigpio://H:P"``), as a service in another
process would drive them."""

from __future__ import annotations

import socket
import struct
import threading

import pytest

from api.runtime import Runtime
from drivers.errors import GpioError
from drivers.gpio import CabinetIO, InputChanged
from drivers.pin_factories import PinsWatch, open_pin_factory, pins_reachable
from firmware_sim import pigpiod
from firmware_sim.gpio import SimGpio
from firmware_sim.layout import DEMO_GPIO
from firmware_sim.pigpiod import PigpioServer
from locker.config import config_from_dict
from locker.errors import ConfigError
from tests.support.net import free_port, wait_for

RELAYS = [{"relay": 20, "switch": 21}, {"relay": 12, "switch": 16}]


@pytest.fixture
def sim_pins():
    sim = SimGpio(DEMO_GPIO, relay_locks=RELAYS, spring_delay=0.05)
    url = sim.serve_pigpio(port=0)
    yield sim, url
    sim.close()


@pytest.fixture
def factory(sim_pins):
    factory = open_pin_factory(sim_pins[1])
    yield factory
    if factory.connection is not None:
        factory.close()


def relay_cabinet_config(tmp_path, pin_factory: str, *, sensors: bool = True):
    """R1 (S) and R2 (M) on relays, and the demo sensors unless ``sensors`` is false."""
    return config_from_dict({
        "database": {"url": f"sqlite:///{tmp_path / 'l.db'}"},
        "bus": {"protocol": "gpio-relay", "relay_locks": RELAYS, "open_timeout_ms": 1500, "pulse_ms": 100},
        "gpio": {"pin_factory": pin_factory, **(DEMO_GPIO if sensors else {})},
        "security": {"secret_file": str(tmp_path / "secret")},
        "compartment": [{"label": "R1", "board": 0, "lock": 1, "size": "S"},
                        {"label": "R2", "board": 0, "lock": 2, "size": "M"}],
    }, env={})


class Raw:
    """A bare pigpio socket client, to send what gpiozero never would."""

    def __init__(self, url: str) -> None:
        host, _, port = url.removeprefix("pigpio://").rpartition(":")
        self.sock = socket.create_connection((host, int(port)), timeout=3)

    def command(self, cmd: int, p1: int = 0, p2: int = 0, extension: bytes = b"") -> int:
        self.sock.sendall(struct.pack("<IIII", cmd, p1, p2, len(extension)) + extension)
        answer = self.sock.recv(16)
        assert struct.unpack("<III", answer[:12]) == (cmd, p1, p2)
        return struct.unpack("<i", answer[12:])[0]

    def close(self) -> None:
        self.sock.close()


def pigpio_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if type(t).__name__ == "_callback_thread"]


def test_cabinet_io_over_the_socket_sees_inputs_and_sets_outputs(sim_pins, factory):
    sim, _ = sim_pins
    heard: list[InputChanged] = []
    io = CabinetIO(DEMO_GPIO, pin_factory=factory, listener=heard.append)
    try:
        assert not any(io.inputs().values()), "every input starts inactive"
        sim.set_active("tamper", True)
        wait_for(lambda: InputChanged("tamper", True) in heard, message="tamper heard over pigpio")
        sim.set_active("power_fail", True)
        wait_for(lambda: io.inputs()["power_fail"], message="power failure heard")
        sim.set_active("power_fail", False)
        wait_for(lambda: not io.inputs()["power_fail"], message="mains back")
        io.show("alarm")
        wait_for(lambda: sim.state()["led_red"]["active"], message="red light on in the simulator")
        assert not sim.state()["led_green"]["active"]
        io.buzz("on")
        wait_for(lambda: sim.state()["buzzer"]["active"], message="buzzer on")
    finally:
        io.close()
    assert not sim.state()["buzzer"]["active"], "closing leaves the outputs off"


def test_relay_cabinet_through_the_socket(sim_pins, tmp_path):
    """A gpio-relay cabinet whose service reaches the pins only through pigpio."""
    sim, url = sim_pins
    config = relay_cabinet_config(tmp_path, url)
    runtime = Runtime.from_config(config)
    runtime.db.upgrade()
    runtime.start()
    try:
        assert runtime.health()["gpio"] == "ok"
        wait_for(lambda: all(c["door"] == "closed" for c in runtime.service.list_compartments()), message="doors")
        dropoff = runtime.service.start_dropoff("HS-RELAY-1", "0901234567", "M", kiosk="k")
        assert dropoff["compartment"] == "R2"
        wait_for(lambda: sim.lock_state(2)["door"] == "open", message="R2 sprang open in the simulator")
        assert sim.lock_state(1)["door"] == "closed"
        wait_for(lambda: door_seen(runtime, "R2") == "open", message="the service saw R2 open")
        sim.door(2, "close")
        wait_for(lambda: runtime.service.get_dropoff(dropoff["id"])["status"] == "stored", message="stored")
    finally:
        runtime.stop()
    assert pigpio_threads() == [], "the service's pigpio connection ended with it"


def door_seen(runtime, label):
    return {c["label"]: c["door"] for c in runtime.service.list_compartments()}[label]


def test_a_vanished_daemon_reads_down_and_stops_the_reader(sim_pins, factory):
    sim, _ = sim_pins
    watch = PinsWatch(factory, interval=0.05)
    watch.start()
    try:
        assert pins_reachable(factory) and watch.reachable
        sim.close()  # the pigpio daemon goes away
        wait_for(lambda: not watch.reachable, message="the watch noticed")
        assert not pins_reachable(factory)
        wait_for(lambda: pigpio_threads() == [], message="pigpio's reader thread ended instead of spinning")
    finally:
        watch.stop()


def test_bad_commands_get_pigpio_error_codes(sim_pins):
    raw = Raw(sim_pins[1])
    try:
        assert raw.command(pigpiod.READ, 99) == pigpiod.PI_BAD_GPIO
        assert raw.command(pigpiod.MODES, 17, 9) == pigpiod.PI_BAD_MODE
        assert raw.command(pigpiod.PUD, 17, 7) == pigpiod.PI_BAD_PUD
        assert raw.command(pigpiod.WRITE, 5, 2) == pigpiod.PI_BAD_LEVEL
        assert raw.command(pigpiod.FG, 17, 300_001) == pigpiod.PI_BAD_FILTER
        assert raw.command(pigpiod.FG, 40, 0) == pigpiod.PI_BAD_USER_GPIO
        assert raw.command(pigpiod.NB, 7, 1 << 17) == pigpiod.PI_BAD_HANDLE
        assert raw.command(200, 1, 2) == pigpiod.PI_UNKNOWN_COMMAND
        assert raw.command(56, 0, 0, extension=b"\x00" * 12) == pigpiod.PI_UNKNOWN_COMMAND  # extension skipped
        assert raw.command(pigpiod.HWVER) == 0xA02082
        assert raw.command(pigpiod.WRITE, 5, 1) == 0 and raw.command(pigpiod.READ, 5) == 1
        assert raw.command(pigpiod.MODEG, 5) == 1
    finally:
        raw.close()


@pytest.mark.parametrize("garbage", [b"\x01\x02\x03", struct.pack("<IIII", 3, 0, 0, 1 << 30)])
def test_garbage_ends_one_connection_only(sim_pins, garbage):
    sim, url = sim_pins
    raw = Raw(url)
    raw.sock.sendall(garbage)
    raw.close()
    again = Raw(url)
    try:
        sim.set_active("tamper", True)
        assert again.command(pigpiod.READ, DEMO_GPIO["tamper"]) == 0  # pulled up, switched to ground
    finally:
        again.close()


def test_open_pin_factory_names_the_setting_on_errors(monkeypatch, sim_pins):
    with pytest.raises(GpioError, match="gpio.pin_factory: no pigpio daemon answers") as caught:
        open_pin_factory(f"pigpio://127.0.0.1:{free_port()}")
    assert caught.value.setting == "gpio.pin_factory"
    with pytest.raises(GpioError, match="unknown pin factory"):
        open_pin_factory("mock")
    host, _, port = sim_pins[1].removeprefix("pigpio://").rpartition(":")
    monkeypatch.setenv("PIGPIO_ADDR", host)
    monkeypatch.setenv("PIGPIO_PORT", port)
    factory = open_pin_factory("pigpio")
    try:
        assert pins_reachable(factory)
    finally:
        factory.close()


def test_service_stops_at_start_when_the_daemon_is_missing(tmp_path):
    config = config_from_dict({
        "database": {"url": "sqlite://"}, "security": {"secret_file": str(tmp_path / "secret")},
        "gpio": {"pin_factory": f"pigpio://127.0.0.1:{free_port()}", "tamper": 4},
    }, env={})
    with pytest.raises(ConfigError) as caught:
        Runtime.from_config(config)
    assert caught.value.key == "gpio.pin_factory"


def test_server_close_ends_connected_clients():
    sim = SimGpio({"tamper": 4})
    server = PigpioServer(sim.factory, port=0)
    host, port = server.start()
    raw = Raw(f"pigpio://{host}:{port}")
    assert raw.command(pigpiod.HWVER) == 0xA02082
    server.close()
    assert raw.sock.recv(16) == b"", "the client sees the end of the stream"
    raw.close()
    sim.close()


def test_relay_locks_whose_daemon_vanished_go_offline_without_hanging_a_citizen(tmp_path):
    sim = SimGpio(relay_locks=RELAYS, spring_delay=0.05)
    url = sim.serve_pigpio(port=0)
    config = relay_cabinet_config(tmp_path, url, sensors=False)
    runtime = Runtime.from_config(config)
    runtime.db.upgrade()
    runtime.start()
    try:
        wait_for(lambda: all(c["door"] == "closed" for c in runtime.service.list_compartments()), message="doors")
        sim.close()  # the pigpio daemon goes away with the pins
        dropoff = runtime.service.start_dropoff("HS-RELAY-GONE", "0901234567", "S", kiosk="k")
        wait_for(lambda: runtime.service.get_dropoff(dropoff["id"])["status"] == "failed", message="drop-off failed")
        wait_for(lambda: runtime.health()["bus"]["boards"] == {"0": "offline"}, message="relay board offline")
        assert {c["door"] for c in runtime.service.list_compartments()} == {"unknown"}
        assert runtime.health()["status"] == "degraded"
    finally:
        runtime.stop()
        sim.close()


def test_the_service_reconnects_when_the_daemon_comes_back(tmp_path):
    sim = SimGpio(DEMO_GPIO, relay_locks=RELAYS, spring_delay=0.05)
    daemon = PigpioServer(sim.factory, port=0)
    host, port = daemon.start()
    config = relay_cabinet_config(tmp_path, f"pigpio://{host}:{port}")
    runtime = Runtime.from_config(config)
    runtime.pins_watch.interval = 0.2
    runtime.db.upgrade()
    runtime.start()
    try:
        wait_for(lambda: pins_on(sim, "led_green"), message="ready (green)")
        daemon.close()
        wait_for(lambda: runtime.health()["gpio"] == "down", message="gpio down")
        wait_for(lambda: runtime.health()["bus"]["boards"] == {"0": "offline"}, message="relay board offline")
        sim.set_active("tamper", True)  # while nobody can see it
        daemon = PigpioServer(sim.factory, host=host, port=port)
        daemon.start()
        wait_for(lambda: runtime.health()["gpio"] == "ok", timeout=15, message="gpio back")
        wait_for(lambda: runtime.health()["bus"]["boards"] == {"0": "online"}, message="relay board online")
        wait_for(lambda: runtime.health()["tamper"] is True, message="the tamper seen on reconnection")
        wait_for(lambda: pins_on(sim, "led_red"), message="the tower shows the alarm on the new connection")
        dropoff = runtime.service.start_dropoff("HS-AGAIN", "0901234567", "M", kiosk="k")
        wait_for(lambda: sim.lock_state(2)["door"] == "open", message="R2 opens through the new connection")
        assert dropoff["compartment"] == "R2" and runtime.pins_watch.reconnects == 1
    finally:
        runtime.stop()
        daemon.close()
        sim.close()


def pins_on(sim: SimGpio, name: str) -> bool:
    return sim.state()[name]["active"]
