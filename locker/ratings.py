"""Satisfaction ratings: after a drop-off or a pickup, the kiosk asks the citizen how it went.

A rating is a score on the kiosk's faces (1 to 5, at least 4 is satisfied) and, if the
citizen likes, a few comment chips from a fixed set (:data:`CHIPS`): known keys, never
free text, so a rating holds no personal data and a purge keeps it. One rating per
drop-off or pickup, from the kiosk that showed it, while it is recent; it is audited
(``rating_recorded``) and counted for the reports in the same transaction
(:mod:`locker.statistics`).

>>> chip_list(["slow", "quick", "slow"])
Traceback (most recent call last):
...
locker.errors.InvalidInput: The same comment was chosen twice.
>>> chip_list(["slow", "quick"])
['quick', 'slow']
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import validation
from .audit import AuditRecorder, iso, kiosk_actor
from .errors import AlreadyRated, Conflict, InvalidInput, NotFound
from .kiosk import SCANNER
from .models import Dropoff, Pickup
from .models_ratings import Rating
from .ports import Clock
from .statistics import RATED
from .statuses import DropoffStatus, PickupStatus

#: The comment chips, in the order the kiosk shows them: what went well, then what did not.
CHIPS = ("quick", "easy", "clear", "slow", "confusing", "door", "receipt", "help")
SCORES = (1, 2, 3, 4, 5)
#: How long after a drop-off or pickup ended its kiosk may still rate it.
WINDOW_S = 600
#: What each transaction is, and the statuses in which it finished well enough to be rated.
TRANSACTIONS: dict[str, tuple[type, frozenset[str]]] = {
    "dropoff": (Dropoff, frozenset({DropoffStatus.STORED, DropoffStatus.COLLECTED})),
    "pickup": (Pickup, frozenset({PickupStatus.COLLECTED})),
}


def chip_list(chips: Any) -> list[str]:
    """The chips' keys, each known and once, in the order of :data:`CHIPS`."""
    if not isinstance(chips, (list, tuple)) or not all(isinstance(c, str) for c in chips):
        raise InvalidInput("chips", "Góp ý phải là danh sách các lựa chọn có sẵn.",
                           "The comments must be a list of the offered choices.")
    unknown = [c for c in chips if c not in CHIPS]
    if unknown:
        raise InvalidInput("chips", "Góp ý không có trong danh sách lựa chọn.", "A comment is not one of the choices.")
    if len(set(chips)) != len(chips):
        raise InvalidInput("chips", "Một góp ý được chọn hai lần.", "The same comment was chosen twice.")
    return [c for c in CHIPS if c in chips]


def score_of(score: Any) -> int:
    if isinstance(score, bool) or score not in SCORES:
        raise InvalidInput("score", "Mức đánh giá phải từ 1 đến 5.", "The rating must be from 1 to 5.")
    return int(score)


class Ratings:
    def __init__(self, *, db: Any, clock: Clock, audit: AuditRecorder) -> None:
        self._db = db
        self._clock = clock
        self._audit = audit

    def rate(self, kind: Any, record_id: Any, score: Any, chips: Any = (), *, kiosk: Any) -> dict[str, Any]:
        """Record ``kiosk``'s citizen's rating of its finished drop-off or pickup ``record_id``:
        ``{"id", "kind", "record_id", "score", "chips", "created_at"}``. Another kiosk's record is not
        found; one not finished, or ended more than :data:`WINDOW_S` ago, is a conflict; a second rating
        is :class:`AlreadyRated`."""
        if kind not in TRANSACTIONS:
            raise InvalidInput("kind", "Loại giao dịch không hợp lệ.", "The kind of transaction is not valid.")
        score, chips = score_of(score), chip_list(chips)
        kiosk = validation.name("kiosk", kiosk, 58)
        with self._db.session() as s:
            record = self._rateable(s, kind, record_id, kiosk)
            if self._rated(s, kind, record.id):
                raise AlreadyRated()
            dossier = record.dossier if kind == "dropoff" else record.result.dossier
            now = self._clock.now()
            rating = Rating(dossier_id=dossier.id, score=score, chips=",".join(chips), created_at=now,
                            **{f"{kind}_id": record.id})
            s.add(rating)
            s.flush()
            self._audit.event(s, RATED, actor=kiosk_actor(kiosk), dossier=dossier.code, rating=rating.id,
                              transaction=kind, record=record.id, score=score, chips=chips)
            return {"id": rating.id, "kind": kind, "record_id": record.id, "score": score, "chips": chips,
                    "created_at": iso(now)}

    def _rateable(self, s: Session, kind: str, record_id: Any, kiosk: str) -> Any:
        model, finished = TRANSACTIONS[kind]
        record = s.get(model, validation.whole_number("id", record_id, 1, 2**63 - 1), with_for_update={"of": model})
        if record is None or record.kiosk not in (kiosk, SCANNER):
            raise NotFound(kind, record_id)
        if record.status not in finished:
            raise Conflict("Chỉ đánh giá được sau khi giao dịch đã hoàn tất.",
                           "Only a finished drop-off or pickup can be rated.")
        if self._clock.now() - record.updated_at > timedelta(seconds=WINDOW_S):
            raise Conflict("Đã quá thời gian đánh giá lượt giao dịch này.",
                           "The time to rate this drop-off or pickup has passed.")
        return record

    @staticmethod
    def _rated(s: Session, kind: str, record_id: int) -> bool:
        column = Rating.dropoff_id if kind == "dropoff" else Rating.pickup_id
        return s.execute(select(Rating.id).where(column == record_id)).first() is not None
