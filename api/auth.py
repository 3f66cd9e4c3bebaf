"""Who may call what: kiosk clients for citizen endpoints, bearer tokens for clerks.

A kiosk client is a loopback client (when ``http.loopback_is_kiosk``) or one that
presents ``X-Kiosk-Token`` equal to ``http.kiosk_token``. Views decorated with
:func:`citizen_only` find the kiosk key for the service in :func:`current_kiosk`;
views decorated with :func:`require_role` find the account name in
:func:`current_actor`.
"""

from __future__ import annotations

import hmac
import ipaddress
from functools import wraps
from typing import Any, Callable, TypeVar

from flask import current_app, g, request

from locker.accounts import has_role
from locker.errors import Forbidden, LockerError, Unauthorized

F = TypeVar("F", bound=Callable[..., Any])

KIOSK_TOKEN_HEADER = "X-Kiosk-Token"


class KioskOnly(LockerError):
    code = "kiosk_only"
    status = 403

    def __init__(self) -> None:
        super().__init__(
            "Chức năng này chỉ dùng được tại máy kiosk của tủ.",
            "This is only available at the locker's kiosk.",
        )


def runtime() -> Any:
    return current_app.extensions["locker"]


def kiosk_key() -> str | None:
    """The kiosk key of the current client, or None when it is not a kiosk."""
    http = runtime().config.http
    token = request.headers.get(KIOSK_TOKEN_HEADER, "")
    if http.kiosk_token and token and hmac.compare_digest(
            token.encode("utf-8", "replace"), http.kiosk_token.encode("utf-8")):
        return "kiosk-token"
    addr = request.remote_addr or ""
    if http.loopback_is_kiosk and _is_loopback(addr):
        return f"kiosk:{addr}"
    return None


def citizen_only(view: F) -> F:
    """Refuse (403 ``kiosk_only``) every client that is not a kiosk."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = kiosk_key()
        if key is None:
            raise KioskOnly()
        g.kiosk = key
        return view(*args, **kwargs)

    wrapper.security = "kiosk"  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def require_role(role: str) -> Callable[[F], F]:
    """Require ``Authorization: Bearer <token>`` of an account with ``role`` or above."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            g.actor = authenticate(role)
            return view(*args, **kwargs)

        wrapper.security = "bearer"  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def authenticate(role: str) -> str:
    """The account name behind the request's bearer token; 401/403 otherwise."""
    token = _bearer_token()
    account = runtime().account_for_token(token) if token else None
    if account is None:
        raise Unauthorized()
    if not has_role(account, role):
        raise Forbidden()
    return str(account.name)


def current_kiosk() -> str:
    return g.kiosk


def current_actor() -> str:
    return g.actor


def _bearer_token() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 512:
        return ""
    return token


def _is_loopback(addr: str) -> bool:
    try:
        ip = ipaddress.ip_address(addr.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback
