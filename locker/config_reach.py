"""Checks of the compartments' floor heights (``floor_mm``, ``[layout] row_floor_mm``): wheelchair
reach depends on them, so a height list that cannot be right stops the service at start.

>>> from locker.config import config_from_dict
>>> rooms = [{"label": f"A0{i}", "board": 0, "lock": i, "size": "M"} for i in (1, 2, 3)]
>>> config_from_dict({"bus": {"url": "loop://"}, "layout": {"rows": 3, "row_floor_mm": [1400, 900]},
...                  "compartment": rooms}, env={})
Traceback (most recent call last):
...
locker.errors.ConfigError: configuration error in layout.row_floor_mm: 2 heights for 3 rows (layout.rows is 3): give one height per row, top row first
>>> config_from_dict({"bus": {"url": "loop://"}, "layout": {"rows": 3, "row_floor_mm": [400, 900, 1400]},
...                  "compartment": rooms}, env={})
Traceback (most recent call last):
...
locker.errors.ConfigError: configuration error in layout.row_floor_mm: row 1 is the top row: each row's height must be lower than the row above it (row 2: 900 mm is not below 400 mm)
"""

from __future__ import annotations

from typing import Iterable

from .config_hardware import FLOOR_MM, CompartmentConfig
from .config_sections import LayoutConfig
from .errors import ConfigError

WHERE = "layout.row_floor_mm"


def check_floors(layout: LayoutConfig, compartments: Iterable[CompartmentConfig]) -> None:
    """Every row height in range, going down from the top row, one for every row in use."""
    heights = layout.row_floor_mm
    if not heights:
        return
    for row, mm in enumerate(heights, start=1):
        if not FLOOR_MM[0] <= mm <= FLOOR_MM[1]:
            raise ConfigError(WHERE, f"row {row}: must be between {FLOOR_MM[0]} and {FLOOR_MM[1]} (millimetres)")
        if row > 1 and mm >= heights[row - 2]:
            raise ConfigError(WHERE, "row 1 is the top row: each row's height must be lower than the row above "
                                     f"it (row {row}: {mm} mm is not below {heights[row - 2]} mm)")
    rows = _rows_in_use(layout, compartments)
    if len(heights) < rows:
        raise ConfigError(WHERE, f"{len(heights)} heights for {rows} rows (layout.rows is {layout.rows}): "
                                 "give one height per row, top row first")


def _rows_in_use(layout: LayoutConfig, compartments: Iterable[CompartmentConfig]) -> int:
    """The lowest row a compartment without its own ``floor_mm`` may sit in: its own ``row``, else
    any of the ``layout.rows`` rows the console's grid fills."""
    rows = 0
    for c in compartments:
        if c.floor_mm is None:
            rows = max(rows, c.row if c.row is not None else layout.rows)
    return rows
