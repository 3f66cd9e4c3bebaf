"""A cabinet for console browser tests: ``locker sim`` and ``locker serve`` as separate
processes (see tests/e2e/conftest.py), with one account per role and a Chromium.

Accounts: ``clerk1`` (``s3cret-pass``, made by ``running_cabinet``), ``tech1`` and
``admin1`` (``<name>-pass``); :func:`sign_in` fills the sign-in form like a person.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from tests.e2e.conftest import Cabinet, running_cabinet
from tests.support.sms_gateway import SmsGateway

CONSOLE_SCREEN = {"width": 1366, "height": 768}
PASSWORDS = {"clerk1": "s3cret-pass", "tech1": "tech1-pass", "admin1": "admin1-pass"}
ROLES = {"clerk1": "clerk", "tech1": "technician", "admin1": "admin"}


@contextmanager
def console_cabinet(tmp_path: Path) -> Iterator[Cabinet]:
    gateway = SmsGateway()
    try:
        with running_cabinet(tmp_path, f"sqlite:///{tmp_path / 'locker.db'}", gateway) as cab:
            for name in ("tech1", "admin1"):
                result = cab.locker("user", "add", name, "--role", ROLES[name], "--password-stdin",
                                    stdin=PASSWORDS[name] + "\n")
                assert result.returncode == 0, result.stderr
            yield cab
    finally:
        gateway.close()


def sign_in(page, base_url: str, name: str, password: str | None = None) -> None:
    """Open the sign-in page and submit it (waits for the next page to load)."""
    page.goto(base_url + "/login")
    page.locator("#name").fill(name)
    page.locator("#password").fill(password or PASSWORDS[name])
    page.get_by_test_id("sign-in").click()
    page.wait_for_load_state()
