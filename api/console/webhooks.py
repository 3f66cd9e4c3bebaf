"""The administrators' webhooks page: subscriptions (create, pause, resume, delete), each
one's delivery log with its tries, and manual redelivery. The same as ``/api/v1/webhooks``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from locker.errors import LockerError

from ..auth import runtime
from ..i18n import request_lang
from .forms import ActionForm, WebhookForm
from .guard import role_required
from .nav import NavItem

bp = Blueprint("webhooks", __name__, url_prefix="/console/admin/webhooks")

NAV = (
    NavItem("webhooks.index", _l("Webhooks"), _l("Tell the district's systems what happens, signed; see each "
                                                 "delivery and send one again."), "admin", order=82),
)


def _hooks() -> Any:
    return runtime().service.webhooks


def _page(form: WebhookForm, created: Any = None, status: int = 200) -> Any:
    return render_template("console/webhooks.html", form=form, created=created, hooks=_hooks().listing(),
                           action_form=ActionForm()), status


@bp.route("/", methods=["GET", "POST"])
@role_required("admin")
def index() -> Any:
    form = WebhookForm()
    if request.method != "POST":
        return _page(form)
    if not form.validate_on_submit():
        flash(_("Give an http:// or https:// URL."), "error")
        return _page(form, status=400)
    try:
        created = _hooks().create(form.url.data, form.events.data or "*", form.secret.data or None,
                                  actor=current_user.name)
    except LockerError as exc:
        flash(exc.message(request_lang()), "error")
        return _page(form, status=exc.status)
    return _page(WebhookForm(formdata=None), created=created, status=201)


@bp.post("/<id:webhook_id>/<action>")
@role_required("admin")
def act(webhook_id: int, action: str) -> Any:
    if action not in ("pause", "resume", "delete") or not ActionForm().validate_on_submit():
        return redirect(url_for("webhooks.index"))
    try:
        if action == "delete":
            _hooks().delete(webhook_id, actor=current_user.name)
            flash(_("Webhook %(id)s is deleted.", id=webhook_id), "success")
        else:
            _hooks().set_paused(webhook_id, action == "pause", actor=current_user.name)
            runtime().webhook_outbox.wake()
    except LockerError as exc:
        flash(exc.message(request_lang()), "error")
    return redirect(url_for("webhooks.index"))


@bp.get("/<id:webhook_id>")
@role_required("admin")
def deliveries(webhook_id: int) -> Any:
    try:
        hook, rows = _hooks().get(webhook_id), _hooks().deliveries(webhook_id)
    except LockerError as exc:
        flash(exc.message(request_lang()), "error")
        return redirect(url_for("webhooks.index"))
    return render_template("console/webhook_deliveries.html", hook=hook, deliveries=rows, action_form=ActionForm())


@bp.post("/deliveries/<id:delivery_id>/redeliver")
@role_required("admin")
def redeliver(delivery_id: int) -> Any:
    if not ActionForm().validate_on_submit():
        return redirect(url_for("webhooks.index"))
    try:
        row = _hooks().redeliver(delivery_id, actor=current_user.name)
    except LockerError as exc:
        flash(exc.message(request_lang()), "error")
        return redirect(url_for("webhooks.index"))
    runtime().webhook_outbox.wake()
    flash(_("Delivery %(id)s will be sent again.", id=delivery_id), "success")
    return redirect(url_for("webhooks.deliveries", webhook_id=row["subscription"]))
