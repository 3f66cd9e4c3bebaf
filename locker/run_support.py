"""What the clerks' runs share: the one run the cabinet's scanner feeds, a receipt's
dossier code, an open run, and the run's last notice."""

from __future__ import annotations

import json
import threading
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import credentials, validation
from .audit import iso
from .errors import Conflict, InvalidInput, LockerError
from .models_runs import CabinetRun, LoadRun
from .statuses import ClerkRunStatus


def scanner_holder(s: Session) -> tuple[str, int, str] | None:
    """("load" | "cabinet", run id, clerk) of the open run the cabinet's scanner feeds, if any."""
    for kind, model in (("load", LoadRun), ("cabinet", CabinetRun)):
        row = s.execute(select(model.id, model.clerk).where(model.status == ClerkRunStatus.OPEN, model.scanner.is_(True))
                        .order_by(model.id.desc()).limit(1)).first()
        if row is not None:
            return kind, row.id, row.clerk
    return None


class ScannerHolder:
    """:func:`scanner_holder`, kept in memory: every scan asks it, and only a run that
    starts on the scanner or closes changes it (they call :meth:`changed` after their
    commit). The answer is read from the database once after each change."""

    def __init__(self, *, read_session: Callable[[], Any]) -> None:
        self._read_session = read_session
        self._mutex = threading.Lock()
        self._known = False
        self._holder: tuple[str, int, str] | None = None
        self._version = 0

    def current(self) -> tuple[str, int, str] | None:
        with self._mutex:
            if self._known:
                return self._holder
            version = self._version
        with self._read_session() as s:  # no write lock
            holder = scanner_holder(s)
        with self._mutex:
            if version == self._version:  # no run changed while it was read
                self._known, self._holder = True, holder
        return holder

    def changed(self) -> None:
        with self._mutex:
            self._known = False
            self._version += 1


def claim_scanner(s: Session) -> None:
    """Refuse a second run on the cabinet's scanner."""
    if scanner_holder(s) is not None:
        raise Conflict("Máy quét của tủ đang phục vụ một lượt khác; hãy kết thúc lượt đó hoặc quét tại bàn.",
                       "The cabinet's scanner already feeds another run; end it or scan at the desk.")


def receipt_code(data: Any) -> str:
    """The dossier code on a scanned receipt (upper case); a pickup QR is refused."""
    if credentials.parse_qr(data) is not None:
        raise InvalidInput("data", "Đây là mã nhận kết quả của công dân, không phải biên nhận hồ sơ.",
                           "This is a citizen's pickup code, not a dossier receipt.")
    try:
        return validation.dossier_code(data).upper()
    except InvalidInput:
        raise InvalidInput("data", "Mã quét được không phải mã hồ sơ.", "The scanned text is not a dossier code.") \
            from None


def open_run(s: Session, model: type, run_id: Any) -> Any:
    """The open run (locked), or NotFound / Conflict."""
    from .errors import NotFound

    run = s.get(model, validation.whole_number("id", run_id, 1, 2**63 - 1), with_for_update=True)
    if run is None:
        raise NotFound("run", run_id)
    if run.status != ClerkRunStatus.OPEN:
        raise Conflict("Lượt này đã kết thúc.", "This run has ended.")
    return run


def notice(at: Any, *, ok: bool, code: str | None = None, error: LockerError | None = None,
           word: str | None = None) -> str:
    """The JSON of a run's last notice: what the last scan or action did."""
    body: dict[str, Any] = {"at": iso(at), "ok": ok, "dossier_code": code, "word": word}
    if error is not None:
        body.update(word=error.code, message_vi=error.message_vi, message_en=error.message_en)
    return json.dumps(body, ensure_ascii=False)


def notice_view(text: str) -> dict[str, Any] | None:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None
