"""Wheelchair reach: which compartments a person in a wheelchair can use, from the floor height of
each (its own ``floor_mm``, else its row's in ``[layout] row_floor_mm``) and the limit
``[kiosk] reach_mm``. A compartment whose height is not configured is never promised as low.

>>> from locker.config import config_from_dict
>>> cfg = config_from_dict({"bus": {"url": "loop://"}, "layout": {"rows": 2, "row_floor_mm": [1500, 700]},
...     "compartment": [{"label": "A01", "board": 0, "lock": 1, "size": "S"},
...                     {"label": "A02", "board": 0, "lock": 2, "size": "S"},
...                     {"label": "X1", "board": 1, "lock": 1, "size": "L", "floor_mm": 1100}]}, env={})
>>> reach = Reach.of(cfg)
>>> reach.floors, sorted(reach.labels), reach.within("A01")
({'A01': 1500, 'A02': 700, 'X1': 1100}, ['A02', 'X1'], False)
"""

from __future__ import annotations

from typing import Mapping

from .cabinet_grid import positions
from .config import Config


class Reach:
    def __init__(self, *, limit_mm: int, floors: Mapping[str, int]) -> None:
        self.limit_mm = limit_mm
        #: label -> floor height above the ground (mm), for the compartments whose height is known.
        self.floors = dict(floors)
        #: The compartments within reach.
        self.labels = frozenset(label for label, mm in self.floors.items() if mm <= limit_mm)

    @classmethod
    def of(cls, config: Config) -> "Reach":
        rows = config.layout.row_floor_mm
        places = positions(config)
        floors: dict[str, int] = {}
        for c in config.compartments:
            row = places[c.label][0]
            if c.floor_mm is not None:
                floors[c.label] = c.floor_mm
            elif row <= len(rows):
                floors[c.label] = rows[row - 1]
        return cls(limit_mm=config.kiosk.reach_mm, floors=floors)

    def within(self, label: str) -> bool:
        return label in self.labels
