"""What the console's navigation offers, and how roles are named on screen."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from locker.accounts import role_allows

ROLE_LABELS = {"clerk": _l("Clerk"), "technician": _l("Technician"), "admin": _l("Administrator"),
               "system": _l("One-stop system")}


@dataclass(frozen=True)
class NavItem:
    """One entry of the navigation bar and of the home page's list of what a role may do.

    ``endpoint`` is a view of a page group, ``role`` the least role that may open it
    (the view's own :func:`api.console.guard.role_required` is what enforces it).
    """

    endpoint: str
    label: Any
    summary: Any
    role: str = "clerk"
    order: int = 50


def nav_for(role: str) -> list[NavItem]:
    """The entries ``role`` may open, in order."""
    items = current_app.extensions.get("locker_console_nav", ())
    return [item for item in items if role_allows(role, item.role)]


def role_label(role: str) -> Any:
    return ROLE_LABELS.get(role, role)
