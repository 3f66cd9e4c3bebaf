"""The simulator's GPIO options, checked before anything is served."""

from __future__ import annotations

import tomllib

import pytest

from firmware_sim.layout import config_toml, demo_compartments
from firmware_sim.runner import SimulatorSetupError, run_standalone


def test_the_gpio_table_is_printed_only_when_gpio_is_served():
    text = config_toml("socket://h:1", "socket://h:2", demo_compartments(1)[:1])
    assert "[gpio]" not in text
    with_gpio = tomllib.loads(config_toml("socket://h:1", "socket://h:2", [], gpio_factory="pigpio://h:3",
                                          gpio={"buzzer": 19}))
    assert with_gpio["gpio"] == {"pin_factory": "pigpio://h:3", "buzzer": 19}


@pytest.mark.parametrize("spec", ["bogus", "tcp://localhost", "udp://127.0.0.1:1"])
def test_bad_gpio_option_is_refused(spec):
    printed: list[str] = []
    with pytest.raises(SimulatorSetupError) as caught:
        run_standalone(serial="tcp://127.0.0.1:0", scanner="tcp://127.0.0.1:0", control="127.0.0.1:0",
                       gpio=spec, out=printed.append)
    assert " / " in str(caught.value) and printed == []
