"""Personal data at rest (Decree 13/2023): citizens' phone numbers and email addresses
are sealed with Fernet under a key derived (HKDF) from the cabinet's secret, in every
column typed :class:`Sealed`, and shown masked wherever people read them.

The key belongs to one database engine: :func:`seal_with` gives it to the engine's
dialect, where the column type finds it, so no process-wide key exists. A column read or
written on an engine without the key is refused (nothing is stored in clear by mistake).

>>> mask_phone("0912345678"), mask_phone("+84912345678"), mask_phone("123")
('09******78', '+84*******78', '***')
>>> mask_email("an.nguyen@example.vn")
'a********@example.vn'
>>> mask("an@x.vn"), mask(None)
('a*@x.vn', '')
"""

from __future__ import annotations

import base64
import logging
import re
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

#: A sealed value starts so (Fernet version byte, base64): what the migration and the purge's scan recognise.
SEALED_PREFIX = "gAAAAA"
_KEY_ATTRIBUTE = "locker_personal_key"


def personal_fernet(secret: bytes) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"locker personal data v1").derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def seal_with(engine: Any, secret: bytes) -> None:
    """Give ``engine`` the key of its personal-data columns."""
    setattr(engine.dialect, _KEY_ATTRIBUTE, personal_fernet(secret))


def _key(dialect: Any) -> Fernet:
    key = getattr(dialect, _KEY_ATTRIBUTE, None)
    if key is None:
        raise RuntimeError("personal data needs the cabinet's secret: call locker.personal.seal_with(engine, secret)")
    return key


class Sealed(TypeDecorator[str]):
    """Text sealed at rest; ``None`` and ``""`` (purged) are stored as they are."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None or value == "":
            return value
        return _key(dialect).encrypt(str(value).encode("utf-8")).decode("ascii")

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if value is None or value == "":
            return value
        try:
            return _key(dialect).decrypt(value.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError):
            log.warning("a sealed column cannot be opened with this secret (was it replaced?)")
            return ""


def mask_phone(phone: str | None) -> str:
    """Only the first two (after a ``+84``, the country code too) and the last two digits show."""
    phone = phone or ""
    head = 3 if phone.startswith("+") else 2
    if len(phone) < head + 4:
        return "*" * len(phone)
    return phone[:head] + "*" * (len(phone) - head - 2) + phone[-2:]


def mask_email(address: str | None) -> str:
    """The first letter of the mailbox and the domain."""
    local, _, domain = (address or "").partition("@")
    if not domain:
        return "*" * len(local)
    return local[:1] + "*" * max(len(local) - 1, 1) + "@" + domain


def mask(value: str | None) -> str:
    """A phone number or an email address, masked."""
    return mask_email(value) if value and "@" in value else mask_phone(value)


def redact(text: str) -> str:
    """The text without pickup codes and QR links."""
    text = re.sub(r"/q/\S+", "/q/[redacted]", text)
    return re.sub(r"(?<![0-9])[0-9]{8}(?![0-9])", "********", text)
