"""Malformed configuration files and environment variables (issue 12, "What must be
proven", 4): whatever the file or the LOCKER_* variables hold, loading either gives a
configuration or a ConfigError naming a key; never another exception."""

from __future__ import annotations

import copy
import tomllib

from hypothesis import given, settings
from hypothesis import strategies as st

from locker.config import config_from_dict, load_config
from locker.errors import ConfigError
from tests.support.fuzz import examples
from tests.unit.test_config import CABINET

RAW = tomllib.loads(CABINET)
SCALARS = st.one_of(st.integers(min_value=-2**70, max_value=2**70), st.text(max_size=20), st.booleans(),
                    st.floats(allow_nan=True), st.none(), st.just(""), st.just("0"), st.just("-1"))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                            max_size=3), max_leaves=6)
ENV_NAMES = ["LOCKER_HTTP_PORT", "LOCKER_BUS_BAUDRATE", "LOCKER_BUS_PROTOCOL", "LOCKER_DATABASE_URL",
             "LOCKER_HTTP_LOOPBACK_IS_KIOSK", "LOCKER_SECURITY_CREDENTIAL_TTL_DAYS", "LOCKER_SCANNER_MODEL",
             "LOCKER_KIOSK_DROPOFFS_PER_MINUTE", "LOCKER_NOTIFY_SMS_URL", "LOCKER_BUS_ANSWER_TIMEOUT_MS"]


def loads_or_names_a_key(load) -> None:
    try:
        load()
    except ConfigError as err:
        assert err.key is not None or str(err)


def keys(raw) -> list[tuple]:
    found = []
    for section, table in raw.items():
        rows = table if isinstance(table, list) else [table]
        for i, row in enumerate(rows):
            for key, value in row.items():
                found.append((section, i if isinstance(table, list) else None, key))
                if isinstance(value, dict):
                    found += [(section, None, key, sub) for sub in value]
    return found


@settings(max_examples=examples(80))
@given(data=st.data())
def test_any_value_at_any_key_is_loaded_or_refused_by_name(data):
    raw = copy.deepcopy(RAW)
    for where in data.draw(st.lists(st.sampled_from(keys(RAW)), min_size=1, max_size=3)):
        table = raw[where[0]] if where[1] is None else raw[where[0]][where[1]]
        if len(where) == 4:
            table = table[where[2]]
        table[where[-1]] = data.draw(VALUES)
    loads_or_names_a_key(lambda: config_from_dict(raw, env={}))


@settings(max_examples=examples(60))
@given(env=st.dictionaries(st.sampled_from(ENV_NAMES) | st.text(max_size=12).map(lambda s: "LOCKER_" + s.upper()),
                           st.text(max_size=30), max_size=4))
def test_any_environment_is_loaded_or_refused_by_name(env):
    env = {k: v for k, v in env.items() if "\x00" not in k + v}
    loads_or_names_a_key(lambda: config_from_dict(RAW, env=env))


@settings(max_examples=examples(60))
@given(text=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode),
                      st.integers(min_value=0, max_value=len(CABINET)).map(lambda n: CABINET[:n].encode())))
def test_any_file_is_loaded_or_refused(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("cfg") / "locker.toml"
    path.write_bytes(text)
    loads_or_names_a_key(lambda: load_config(path, env={}))
