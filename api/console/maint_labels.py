"""How maintenance and hardware pages name states on screen (both languages through the
catalog): template helpers ``state_label``, ``yes_no``, ... given by :func:`labels`."""

from __future__ import annotations

from typing import Any, Callable

from flask_babel import lazy_gettext as _l

STATES = {"free": _l("Free"), "reserved": _l("Reserved"), "holding_dropoff": _l("Holds a drop-off"),
          "holding_result": _l("Holds a result"), "out_of_service": _l("Out of service")}
DOORS = {"open": _l("Door open"), "closed": _l("Door closed"), "unknown": _l("Door unknown")}
OPENINGS = {"opening": _l("Opening"), "door_open": _l("Door open"), "closed": _l("Closed again"),
            "failed": _l("Failed")}
CHECKS = {"waiting": _l("Waiting"), "opening": _l("Open now"), "done": _l("Done"), "skipped": _l("Skipped")}
RUNS = {"running": _l("Running"), "finished": _l("Finished")}
BOARDS = {"online": _l("Online"), "offline": _l("Offline"), "unknown": _l("Unknown")}
PARTS = {"ok": _l("Working"), "down": _l("Down"), "absent": _l("Not fitted"), "unknown": _l("Unknown")}
PRINTERS = {"ok": _l("Ready"), "out_of_paper": _l("Out of paper"), "offline": _l("Offline"), "error": _l("Error"),
            "unknown": _l("No job printed yet")}
#: The reasons the service gives itself (a person's reason is shown as typed).
REASONS = {"lock test": _l("Lock test"), "weekly check": _l("Weekly check")}
YES, NO = _l("yes"), _l("no")


def _named(words: dict[str, Any]) -> Callable[[str], Any]:
    return lambda word: words.get(word, word)


def yes_no(value: bool | None) -> Any:
    return "—" if value is None else YES if value else NO


def labels() -> dict[str, Any]:
    """The helpers, for ``Blueprint.app_context_processor``."""
    return {"state_label": _named(STATES), "door_label": _named(DOORS), "opening_status_label": _named(OPENINGS),
            "check_status_label": _named(CHECKS), "run_status_label": _named(RUNS),
            "board_state_label": _named(BOARDS), "part_state_label": _named(PARTS), "reason_label": _named(REASONS),
            "printer_state_label": _named(PRINTERS),
            "yes_no": yes_no}
