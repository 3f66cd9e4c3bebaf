"""The operators' console in Debian's Chromium against ``locker sim`` and ``locker serve``
as separate processes: a module-wide cabinet, a signed-in clerk's page at 1366x768, and
screenshots for docs/console/ when ``LOCKER_SCREENSHOTS`` names a directory."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import requests

from tests.browser.conftest import CHROMIUM_ARGS
from tests.e2e.conftest import Cabinet, running_cabinet
from tests.support.net import wait_for
from tests.support.sms_gateway import SmsGateway

CONSOLE_SCREEN = {"width": 1366, "height": 768}
CLERK = ("clerk1", "s3cret-pass")  # the account running_cabinet creates


@contextmanager
def console_cabinet(tmp_path_factory: Any, name: str, **options: Any) -> Iterator[Cabinet]:
    workdir: Path = tmp_path_factory.mktemp(name)
    gateway = SmsGateway()
    try:
        with running_cabinet(workdir, f"sqlite:///{workdir / 'locker.db'}", gateway, **options) as cab:
            yield cab
    finally:
        gateway.close()


@contextmanager
def chromium(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def clerk_page(browser: Any, cab: Cabinet) -> Iterator[Any]:
    """A fresh 1366x768 browser signed in as the cabinet's clerk, on the console's home page."""
    context = browser.new_context(viewport=CONSOLE_SCREEN, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(cab.api + "/login")
        page.locator("input[name=name]").fill(CLERK[0])
        page.locator("input[name=password]").fill(CLERK[1])
        page.get_by_test_id("sign-in").click()
        page.wait_for_url("**/console/")
        yield page
    finally:
        context.close()


def screenshot(page: Any, name: str) -> None:
    """Keep the page as docs/console/<name>.png when LOCKER_SCREENSHOTS says where."""
    target = os.environ.get("LOCKER_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(target) / f"{name}.png"))


def system_token(cab: Cabinet) -> dict[str, str]:
    result = cab.locker("user", "add", "onestop", "--role", "system", "--password-stdin", stdin="onestop-pass\n")
    assert result.returncode == 0, result.stdout + result.stderr
    result = cab.locker("token", "create", "onestop")
    assert result.returncode == 0, result.stderr
    return {"Authorization": f"Bearer {result.stdout.strip().splitlines()[-1]}"}


def announce(cab: Cabinet, token: dict[str, str], code: str, size: str) -> None:
    answer = requests.post(cab.api + "/api/v1/announcements", headers=token, timeout=10, json={
        "dossier_code": code, "phone": "0912345678", "due": "2026-12-01", "size": size,
        "procedure": "Cấp giấy phép xây dựng"})
    assert answer.status_code == 201, answer.text


def stored_dropoff(cab: Cabinet, code: str) -> str:
    """A citizen's drop-off with the papers inside; returns its compartment."""
    answer = cab.post("/api/v1/dropoffs", {"dossier_code": code, "phone": "0912345678", "size": "S"})
    assert answer.status_code == 201, answer.text
    dropoff = answer.json()
    cab.wait_door(dropoff["compartment"], "open")
    cab.put_item(dropoff["compartment"])
    cab.close_door(dropoff["compartment"])
    cab.wait_status(f"/api/v1/dropoffs/{dropoff['id']}", "stored")
    return dropoff["compartment"]


def ready_result(cab: Cabinet, code: str) -> dict:
    answer = cab.post("/api/v1/results", {"dossier_code": code, "phone": "0987654321", "size": "S"}, clerk=True)
    assert answer.status_code == 201, answer.text
    result = answer.json()
    cab.wait_door(result["compartment"], "open")
    cab.put_item(result["compartment"])
    cab.close_door(result["compartment"])
    cab.wait_status(f"/api/v1/results/{result['id']}", "ready", clerk=True)
    return result


def put_in(cab: Cabinet, label: str) -> None:
    """The clerk puts a result into an open compartment (the item sensor sees it) and closes the door."""
    cab.wait_door(label, "open")
    cab.put_item(label)
    cab.close_door(label)


def take_out(cab: Cabinet, label: str) -> None:
    """The clerk takes the dossier out of an open compartment (the item sensor sees it go)."""
    cab.wait_door(label, "open")
    cab.put_item(label, False)


def row(page: Any, test_id: str, **attrs: str) -> Any:
    selector = "".join(f'[data-{key}="{value}"]' for key, value in attrs.items())
    return page.locator(f'[data-testid="{test_id}"]{selector}')


def wait_row(page: Any, test_id: str, timeout: float = 20, **attrs: str) -> None:
    wait_for(lambda: row(page, test_id, **attrs).count() == 1, timeout=timeout,
             message=f"{test_id} {attrs} on the page")


def requests_while_idle(page: Any, seconds: float = 3.0) -> list[str]:
    """The requests a page makes on its own over ``seconds`` once its event stream is live,
    other than (re)opening the stream: a polling page fetches again and again, a page
    following the stream reads its state once at the connection at most."""
    page.locator("[data-testid=live-status][data-live=yes]").wait_for()
    made: list[str] = []

    def note(request: Any) -> None:
        if request.url.startswith("http") and "/console/events/stream" not in request.url:
            made.append(request.url)

    page.on("request", note)
    page.wait_for_timeout(seconds * 1000)  # the window itself is what is measured
    page.remove_listener("request", note)
    return made
