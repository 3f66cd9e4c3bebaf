"""What the pages of the clerks' runs share: words on screen for states and checks, the
run's last notice as a sentence, domain errors as flash messages, the CSV answer, and
the routes every kind of run has alike (:class:`RunPage`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from locker.errors import LockerError
from locker.messages import VN_TIME

from .. import manifests
from ..auth import runtime
from ..i18n import request_lang
from .guard import role_required

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


@dataclass(frozen=True)
class RunPage:
    """The pages of one kind of run, given what differs: ``page``, the blueprint's name and
    its templates' prefix (``console/<page>_run.html``, ``console/<page>_live.html``);
    ``part``, the part of ``service.runs`` behind it (``load`` or ``cabinet``); ``closed``,
    the words once the run ends. :meth:`serve` adds the routes they have alike."""

    page: str
    part: str
    closed: Any

    def runs(self) -> Any:
        return getattr(runs(), self.part)

    def here(self, run_id: int) -> str:
        return url_for(f"{self.page}.run", run_id=run_id)

    def get(self, run_id: int) -> dict[str, Any]:
        try:
            return self.runs().get(run_id)
        except LockerError:
            abort(404)

    def started(self, start: Callable[[], dict[str, Any]]) -> Response:
        """Start a run and show it; a refusal goes back to the list with its reason."""
        try:
            run = start()
        except LockerError as exc:
            flash(exc.message(request_lang()), "error")
            return redirect(url_for(f"{self.page}.index"))
        return redirect(self.here(run["id"]))

    def serve(self, bp: Blueprint) -> None:
        """The run's page, its live part (read again when the console's stream says the run
        changed), a scan, the end of the run and its manifests, for clerks."""
        routes = (("/<id:run_id>", "run", self._show, "GET"), ("/<id:run_id>/live", "live", self._live, "GET"),
                  ("/<id:run_id>/scan", "scan", self._scan, "POST"), ("/<id:run_id>/close", "close", self._close, "POST"),
                  ("/<id:run_id>/manifest", "manifest", self._manifest, "GET"),
                  ("/<id:run_id>/manifest.csv", "manifest_csv", self._manifest_csv, "GET"))
        for rule, endpoint, view, method in routes:
            bp.add_url_rule(rule, endpoint, role_required("clerk")(view), methods=[method])

    def _show(self, run_id: int) -> Any:
        return render_template(f"console/{self.page}_run.html", run=self.get(run_id))

    def _live(self, run_id: int) -> Any:
        return render_template(f"console/{self.page}_live.html", run=self.get(run_id))

    def _scan(self, run_id: int) -> Any:
        data = request.form.get("data", "")
        return attempt(lambda: self.runs().scan(run_id, data, actor=actor()), self.here(run_id))

    def _close(self, run_id: int) -> Any:
        return attempt(lambda: self.runs().close(run_id, actor=actor()), self.here(run_id), str(self.closed))

    def _manifest(self, run_id: int) -> Any:
        return render_template("console/manifest.html", run=self.get(run_id))

    def _manifest_csv(self, run_id: int) -> Any:
        return csv_download(self.get(run_id))
