"""Reports (clerk or higher), the office's counter totals (the one-stop system or an
admin) and a citizen's erasure (admin)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request
from pydantic import BaseModel, Field

from locker.errors import InvalidInput
from locker.reports import COUNTER_MAX
from locker.report_output import as_csv

from ..auth import current_actor, require_role, runtime
from ..openapi import endpoint
from ..schemas import RequestModel, Text, WholeNumber, load_body

bp = Blueprint("reports_api", __name__, url_prefix="/api/v1")
TAGS = ["reports"]


class Satisfaction(BaseModel):
    """The kiosk's ratings (faces 1-5 and optional comment chips) given in the period."""

    ratings: int
    satisfied: int = Field(description="Ratings of 4 or 5.")
    share: float = Field(description="satisfied / ratings.")
    average: float = Field(description="The mean score, 1 to 5.")
    scores: dict[str, int] = Field(description="Ratings by score, \"1\" to \"5\".")
    chips: dict[str, int] = Field(description="How often each comment chip was chosen.")


class Figures(BaseModel):
    """The figures of one period (or of the whole range)."""

    start: str = Field(description="First office day (YYYY-MM-DD, Vietnam time).")
    end: str = Field(description="Last office day, included.")
    dropoffs: int = Field(description="Dossiers dropped off and stored.")
    results_loaded: int = Field(description="Results loaded and ready.")
    pickups: int = Field(description="Results collected by their citizen.")
    expired: int
    returned: int = Field(description="Uncollected results a clerk took back out.")
    alarms: dict[str, int] = Field(description="Alarms raised, by kind (a folded repeat is not counted again).")
    waits: int = Field(description="Collected results whose wait is known.")
    wait_median_s: int | None = Field(description="Median wait, ready to collected, in seconds (nearest rank).")
    wait_p90_s: int | None = Field(description="90th percentile of the wait, in seconds (nearest rank).")
    pickups_on_time: int = Field(description="Pickups before the result's deadline.")
    on_time_share: float | None
    satisfaction: Satisfaction | None = Field(description="From the kiosk's ratings; null where none were given.")
    counter_total: int | None = Field(description="The office's dossiers in all on the days that have a total.")
    machine_dossiers: int | None = Field(description="Drop-offs plus results loaded, on those days.")
    machine_share: float | None = Field(description="machine_dossiers / counter_total.")


class Report(BaseModel):
    from_: str = Field(alias="from")
    to: str
    period: str
    total: Figures
    periods: list[Figures]
    notes: list[str]


class CounterTotalRequest(RequestModel):
    date: Text = Field(description="The office day, YYYY-MM-DD.", json_schema_extra={"format": "date"})
    count: WholeNumber = Field(ge=0, le=COUNTER_MAX,
                       description="Dossiers the office handled that day in all (counters and machine).")


class CounterTotal(BaseModel):
    date: str
    count: int
    source: str


class EraseRequest(RequestModel):
    reason: Text = Field(description="Why (the citizen's request and its reference); no personal data.")


class Erased(BaseModel):
    dossier_code: str
    records: dict[str, int]
    messages: int


@bp.get("/reports")
@endpoint("Figures for a range of office days", tags=TAGS, responses={200: Report},
          query={"from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
                 "period": {"type": "string", "enum": ["day", "week", "month"]},
                 "format": {"type": "string", "enum": ["json", "csv"]}},
          errors=(400,), description="From anonymous statistics: a purge of personal data does not change them. "
                      "`format=csv` answers `text/csv`: one row per period, then the total.")
@require_role("clerk")
def report() -> Any:
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "csv"):
        raise InvalidInput("format", "Định dạng phải là json hoặc csv.", "The format must be json or csv.")
    figures = runtime().service.reports.figures(request.args.get("from"), request.args.get("to"),
                                                request.args.get("period"))
    if fmt == "csv":
        name = f"report-{figures['from']}-{figures['to']}.csv"
        return Response(as_csv(figures), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return figures


@bp.post("/counter-totals")
@endpoint("The office's dossier total for a day (from the one-stop system)", tags=TAGS, body=CounterTotalRequest,
          responses={200: CounterTotal}, errors=(400,))
@require_role("system")
def counter_total() -> Any:
    req = load_body(CounterTotalRequest)
    return runtime().service.reports.set_counter_total(req.date, req.count, actor=current_actor())


@bp.post("/dossiers/<path:code>/erase")
@endpoint("Erase a citizen's personal data now (their request)", tags=TAGS, body=EraseRequest,
          responses={200: Erased}, errors=(400, 404))
@require_role("admin")
def erase(code: str) -> Any:
    req = load_body(EraseRequest)
    return runtime().service.privacy.erase(code, actor=current_actor(), reason=req.reason)
