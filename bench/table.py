"""Plain-text result tables and the statistics the benchmarks report.

>>> t = Table("demo", ["name", "value ms"], notes=["a note"])
>>> t.add("fast", 1.23456)
>>> print(t.render())
demo
name  value ms
----  --------
fast      1.23
  note: a note
>>> t.column("value ms")
[1.23456]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable


def percentile(values: Iterable[float], q: float) -> float:
    """Nearest-rank percentile (``q`` from 0 to 100); NaN for no values.

    >>> percentile([5, 1, 4, 2, 3], 50), percentile([5, 1, 4, 2, 3], 95), percentile([], 50)
    (3, 5, nan)
    """
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summary_ms(seconds: Iterable[float]) -> tuple[float, float, float]:
    """(p50, p95, max) of durations in seconds, as milliseconds.

    >>> summary_ms([0.001, 0.002, 0.010])
    (2.0, 10.0, 10.0)
    """
    values = [s * 1000 for s in seconds]
    return percentile(values, 50), percentile(values, 95), max(values, default=math.nan)


def _cell(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return "-"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}" if abs(value) >= 1 else f"{value:.3f}"


@dataclass
class Table:
    """A titled table with named columns; numbers stay numbers until rendered."""

    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *cells: Any) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"{self.title}: {len(cells)} cells for {len(self.columns)} columns")
        self.rows.append(list(cells))

    def column(self, name: str) -> list[Any]:
        index = self.columns.index(name)
        return [row[index] for row in self.rows]

    def render(self) -> str:
        cells = [[_cell(c) for c in row] for row in self.rows]
        widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(self.columns)]
        numeric = [all(isinstance(row[i], (int, float)) and not isinstance(row[i], bool) for row in self.rows)
                   for i in range(len(self.columns))]

        def line(values: list[str]) -> str:
            return "  ".join(v.rjust(w) if num else v.ljust(w)
                             for v, w, num in zip(values, widths, numeric)).rstrip()

        out = [self.title, line(self.columns), line(["-" * w for w in widths])]
        out += [line(row) for row in cells]
        out += [f"  note: {note}" for note in self.notes]
        return "\n".join(out)
