"""Reports (``/console/reports``, clerk or higher): a range of office days by day, week or
month, the chart drawn on the server, the figures as a table, a printable layout and the
CSV; an admin (the supervisor) enters the office's counter totals here."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from locker.errors import LockerError
from locker.report_output import chart_svg, satisfaction_svg
from locker.statistics import office_day

from ..auth import runtime
from ..i18n import request_lang
from .guard import role_required
from .nav import NavItem

bp = Blueprint("reports", __name__, url_prefix="/console/reports")

#: The kiosk's comment chips (:data:`locker.ratings.CHIPS`) in the console's words.
CHIP_WORDS = {"quick": _l("Quick"), "easy": _l("Easy to use"), "clear": _l("Clear instructions"), "slow": _l("Slow"),
              "confusing": _l("Confusing"), "door": _l("Door hard to open or close"),
              "receipt": _l("Receipt or SMS problem"), "help": _l("Needed someone's help")}

NAV = (NavItem("reports.page", _l("Reports"), _l("Drop-offs, pickups, waiting times, alarms and the machine's "
                                                 "share, by day, week or month."), "clerk", order=70),)


@bp.get("/")
@role_required("clerk")
def page() -> Any:
    today = office_day(runtime().clock.now())
    start = request.args.get("from") or (today - timedelta(days=29)).isoformat()
    end = request.args.get("to") or today.isoformat()
    period = request.args.get("period") or "day"
    report, chart, satisfaction, status = None, None, None, 200
    try:
        report = runtime().service.reports.figures(start, end, period)
        chart = Markup(chart_svg(report))  # noqa: S704 - built by locker.report_output, every text escaped
        satisfaction = Markup(satisfaction_svg(report))  # noqa: S704 - the same
    except LockerError as exc:
        flash(exc.message(request_lang()), "error")
        status = 400
    return render_template("console/reports.html", report=report, chart=chart, satisfaction_chart=satisfaction,
                           chip_words=CHIP_WORDS, start=start, end=end, period=period,
                           can_enter_totals=current_user.role == "admin"), status


@bp.post("/counter-totals")
@role_required("admin")
def counter_total() -> Any:
    day = request.form.get("date", "")
    try:
        count = int(request.form.get("count", ""))
    except ValueError:
        count = -1
    try:
        runtime().service.reports.set_counter_total(day, count, actor=current_user.name)
        flash(_("The office's total for %(day)s is saved.", day=day), "success")
    except LockerError as exc:
        flash(exc.message(request_lang()), "error")
    return redirect(url_for("reports.page", **{k: v for k, v in request.args.items() if k in ("from", "to", "period")}))
