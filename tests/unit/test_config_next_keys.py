"""The keys of docs/interface.md section 5 (kiosk, office, privacy, height_mm, item_sensors) and
issue 8's refusals: unknown ``LOCKER_*`` variables and unknown database URL schemes."""

from __future__ import annotations

import pytest

from locker.config import Config, config_from_dict
from locker.errors import ConfigError


def test_defaults_of_the_new_keys():
    cfg = config_from_dict({"bus": {"url": "x"},
                            "compartment": [{"label": "A01", "board": 0, "lock": 1, "size": "M"}]}, env={})
    assert cfg.kiosk.allowed_hosts == ("localhost", "127.0.0.1", "::1")
    assert cfg.office.name == "Bộ phận Một cửa" and cfg.office.hotline == "" and cfg.office.hours == ""
    assert cfg.privacy.retention_days == 90
    assert cfg.compartments[0].height_mm is None
    assert Config().kiosk.allowed_hosts == cfg.kiosk.allowed_hosts and Config().bus.item_sensors is True


def test_allowed_hosts_add_the_configured_http_host_but_not_a_wildcard():
    named = config_from_dict({"http": {"host": "Kiosk-01.Local"}}, env={})
    assert named.kiosk.allowed_hosts == ("localhost", "127.0.0.1", "::1", "kiosk-01.local")
    assert config_from_dict({"http": {"host": "0.0.0.0"}}, env={}).kiosk.allowed_hosts == (
        "localhost", "127.0.0.1", "::1")
    assert config_from_dict({"http": {"host": "::1"}}, env={}).kiosk.allowed_hosts == (
        "localhost", "127.0.0.1", "::1")


def test_allowed_hosts_match_any_port_and_nothing_else():
    kiosk = config_from_dict({"kiosk": {"allowed_hosts": ["kiosk.ubnd.vn", "[::1]", "10.0.0.7"]}}, env={}).kiosk
    assert kiosk.allowed_hosts == ("kiosk.ubnd.vn", "::1", "10.0.0.7")
    for host in ("kiosk.ubnd.vn", "KIOSK.ubnd.vn:8000", "kiosk.ubnd.vn.", "[::1]:80", "10.0.0.7:8000"):
        assert kiosk.allows(host), host
    for host in ("localhost", "evil.example", "kiosk.ubnd.vn.evil.example", "10.0.0.77", "", "[::1",
                 "kiosk.ubnd.vn:http", "10.0.0.7:80:80"):
        assert not kiosk.allows(host), host


def test_environment_sets_the_new_keys():
    env = {"LOCKER_KIOSK_ALLOWED_HOSTS": "kiosk.local, 192.168.1.5", "LOCKER_OFFICE_HOTLINE": "0236 3822 000",
           "LOCKER_OFFICE_HOURS": "Thứ Hai - Thứ Sáu, 7:30 - 17:00", "LOCKER_PRIVACY_RETENTION_DAYS": "30",
           "LOCKER_BUS_ITEM_SENSORS": "off"}
    cfg = config_from_dict({}, env=env)
    assert cfg.kiosk.allowed_hosts == ("kiosk.local", "192.168.1.5")
    assert cfg.office.hotline == "0236 3822 000" and cfg.office.hours.startswith("Thứ Hai")
    assert cfg.privacy.retention_days == 30 and cfg.bus.item_sensors is False


@pytest.mark.parametrize("protocol, sensors", [
    ("kerong-cu16", True), ("kerong-cu48", False), ("8a", False), ("winnsen", False)])
def test_item_sensors_default_is_the_families(protocol, sensors):
    from drivers.families import family

    bus = config_from_dict({"bus": {"url": "x", "protocol": protocol}}, env={}).bus
    assert bus.item_sensors is sensors is family(protocol).item_sensors
    assert config_from_dict({"bus": {"url": "x", "protocol": protocol, "item_sensors": False}},
                            env={}).bus.item_sensors is False


def test_height_mm_is_kept():
    cfg = config_from_dict({"bus": {"url": "x"}, "compartment": [
        {"label": "A01", "board": 0, "lock": 1, "size": "L", "height_mm": 420}]}, env={})
    assert cfg.compartments[0].height_mm == 420


COMPARTMENT = {"label": "A01", "board": 0, "lock": 1, "size": "M"}


