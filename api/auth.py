"""Who may call what: kiosk clients for citizen endpoints, bearer tokens for clerks.

Views decorated with :func:`citizen_only` accept kiosks only (see
:mod:`api.kiosk_access`) and find the kiosk key for the service in
:func:`current_kiosk`; views decorated with :func:`require_role` find the account
name in :func:`current_actor`.
"""

from __future__ import annotations

import time
from functools import wraps
from typing import Any, Callable, TypeVar

from flask import current_app, g, request, session
from flask_login import current_user

from locker.accounts import role_allows
from locker.errors import Forbidden, Unauthorized

from .kiosk_access import KioskAccess, check_host

F = TypeVar("F", bound=Callable[..., Any])

KIOSK_TOKEN_HEADER = "X-Kiosk-Token"


def runtime() -> Any:
    return current_app.extensions["locker"]


def kiosk_access() -> KioskAccess:
    return current_app.extensions["locker_kiosk_access"]


def check_kiosk_host() -> None:
    """403 ``foreign_host`` unless the request's ``Host`` (and ``Origin``, when sent) is a kiosk host."""
    check_host(runtime().config.kiosk, request.host, request.headers.get("Origin"))


def citizen_only(view: F) -> F:
    """Refuse every client that is not a kiosk: 403 ``foreign_host`` for a page on another host,
    403 ``kiosk_only`` (429 ``throttled`` after many wrong kiosk tokens) for any other client."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        check_kiosk_host()
        g.kiosk = kiosk_access().kiosk_of(request.remote_addr or "", request.headers.get(KIOSK_TOKEN_HEADER, ""))
        return view(*args, **kwargs)

    wrapper.security = "kiosk"  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def require_role(role: str) -> Callable[[F], F]:
    """Require ``Authorization: Bearer <token>`` of an account with ``role`` or above (see
    :func:`locker.accounts.role_allows`); a console page's own session will do too."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            g.actor = authenticate(role)
            return view(*args, **kwargs)

        wrapper.security = "bearer"  # type: ignore[attr-defined]
        wrapper.minimum_role = role  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def authenticate(role: str) -> str:
    """The account name behind the request's bearer token (or console session); 401/403 otherwise.

    A token past its expiry is refused with 401 ``token_expired``."""
    token = _bearer_token()
    if token:
        account = runtime().account_for_token(token)
        name, role_held = (account.name, account.role) if account is not None else ("", "")
    elif current_user.is_authenticated and _session_fresh():
        _console_csrf()
        name, role_held = current_user.name, current_user.role
    else:
        name, role_held = "", ""
    if not name:
        raise Unauthorized()
    if not role_allows(role_held, role):
        raise Forbidden()
    g.role = str(role_held)
    return str(name)


def _session_fresh() -> bool:
    """A console session not left idle too long (the pages' own check signs it out)."""
    return time.time() - session.get("seen", 0) <= runtime().config.console.idle_limit_s(session.get("by"))


def _console_csrf() -> None:
    """A console page calling the API with its session cookie sends its CSRF token (``X-CSRFToken``)
    with every request that may change something."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        current_app.extensions["locker_csrf"].protect()


def current_kiosk() -> str:
    return g.kiosk


def current_actor() -> str:
    return g.actor


def current_role() -> str:
    """The role of the account behind :func:`current_actor`."""
    return g.role


def _bearer_token() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 512:
        return ""
    return token
