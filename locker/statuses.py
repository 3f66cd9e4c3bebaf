"""The status words of the records a person follows, each vocabulary in one place.

The API's response models take their enums from here, so the OpenAPI document
names exactly the statuses the flows set. Door operations keep theirs in
:mod:`locker.journal`, compartments theirs in :mod:`locker.states`.

>>> DropoffStatus.STORED == "stored", [s.value for s in PickupStatus]
(True, ['opening', 'door_open', 'left_inside', 'collected', 'uncollected', 'failed'])
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

#: What starting any flow answers: the unlock was sent, the door not yet seen open.
STARTED = "opening"
#: The door was seen open (or its latch released).
SEEN_OPEN = "door_open"


class DropoffStatus(StrEnum):
    """``opening`` -> ``door_open`` -> ``stored`` (or ``failed``); ``collected`` once a
    clerk took it out. Where item sensors tell, a door closed on an empty compartment
    makes it ``closed_empty`` (the kiosk may reopen it), and ``cancelled`` if nobody does."""

    OPENING = STARTED
    DOOR_OPEN = SEEN_OPEN
    CLOSED_EMPTY = "closed_empty"
    STORED = "stored"
    CANCELLED = "cancelled"
    FAILED = "failed"
    COLLECTED = "collected"


class ResultStatus(StrEnum):
    """``opening`` -> ``door_open`` -> ``ready`` (or ``failed``) -> ``collected`` by its
    citizen, or ``expired`` when its deadline passed (it waits for a retrieval run) or a clerk
    took it out uncollected. Where item sensors tell, a door closed on an empty compartment
    makes it ``closed_empty``, then ``cancelled`` unless the result is seen inside."""

    OPENING = STARTED
    DOOR_OPEN = SEEN_OPEN
    CLOSED_EMPTY = "closed_empty"
    READY = "ready"
    CANCELLED = "cancelled"
    FAILED = "failed"
    COLLECTED = "collected"
    EXPIRED = "expired"


class PickupStatus(StrEnum):
    """``opening`` -> ``door_open`` -> ``collected`` (or ``failed``). Where item sensors
    tell, a door closed with the result still inside makes it ``left_inside`` (the kiosk
    may reopen it), and ``uncollected`` if nobody does: the result stays ``ready``."""

    OPENING = STARTED
    DOOR_OPEN = SEEN_OPEN
    LEFT_INSIDE = "left_inside"
    COLLECTED = "collected"
    UNCOLLECTED = "uncollected"
    FAILED = "failed"


class CollectionStatus(StrEnum):
    """A clerk taking a drop-off (or an uncollected result) out of a compartment; like a
    pickup, ``left_inside`` then ``uncollected`` when the sensor still sees it inside."""

    OPENING = STARTED
    DOOR_OPEN = SEEN_OPEN
    LEFT_INSIDE = "left_inside"
    COLLECTED = "collected"
    UNCOLLECTED = "uncollected"
    FAILED = "failed"


class DossierStatus(StrEnum):
    """A dossier follows its latest completed step."""

    DROPOFF_PENDING = "dropoff_pending"
    DROPOFF_FAILED = "dropoff_failed"
    DROPOFF_CANCELLED = "dropoff_cancelled"
    DROPPED_OFF = "dropped_off"
    RECEIVED = "received"          # a clerk took the papers out
    RESULT_PENDING = "result_pending"
    RESULT_FAILED = "result_failed"
    RESULT_CANCELLED = "result_cancelled"
    RESULT_READY = "result_ready"
    PICKED_UP = "picked_up"
    RESULT_REMOVED = "result_removed"  # a clerk took an uncollected result out
    RESULT_EXPIRED = "result_expired"  # its deadline passed: listed for return to the counter
    RESULT_RETURNED = "result_returned"  # a clerk took the expired result back to the counter


class PublicDossierStatus(StrEnum):
    """A dossier as the kiosk's status lookup tells anyone who knows its code (locker.public_status)."""

    DROPPED_OFF = "dropped_off"  # in the cabinet, waiting for a clerk to take it in
    RECEIVED = "received"        # the office has it: being processed
    READY = "ready"              # its result waits in the cabinet
    COLLECTED = "collected"      # its result was collected
    EXPIRED = "expired"          # the result was not collected in time: ask at the counter


