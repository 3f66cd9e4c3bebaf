"""Webhook events, derived from the audit log: the one mapping table from audit kinds to
event types, and the payload each type carries (no phone number or email, ever: only
named fields are copied).

>>> from datetime import datetime, timezone
>>> ev = {"seq": 7, "time": "2026-01-02T03:04:05.000000Z", "kind": "dropoff_stored", "actor": "system",
...       "compartment": "A01", "dossier_code": "H01.2025/7", "data": {"dropoff": 3, "phone": "0912345678"}}
>>> derive(ev)
('dropoff.stored', {'dossier_code': 'H01.2025/7', 'compartment': 'A01', 'seq': 7, 'dropoff': 3})
>>> derive({**ev, "kind": "sms_queued"}) is None
True
"""

from __future__ import annotations

from typing import Any

#: Audit kind -> (event type, the fields of the audit event's data copied into the payload).
AUDIT_TO_WEBHOOK: dict[str, tuple[str, tuple[str, ...]]] = {
    "dropoff_stored": ("dropoff.stored", ("dropoff",)),
    "dropoff_collected": ("dropoff.collected", ("collection",)),
    "result_ready": ("result.ready", ("result",)),
    "pickup_collected": ("pickup.collected", ("pickup", "result")),
    "result_expiring": ("result.expiring", ("result", "deadline")),
    "result_expired": ("result.expired", ("result",)),
    "result_returned": ("result.returned", ("collection", "to")),
    # A clerk took an uncollected result out before its deadline: it goes back to the counter too.
    "result_removed": ("result.returned", ("collection",)),
}

ALARM = "alarm.raised"
AUDIT_HEAD = "audit.head"
#: Fields an alarm's audit event may carry into ``alarm.raised``.
ALARM_FIELDS = ("alarm_id", "board", "stage", "reason")

#: Every event type a subscription may name (``"*"`` is all of them).
EVENT_TYPES: tuple[str, ...] = tuple(dict.fromkeys(
    [t for t, _ in AUDIT_TO_WEBHOOK.values()] + [ALARM, AUDIT_HEAD]))
ALL = "*"


def derive(event: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(type, data) of the webhook event an audit event (as served by ``/api/v1/events``) makes, or None."""
    data = event["data"] if isinstance(event["data"], dict) else {}
    base = {"dossier_code": event["dossier_code"], "compartment": event["compartment"], "seq": event["seq"]}
    if data.get("alarm") is True:
        kind = data.get("alarm_kind") or event["kind"]
        return ALARM, {**base, "kind": kind, "event": event["kind"], **_pick(data, ALARM_FIELDS)}
    mapped = AUDIT_TO_WEBHOOK.get(event["kind"])
    if mapped is None:
        return None
    kind, fields = mapped
    extra = {"reason": "removed"} if event["kind"] == "result_removed" else {}
    return kind, {**base, **_pick(data, fields), **extra}


def alarm_ref(data: dict[str, Any]) -> str | None:
    """What folds repeats of one alarm into a single ``alarm.raised`` (its alarm record's id)."""
    alarm_id = data.get("alarm_id")
    return f"alarm:{alarm_id}" if alarm_id is not None else None


def _pick(data: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: data[name] for name in fields if name in data and isinstance(data[name], (str, int, float, bool))}


def wanted(types: list[str], event_type: str) -> bool:
    """Whether a subscription to ``types`` receives ``event_type``.

    >>> wanted(["*"], "audit.head"), wanted(["result.ready"], "dropoff.stored")
    (True, False)
    """
    return ALL in types or event_type in types
