"""Prometheus metrics of one app, in a registry of its own (never the global one).

HTTP requests are counted by endpoint and status and timed; the cabinet's state
(compartments by state, boards online, bus frames, errors, retries and answer
latency) is read from the runtime at scrape time by :class:`LockerCollector`.

>>> from types import SimpleNamespace
>>> service = SimpleNamespace(health=lambda: {"database": "ok", "boards": {0: "online"},
...                                           "compartments": {"free": 3}})
>>> rt = SimpleNamespace(service=service, bus_stats=lambda: {}, scanner_ok=lambda: None)
>>> names = [m.name for m in LockerCollector(rt).collect()]
>>> "locker_compartments" in names and "locker_board_online" in names
True
"""

from __future__ import annotations

import logging
import time
from typing import Any, Iterator

from flask import Flask, Response, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST

log = logging.getLogger("api.metrics")

STATES = ("free", "reserved", "holding_dropoff", "holding_result", "out_of_service")
LATENCY_QUANTILES = (0.5, 0.95, 1.0)


class LockerCollector:
    """Reads the runtime when Prometheus scrapes; a failing source is skipped, never raised."""

    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[Metric]:
        for section in (self._health, self._scanner, self._bus, self._webhooks):
            try:
                metrics = list(section())
            except Exception:
                log.exception("metrics section %s failed", section.__name__)
                continue
            yield from metrics

    def _health(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("locker_database_up", "1 when the database answers.")
        try:
            health = self.runtime.service.health()
        except Exception:
            log.exception("health() failed during a scrape")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1 if health.get("database") == "ok" else 0)
        yield up
        counts = GaugeMetricFamily("locker_compartments", "Compartments by state.", labels=["state"])
        by_state = dict.fromkeys(STATES, 0) | dict(health.get("compartments") or {})
        for state, count in sorted(by_state.items(), key=lambda kv: str(kv[0])):
            _add(counts, [str(state)], count)
        yield counts
        online = GaugeMetricFamily("locker_board_online", "1 when the lock board answers.", labels=["board"])
        for board, status in sorted((health.get("boards") or {}).items(), key=lambda kv: str(kv[0])):
            online.add_metric([str(board)], 1 if status == "online" else 0)
        yield online
        for state, per_kind in sorted((health.get("alarms") or {}).items()):
            family = GaugeMetricFamily(f"locker_alarms_{state}", f"Alarms {state}, by kind.", labels=["kind"])
            for kind, count in sorted(per_kind.items()):
                _add(family, [str(kind)], count)
            yield family

    def _scanner(self) -> Iterator[Metric]:
        ok = self.runtime.scanner_ok()
        if ok is not None:
            yield GaugeMetricFamily("locker_scanner_up", "1 when the QR scanner port is open.", value=1 if ok else 0)

    def _webhooks(self) -> Iterator[Metric]:
        family = GaugeMetricFamily("locker_webhook_deliveries", "Webhook deliveries by status (docs/webhooks.md).",
                                   labels=["status"])
        for status, count in sorted(self.runtime.service.webhooks.totals().items()):
            _add(family, [status], count)
        yield family

    def _bus(self) -> Iterator[Metric]:
        stats = self.runtime.bus_stats() or {}
        sent = CounterMetricFamily("locker_bus_frames_sent", "Frames sent to a board.", labels=["board"])
        received = CounterMetricFamily("locker_bus_frames_received", "Frames received from a board.",
                                       labels=["board"])
        retries = CounterMetricFamily("locker_bus_retries", "Requests repeated after no or a bad answer.",
                                      labels=["board"])
        errors = CounterMetricFamily("locker_bus_errors", "Bus errors by kind.", labels=["board", "kind"])
        latency = GaugeMetricFamily("locker_bus_answer_latency_seconds",
                                    "Board answer latency over recent requests.", labels=["board", "quantile"])
        histogram = HistogramMetricFamily("locker_bus_answer_seconds", "Board answer latency since start.",
                                          labels=["board"])
        last_seen = GaugeMetricFamily("locker_bus_last_seen_seconds_ago", "Seconds since the board last answered.",
                                      labels=["board"])
        now = time.monotonic()
        for board, st in sorted(stats.items(), key=lambda kv: str(kv[0])):
            b = str(board)
            for family, key in ((sent, "frames_sent"), (received, "frames_received"), (retries, "retries")):
                _add(family, [b], st.get(key))
            for kind, n in sorted((st.get("errors") or {}).items(), key=lambda kv: str(kv[0])):
                _add(errors, [b, str(kind)], n)
            for q, value in _quantiles(st.get("latencies") or []):
                latency.add_metric([b, str(q)], value)
            buckets = st.get("latency_buckets")
            if isinstance(buckets, dict) and buckets:
                histogram.add_metric([b], [("+Inf" if bound == float("inf") else repr(float(bound)), count)
                                           for bound, count in sorted(buckets.items())],
                                     sum_value=float(st.get("latency_sum") or 0.0))
            if isinstance(st.get("last_seen"), (int, float)):
                last_seen.add_metric([b], max(0.0, now - st["last_seen"]))
        yield from (sent, received, retries, errors, latency, histogram, last_seen)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _add(family: GaugeMetricFamily | CounterMetricFamily, labels: list[str], value: Any) -> None:
    number = _number(value)
    if number is not None:
        family.add_metric(labels, number)


def _quantiles(values: list[float]) -> list[tuple[float, float]]:
    ordered = sorted(n for n in map(_number, values) if n is not None)
    if not ordered:
        return []
    return [(q, ordered[min(len(ordered) - 1, int(q * len(ordered)))]) for q in LATENCY_QUANTILES]


class Metrics:
    """The app's registry, its HTTP instruments and the ``/metrics`` answer."""

    def __init__(self, runtime: Any) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("locker_http_requests", "HTTP requests by endpoint and status.",
                                ["endpoint", "method", "status"], registry=self.registry)
        self.latency = Histogram("locker_http_request_duration_seconds", "HTTP request duration.",
                                 ["endpoint"], registry=self.registry)
        self.registry.register(LockerCollector(runtime))

    def init_app(self, app: Flask) -> None:
        app.extensions["locker_metrics"] = self
        app.before_request(_start_timer)
        app.after_request(self._observe)

    def _observe(self, response: Response) -> Response:
        # Label by URL rule, not by path, so unknown URLs cannot grow the label set.
        endpoint = request.url_rule.rule if request.url_rule is not None else "unmatched"
        self.requests.labels(endpoint, request.method if request.method in _METHODS else "other",
                             str(response.status_code)).inc()
        started = g.get("started")
        if started is not None:
            self.latency.labels(endpoint).observe(time.perf_counter() - started)
        return response

    def response(self) -> Response:
        return Response(generate_latest(self.registry), content_type=CONTENT_TYPE_LATEST)


_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def _start_timer() -> None:
    g.started = time.perf_counter()
