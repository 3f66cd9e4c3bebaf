"""What the technician's page reports, from a runtime's probes (fakes here)."""

from __future__ import annotations

from types import SimpleNamespace

from api.technician import hardware_report
from locker.config import config_from_dict


def runtime(**parts):
    config = config_from_dict({"printer": {"url": "tcp://10.0.0.9:9100"}, "bus": {"url": "loop://"},
                               "compartment": [{"label": "A01", "board": 0, "lock": 1, "size": "S"}]}, env={})
    stats = {0: {"latencies": [0.004, 0.002, 0.010], "last_seen": 99.5, "errors": {"no_answer": 2, "checksum": 1},
                 "retries": 3, "frames_sent": 40, "frames_received": 37, "port_reopens": 1}}
    base = dict(config=config, bus=None, io=None, printer=None, bus_stats=lambda: stats, scanner_ok=lambda: True,
                gpio_ok=lambda: None, service=SimpleNamespace(health=lambda: {"boards": {0: "online", 1: "offline"}},
                                                              kiosk_activity=lambda: {"mode": "idle"}))
    return SimpleNamespace(**{**base, **parts})


def test_boards_carry_the_driver_s_figures_and_a_silent_board_still_shows():
    report = hardware_report(runtime(), now=100.0)
    first, second = report["boards"]
    assert first == {"board": "0", "state": "online", "last_seen_s": 0.5,
                     "latency_ms": {"p50": 4.0, "p95": 10.0, "max": 10.0}, "errors": {"no_answer": 2, "checksum": 1},
                     "retries": 3, "frames_sent": 40, "frames_received": 37, "port_reopens": 1}
    assert second["board"] == "1" and second["state"] == "offline" and second["latency_ms"] is None


def test_the_printer_is_reported_only_where_there_is_one():
    assert hardware_report(runtime(), now=0.0)["printer"] is None
    fitted = hardware_report(runtime(printer=SimpleNamespace(last_status="out_of_paper")), now=0.0)["printer"]
    assert fitted == {"url": "tcp://10.0.0.9:9100", "width_mm": 58, "state": "out_of_paper"}
    assert hardware_report(runtime(printer=SimpleNamespace(last_status=None)), now=0.0)["printer"]["state"] \
        == "unknown"


def test_a_failing_probe_shows_unknown_and_never_fails_the_report():
    def broken():
        raise OSError("gone")
    report = hardware_report(runtime(scanner_ok=broken, bus_stats=broken), now=0.0)
    assert report["scanner"] == {"state": "unknown"} and report["boards"] == []
    assert report["gpio"]["state"] == "absent"
