"""``gpio``: a sensor's edge to the driver's event, and a tower light to the pin.

``drivers.gpio.CabinetIO`` runs on the simulator's pins two ways: in process (the
``MockFactory`` shared with ``firmware_sim.gpio.SimGpio``, as ``locker demo`` does)
and through the simulator's pigpio daemon socket with gpiozero's ``PiGPIOFactory``
(as a ``locker serve`` beside ``locker sim --gpio`` does, or a service driving a
remote Pi's ``pigpiod``). Each run toggles the tamper input (``bounce_time`` 0, so
the figure is the path, not the debounce) and waits for ``InputChanged``, then
switches the red light and waits for the simulator to see its pin change.
"""

from __future__ import annotations

import threading
import time

from drivers.gpio import CabinetIO, InputChanged
from drivers.pin_factories import open_pin_factory
from firmware_sim.gpio import SimGpio

from .rig import BenchError
from .table import Table, summary_ms

NAME = "gpio"
COLUMNS = ["pins", "runs", "input p50 ms", "input p95 ms", "input max ms",
           "output p50 ms", "output p95 ms", "output max ms"]
LAYOUT = {"tamper": {"pin": 27, "bounce_time": 0}, "led_red": 13}
TIMEOUT = 5.0


def run(n: int | None = None) -> list[Table]:
    runs = n or 200
    table = Table(f"gpio: input edge -> InputChanged, tower light -> pin, {runs} runs per path", COLUMNS,
                  notes=["bounce_time 0; the pigpio daemon reports level changes every 5 ms (its poll interval)",
                         "pigpio: loopback TCP to the simulator, one command round trip per pin write"])
    for pins in ("mock", "pigpio"):
        inputs, outputs = _measure(pins, runs)
        table.add(pins, runs, *summary_ms(inputs), *summary_ms(outputs))
    return [table]


def _measure(pins: str, runs: int) -> tuple[list[float], list[float]]:
    sim = SimGpio(LAYOUT)
    factory = sim.factory if pins == "mock" else open_pin_factory(sim.serve_pigpio(port=0))
    heard = threading.Event()
    io = CabinetIO(LAYOUT, pin_factory=factory, listener=lambda change: _heard(change, heard))
    try:
        inputs, outputs = [], []
        for i in range(runs):
            inputs.append(_timed(lambda: sim.set_active("tamper", i % 2 == 0), heard.wait, heard.clear))
            lit = i % 2 == 0
            outputs.append(_timed(lambda: io.set_tower(red=lit),
                                  lambda timeout: _wait(lambda: sim.state()["led_red"]["active"] == lit, timeout)))
        return inputs, outputs
    finally:
        io.close()
        if factory is not sim.factory:
            factory.close()
        sim.close()


def _heard(change: InputChanged, heard: threading.Event) -> None:
    if change.name == "tamper":
        heard.set()


def _timed(act, wait, reset=lambda: None) -> float:  # type: ignore[no-untyped-def]
    reset()
    began = time.perf_counter()
    act()
    if not wait(TIMEOUT):
        raise BenchError("a GPIO change was not seen within 5 s")
    return time.perf_counter() - began


def _wait(condition, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.0002)
    return True
