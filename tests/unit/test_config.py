"""The configuration: TOML, environment overrides, and errors that name the key."""

from __future__ import annotations

import pytest

from locker.config import config_from_dict, load_config
from locker.errors import ConfigError

CABINET = """
[database]
url = "sqlite:///var/test.db"

[http]
host = "0.0.0.0"
port = 8080

[bus]
url = "socket://127.0.0.1:7701"
protocol = "kerong-cu16"
baudrate = 19200

[scanner]
url = "socket://127.0.0.1:7702"
baudrate = 115200

[notify.sms]
kind = "http"
url = "http://127.0.0.1:9000/sms"

[[compartment]]
label = "A01"
board = 0
lock = 1
size = "M"

[[compartment]]
label = "A02"
board = 0
lock = 2
size = "L"
"""


def write(tmp_path, text: str):
    path = tmp_path / "locker.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_contract_example_loads(tmp_path):
    cfg = load_config(write(tmp_path, CABINET), env={})
    assert cfg.database.url == "sqlite:///var/test.db"
    assert (cfg.http.host, cfg.http.port) == ("0.0.0.0", 8080)
    assert cfg.bus.url == "socket://127.0.0.1:7701" and cfg.bus.name == "main"
    assert cfg.sms.kind == "http" and cfg.sms.url.endswith("/sms")
    assert [(c.label, c.board, c.lock, c.size, c.bus) for c in cfg.compartments] == [
        ("A01", 0, 1, "M", "main"), ("A02", 0, 2, "L", "main")]
    assert cfg.boards == (0,)


def test_environment_overrides_every_scalar(tmp_path):
    env = {"LOCKER_DATABASE_URL": "postgresql+psycopg://locker@db/locker", "LOCKER_HTTP_PORT": "9001",
           "LOCKER_BUS_BAUDRATE": "9600", "LOCKER_NOTIFY_SMS_URL": "http://gw/sms",
           "LOCKER_HTTP_LOOPBACK_IS_KIOSK": "false", "LOCKER_SECURITY_CREDENTIAL_TTL_DAYS": "7"}
    cfg = load_config(write(tmp_path, CABINET), env=env)
    assert cfg.database.url.startswith("postgresql+psycopg://")
    assert cfg.http.port == 9001 and cfg.bus.baudrate == 9600 and cfg.sms.url == "http://gw/sms"
    assert cfg.http.loopback_is_kiosk is False and cfg.security.credential_ttl_days == 7


@pytest.mark.parametrize("text, env, key", [
    (CABINET.replace("port = 8080", 'port = "abc"'), {}, "http.port"),
    (CABINET, {"LOCKER_HTTP_PORT": "abc"}, "http.port"),
    (CABINET.replace("port = 8080", "port = 70000"), {}, "http.port"),
    (CABINET.replace('protocol = "kerong-cu16"', 'protocol = "acme"'), {}, "bus.protocol"),
    (CABINET.replace("baudrate = 19200", "baudrate = 1234"), {}, "bus.baudrate"),
    (CABINET.replace("lock = 2", "lock = 99"), {}, "compartment[1].lock"),
    (CABINET.replace("board = 0\nlock = 2", "board = 16\nlock = 2"), {}, "compartment[1].board"),
    (CABINET.replace('size = "L"', 'size = "XL"'), {}, "compartment[1].size"),
    (CABINET.replace('label = "A02"', 'label = "A01"'), {}, "compartment[1].label"),
    (CABINET.replace("lock = 2", "lock = 1"), {}, "compartment[1].lock"),
    (CABINET.replace('label = "A02"', 'label = "A 02\\u0007"'), {}, "compartment[1].label"),
    (CABINET.replace('kind = "http"', 'kind = "pigeon"'), {}, "notify.sms.kind"),
    (CABINET.replace('url = "http://127.0.0.1:9000/sms"', 'url = "ftp://x"'), {}, "notify.sms.url"),
    (CABINET + "\n[gizmo]\nx = 1\n", {}, "gizmo"),
    (CABINET, {"LOCKER_SCANNER_MODEL": "acme"}, "scanner.model"),
    (CABINET, {"LOCKER_SCANNER_BAUDRATE": "7"}, "scanner.baudrate"),
    (CABINET.replace("[http]\n", "[http]\nprot = 1\n"), {}, "http.prot"),
    (CABINET.replace('url = "socket://127.0.0.1:7701"\n', ""), {}, "bus.url"),
    (CABINET, {"LOCKER_HTTP_LOOPBACK_IS_KIOSK": "maybe"}, "http.loopback_is_kiosk"),
    (CABINET.replace('size = "M"', "size = 3"), {}, "compartment[0].size"),
])
def test_a_wrong_value_names_its_key(tmp_path, text, env, key):
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text), env=env)
    assert err.value.key == key
    assert key in str(err.value)