@pytest.mark.parametrize("raw, env, key", [
    ({"kiosk": {"allowed_hosts": "localhost"}}, {}, "kiosk.allowed_hosts"),
    ({"kiosk": {"allowed_hosts": []}}, {}, "kiosk.allowed_hosts"),
    ({"kiosk": {"allowed_hosts": ["kiosk.local:8000"]}}, {}, "kiosk.allowed_hosts"),
    ({"kiosk": {"allowed_hosts": ["http://kiosk.local"]}}, {}, "kiosk.allowed_hosts"),
    ({"kiosk": {"allowed_hosts": ["bad host"]}}, {}, "kiosk.allowed_hosts"),
    ({}, {"LOCKER_KIOSK_ALLOWED_HOSTS": ""}, "kiosk.allowed_hosts"),
    ({"kiosk": {"hosts": ["a"]}}, {}, "kiosk.hosts"),
    ({"office": {"name": ""}}, {}, "office.name"),
    ({"office": {"hotline": "call us"}}, {}, "office.hotline"),
    ({"office": {"hours": "8h\n17h"}}, {}, "office.hours"),
    ({"office": {"name": 5}}, {}, "office.name"),
    ({"privacy": {"retention_days": 0}}, {}, "privacy.retention_days"),
    ({}, {"LOCKER_PRIVACY_RETENTION_DAYS": "-3"}, "privacy.retention_days"),
    ({"bus": {"url": "x"}, "compartment": [{**COMPARTMENT, "height_mm": 0}]}, {}, "compartment[0].height_mm"),
    ({"bus": {"url": "x"}, "compartment": [{**COMPARTMENT, "height_mm": "tall"}]}, {}, "compartment[0].height_mm"),
    ({"bus": {"url": "x", "item_sensors": "yes"}}, {}, "bus.item_sensors"),
    ({"bus": {"url": "x", "protocol": "8a", "item_sensors": True}}, {}, "bus.item_sensors"),
    ({"bus": [{"name": "a", "url": "x"}, {"name": "b", "url": "y", "protocol": "winnsen", "item_sensors": True}]},
     {}, "bus[1].item_sensors"),
])
def test_a_wrong_new_key_is_named(raw, env, key):
    with pytest.raises(ConfigError) as err:
        config_from_dict(raw, env=env)
    assert err.value.key == key


@pytest.mark.parametrize("variable", ["LOCKER_HTTP_PROT", "LOCKER_DATABSE_URL", "LOCKER_KIOSK_HOSTS",
                                      "LOCKER_BUS_RELAY_LOCKS", "LOCKER_GPIO_TAMPER", "LOCKER_"])
def test_an_unknown_environment_variable_is_refused_by_name(variable):
    with pytest.raises(ConfigError) as err:
        config_from_dict({}, env={variable: "1", "HOME": "/root", "LOCKERX": "y"})
    assert err.value.key == variable and "unknown environment variable" in str(err.value)


def test_bus_variables_are_refused_with_several_buses():
    raw = {"bus": [{"name": "a", "url": "x"}, {"name": "b", "url": "y"}]}
    with pytest.raises(ConfigError, match="only to a single") as err:
        config_from_dict(raw, env={"LOCKER_BUS_URL": "socket://h:1"})
    assert err.value.key == "LOCKER_BUS_URL"
    assert config_from_dict({"bus": {"url": "x"}}, env={"LOCKER_BUS_URL": "y"}).bus.url == "y"


def test_reserved_variables_are_not_configuration_keys():
    env = {"LOCKER_CONFIG": "/etc/locker.toml", "LOCKER_TEST_BUS_URL": "/dev/ttyUSB0"}
    assert config_from_dict({}, env=env).http.port == 8000


@pytest.mark.parametrize("url", ["mysql://u@h/db", "postgres://u@h/db", "postgresql://u@h/db", "var/locker.db",
                                 "oracle+cx://x"])
def test_an_unknown_database_scheme_names_database_url(url):
    with pytest.raises(ConfigError) as err:
        config_from_dict({"database": {"url": url}}, env={})
    assert err.value.key == "database.url"
    with pytest.raises(ConfigError) as err:
        config_from_dict({}, env={"LOCKER_DATABASE_URL": url})
    assert err.value.key == "database.url"


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///var/locker.db", "sqlite+pysqlite:///x.db",
                                 "postgresql+psycopg://locker@db/locker"])
def test_known_database_schemes_are_accepted(url):
    assert config_from_dict({"database": {"url": url}}, env={}).database.url == url
