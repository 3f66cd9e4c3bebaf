"""Request and response models of maintenance: openings, the "open all" check, out of
service and back, and the technician's view of the hardware.

>>> OpeningRequest.model_validate({"compartment": "A01", "reason": "latch sticks"}).reason
'latch sticks'
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from locker.statuses import CheckStatus, MaintenanceStatus, RunStatus

from .schemas import Label, RequestModel, Text, checked, one_of


#: A reason the document marks required while the domain says, in both languages, that it is missing.
REASON = checked("name", 200)


class OpeningRequest(RequestModel):
    model_config = ConfigDict(json_schema_extra={"required": ["compartment", "reason"]})

    compartment: Label = Field(description="The compartment's label, e.g. A05.")
    reason: REASON = Field(None, description="Why it is opened (required; for the audit log).")  # type: ignore


class ReasonRequest(RequestModel):
    model_config = ConfigDict(json_schema_extra={"required": ["reason"]})

    reason: REASON = Field(None, description="Why (required; for the audit log).")  # type: ignore[valid-type]


class BackInServiceRequest(ReasonRequest):
    emptied: bool = Field(False, description="The dossier it held was taken out (it becomes free); otherwise "
                                             "what it holds stays inside and its pickup code stays valid.")


class CheckRequest(RequestModel):
    opened_ok: bool | None = Field(None, description="The door opened.")
    latch_ok: bool | None = Field(None, description="The latch released and engages again.")
    sensor_ok: bool | None = Field(None, description="The door and item sensors read right.")
    note: Text | None = Field(None, description="At most 200 characters.")


class Opening(BaseModel):
    """A maintenance opening and what the sensors said."""

    id: int
    compartment: str
    status: one_of(MaintenanceStatus)  # type: ignore[valid-type]
    reason: str
    actor: str
    run: int | None
    latch_released: bool = Field(description="The latch was seen released after the pulse.")
    door_opened: bool = Field(description="The door was seen open.")
    item: bool | None = Field(description="The item sensor when the opening ended (null: not yet).")
    outcome: str | None = Field(description="door_closed, ended_by_next_opening, or why it failed.")
    time: str


class Check(BaseModel):
    compartment: str
    size: str
    position: int
    status: one_of(CheckStatus)  # type: ignore[valid-type]
    opening: Opening | None
    opened_ok: bool | None
    latch_ok: bool | None
    sensor_ok: bool | None
    note: str
    checked_by: str | None
    checked_at: str | None


class Run(BaseModel):
    """An "open all" check run."""

    id: int
    actor: str
    status: one_of(RunStatus)  # type: ignore[valid-type]
    started_at: str
    finished_at: str | None
    current: str | None = Field(description="The compartment whose opening is under way.")
    checks: list[Check]


class Hardware(BaseModel):
    """Buses and boards, the scanner, the GPIO and the printer, for the technician."""

    model_config = ConfigDict(extra="allow")

    boards: list[dict[str, Any]]
    buses: list[dict[str, Any]]
    scanner: dict[str, Any]
    gpio: dict[str, Any]
    printer: dict[str, Any] | None = Field(description="null: no printer configured; else url, width_mm, state.")
