"""Telling a citizen their result is ready: a new pickup credential, sent by SMS
through the outbox in the same transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from . import credentials, messages, outbox
from .audit import AuditRecorder
from .config import Config
from .models import Result
from .ports import Clock


def sms_text(dossier_code: str, label: str, issued: credentials.IssuedCredential, public_url: str) -> str:
    """Vietnamese first, then English; the pickup code is the only 8-digit number (see :mod:`locker.messages`)."""
    return messages.credential_sms(dossier_code, label, issued.code, issued.expires_at, issued.qr, public_url)


def code_locked_text(dossier_code: str) -> str:
    """No code in it: it only tells the owner what happened and what still works."""
    return (f"Hồ sơ {dossier_code}: việc nhập mã nhận tại tủ đã bị khoá do có người nhập sai nhiều lần. "
            "Mã QR trong tin nhắn trước vẫn dùng được, hoặc liên hệ cán bộ để được cấp mã mới. / "
            f"Dossier {dossier_code}: pickup code entry at the locker is locked after too many wrong codes. "
            "The QR code from the earlier message still works, or ask a clerk for a new code.")


class CredentialSender:
    def __init__(self, *, config: Config, secret: bytes, clock: Clock, audit: AuditRecorder) -> None:
        self._config = config
        self._secret = secret
        self._clock = clock
        self._audit = audit

    def issue_and_send(self, s: Session, result: Result, *, actor: str) -> credentials.IssuedCredential:
        # A reissued code keeps the result's deadline: only an extension moves it.
        deadline = result.deadline if result.deadline and result.deadline > self._clock.now() else None
        issued = credentials.issue(s, result, secret=self._secret, clock=self._clock,
                                   ttl_days=self._config.security.credential_ttl_days, expires_at=deadline)
        result.deadline = issued.expires_at
        label = result.compartment.label if result.compartment else "?"
        text = sms_text(result.dossier.code, label, issued, self._config.http.public_url)
        msg = outbox.enqueue_sms(s, result.phone, text, secret=self._secret, clock=self._clock)
        self._audit.event(s, "credential_issued", actor=actor, compartment=label, dossier=result.dossier.code,
                          credential=issued.credential_id, expires_at=issued.expires_at.isoformat())
        self._audit.event(s, "sms_queued", actor=actor, compartment=label, dossier=result.dossier.code,
                          message=msg.id)
        return issued

    def send_code_locked(self, s: Session, result: Result) -> None:
        msg = outbox.enqueue_sms(s, result.phone, code_locked_text(result.dossier.code), secret=self._secret,
                                 clock=self._clock)
        self._audit.event(s, "sms_queued", dossier=result.dossier.code, message=msg.id, reason="code_entry_locked")
