"""Request and response models of the HTTP API (pydantic 2).

Request bodies are strict: every field is a JSON string, and unknown fields are
rejected (``400 invalid_input`` naming the field) so that a misspelt field never
passes silently. Values (dossier code format, phone, size) are validated by the
domain service, which answers ``invalid_input`` with the field too.

>>> DropoffRequest.model_validate({"dossier_code": "H01.2025/7", "phone": "0912345678", "size": "M"}).size
'M'
>>> PickupRequest.model_validate({"qr": "LK1.1.a.b"}).qr
'LK1.1.a.b'
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, TypeVar

from flask import request
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError
from werkzeug.exceptions import UnsupportedMediaType

from locker import states, validation
from locker.alarms import NOTE_MAX
from locker.errors import InvalidInput
from locker.validation import PATTERNS
from locker.kiosk import KioskMode
from locker.statuses import (STARTED, CollectionStatus, DossierStatus, DropoffStatus, PickupStatus, ReceiptStatus,
                             ResultStatus)

MAX_TEXT = 512


def _encodable(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError("invalid_text", "text is not valid Unicode") from None
    return value


Text = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(_encodable)]


def checked(field: str, max_length: int) -> Any:
    """Text the domain checks (locker.validation), its rule stated in the document as a pattern."""
    return Annotated[str, Field(max_length=max_length, json_schema_extra={"pattern": PATTERNS[field]}),
                     AfterValidator(_encodable)]


def _integral(value: Any) -> Any:
    """JSON has one kind of number: ``1.0`` is the whole number one, as JSON Schema's ``integer`` says.

    >>> _integral(2.0), _integral(2.5), _integral(True)
    (2, 2.5, True)
    """
    return int(value) if isinstance(value, float) and value.is_integer() else value


#: A request's whole number (``type: integer``): ``3`` and ``3.0`` alike, never ``3.5``, ``"3"`` or ``true``.
WholeNumber = Annotated[int, BeforeValidator(_integral)]

DossierCode, Phone, Size = checked("dossier_code", 200), checked("phone", 40), checked("size", 8)
PickupCode, Label, Note = checked("code", 40), checked("compartment", 40), checked("note", NOTE_MAX)
OptionalNote = checked("optional_note", NOTE_MAX)


def one_of(words: Any) -> Any:
    """A ``Literal`` of a vocabulary's words, so a model names exactly what the domain uses.

    >>> one_of(("a", "b")) == Literal["a", "b"]
    True
    """
    return Literal[tuple(str(word) for word in words)]  # type: ignore[valid-type]


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class DepositRequest(RequestModel):
    """What goes into a compartment, and for whom."""

    dossier_code: DossierCode = Field(description="The dossier code printed on the receipt.")
    phone: Phone = Field(description="Vietnamese mobile number, e.g. 0912345678 or +84912345678.")
    size: Size = Field(description="Compartment size: S, M or L.")
    email: checked("email", 254) | None = Field(None, description="Optional email address: the citizen's messages go there too. "
                                                 "The messages' language is the request's (`?lang=`).")


class DropoffRequest(DepositRequest):
    """A citizen drops off a paper dossier."""

    low: bool = Field(False, description="Only a compartment within wheelchair reach (its floor at most "
                                         "`[kiosk] reach_mm` above the ground, 1200 mm by default); none free: "
                                         "409 `no_low_compartment`.")


class ResultRequest(DepositRequest):
    """A clerk loads a result for a citizen to collect."""

    language: Literal["vi", "en"] | None = Field(
        None, description="Language of the citizen's SMS; absent: the language of the dossier's drop-off, else vi.")


class PickupRequest(RequestModel):
    """Either ``dossier_code`` and the 8-digit ``code``, or the ``qr`` text."""

    model_config = ConfigDict(json_schema_extra={
        "oneOf": [{"required": ["dossier_code", "code"]}, {"required": ["qr"]}],
    })

    dossier_code: DossierCode | None = None
    code: PickupCode | None = Field(None, description="The 8-digit pickup code from the SMS.")
    qr: Text | None = Field(None, description="The text of the pickup QR code.")

    @model_validator(mode="after")
    def _one_credential(self) -> "PickupRequest":
        by_code = (self.dossier_code is not None, self.code is not None)
        by_qr = self.qr is not None
        if by_code != ((False, False) if by_qr else (True, True)):
            raise PydanticCustomError("credential_shape", "give dossier_code and code, or qr")
        return self


class CollectionRequest(RequestModel):
    compartment: Label = Field(description="Label of a compartment holding a drop-off, e.g. A05.")


class KioskModeRequest(RequestModel):
    mode: one_of(KioskMode)  # type: ignore[valid-type]


# ---- responses ---------------------------------------------------------------------

DoorStatus = Literal[STARTED]  # type: ignore[valid-type]


class DoorOpened(BaseModel):
    """The unlock was sent; the status follows the door (``opening`` until it is seen open)."""

    id: int
    compartment: str | None
    status: DoorStatus


class ReceiptShown(BaseModel):
    """The proof of a finished drop-off or pickup (kept in memory for recent operations)."""

    number: str = Field(description="Receipt number, e.g. G-12 (drop-off 12) or N-3 (pickup 3).")
    status: one_of(ReceiptStatus)  # type: ignore[valid-type]
    lines: list[str] = Field(description="The receipt's text, line by line, Vietnamese first.")
    qr: str = Field(description="What the receipt's QR holds: the dossier code.")
    qr_image: str = Field(description="The QR as a PNG data URL.")


class Dropoff(BaseModel):
    id: int
    dossier_code: str | None = Field(description="Shown only to the kiosk that started it, while on its screen.")
    compartment: str | None
    status: one_of(DropoffStatus)  # type: ignore[valid-type]
    receipt: ReceiptShown | None = None


class Pickup(BaseModel):
    id: int
    dossier_code: str | None = Field(description="Shown only to the kiosk that started it, while on its screen.")
    compartment: str | None
    status: one_of(PickupStatus)  # type: ignore[valid-type]
    receipt: ReceiptShown | None = None


class Result(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: int
    dossier_code: str
    compartment: str | None
    status: one_of(ResultStatus)  # type: ignore[valid-type]


class Collection(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: int
    compartment: str | None = None
    status: one_of(CollectionStatus)  # type: ignore[valid-type]


class Compartment(BaseModel):
    label: str
    size: one_of(validation.SIZES)  # type: ignore[valid-type]
    board: int
    lock: int
    state: one_of(states.STATES)  # type: ignore[valid-type]
    door: Literal["open", "closed", "unknown"]
    dossier_code: str | None
    bus: str = "main"


class Event(BaseModel):
    """One entry of the hash-chained audit log."""

    seq: int
    time: str = Field(description="ISO 8601 UTC time.")
    kind: str
    actor: str | None
    compartment: str | None
    dossier_code: str | None
    data: dict[str, Any] | None
    hash: str


class Dossier(BaseModel):
    code: str
    status: one_of(DossierStatus)  # type: ignore[valid-type]
    history: list[Event]


class HealthBus(BaseModel):
    boards: dict[str, Literal["online", "offline", "unknown"]]


class HealthAlarms(BaseModel):
    """Unresolved alarms; they do not change ``status`` (see docs/alarms.md)."""

    open: int
    acknowledged: int
    by_kind: dict[str, int] = Field(description="Unresolved alarms by kind; kinds with none are left out.")


class Health(BaseModel):
    """``degraded`` when the database, a board, the scanner or the GPIO is not well, on battery
    or on tamper. Open alarms are reported in ``alarms`` without changing the status."""

    status: Literal["ok", "degraded"]
    database: Literal["ok", "error"]
    bus: HealthBus
    scanner: Literal["ok", "down", "absent"]
    gpio: Literal["ok", "down", "absent"]
    power: Literal["mains", "battery"]
    tamper: bool
    compartments: dict[str, int]
    alarms: HealthAlarms


class BadgeScan(BaseModel):
    ticket: str = Field(description="Opens the PIN page /login/badge/<ticket> for two minutes.")
    name: str = Field(description="The badge's account.")


class LastScan(BaseModel):
    at: str
    ok: bool
    pickup: DoorOpened | None
    error: str | None
    badge: BadgeScan | None = Field(None, description="A clerk's badge was read: the kiosk asks for the PIN.")
    dossier_code: str | None = Field(None, description="The dossier code of the office's receipt was read: the "
                                                       "kiosk starts a drop-off with it filled in.")


class KioskActivity(BaseModel):
    mode: one_of(KioskMode)  # type: ignore[valid-type]
    last_scan: LastScan | None
    doors_left_open: list[str] = Field(default_factory=list,
                                       description="Labels of doors left open long enough to prompt the citizen.")
    presence: bool = Field(False, description="Someone stands in front of the cabinet (presence sensor).")


class ErrorBody(BaseModel):
    error: str = Field(description="A stable machine word, e.g. invalid_input, not_found, throttled.")
    message: str = Field(description="Explanation in the request's language (vi by default, en).")
    field: str | None = Field(None, description="The offending field (invalid_input only).")
    help: str | None = Field(None, description="Citizen and kiosk endpoints: what to do next, and the office's "
                                               "name, help line and opening hours, in the request's language.")
    attempts_left: int | None = Field(None, description="invalid_credentials for a typed code: wrong codes that "
                                                        "remain before code entry for that dossier is locked.")


# ---- loading request bodies --------------------------------------------------------

M = TypeVar("M", bound=BaseModel)

_PROBLEMS: dict[str, tuple[str, str]] = {
    "missing": ("Thiếu trường {f}.", "{f} is required."),
    "extra_forbidden": ("Trường {f} không được hỗ trợ.", "Unknown field {f}."),
    "string_type": ("{f} phải là chuỗi ký tự.", "{f} must be a string."),
    "string_too_long": ("{f} quá dài.", "{f} is too long."),
    "invalid_text": ("{f} chứa ký tự không hợp lệ.", "{f} contains invalid characters."),
    "literal_error": ("{f} phải là một trong: {x}.", "{f} must be one of: {x}."),
    "credential_shape": ("Nhập mã hồ sơ và mã nhận, hoặc quét mã QR (không cả hai).",
                         "Give the dossier code and pickup code, or the QR code (not both)."),
}


class InvalidJson(InvalidInput):
    code = "invalid_json"


def load_body(model: type[M]) -> M:
    """Parse the request's JSON body into ``model``; raise ``InvalidInput`` otherwise."""
    if not request.is_json:
        raise UnsupportedMediaType()
    try:
        data = json.loads(request.get_data(cache=True).decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise InvalidJson("body", "Nội dung không phải JSON hợp lệ.", "The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise InvalidInput("body", "Nội dung phải là một đối tượng JSON.", "The body must be a JSON object.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc) from None


def _invalid(exc: ValidationError) -> InvalidInput:
    problem = exc.errors()[0]
    field = ".".join(str(part) for part in problem.get("loc", ())) or "body"
    if problem["type"] == "credential_shape":
        field = "qr"
    vi, en = _PROBLEMS.get(problem["type"], ("{f} không hợp lệ.", "{f} is not valid."))
    expected = str((problem.get("ctx") or {}).get("expected", ""))
    return InvalidInput(field, vi.format(f=field, x=expected), en.format(f=field, x=expected))
