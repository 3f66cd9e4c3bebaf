"""What ``/healthz`` answers: the state of the database, the lock boards, the scanner,
the GPIO and the power, from a runtime's probes and the service's health.

A probe that fails counts as that part being down; it never fails the answer.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("api.health")


def health_report(rt: Any) -> dict[str, Any]:
    """The health of ``rt`` (an :class:`api.runtime.Runtime`): ``status`` is ``ok`` only when
    every part is."""
    try:
        health = rt.service.health()
    except Exception:
        log.exception("health() failed")
        health = {"database": "error", "boards": {}, "compartments": {}}
    database = "ok" if health.get("database") == "ok" and _safe(rt.database_ok, False) else "error"
    boards = {str(board): state for board, state in (health.get("boards") or {}).items()}
    scanner_ok = _safe(rt.scanner_ok, False)
    scanner = "absent" if scanner_ok is None else "ok" if scanner_ok else "down"
    gpio_ok = _safe(rt.gpio_ok, False)
    gpio = "absent" if gpio_ok is None else "ok" if gpio_ok else "down"
    power, tamper = health.get("power", "mains"), bool(health.get("tamper", False))
    healthy = (database == "ok" and scanner != "down" and gpio != "down"
               and all(s == "online" for s in boards.values()) and power == "mains" and not tamper)
    return {"status": "ok" if healthy else "degraded", "database": database, "bus": {"boards": boards},
            "scanner": scanner, "gpio": gpio, "power": power, "tamper": tamper,
            "compartments": dict(health.get("compartments") or {}), "alarms": alarm_summary(health.get("alarms"))}


def alarm_summary(counts: Any) -> dict[str, Any]:
    """``{"open": n, "acknowledged": n, "by_kind": {kind: unresolved n}}`` (kinds with none left out).

    Alarms do not make the status ``degraded``: that answers "is the service able to
    serve", which a monitoring system acts on; an alarm is for a person, and the
    hardware conditions behind the serious ones (a board offline, on battery,
    tamper) degrade the status by themselves.

    >>> alarm_summary({"open": {"jam": 1, "tamper": 0}, "acknowledged": {"jam": 2, "tamper": 0}})
    {'open': 1, 'acknowledged': 2, 'by_kind': {'jam': 3}}
    """
    counts = counts if isinstance(counts, dict) else {}
    by_kind: dict[str, int] = {}
    for per_kind in counts.values():
        for kind, n in per_kind.items():
            if n:
                by_kind[kind] = by_kind.get(kind, 0) + n
    return {"open": sum(counts.get("open", {}).values()), "acknowledged": sum(counts.get("acknowledged", {}).values()),
            "by_kind": dict(sorted(by_kind.items()))}


def _safe(probe: Any, failed: Any) -> Any:
    try:
        return probe()
    except Exception:
        log.exception("health probe failed")
        return failed
