"""What the pages of the clerks' runs share: words on screen for states and checks, the
run's last notice as a sentence, domain errors as flash messages, the CSV answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from flask import Response, flash, redirect
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from locker.errors import LockerError
from locker.messages import VN_TIME

from .. import manifests
from ..auth import runtime
from ..i18n import request_lang

STATE_LABELS = {
    "waiting": _l("Waiting"), "opening": _l("Opening"), "door_open": _l("Door open"), "ready": _l("Ready"),
    "closed_empty": _l("Closed empty"), "cancelled": _l("Nothing put in"), "left_inside": _l("Still inside"),
    "taken": _l("Taken out"), "uncollected": _l("Not taken out"), "failed": _l("Failed"),
    "skipped": _l("Not opened"),
}
CHECK_LABELS = {
    "unchecked": _l("Not scanned"), "confirmed": _l("Confirmed"), "mismatch": _l("Mismatch"),
    "missing": _l("Missing"),
}
KIND_LABELS = {"load": _l("Loading batch"), "collection": _l("Morning collection"),
               "retrieval": _l("Retrieval of expired results")}


def runs() -> Any:
    return runtime().service.runs


def actor() -> str:
    return current_user.name


def notice_text(notice: dict[str, Any] | None) -> str:
    """The last scan or action of a run, as one sentence in the page's language."""
    if not notice:
        return ""
    if notice.get("message_vi"):
        return notice["message_en"] if request_lang() == "en" else notice["message_vi"]
    code = notice.get("dossier_code") or ""
    words = {
        "loading": _("Opening a compartment for %(code)s.", code=code),
        "needs_details": _("%(code)s was not announced: type the phone number and size once.", code=code),
        "confirmed": _("%(code)s confirmed.", code=code),
        "mismatch": _("Mismatch: %(code)s is not the dossier recorded in this compartment.", code=code),
        "missing": _("Missing: the dossier %(code)s was not found in its compartment.", code=code),
        "unexpected": _("%(code)s was not expected now: no compartment of this run is open.", code=code),
    }
    return words.get(notice.get("word") or "", "")


def attempt(action: Callable[[], Any], back: str, success: str | None = None) -> Response:
    """Do ``action``; a domain error becomes an error flash; back to ``back`` either way."""
    try:
        action()
    except LockerError as exc:
        flash(exc.message(request_lang()), "error")
    else:
        if success:
            flash(success, "success")
    return redirect(back)


def csv_download(run: dict[str, Any]) -> Response:
    return Response(manifests.manifest_csv(run), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{manifests.filename(run)}"'})


def when(iso: str | None) -> str:
    """An ISO UTC time as the office reads it (Vietnam time).

    >>> when("2026-11-29T01:02:03.000000Z"), when(None)
    ('08:02:03 29/11/2026', '')
    """
    if not iso:
        return ""
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(VN_TIME).strftime("%H:%M:%S %d/%m/%Y")


def page_context() -> dict[str, Any]:
    """Names every run template uses."""
    return {"state_label": lambda s: STATE_LABELS.get(s, s), "check_label": lambda c: CHECK_LABELS.get(c, c),
            "kind_label": lambda k: KIND_LABELS.get(k, k), "notice_text": notice_text,
            "when": when}