#: A dossier waiting for a door to close on it.
PENDING_DOSSIER = (DossierStatus.DROPOFF_PENDING, DossierStatus.RESULT_PENDING)

#: A flow whose door has not closed yet.
UNDER_WAY = (STARTED, SEEN_OPEN)
#: A citizen's flow still on the kiosk's screen: under way, or waiting to be reopened.
ON_SCREEN = (*UNDER_WAY, DropoffStatus.CLOSED_EMPTY, PickupStatus.LEFT_INSIDE)


def door_seen_open(record: Any) -> None:
    """A flow's record moves from ``opening`` to ``door_open`` once its door is seen open."""
    if record.status == STARTED:
        record.status = SEEN_OPEN


class AnnouncementStatus(StrEnum):
    """A result the one-stop system announced: ``announced`` -> ``loaded`` (a clerk scanned it
    into the cabinet), or ``withdrawn`` by the one-stop system before that."""

    ANNOUNCED = "announced"
    LOADED = "loaded"
    WITHDRAWN = "withdrawn"


class ClerkRunStatus(StrEnum):
    """A clerk's run at the cabinet (loading batch, morning collection, retrieval)."""

    OPEN = "open"
    CLOSED = "closed"


class RunKind(StrEnum):
    COLLECTION = "collection"  # every compartment holding a drop-off
    RETRIEVAL = "retrieval"    # every compartment holding an expired result, back to the counter


class ItemState(StrEnum):
    """Where one compartment of a run is, from its flow's record (a result being loaded, or a
    clerk's collection)."""

    WAITING = "waiting"            # not opened yet (collection and retrieval runs)
    OPENING = STARTED              # unlock sent, door not yet seen open
    DOOR_OPEN = SEEN_OPEN
    CLOSED_EMPTY = "closed_empty"  # loading: the door closed on an empty compartment (it may reopen)
    READY = "ready"                # loading: the door closed on the result
    CANCELLED = "cancelled"        # loading: nothing was put in
    LEFT_INSIDE = "left_inside"    # collection: the door closed with something still inside
    TAKEN = "taken"                # collection, retrieval: the door closed on an empty compartment
    UNCOLLECTED = "uncollected"    # collection: it stayed inside
    FAILED = "failed"              # the door never opened
    SKIPPED = "skipped"            # could not be started; nothing was opened


class ItemCheck(StrEnum):
    """What the clerk's scan of a dossier taken out said."""

    UNCHECKED = "unchecked"
    CONFIRMED = "confirmed"
    MISMATCH = "mismatch"    # the scanned code is not the one recorded in that compartment
    MISSING = "missing"      # the compartment was empty, or the clerk marked it missing


class MaintenanceStatus(StrEnum):
    """A maintenance opening: ``opening`` (unlock sent) -> ``door_open`` (latch released or
    door seen open) -> ``closed`` (the door closed again, or a later opening of the same
    compartment ended it), or ``failed`` (the latch was never seen released)."""

    OPENING = STARTED
    DOOR_OPEN = SEEN_OPEN
    CLOSED = "closed"
    FAILED = "failed"


class RunStatus(StrEnum):
    """An "open all" check: ``running`` until a technician finishes it (``finished``)."""

    RUNNING = "running"
    FINISHED = "finished"


class CheckStatus(StrEnum):
    """One compartment in an "open all" check: ``waiting`` its turn, ``opening`` (its
    opening is under way), ``done`` (its door closed or the technician went on) or
    ``skipped`` (another operation was using it)."""

    WAITING = "waiting"
    OPENING = "opening"
    DONE = "done"
    SKIPPED = "skipped"


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


class DeliveryStatus(StrEnum):
    """A webhook delivery: ``pending`` (retried with back-off) -> ``delivered``, or ``failed``
    once given up; a redelivery makes it ``pending`` again."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
