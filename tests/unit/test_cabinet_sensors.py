"""GPIO settings of the cabinet's sensors, refused before anything starts."""

from __future__ import annotations

import pytest

from api.runtime import Runtime
from locker.config import config_from_dict
from locker.errors import ConfigError


def test_a_machine_without_gpio_says_so_at_start(tmp_path):
    config = config_from_dict({
        "database": {"url": f"sqlite:///{tmp_path / 'l.db'}"},
        "security": {"secret_file": str(tmp_path / "secret")},
        "gpio": {"tamper": 4},
    }, env={})
    try:
        runtime = Runtime.from_config(config)
    except ConfigError as err:
        assert err.key == "gpio" and "pin factory" in err.problem
    else:  # a Raspberry Pi with lgpio or RPi.GPIO
        runtime.io.close()


def test_unknown_gpio_names_are_refused_by_the_configuration():
    with pytest.raises(ConfigError) as err:
        config_from_dict({"gpio": {"doorbell": 4}}, env={})
    assert err.value.key == "gpio.doorbell"