def test_missing_file_and_bad_toml_are_named(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "absent.toml", env={})
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[bus\nurl = 1"), env={})


def test_several_buses_each_with_its_family():
    cfg = config_from_dict({
        "bus": [{"name": "left", "url": "socket://h:1"},
                {"name": "right", "url": "socket://h:2", "protocol": "8a", "channels": 24}],
        "compartment": [{"label": "L1", "board": 0, "lock": 16, "size": "S", "bus": "left"},
                        {"label": "R1", "board": 1, "lock": 24, "size": "M", "bus": "right"},
                        {"label": "R2", "board": 0 + 2, "lock": 1, "size": "L", "bus": "right"}],
    }, env={})
    assert [b.name for b in cfg.buses] == ["left", "right"]
    assert cfg.buses[1].baudrate == 9600 and cfg.buses[1].answer_timeout_ms == 1500
    assert cfg.boards_on("right") == (1, 2) and cfg.boards_on("left") == (0,)
    assert cfg.bus.name == "left"


@pytest.mark.parametrize("raw, key", [
    ({"bus": [{"name": "a", "url": "x"}, {"name": "a", "url": "y"}]}, "bus[1].name"),
    ({"bus": {"url": "x"}, "compartment": [{"label": "A", "board": 0, "lock": 1, "size": "S", "bus": "nope"}]},
     "compartment[0].bus"),
    ({"bus": {"url": "x", "protocol": "8a"}, "compartment": [{"label": "A", "board": 0, "lock": 1, "size": "S"}]},
     "compartment[0].board"),
    ({"bus": {"url": "x", "protocol": "8a", "channels": 60}}, "bus.channels"),
    ({"bus": {"url": "x", "protocol": "winnsen", "station_base": 2}}, "bus.station_base"),
    ({"bus": {"url": "x", "status_order": "sideways"}}, "bus.status_order"),
    ({"bus": {"url": "x", "name": "Main Bus"}}, "bus.name"),
    ({"bus": "x"}, "bus"),
])
def test_bus_errors_name_the_key(raw, key):
    with pytest.raises(ConfigError) as err:
        config_from_dict(raw, env={})
    assert err.value.key == key


def test_family_ranges():
    cu48 = config_from_dict({"bus": {"url": "x", "protocol": "kerong-cu48"},
                             "compartment": [{"label": "A", "board": 0, "lock": 48, "size": "S"}]}, env={})
    assert cu48.compartments[0].lock == 48
    winnsen = config_from_dict({"bus": {"url": "x", "protocol": "winnsen", "station_base": 0},
                                "compartment": [{"label": "A", "board": 3, "lock": 16, "size": "S"}]}, env={})
    assert winnsen.bus.board_range == range(0, 4)
    assert winnsen.bus.latched_bit == 0 and winnsen.bus.protocol_options() == {"station_base": 0}
    assert config_from_dict({"bus": {"latched_bit": 0}}, env={}).bus.latched_bit == 0
    assert config_from_dict({}, env={}).bus.latched_bit == 1


def test_configuration_knows_exactly_the_drivers_families_and_scanner_models():
    from drivers.protocol import FAMILIES as DRIVER_FAMILIES
    from drivers.scanner_models import MODELS
    from locker.config import SCANNER_MODELS, SERIAL_PROTOCOLS

    assert set(SERIAL_PROTOCOLS) == set(DRIVER_FAMILIES)
    assert set(SCANNER_MODELS) == set(MODELS)


@pytest.mark.parametrize("protocol", ["kerong-cu16", "kerong-cu48", "8a", "winnsen"])
def test_family_defaults_match_the_driver(protocol):
    from drivers.protocol import get_protocol

    bus = config_from_dict({"bus": {"url": "x", "protocol": protocol}}, env={}).bus
    driver = get_protocol(protocol, **bus.protocol_options())
    assert bus.locks_per_board == driver.locks_per_board
    assert list(bus.board_range) == list(driver.board_addresses)
    assert bus.latched_bit == driver.latched_bit
    assert bus.answer_timeout_ms == round(driver.answer_timeout * 1000)
    assert bus.baudrate == driver.default_baudrate
