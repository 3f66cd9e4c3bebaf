"""What the technician sees of the hardware: per bus and board the traffic the driver
counts (online, last seen, answer latency, errors by kind, retries, port reopenings),
the scanner, the GPIO inputs and outputs, and the receipt printer where there is one.

Read from a runtime's probes; a probe that fails shows that part as unknown, it never
fails the answer.

>>> from types import SimpleNamespace
>>> from locker.config import Config
>>> rt = SimpleNamespace(config=Config(), bus=None, io=None, scanner=None, printer=None, bus_stats=lambda: {},
...                      scanner_ok=lambda: None, gpio_ok=lambda: None,
...                      service=SimpleNamespace(health=lambda: {"boards": {}}, kiosk_activity=lambda: {}))
>>> report = hardware_report(rt, now=0.0)
>>> report["printer"], report["scanner"]["state"], report["gpio"]["state"]
(None, 'absent', 'absent')
"""

from __future__ import annotations

import logging
import time
from typing import Any

log = logging.getLogger("api.technician")

#: The cabinet's GPIO inputs and what "active" means, in both languages.
INPUT_WORDS = {
    "power_fail": ("Mất điện lưới (chạy pin)", "Mains failed (on battery)"),
    "battery_low": ("Pin yếu", "Battery low"),
    "tamper": ("Cảm biến phá tủ", "Tamper switch"),
    "service_door": ("Cửa kỹ thuật mở", "Service door open"),
    "presence": ("Có người trước tủ", "Someone in front"),
}
OUTPUT_WORDS = {
    "led_green": ("Đèn xanh", "Green light"),
    "led_amber": ("Đèn vàng", "Amber light"),
    "led_red": ("Đèn đỏ", "Red light"),
    "buzzer": ("Còi", "Buzzer"),
}


def hardware_report(rt: Any, *, now: float | None = None) -> dict[str, Any]:
    """Buses, boards, scanner, GPIO and printer of ``rt`` (an :class:`api.runtime.Runtime`)."""
    now = time.monotonic() if now is None else now
    return {"buses": _safe(lambda: _buses(rt), []), "boards": _safe(lambda: _boards(rt, now), []),
            "scanner": _safe(lambda: _scanner(rt), {"state": "unknown"}),
            "gpio": _safe(lambda: _gpio(rt), {"state": "unknown", "inputs": [], "outputs": []}),
            "printer": _safe(lambda: _printer(rt), {"state": "unknown"})}


def _buses(rt: Any) -> list[dict[str, Any]]:
    drivers = getattr(rt.bus, "buses", None) or {}
    found = []
    for bus in rt.config.buses:
        if bus.name not in drivers:
            continue
        driver = drivers[bus.name].driver
        port = driver.bus_stats() if hasattr(driver, "bus_stats") else {}
        found.append({"name": bus.name, "url": bus.url or "", "protocol": bus.protocol,
                      "port_open": port.get("port_open"), "port_reopens": port.get("port_reopens", 0),
                      "port_failures": port.get("port_failures", 0)})
    return found


def _boards(rt: Any, now: float) -> list[dict[str, Any]]:
    states = {str(k): v for k, v in (rt.service.health().get("boards") or {}).items()}
    stats = {str(k): v for k, v in (rt.bus_stats() or {}).items()}
    rows = []
    for name in sorted(set(states) | set(stats)):
        st = stats.get(name, {})
        latencies = sorted(x for x in st.get("latencies") or [] if isinstance(x, (int, float)))
        last_seen = st.get("last_seen")
        rows.append({
            "board": name, "state": states.get(name, "unknown"),
            "last_seen_s": round(now - last_seen, 1) if isinstance(last_seen, (int, float)) else None,
            "latency_ms": _latency(latencies), "errors": dict(st.get("errors") or {}),
            "retries": st.get("retries", 0), "frames_sent": st.get("frames_sent", 0),
            "frames_received": st.get("frames_received", 0), "port_reopens": st.get("port_reopens", 0),
        })
    return rows


def _latency(ordered: list[float]) -> dict[str, float] | None:
    """Median, 95th percentile and maximum of recent answers, in milliseconds."""
    if not ordered:
        return None
    pick = lambda q: round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)  # noqa: E731
    return {"p50": pick(0.5), "p95": pick(0.95), "max": round(ordered[-1] * 1000, 1)}


def _scanner(rt: Any) -> dict[str, Any]:
    ok = rt.scanner_ok()
    state = "absent" if ok is None else "ok" if ok else "down"
    activity = rt.service.kiosk_activity() if ok is not None else {}
    return {"state": state, "url": rt.config.scanner.url or "", "model": getattr(rt.config.scanner, "model", ""),
            "mode": activity.get("mode"), "last_scan": activity.get("last_scan")}


def _printer(rt: Any) -> dict[str, Any] | None:
    """None without a printer; else its port, paper width and what it said last (``ok``,
    ``out_of_paper``, ``offline``, ``error``; ``unknown`` before its first job). The page
    never talks to the printer itself: a status request could come between a receipt's lines."""
    printer = getattr(rt, "printer", None)
    if printer is None:
        return None
    return {"url": rt.config.printer.url, "width_mm": rt.config.printer.width_mm,
            "state": printer.last_status or "unknown"}


def _gpio(rt: Any) -> dict[str, Any]:
    ok = rt.gpio_ok()
    io = rt.io
    if io is None:
        return {"state": "absent" if ok is None else "ok" if ok else "down", "inputs": [], "outputs": [],
                "tower": None}
    inputs = [{"name": name, "active": active, "vi": INPUT_WORDS.get(name, (name,))[0],
               "en": INPUT_WORDS.get(name, (name, name))[1]} for name, active in sorted(io.inputs().items())]
    outputs = [{"name": name, "on": on, "vi": OUTPUT_WORDS.get(name, (name,))[0],
                "en": OUTPUT_WORDS.get(name, (name, name))[1]} for name, on in sorted(io.outputs().items())]
    return {"state": "ok" if ok is not False else "down", "inputs": inputs, "outputs": outputs,
            "tower": io.tower()}


def _safe(read: Any, failed: Any) -> Any:
    try:
        return read()
    except Exception:
        log.exception("technician report: a probe failed")
        return failed
