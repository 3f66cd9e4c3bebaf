"""Email through SMTP: STARTTLS, implicit TLS or none, with or without authentication.

Each message is plain text in UTF-8 (Vietnamese with its diacritics), one connection
per message: the outbox sends rarely and retries on any failure.
"""

from __future__ import annotations

import base64
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from .config_sections import EmailConfig
from .personal import mask_email
from .ports import Delivery, NotifierError

log = logging.getLogger("locker.email")


def password_of(config: EmailConfig) -> str:
    """``password_file``'s first line when set, else ``password``."""
    if config.password_file:
        return Path(config.password_file).read_text(encoding="utf-8").splitlines()[0].strip()
    return config.password


def compose(*, sender: str, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text UTF-8 message with its own Message-ID."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg.set_content(body, charset="utf-8")
    return msg


def login(smtp: smtplib.SMTP, username: str, password: str) -> None:
    """AUTH PLAIN in UTF-8 (RFC 4616) when the server offers it: one answer, and a password beyond
    ASCII works (smtplib encodes it as ASCII). Otherwise smtplib's own choice (CRAM-MD5, LOGIN)."""
    smtp.ehlo_or_helo_if_needed()
    if "plain" not in smtp.esmtp_features.get("auth", "").lower().split():
        smtp.login(username, password)
        return
    token = base64.b64encode(f"\0{username}\0{password}".encode("utf-8")).decode("ascii")
    code, answer = smtp.docmd("AUTH", "PLAIN " + token)
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, answer)


class SmtpEmailSender:
    """Sends through ``[notify.email]``; the server's certificate is checked against the system's
    trust, or ``ca_file`` (an office's own certificate authority)."""

    def __init__(self, config: EmailConfig) -> None:
        self.config = config
        self.ssl_context = ssl.create_default_context(cafile=config.ca_file or None)

    def send_email(self, to: str, subject: str, body: str) -> Delivery:
        cfg = self.config
        msg = compose(sender=cfg.from_, to=to, subject=subject, body=body)
        try:
            with self._connect() as smtp:
                if cfg.security == "starttls":
                    smtp.starttls(context=self.ssl_context)
                if cfg.username:
                    login(smtp, cfg.username, password_of(cfg))
                smtp.send_message(msg)
        except smtplib.SMTPResponseException as exc:
            raise NotifierError(f"SMTP server answered {exc.smtp_code}", status=exc.smtp_code) from None
        except (smtplib.SMTPException, OSError, ValueError) as exc:
            raise NotifierError(f"SMTP failed: {type(exc).__name__}: {exc}") from None
        log.info("email to %s: %s", mask_email(to), subject)
        return Delivery(status=250, message_id=str(msg["Message-ID"]))

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        if cfg.security == "tls":
            return smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout_s, context=self.ssl_context)
        return smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout_s)
