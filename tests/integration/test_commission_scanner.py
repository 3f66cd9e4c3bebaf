"""``locker commission --scanner``: the technician holds a code in front of the
scanner twice; it must not come through while reading is off, and must while on.
The simulator's scanner models obey (or refuse) the same commands as real ones."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from api.commissioning import commission_command
from api.commissioning.scanner_check import PRESENT, ScannerCheck
from firmware_sim.simulator import Simulator
from locker.config import ScannerConfig, config_from_dict
from locker.errors import ConfigError


def scanner(sims: list[Simulator], model: str) -> tuple[Simulator, str]:
    sim = Simulator(boards=1, scanner_model=model)
    sims.append(sim)
    return sim, sim.serve_scanner("inprocess")


def check(sim: Simulator, config: ScannerConfig, window: float = 1.0):
    asked: list[str] = []

    def technician(question: str) -> str:
        asked.append(question)
        sim.scan(f"HS-CHECK-{len(asked)}")
        return ""

    report = ScannerCheck(config, say=lambda line: None, ask=technician, window=window).run()
    return report, asked


@pytest.mark.parametrize("model", ["honeywell", "newland", "zebra-ssi", "datalogic"])
def test_each_command_set_stops_and_starts_reading(sims, model):
    sim, url = scanner(sims, model)
    report, asked = check(sim, ScannerConfig(url=url, model=model))
    assert report.ok, report.problems
    assert asked == [PRESENT, PRESENT]
    assert (report.read_while_off, report.read_while_on) == (None, "HS-CHECK-2")
    assert sim.scanner.state()["dropped"] == 1, "the code shown while off was not sent"


def test_a_disable_setting_the_scanner_refuses_is_found(sims):
    sim, url = scanner(sims, "honeywell")
    report, _ = check(sim, ScannerConfig(url=url, model="honeywell", disable_setting="TRGMOD9"))
    assert not report.ok and report.read_while_off == "HS-CHECK-1"
    assert "disable_setting" in report.problems[0] and " / " in report.problems[0]
    assert report.stats["naks"] >= 1, "the scanner's NAK of the setting was seen"


def test_a_line_scanner_has_no_off_step(sims):
    sim, url = scanner(sims, "line")
    report, asked = check(sim, ScannerConfig(url=url, model="line"))
    assert report.ok and asked == [PRESENT] and report.read_while_on == "HS-CHECK-1"


def test_a_scanner_that_is_not_there_is_reported(sims):
    sim, url = scanner(sims, "datalogic")
    sim.fault("unplug", target="scanner")
    report, asked = check(sim, ScannerConfig(url=url, model="datalogic"), window=0.3)
    assert not report.ok and f"cannot open the port {url}" in report.problems[-1] and asked == []


def test_no_code_while_reading_is_on_is_reported(sims):
    _, url = scanner(sims, "line")
    nothing_shown = ScannerCheck(ScannerConfig(url=url, model="line"), say=lambda line: None, ask=lambda q: "",
                                 window=0.3).run()
    assert not nothing_shown.ok and "does not read when switched on" in nothing_shown.problems[-1]


def test_settings_for_models_without_them_are_refused():
    with pytest.raises(ConfigError) as caught:
        config_from_dict({"scanner": {"model": "zebra-ssi", "enable_setting": "TRGMOD3"}}, env={})
    assert caught.value.key == "scanner.enable_setting"


def test_a_malformed_setting_names_its_key(sims):
    sim, url = scanner(sims, "honeywell")
    with pytest.raises(ConfigError) as caught:
        ScannerCheck(ScannerConfig(url=url, model="honeywell", enable_setting="T!"), say=print, ask=input)
    assert caught.value.key == "scanner.enable_setting"


@contextmanager
def codes_held_up(sim: Simulator) -> Iterator[None]:
    """Someone keeps a code in front of the scanner the whole time."""
    stop = threading.Event()

    def hold() -> None:
        while not stop.wait(0.05):
            sim.scan("HS-HELD")

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def write_scanner_config(tmp_path: Path, url: str, model: str, extra: str = "") -> Path:
    path = tmp_path / "locker.toml"
    path.write_text(f'[scanner]\nurl = "{url}"\nmodel = "{model}"\n{extra}', encoding="utf-8")
    return path


@pytest.mark.parametrize("extra, code, said", [
    ("", 0, "the scanner behaves as configured"),
    ('disable_setting = "TRGMOD9"\n', 1, "the scanner still reads when switched off (HS-HELD)"),
])
def test_command_checks_the_configured_scanner(sims, tmp_path, extra, code, said):
    sim, url = scanner(sims, "honeywell")
    path = write_scanner_config(tmp_path, url, "honeywell", extra)
    before = path.read_text(encoding="utf-8")
    with codes_held_up(sim):
        result = CliRunner().invoke(commission_command, ["--config", str(path), "--scanner"], input="\n\n")
    assert result.exit_code == code, result.output
    assert said in result.output
    assert path.read_text(encoding="utf-8") == before, "a check never edits the configuration"


def test_command_without_a_scanner_says_so(tmp_path):
    path = tmp_path / "locker.toml"
    path.write_text("[scanner]\n", encoding="utf-8")
    result = CliRunner().invoke(commission_command, ["--config", str(path), "--scanner"])
    assert result.exit_code == 1 and "no scanner configured" in result.output
