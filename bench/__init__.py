"""Benchmarks that print tables: ``python -m bench [NAME ...] [--n N]`` (``make bench``).

Speed and memory targets live here, never as timing assertions in the tests. Each
benchmark module has ``NAME`` and ``run(n=None) -> list[Table]``; ``n`` scales the
work (reads, runs, requests or cycles) and ``None`` means the documented default.
See docs/benchmarks.md for what each figure means and the figures measured so far.

>>> sorted(BENCHMARKS)
['api', 'bus', 'doors', 'gpio', 'memory', 'recovery', 'reports', 'unlock', 'wire']
"""

from __future__ import annotations

BENCHMARKS = {
    "bus": "bench.bus",
    "unlock": "bench.unlock",
    "api": "bench.api",
    "memory": "bench.memory",
    "gpio": "bench.gpio",
    "recovery": "bench.recovery",
    "reports": "bench.reports",
    "wire": "bench.wire",
    "doors": "bench.doors",
}
