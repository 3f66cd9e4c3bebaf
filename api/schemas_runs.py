"""Request and response models of announcements, clerks' runs and deadlines."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from locker.statuses import AnnouncementStatus, ItemCheck, ItemState, RunKind, ClerkRunStatus

from .schemas import DossierCode, Phone, RequestModel, Result, Size, Text, checked, one_of


class AnnouncementRequest(RequestModel):
    """The one-stop system announces a result before it reaches the cabinet."""

    dossier_code: DossierCode = Field(description="The dossier code on the receipt (case-insensitive).")
    phone: Phone = Field(description="The citizen's Vietnamese mobile number.")
    due: Text = Field(description="The date the result is due, YYYY-MM-DD.", json_schema_extra={"format": "date"})
    size: Size = Field(description="Compartment size the result needs: S, M or L.")
    procedure: checked("name", 200) = Field(  # type: ignore[valid-type]
        description="The administrative procedure, e.g. 'Cấp giấy phép xây dựng'.")
    email: checked("email", 254) | None = Field(  # type: ignore[valid-type]
        None, description="Optional email address: the citizen's messages about the result go there too.")
    language: Literal["vi", "en"] | None = Field(
        None, description="Language of the citizen's SMS; absent: the language of the dossier's drop-off, else vi.")


class Announcement(BaseModel):
    """An announced result; the phone and the email address are masked."""

    dossier_code: str
    phone: str
    email: str | None
    language: Literal["vi", "en"] | None
    due: str
    size: str
    procedure: str
    status: one_of(AnnouncementStatus)  # type: ignore[valid-type]


class RunStart(RequestModel):
    scanner: bool = Field(False, description="The cabinet's scanner feeds this run (otherwise scans are sent by "
                                             "the console page or this API).")


class CabinetRunStart(RunStart):
    kind: one_of(RunKind) = Field(description="collection: every drop-off; "  # type: ignore[valid-type]
                                              "retrieval: every expired result.")


class ScanRequest(RequestModel):
    data: Text = Field(description="What the scanner read: the dossier code on the receipt.")


class LoadDetails(RequestModel):
    """Phone and size of a scanned dossier that nobody announced."""

    phone: Phone
    size: Size


class ExtendRequest(RequestModel):
    reason: Text = Field(description="Why the deadline moves (for the audit log).")


class Notice(BaseModel):
    """What the last scan or action of a run did."""

    model_config = ConfigDict(extra="allow")

    at: str
    ok: bool
    dossier_code: str | None = None
    word: str | None = Field(None, description="loading, needs_details, confirmed, mismatch, missing, unexpected, "
                                               "or the error word.")


class LoadItem(BaseModel):
    n: int
    dossier_code: str
    result_id: int
    compartment: str | None
    size: str
    phone: str = Field(description="Masked.")
    announced: bool
    state: one_of(ItemState)  # type: ignore[valid-type]
    time: str


class LoadRun(BaseModel):
    """A loading batch and the running list of what it loaded."""

    id: int
    kind: str
    clerk: str
    scanner: bool
    status: one_of(ClerkRunStatus)  # type: ignore[valid-type]
    started_at: str
    ended_at: str | None
    pending_code: str | None = Field(description="A scanned code nobody announced, waiting for phone and size.")
    notice: Notice | None
    items: list[LoadItem]


class RunItem(BaseModel):
    id: int
    n: int
    compartment: str
    dossier_code: str = Field(description="The dossier recorded in that compartment.")
    state: one_of(ItemState)  # type: ignore[valid-type]
    check: one_of(ItemCheck)  # type: ignore[valid-type]
    scanned_code: str | None
    note: str
    time: str


class CabinetRun(BaseModel):
    """A collection or retrieval run; ``signed_by`` once the clerk ended it."""

    id: int
    kind: one_of(RunKind)  # type: ignore[valid-type]
    clerk: str
    scanner: bool
    status: one_of(ClerkRunStatus)  # type: ignore[valid-type]
    started_at: str
    ended_at: str | None
    signed_by: str | None
    notice: Notice | None
    items: list[RunItem]


class Deadline(Result):
    """A result with its deadline."""

    deadline: str | None
    extended: bool
    extension_reason: str
    phone: str = Field(description="Masked.")


