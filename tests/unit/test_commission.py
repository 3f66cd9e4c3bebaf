"""Commissioning without hardware: answers, polarity votes, rewriting the file, refused options."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from api.commissioning import (Commissioning, Options, RewriteError, commission_command, parse_door_answer,
                            rewrite_config)
from drivers.discovery import BusProbe, detect_polarity
from locker.config import CompartmentConfig, config_from_dict
from tests.support.commissioning import TEXT, write_config


def test_parse_door_answer_rejects_what_the_configuration_would_reject() -> None:
    assert parse_door_answer("  ", used=set(), default_size="S") is None
    assert parse_door_answer("K-1 s", used={"K-2"}, default_size="M") == ("K-1", "S")
    for bad in ("K-1 XL", "-K1", "K1 M L", "ABCDEFGHIJKLMNOPQ"):
        with pytest.raises(ValueError):
            parse_door_answer(bad, used=set(), default_size="M")
    with pytest.raises(ValueError, match="already used"):
        parse_door_answer("K1", used={"K1"}, default_size="M")


def test_questions_need_someone_to_ask() -> None:
    with pytest.raises(ValueError):
        Commissioning(config_from_dict({}, env={}), Options(), say=print)


def test_polarity_vote_and_probe_of_an_empty_bus() -> None:
    assert detect_polarity({0: (1, 1, 0), 1: (1, 1, 1)}, default=0).latched_bit == 1
    assert detect_polarity({}, default=0).decided is False
    probe = BusProbe.open("loop://", "winnsen", probe_timeout=0.01, answer_timeout=0.01)
    try:
        assert probe.find_boards(range(4)) == [] and probe.read_bits(0) is None and probe.read_lock(0, 1) is None
    finally:
        probe.close()


def test_rewrite_replaces_only_the_compartments_and_the_latched_bit() -> None:
    new = [CompartmentConfig("A01", 0, 3, "S"), CompartmentConfig("A02", 0, 4, "M")]
    out = rewrite_config(TEXT, new, {"main": 0})
    assert "latched_bit = 0\n" in out and "latched_bit = 1" not in out and "OLD" not in out
    head, tail = TEXT.split("[[compartment]]")[0], TEXT[TEXT.index("# The SMS gateway"):]
    assert out.startswith(head.replace("latched_bit = 1   # guessed", "latched_bit = 0"))
    assert out.endswith(tail)
    assert out.index("A02") < out.index("# The SMS gateway")
    cfg = config_from_dict(__import__("tomllib").loads(out), env={})
    assert [c.label for c in cfg.compartments] == ["A01", "A02"] and cfg.bus.latched_bit == 0


def test_rewrite_handles_several_buses_and_a_file_without_compartments() -> None:
    text = '[[bus]]\nname = "a"\nurl = "loop://"\n\n[[bus]]\nname = "b"\nurl = "loop://"\nprotocol = "winnsen"\n'
    out = rewrite_config(text, [CompartmentConfig("X1", 3, 16, "L", "b")], {"b": 1})
    cfg = config_from_dict(__import__("tomllib").loads(out), env={})
    assert [b.latched_bit for b in cfg.buses] == [1, 1] and cfg.compartments[0].bus == "b"
    assert out.count("latched_bit") == 1 and 'bus = "b"' in out


def test_rewrite_refuses_layouts_it_cannot_edit_safely() -> None:
    inline = 'bus = { url = "loop://" }\ncompartment = [{ label = "A", board = 0, lock = 1, size = "M" }]\n'
    with pytest.raises(RewriteError):
        rewrite_config(inline, [CompartmentConfig("A01", 0, 1, "M")], {"main": 1})
    with pytest.raises(RewriteError):  # the result would not load: duplicate labels
        rewrite_config(TEXT, [CompartmentConfig("A01", 0, 1, "M"), CompartmentConfig("A01", 0, 2, "M")], {})


def run(*args: str, input: str | None = None):  # noqa: ANN201 - click Result
    return CliRunner().invoke(commission_command, list(args), input=input)


@pytest.mark.parametrize("args, code, message", [
    (["--bus", "nope"], 2, "no such bus"),
    (["--size", "XL"], 2, "XL"),
    (["--label-prefix", "a b"], 2, "letters, digits"),
    (["--probe-timeout-ms", "0"], 2, "0"),
])
def test_command_rejects_bad_options_without_touching_anything(tmp_path, args, code, message) -> None:
    path = write_config(tmp_path, "loop://")
    result = run("--config", str(path), "--auto", "--write", *args)
    assert result.exit_code == code and message in result.output
    assert path.read_text(encoding="utf-8") == TEXT.replace("URL", "loop://")


def test_command_fails_cleanly_when_nothing_answers_or_the_port_is_wrong(tmp_path) -> None:
    path = write_config(tmp_path, "loop://")
    result = run("--config", str(path), "--auto", "--write", "--probe-timeout-ms", "10")
    assert result.exit_code == 1 and "no board answered" in result.output
    path.write_text(TEXT.replace("URL", "socket://127.0.0.1:1"), encoding="utf-8")
    result = run("--config", str(path), "--auto", "--write")
    assert result.exit_code == 1 and "serial port error" in result.output
    result = run("--config", str(tmp_path / "missing.toml"), "--auto")
    assert result.exit_code == 1 and "configuration error" in result.output
    assert not (tmp_path / "locker.toml.bak").exists()
