"""Reading one configuration table into a dataclass: types, environment, unknown keys.

Every section is a frozen dataclass; each field is a key of its TOML table and,
unless the section says otherwise, the variable ``LOCKER_<SECTION>_<KEY>``.

>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Demo:
...     port: int = 1
...     hosts: tuple[str, ...] | None = None
>>> read_section("demo", Demo, {"port": 2}, {"LOCKER_DEMO_HOSTS": "a, b"})
Demo(port=2, hosts=('a', 'b'))
>>> read_section("demo", Demo, {"prot": 2}, {})
Traceback (most recent call last):
...
locker.errors.ConfigError: configuration error in demo.prot: unknown key
"""

from __future__ import annotations

import json
import re
from dataclasses import fields
from typing import Any, Mapping

from .errors import ConfigError

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def env_prefix(section: str) -> str:
    """``notify.sms`` -> ``LOCKER_NOTIFY_SMS_``."""
    return "LOCKER_" + section.replace(".", "_").upper() + "_"


def key_of(field_name: str) -> str:
    """The TOML key of a field: its name, less a trailing ``_`` (``from_`` is the key ``from``)."""
    return field_name.removesuffix("_")


def env_names(cls: type, prefix: str) -> set[str]:
    """The variables that may set a field of ``cls``."""
    return {prefix + key_of(f.name).upper() for f in fields(cls)}


def table(raw: Mapping[str, Any], dotted: str) -> Mapping[str, Any]:
    """The table at ``dotted`` (``notify.sms``), empty when absent."""
    node: Any = raw
    for part in dotted.split("."):
        node = node.get(part, {}) if isinstance(node, Mapping) else None
        if not isinstance(node, Mapping):
            raise ConfigError(dotted, "must be a table")
    return node


def read_section(name: str, cls: type, values: Mapping[str, Any], env: Mapping[str, str], *,
                 prefix: str | None = None) -> Any:
    """``cls`` built from a table and the environment (``prefix`` "" reads no variables)."""
    names = {key_of(f.name): f for f in fields(cls)}
    for key in values:
        if key not in names:
            raise ConfigError(f"{name}.{key}", "unknown key")
    prefix = env_prefix(name) if prefix is None else prefix
    given: dict[str, Any] = {}
    for tkey, f in names.items():
        key = f"{name}.{tkey}"
        if prefix and prefix + tkey.upper() in env:
            given[f.name] = coerce(key, env[prefix + tkey.upper()], f.type, from_env=True)
        elif tkey in values:
            given[f.name] = coerce(key, values[tkey], f.type, from_env=False)
    return cls(**given)


def coerce(key: str, value: Any, type_name: Any, *, from_env: bool) -> Any:
    """``value`` as the field type named ``type_name``; environment values are text."""
    kind = type_name if isinstance(type_name, str) else getattr(type_name, "__name__", str(type_name))
    kind = kind.removesuffix(" | None")
    if kind == "bool":
        return _bool(key, value, from_env)
    if kind == "int":
        return _int(key, value)
    if kind == "float":
        return _float(key, value)
    if kind == "tuple[str, ...]":
        return _strings(key, value, from_env)
    if kind == "tuple[int, ...]":
        return tuple(_int(key, item) for item in _items(key, value, from_env))
    if kind == "dict[str, str]":
        return _string_table(key, value, from_env)
    if not isinstance(value, str):
        raise ConfigError(key, "must be a string")
    return value


def _bool(key: str, value: Any, from_env: bool) -> bool:
    if isinstance(value, bool):
        return value
    if from_env and str(value).lower() in _TRUE + _FALSE:
        return str(value).lower() in _TRUE
    raise ConfigError(key, "must be true or false")


def _int(key: str, value: Any) -> int:
    if isinstance(value, bool):
        raise ConfigError(key, "must be a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    raise ConfigError(key, "must be a whole number")


def _float(key: str, value: Any) -> float:
    try:
        if isinstance(value, bool):
            raise ValueError
        return float(value)
    except (TypeError, ValueError):
        raise ConfigError(key, "must be a number") from None


def _strings(key: str, value: Any, from_env: bool) -> tuple[str, ...]:
    """A list of strings; in the environment, comma-separated."""
    if from_env and isinstance(value, str):
        value = [item.strip() for item in value.split(",") if item.strip()]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(key, "must be a list of strings" + (" (comma-separated)" if from_env else ""))
    return tuple(value)


def _items(key: str, value: Any, from_env: bool) -> list[Any]:
    """A list of whole numbers; in the environment, comma-separated."""
    if from_env and isinstance(value, str):
        value = [item.strip() for item in value.split(",") if item.strip()]
    if not isinstance(value, list) or any(isinstance(item, bool) or not isinstance(item, (int, str)) for item in value):
        raise ConfigError(key, "must be a list of whole numbers" + (" (comma-separated)" if from_env else ""))
    return value


def _string_table(key: str, value: Any, from_env: bool) -> dict[str, str]:
    """A table of strings; in the environment, a JSON object."""
    if from_env and isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ConfigError(key, "must be a JSON object of strings") from None
    if not isinstance(value, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ConfigError(key, "must be a table of strings" + (" (a JSON object)" if from_env else ""))
    return dict(value)
