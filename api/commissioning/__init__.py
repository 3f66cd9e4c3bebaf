"""``locker commission``: map a cabinet's doors to locks without reading code.

Per bus: find the boards that answer, detect the latch polarity, pulse each lock in
turn (never two at once) and learn which door opened, from the technician or
(``--auto``) from the latch (:mod:`.walk`). The result is the ``[[compartment]]``
map, each bus's ``latched_bit`` and the dead locks (:mod:`.results`); ``--write``
puts them into the configuration file, keeping a ``.bak`` (:mod:`.config_file`).
``--scanner`` checks instead that the scanner obeys its on/off commands
(:mod:`.scanner_check`). The command itself is in :mod:`.command`.
"""

from .command import commission_command
from .config_file import RewriteError, rewrite_config
from .results import DeadLock, Options, Outcome, parse_door_answer
from .scanner_check import ScannerCheck
from .walk import Commissioning

__all__ = ["Commissioning", "DeadLock", "Options", "Outcome", "RewriteError", "ScannerCheck", "commission_command",
           "parse_door_answer", "rewrite_config"]
