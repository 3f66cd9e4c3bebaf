"""The domain's building blocks: state machine, validation, the database file, key file
(what the database guarantees is in tests/database/test_storage.py)."""

from __future__ import annotations

import os

import pytest

from locker import states, validation
from locker.db import Database
from locker.errors import ConfigError, InvalidInput
from locker.keyfile import load_or_create_secret
from locker.models import Compartment


# ---- state machine -------------------------------------------------------------------

LEGAL = [("free", "reserved"), ("free", "out_of_service"), ("reserved", "holding_dropoff"),
         ("reserved", "holding_result"), ("reserved", "free"), ("reserved", "out_of_service"),
         ("holding_dropoff", "free"), ("holding_dropoff", "out_of_service"), ("holding_result", "free"),
         ("holding_result", "out_of_service"), ("out_of_service", "free")]


@pytest.mark.parametrize("old,new", LEGAL)
def test_legal_transitions(old, new):
    c = Compartment(label="A01", state=old)
    states.transition(c, new)
    assert c.state == new


@pytest.mark.parametrize("old,new", [(a, b) for a in states.STATES for b in states.STATES if (a, b) not in LEGAL])
def test_illegal_transitions_raise_and_keep_state(old, new):
    c = Compartment(label="A01", state=old)
    with pytest.raises(states.IllegalTransition):
        states.transition(c, new)
    assert c.state == old


# ---- validation ----------------------------------------------------------------------

@pytest.mark.parametrize("raw,clean", [("  H01.2025/000123 ", "H01.2025/000123"), ("a-b_c:d", "A-B_C:D"),
                                       ("X" * 64, "X" * 64)])
def test_dossier_code_accepts(raw, clean):
    assert validation.dossier_code(raw) == clean


@pytest.mark.parametrize("bad", ["", "   ", "X" * 65, "a b", "a\tb", "a\x00b", "mã", "a;b", None, 12, ["a"], b"ab"])
def test_dossier_code_rejects(bad):
    with pytest.raises(InvalidInput) as err:
        validation.dossier_code(bad)
    assert err.value.field == "dossier_code"


@pytest.mark.parametrize("raw,clean", [("0912 345 678", "0912345678"), ("+84912345678", "+84912345678"),
                                       ("84-912-345-678", "84912345678"), ("0389.123.456", "0389123456")])
def test_phone_accepts(raw, clean):
    assert validation.phone(raw) == clean


@pytest.mark.parametrize("bad", ["0212345678", "091234567", "09123456789", "+1 202 555 0143", "+84212345678",
                                 "0912\n345678", "abc", "", None, 912345678, "0912345678" * 30])
def test_phone_rejects(bad):
    with pytest.raises(InvalidInput):
        validation.phone(bad)


def test_size_and_pickup_code():
    assert validation.size(" l ") == "L"
    assert validation.pickup_code("00012345") == "00012345"
    for bad in ("XL", "", None, 1):
        with pytest.raises(InvalidInput):
            validation.size(bad)
    for bad in ("1234567", "123456789", "1234567a", "１２３４５６７８", None, 12345678):
        with pytest.raises(InvalidInput):
            validation.pickup_code(bad)


# ---- the database file -----------------------------------------------------------------

def test_sqlite_file_gets_its_parent_directories(tmp_path):
    fresh = Database(f"sqlite:///{tmp_path / 'sub' / 'dir' / 'other.db'}")
    fresh.upgrade()
    assert fresh.is_current() and (tmp_path / "sub" / "dir" / "other.db").exists()
    fresh.dispose()


# ---- key file ------------------------------------------------------------------------

def test_secret_file_created_once_with_private_mode(tmp_path):
    path = tmp_path / "keys" / "locker.secret"
    key = load_or_create_secret(path)
    assert len(key) == 32 and load_or_create_secret(path) == key
    assert os.stat(path).st_mode & 0o777 == 0o600


@pytest.mark.parametrize("content", ["not hex", "abcd", ""])
def test_malformed_secret_file_names_the_key(tmp_path, content):
    path = tmp_path / "locker.secret"
    path.write_text(content)
    with pytest.raises(ConfigError) as err:
        load_or_create_secret(path)
    assert err.value.key == "security.secret_file"
