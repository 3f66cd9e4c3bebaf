"""Telling a citizen what happened: each message kind as an SMS in their language and,
when they gave an address, an email, both through the outbox in the flow's transaction.

:class:`CitizenMessages` is the one way a part sends a citizen a message;
:class:`CredentialSender` issues a pickup credential and sends it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from . import credentials, notice_templates, outbox
from .audit import AuditRecorder
from .config import Config
from .models import Result
from .ports import Clock


class CitizenMessages:
    def __init__(self, *, config: Config, secret: bytes, clock: Clock, audit: AuditRecorder) -> None:
        self._config = config
        self._secret = secret
        self._clock = clock
        self._audit = audit

    def send(self, s: Session, kind: str, *, phone: str, email: str | None, language: str, dossier: str,
             label: str = "", email_too: bool = True, actor: str = "system", **values: Any) -> None:
        """Queue the SMS of ``kind`` (see :data:`locker.notice_templates.SMS`), and its email when there is
        an address and ``[notify.email]`` is set up; ``values``: code, until, at, number, link.

        A number erased on the citizen's request (``""``) gets no SMS."""
        common = {"dossier": dossier, "label": label, "hotline": self._config.office.hotline, **values}
        if phone:
            text = notice_templates.sms(kind, language, self._config.sms.encoding, **common)
            msg = outbox.enqueue_sms(s, phone, text, secret=self._secret, clock=self._clock, kind=kind)
            self._audit.event(s, "sms_queued", actor=actor, compartment=label or None, dossier=dossier,
                              message=msg.id, message_kind=kind)
        if email and email_too and self._config.email.enabled:
            subject, body = notice_templates.email(kind, office=self._config.office.name, **common)
            mail = outbox.enqueue_email(s, email, subject, body, secret=self._secret, clock=self._clock, kind=kind)
            self._audit.event(s, "email_queued", actor=actor, compartment=label or None, dossier=dossier,
                              message=mail.id,
                              message_kind=kind)

    def about_result(self, s: Session, kind: str, result: Result, *, actor: str = "system", **values: Any) -> None:
        """The message of ``kind`` to the citizen of ``result`` (its phone, address and language)."""
        self.send(s, kind, phone=result.phone, email=result.email, language=result.language,
                  dossier=result.dossier.code, label=result.compartment.label if result.compartment else "",
                  actor=actor, **values)


class CredentialSender:
    def __init__(self, *, config: Config, secret: bytes, clock: Clock, audit: AuditRecorder,
                 messages: CitizenMessages) -> None:
        self._config = config
        self._secret = secret
        self._clock = clock
        self._audit = audit
        self._messages = messages

    def issue_and_send(self, s: Session, result: Result, *, actor: str,
                       reissued: bool = False) -> credentials.IssuedCredential:
        """A new credential; its code by SMS (``result_ready`` or ``reissued``), then its QR link if
        ``http.public_url`` is set (a message of its own, so that each fits one segment)."""
        # A reissued code keeps the result's deadline: only an extension moves it.
        deadline = result.deadline if result.deadline and result.deadline > self._clock.now() else None
        issued = credentials.issue(s, result, secret=self._secret, clock=self._clock,
                                   ttl_days=self._config.security.credential_ttl_days, expires_at=deadline)
        result.deadline = issued.expires_at
        label = result.compartment.label if result.compartment else "?"
        self._audit.event(s, "credential_issued", actor=actor, compartment=label, dossier=result.dossier.code,
                          credential=issued.credential_id, expires_at=issued.expires_at.isoformat())
        public_url = self._config.http.public_url.rstrip("/")
        link = f"{public_url}/q/{issued.qr}" if public_url else ""
        who = {"phone": result.phone, "email": result.email, "language": result.language,
               "dossier": result.dossier.code, "label": label}
        self._messages.send(s, "reissued" if reissued else "result_ready", code=issued.code,
                            until=issued.expires_at, link=link, **who)
        if link:
            self._messages.send(s, "pickup_link", link=link, email_too=False, **who)
        return issued

    def send_code_locked(self, s: Session, result: Result) -> None:
        """Code entry for the dossier is locked: no code in it, only what happened and what still works."""
        self._messages.send(s, "code_entry_locked", phone=result.phone, email=result.email,
                            language=result.language, dossier=result.dossier.code,
                            label=result.compartment.label if result.compartment else "")
