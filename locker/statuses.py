"""The status words of the records a person follows, each vocabulary in one place.

The API's response models take their enums from here, so the OpenAPI document
names exactly the statuses the flows set. Door operations keep theirs in
:mod:`locker.journal`, compartments theirs in :mod:`locker.states`.

>>> DropoffStatus.STORED == "stored", [s.value for s in PickupStatus]
(True, ['door_open', 'collected', 'failed'])
"""

from __future__ import annotations

from enum import StrEnum

#: What starting any flow answers: the unlock was sent.
STARTED = "door_open"


class DropoffStatus(StrEnum):
    """``door_open`` -> ``stored`` (or ``failed``); ``collected`` once a clerk took it out."""

    DOOR_OPEN = STARTED
    STORED = "stored"
    FAILED = "failed"
    COLLECTED = "collected"


class ResultStatus(StrEnum):
    """``door_open`` -> ``ready`` (or ``failed``) -> ``collected`` by its citizen, or
    ``expired`` when a clerk took it out uncollected."""

    DOOR_OPEN = STARTED
    READY = "ready"
    FAILED = "failed"
    COLLECTED = "collected"
    EXPIRED = "expired"


class PickupStatus(StrEnum):
    DOOR_OPEN = STARTED
    COLLECTED = "collected"
    FAILED = "failed"


class CollectionStatus(StrEnum):
    """A clerk taking a drop-off (or an uncollected result) out of a compartment."""

    DOOR_OPEN = STARTED
    COLLECTED = "collected"
    FAILED = "failed"


class DossierStatus(StrEnum):
    """A dossier follows its latest completed step."""

    DROPOFF_PENDING = "dropoff_pending"
    DROPOFF_FAILED = "dropoff_failed"
    DROPPED_OFF = "dropped_off"
    RECEIVED = "received"          # a clerk took the papers out
    RESULT_PENDING = "result_pending"
    RESULT_FAILED = "result_failed"
    RESULT_READY = "result_ready"
    PICKED_UP = "picked_up"
    RESULT_REMOVED = "result_removed"  # a clerk took an uncollected result out


#: A dossier waiting for a door to close on it.
PENDING_DOSSIER = (DossierStatus.DROPOFF_PENDING, DossierStatus.RESULT_PENDING)


class AlarmState(StrEnum):
    """``open`` -> ``acknowledged`` (a person saw it, with a note) -> ``resolved`` (by a person, or
    by the system when the condition clears); an open alarm may be resolved directly."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


#: An alarm still needing attention.
UNRESOLVED_ALARM = (AlarmState.OPEN, AlarmState.ACKNOWLEDGED)


class ReceiptStatus(StrEnum):
    """A receipt after a drop-off or a pickup (kept in memory while the kiosk shows it)."""

    PRINTING = "printing"
    PRINTED = "printed"
    NOT_PRINTED = "not_printed"    # the printer failed: shown on screen and sent by SMS
    NO_PRINTER = "no_printer"      # the cabinet has no printer: shown on screen


class OutboxStatus(StrEnum):
    """A queued SMS or email: ``pending`` until ``sent``, or ``failed`` once its attempts ran out."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
