"""Hardware facts are stated once, in drivers/: board families, scanner models, pins.

The configuration asks the drivers; these tests check that the facts the registry
states are what the codecs actually do, and that asking them pulls in neither
pyserial nor gpiozero (checked on the source, without importing anything).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from drivers import families, pin_specs, scanner_models
from drivers.protocol import BoardStatus, get_protocol
from locker import config

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", [n for n, f in families.FAMILIES.items() if f.codec])
def test_each_codec_takes_its_facts_from_the_registry(name):
    facts = families.family(name)
    codec = get_protocol(name)
    assert codec.facts is facts and codec.name == name
    assert (codec.default_baudrate, codec.board_addresses) == (facts.baudrate, facts.board_addresses)
    assert codec.latched_bit == facts.latched_bit
    assert codec.answer_timeout == facts.answer_timeout_ms / 1000
    assert codec.frame_silence == facts.frame_silence(facts.baudrate) > 0
    assert codec.sets_pulse_time is (facts.pulse_time_ms is not None)
    if not facts.locks_setting:
        assert codec.locks_per_board == facts.locks_per_board


@pytest.mark.parametrize("name", ["kerong-cu16", "kerong-cu48"])
def test_item_sensors_fact_is_what_the_status_frame_carries(name):
    codec = get_protocol(name)
    locks = codec.locks_per_board
    sent = BoardStatus(1, (True,) * locks, (True,) + (False,) * (locks - 1))
    heard = codec.parse_status(codec.encode_status(sent), 1)
    assert heard.has_item(1) is families.family(name).item_sensors


def test_serial_families_are_exactly_those_with_a_codec():
    assert set(families.SERIAL_PROTOCOLS) == {n for n, f in families.FAMILIES.items() if f.codec}
    assert config.PROTOCOLS == families.PROTOCOLS and config.SERIAL_PROTOCOLS == families.SERIAL_PROTOCOLS
    with pytest.raises(Exception, match="unknown board protocol 'gpio-relay'"):
        get_protocol("gpio-relay")


def test_scanner_models_are_one_module_each_and_say_whether_they_take_settings():
    modules = {cls.__module__ for name, cls in scanner_models.MODELS.items() if name != "line"}
    assert len(modules) == len(scanner_models.MODELS) - 1
    assert scanner_models.SETTING_MODELS == ("honeywell", "newland")
    for name in scanner_models.SETTING_MODELS:
        model = scanner_models.get_model(name, enable_setting="ABCDEF1", disable_setting="ABCDEF0")
        assert b"ABCDEF1" in model.enable_command() and b"ABCDEF0" in model.disable_command()
    assert config.SCANNER_MODELS == tuple(scanner_models.MODELS)


def test_gpio_names_and_pin_factories_come_from_the_drivers():
    from drivers import gpio

    assert config.GPIO_NAMES == tuple(gpio.INPUTS) + gpio.OUTPUTS == pin_specs.GPIO_NAMES
    assert config.PIN_FACTORIES == pin_specs.PIN_FACTORIES
    assert set(pin_specs.LOCAL_PIN_FACTORIES) < set(pin_specs.PIN_FACTORIES)


def module_level_imports(module: str) -> set[str]:
    """The modules ``module`` imports when it is loaded (imports inside functions aside)."""
    path = ROOT.joinpath(*module.split(".")).with_suffix(".py")
    package = module.rpartition(".")[0]
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            name = ".".join(part for part in (base, node.module or "") if part)
            found.add(name)
            found |= {f"{name}.{alias.name}" for alias in node.names
                      if ROOT.joinpath(*f"{name}.{alias.name}".split(".")).with_suffix(".py").exists()}
    return found


def test_asking_the_drivers_imports_neither_pyserial_nor_gpiozero():
    seen, todo, outside = set(), ["locker.config"], set()
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        for name in module_level_imports(module):
            if name.split(".")[0] in ("locker", "drivers"):
                if ROOT.joinpath(*name.split(".")).with_suffix(".py").exists():
                    todo.append(name)
            else:
                outside.add(name.split(".")[0])
    assert {"drivers.families", "drivers.scanner_models", "drivers.pin_specs"} <= seen
    assert not outside & {"serial", "gpiozero", "flask", "escpos"}, sorted(outside)
