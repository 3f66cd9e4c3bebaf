"""A real local SMTP server for the email tests: aiosmtpd with STARTTLS or implicit TLS
(a self-signed certificate made here with cryptography) and AUTH PLAIN/LOGIN."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .net import free_port, wait_for


def self_signed(directory: Path) -> tuple[Path, Path]:
    """(certificate, key) PEM files for ``localhost`` and ``127.0.0.1``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's naming)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"


class LocalSmtp:
    """``security``: ``starttls`` (required before AUTH), ``tls`` (implicit) or ``none``; one account."""

    def __init__(self, directory: Path, *, security: str = "starttls", username: str = "tuhoso",
                 password: str = "mật-khẩu-1") -> None:
        self.cert, key = self_signed(directory)
        self.port = free_port()
        self.inbox = _Inbox()
        self.logins: list[str] = []
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, key)
        accounts = {username: password}

        def authenticate(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and \
                accounts.get(auth_data.login.decode()) == auth_data.password.decode()
            if ok:
                self.logins.append(auth_data.login.decode())
            return AuthResult(success=ok, handled=False)

        options = dict(hostname="127.0.0.1", port=self.port, authenticator=authenticate)
        if security == "starttls":
            options.update(tls_context=context, require_starttls=True, auth_require_tls=True)
        elif security == "tls":
            options.update(ssl_context=context, auth_require_tls=False)
        else:
            options.update(auth_require_tls=False)
        self.controller = Controller(self.inbox, **options)
        self.controller.start()

    def wait_messages(self, count: int, timeout: float = 10) -> list[EmailMessage]:
        return wait_for(lambda: self.inbox.messages if len(self.inbox.messages) >= count else None,
                        timeout=timeout, message=f"{count} emails at the SMTP server")

    def close(self) -> None:
        self.controller.stop()
