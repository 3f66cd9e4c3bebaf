"""Signing in to the console from a Flask test client, as a person's browser would.

``console_runtime(tmp_path)`` is a real :class:`api.runtime.Runtime` on SQLite (not
started: no bus, no workers) with one account per role, password ``<role>-pass``;
``ConsoleBrowser`` keeps the session cookie and reads each form's CSRF token from
the page it was served on.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from api.app import create_app
from api.runtime import Runtime
from locker.accounts import create_account
from locker.config import config_from_dict

ROLES = ("clerk", "technician", "admin")
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def password_of(role: str) -> str:
    return f"{role}-pass"


def console_runtime(tmp_path: Path, *, console: dict | None = None, **sections: Any) -> Runtime:
    """A runtime with accounts ``clerk``, ``technician`` and ``admin`` (password ``<role>-pass``)."""
    raw = {"database": {"url": f"sqlite:///{tmp_path / 'locker.db'}"},
           "security": {"secret_file": str(tmp_path / "locker.secret")}, **sections}
    if console:
        raw["console"] = console
    runtime = Runtime.from_config(config_from_dict(raw, env={}))
    runtime.db.upgrade()
    with runtime.db.session() as s:
        for role in ROLES:
            create_account(s, role, role, password_of(role))
    return runtime


def csrf_token(html: str) -> str:
    found = CSRF_INPUT.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1) or found.group(2)


class ConsoleBrowser:
    """A test client with a session, that submits forms with the token of the page they are on."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.app = create_app(runtime)
        self.client = self.app.test_client()

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, **kw)

    def submit(self, page: str, action: str, data: dict[str, Any], **kw: Any) -> Any:
        """GET ``page``, then POST ``data`` to ``action`` with the page's CSRF token."""
        token = csrf_token(self.client.get(page).get_data(as_text=True))
        return self.client.post(action, data={**data, "csrf_token": token}, **kw)

    def sign_in(self, name: str, password: str | None = None, *, next_page: str | None = None) -> Any:
        action = "/login" + (f"?next={next_page}" if next_page else "")
        return self.submit("/login", action, {"name": name, "password": password or password_of(name)})

    def sign_out(self) -> Any:
        return self.submit("/console/", "/logout", {})
