"""Models of the webhook endpoints and of the deliveries themselves (the OpenAPI 3.1
``webhooks`` section).

>>> WebhookRequest.model_validate({"url": "https://x.example/h", "events": "*"}).events
'*'
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from locker.statuses import DeliveryStatus
from locker.webhooks.events import EVENT_TYPES
from locker.webhooks.signing import REPLAY_WINDOW_S

from .schemas import RequestModel, Text, checked, one_of

EventType = one_of(EVENT_TYPES)


class WebhookRequest(RequestModel):
    """An admin subscribes a URL to events."""

    url: checked("url", 500) = Field(  # type: ignore[valid-type]
        description="http:// or https:// URL that receives `POST` deliveries.")
    events: list[EventType] | Literal["*"] = Field(  # type: ignore[valid-type]
        "*", description=f"Event types ({', '.join(EVENT_TYPES)}), or \"*\".")
    secret: checked("secret", 200) | None = Field(  # type: ignore[valid-type]
        None, description="Signing secret, 16 to 200 printable ASCII characters; one is made when absent or empty. "
                          "Shown only in the answer to this request.")


class WebhookPatch(RequestModel):
    paused: bool = Field(description="true: hold deliveries (nothing is lost); false: deliver again.")


class Webhook(BaseModel):
    """A subscription (its secret is never shown again)."""

    id: int
    url: str
    events: list[str]
    paused: bool
    created_by: str
    created_at: str
    deliveries: dict[str, int] = Field(description="How many deliveries are pending, delivered, failed.")


class WebhookCreated(Webhook):
    """The new subscription, with its secret: the only time it is shown."""

    secret: str


class DeliveryAttempt(BaseModel):
    time: str
    status_code: int | None
    latency_ms: int
    error: str
    trigger: Literal["auto", "manual"]


class Delivery(BaseModel):
    """One event for one subscription, and its tries."""

    id: int
    subscription: int
    event_id: str
    type: str
    time: str
    dossier_code: str | None
    status: one_of(DeliveryStatus)  # type: ignore[valid-type]
    attempts: int
    next_attempt_at: str | None
    last_status: int | None
    last_error: str
    delivered_at: str | None
    log: list[DeliveryAttempt]


class WebhookData(BaseModel):
    model_config = ConfigDict(extra="allow")

    dossier_code: str | None = Field(None, description="The dossier, where there is one (no phone or email, ever).")
    compartment: str | None = Field(None, description="The compartment's label, where there is one.")
    seq: int | None = Field(None, description="The audit event it came from (`GET /api/v1/events`).")


class WebhookPayload(BaseModel):
    """What every delivery carries; `id` is the same on every retry and redelivery (idempotency)."""

    id: str = Field(description="Event id, e.g. evt_3f2a...; process each id once.")
    type: EventType  # type: ignore[valid-type]
    time: str = Field(description="When it happened (ISO 8601, UTC).")
    data: WebhookData


SIGNATURE_HEADERS: list[dict[str, Any]] = [
    {"name": "X-Locker-Timestamp", "in": "header", "required": True, "schema": {"type": "string"},
     "description": f"Unix seconds when this try was sent; reject it when more than {REPLAY_WINDOW_S} s away "
                    "from your clock."},
    {"name": "X-Locker-Signature", "in": "header", "required": True, "schema": {"type": "string"},
     "description": "`sha256=` and the hex HMAC-SHA256, keyed with the subscription's secret, of "
                    "`<timestamp>.<body>`."},
]

#: Event type -> what it means.
WEBHOOK_EVENTS: dict[str, str] = {
    "dropoff.stored": "A citizen's dossier is in a compartment (its door closed on it).",
    "dropoff.collected": "A clerk took a dropped-off dossier out.",
    "result.ready": "A result is in a compartment and its pickup code was sent.",
    "pickup.collected": "The citizen took the result out.",
    "result.expiring": "A waiting result's deadline is near (the reminder was sent).",
    "result.expired": "A result's deadline passed; its codes no longer open the door.",
    "result.returned": "A result left the cabinet for the counter (`reason`: `removed` when taken out before "
                       "its deadline).",
    "alarm.raised": "An alarm (`kind`: jam, forced_open, door_left_open, ...). Repeats of an open alarm are "
                    "not sent again.",
    "audit.head": "The audit log's head, signed: `seq`, `hash`, `time`, `public_key`, `signature` (Ed25519).",
}
