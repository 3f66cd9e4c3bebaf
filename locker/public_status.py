"""A dossier's status as anyone at the kiosk may see it, by its code (docs/procedures.md).

Whoever knows a dossier code learns no more than the public one-stop portal tells from a
code: one coarse word for where the dossier stands, and for a result waiting in the cabinet
the time until which it may be collected. Never a phone number, an email address, a
compartment, a name, or when anything happened; a dossier still being dropped off, whose
drop-off failed or was cancelled, is not known to the cabinet, like one it never saw.

>>> [public_word(s) for s in ("result_ready", "dropoff_pending", "result_returned")] == ["ready", None, "expired"]
True
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from . import validation
from .audit import iso
from .errors import LockerError
from .models import Dossier, Result
from .statuses import DossierStatus, ResultStatus
from .statuses import PublicDossierStatus as PublicStatus


_WORDS: dict[str, PublicStatus] = {
    DossierStatus.DROPPED_OFF: PublicStatus.DROPPED_OFF,
    DossierStatus.RECEIVED: PublicStatus.RECEIVED,
    DossierStatus.RESULT_PENDING: PublicStatus.RECEIVED,
    DossierStatus.RESULT_FAILED: PublicStatus.RECEIVED,
    DossierStatus.RESULT_CANCELLED: PublicStatus.RECEIVED,
    DossierStatus.RESULT_READY: PublicStatus.READY,
    DossierStatus.PICKED_UP: PublicStatus.COLLECTED,
    DossierStatus.RESULT_REMOVED: PublicStatus.EXPIRED,
    DossierStatus.RESULT_EXPIRED: PublicStatus.EXPIRED,
    DossierStatus.RESULT_RETURNED: PublicStatus.EXPIRED,
}
#: Statuses the lookup answers as unknown: nothing of the dossier is in the office's hands yet.
UNTOLD = (DossierStatus.DROPOFF_PENDING, DossierStatus.DROPOFF_FAILED, DossierStatus.DROPOFF_CANCELLED)


class UnknownDossier(LockerError):
    code = "dossier_unknown"
    status = 404

    def __init__(self) -> None:
        super().__init__(
            "Tủ không có thông tin về mã hồ sơ này. Hãy kiểm tra lại mã trên giấy biên nhận.",
            "The locker has no record of this dossier code. Please check the code on your receipt.")


def public_word(status: str) -> PublicStatus | None:
    """The public word for a dossier's status; None for one the cabinet does not tell."""
    return _WORDS.get(status)


class StatusLookup:
    """``look_up(code)``: ``{"dossier_code", "status", "until"}`` or UnknownDossier."""

    def __init__(self, *, db: Any) -> None:
        self._db = db

    def look_up(self, code: Any) -> dict[str, Any]:
        code = validation.dossier_code(code)
        with self._db.read_session() as s:
            dossier = s.execute(select(Dossier).where(func.upper(Dossier.code) == code)
                                .order_by(Dossier.id).limit(1)).scalar_one_or_none()
            word = public_word(dossier.status) if dossier is not None else None
            if word is None:
                raise UnknownDossier()
            until = None
            if word == PublicStatus.READY:
                until = s.execute(select(Result.deadline).where(Result.dossier_id == dossier.id,
                                                                Result.status == ResultStatus.READY)
                                  .order_by(Result.id.desc()).limit(1)).scalar_one_or_none()
            return {"dossier_code": dossier.code, "status": str(word), "until": iso(until) if until else None}
