"""What a citizen should do next after an error, and whom to ask: the office's name, help line
and opening hours from ``[office]``. The citizen and kiosk endpoints add it to every error
answer as ``help``, in the request's language, next to the error's own ``message``.

>>> from types import SimpleNamespace
>>> office = SimpleNamespace(name="Bộ phận Một cửa", hotline="0236 3822 000", hours="7:30 - 17:00")
>>> help_text("no_compartment", office, "en")
'Choose a larger size, or come back later. Help: Bộ phận Một cửa, phone 0236 3822 000, open 7:30 - 17:00.'
>>> help_text("invalid_credentials", SimpleNamespace(name="Một cửa", hotline="", hours=""), "vi")
'Kiểm tra lại mã hồ sơ và mã nhận 8 chữ số trong tin nhắn SMS. Hỗ trợ: Một cửa.'
"""

from __future__ import annotations

from typing import Any

from flask import Response, json

from ..auth import runtime
from ..catalogs import N_, both, both_of
from ..i18n import request_lang

#: error word -> (Vietnamese, English): what to do next, from the catalogs (``api/translations``).
NEXT_STEPS: dict[str, tuple[str, str]] = both_of({
    "invalid_input": N_("Correct the highlighted entry and try again."),
    "invalid_credentials": N_("Check the dossier code and the 8-digit pickup code in your SMS."),
    "throttled": N_("Wait for the countdown to end, then try again."),
    "no_compartment": N_("Choose a larger size, or come back later."),
    "no_low_compartment": N_("Choose another size; or turn “Low compartment” off if someone with you "
                             "can help; or come back later, or hand the dossier in at the counter "
                             "during opening hours."),
    "hardware_unavailable": N_("Please come back later, or go to the "
                               "office's counter during opening hours."),
    "on_battery": N_("Please come back later, or go to the office's counter during opening hours."),
    "kiosk_only": N_("Please use the touch screen on the cabinet."),
    "foreign_host": N_("Please use the touch screen on the cabinet."),
    "dropoff_rate_limited": N_("Wait a moment, then try again."),
    "lookup_rate_limited": N_("Wait a moment, then try again."),
    "dossier_unknown": N_("Check the dossier code; the locker knows "
                          "only dossiers dropped off or returned through it."),
})
ANY_OTHER = both(N_("Tap “Back to start” and try again; if it fails again, contact the office."))


def help_text(error: str, office: Any, lang: str) -> str:
    """The next step for ``error`` and the office's contact, in ``lang`` (``vi`` or ``en``)."""
    step = NEXT_STEPS.get(error, ANY_OTHER)[1 if lang == "en" else 0]
    return f"{step} {contact(office, lang)}"


def contact(office: Any, lang: str) -> str:
    """``Help: <name>, phone <hotline>, open <hours>.``, leaving out what is not configured."""
    def say(msgid: str) -> str:
        return both(msgid)[1 if lang == "en" else 0]

    parts = [office.name]
    if office.hotline:
        parts.append(say(N_("phone %(number)s")) % {"number": office.hotline})
    if office.hours:
        parts.append(say(N_("open %(hours)s")) % {"hours": office.hours})
    return say(N_("Help: %(contact)s.")) % {"contact": ", ".join(parts)}


def add_help(response: Response) -> Response:
    """Give a JSON error answer its ``help`` (an ``after_request`` step of the citizen blueprints)."""
    if response.status_code < 400 or not response.is_json:
        return response
    body = response.get_json(silent=True)
    if isinstance(body, dict) and isinstance(body.get("error"), str) and "help" not in body:
        body["help"] = help_text(body["error"], runtime().config.office, request_lang())
        response.set_data(json.dumps(body))
    return response
