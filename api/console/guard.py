"""Who may open a console page: ``role_required("technician")`` on every view.

Signed out, a page redirects to ``/login`` (and back after signing in); signed in
with a lesser role, it answers 403 with a bilingual page, and the refusal is audited.
"""

from __future__ import annotations

from functools import wraps
from typing import Any, Callable, TypeVar

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from locker.accounts import ROLE_RANK, role_allows

from ..auth import runtime

F = TypeVar("F", bound=Callable[..., Any])


def role_required(role: str) -> Callable[[F], F]:
    """Let the view run only for a signed-in operator with ``role`` or a higher one."""
    if role not in ROLE_RANK:
        raise ValueError(f"unknown role {role!r}")

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:  # after signing in: this page (a form's post is not redone)
                return redirect(url_for("signin.login", next=_back_here()))
            if not role_allows(current_user.role, role):
                return refused(role)
            return view(*args, **kwargs)

        wrapper.minimum_role = role  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def refused(role: str) -> tuple[str, int]:
    """The 403 page for a signed-in operator whose role is below ``role``; audited."""
    runtime().audit("console_refused", actor=current_user.name, path=request.path, method=request.method,
                    needs=role, role=current_user.role)
    return render_template("console/refused.html", needs=role), 403


def _back_here() -> str | None:
    """Where to come back to after signing in: this page; after a form's post, the console's home."""
    return request.full_path.rstrip("?") if request.method == "GET" else None
