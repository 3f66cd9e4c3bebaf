"""A hardware simulator that speaks the same bytes as real lock boards and scanners.

>>> from firmware_sim import Simulator
>>> sim = Simulator(boards=2)
>>> url = sim.serve_bus("inprocess")     # or "tcp", "pty"
>>> url.startswith("locksim://")
True
>>> sim.close()

The control API (``firmware_sim.control``) and the standalone runner
(``firmware_sim.runner``) are imported separately, so that driver tests using the
simulator do not pull in Flask or waitress.
"""

from .layout import config_toml, demo_compartments
from .errors import SimulatorError
from .families import BOARD_TYPES
from .simulator import Simulator
from .inprocess import install_url_handler, register_line, unregister_line

__all__ = [
    "BOARD_TYPES",
    "Simulator",
    "SimulatorError",
    "config_toml",
    "demo_compartments",
    "install_url_handler",
    "register_line",
    "unregister_line",
]
