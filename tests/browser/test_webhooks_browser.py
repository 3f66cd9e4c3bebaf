"""The console's Webhooks page in Chromium, against an in-process app whose webhook outbox
runs: an admin subscribes a local receiver, a drop-off's event is delivered and shows in
the delivery log, the admin sends it again (the receiver sees the same event id twice);
a clerk is refused the page. (Real flows across processes: tests/e2e/test_webhooks.py.)"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from locker.audit import record
from tests.support.console import console_runtime, password_of
from tests.support.net import wait_for
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.browser

SECRET = "browser-webhook-secret-0123"
SHOTS = os.environ.get("LOCKER_SCREENSHOTS")  # e.g. docs/console: the pages saved at 1366x768


def shoot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def sign_in(page, base: str, name: str) -> None:
    page.goto(base + "/login")
    page.locator("#name").fill(name)
    page.locator("#password").fill(password_of(name))
    page.get_by_test_id("sign-in").click()
    page.wait_for_load_state()


def test_an_admin_subscribes_sees_the_delivery_log_and_redelivers_a_clerk_is_refused(tmp_path, chromium_path):
    from playwright.sync_api import expect, sync_playwright
    from werkzeug.serving import make_server

    from api.app import create_app

    runtime = console_runtime(tmp_path, webhooks={"poll_s": 0.1})
    runtime.webhook_outbox.run_once()  # its cursor starts here
    runtime.webhook_outbox.start()
    receiver = WebhookReceiver(SECRET)
    server = make_server("127.0.0.1", 0, create_app(runtime), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://localhost:{server.server_port}"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.set_default_timeout(10_000)
            sign_in(page, base, "admin")
            page.goto(base + "/console/admin/webhooks/")
            page.get_by_test_id("webhook-url").fill(receiver.url)
            page.locator("#secret").fill(SECRET)
            page.get_by_test_id("create-webhook").click()
            expect(page.get_by_test_id("new-webhook-secret")).to_have_text(SECRET)
            expect(page.get_by_test_id("webhook-1")).to_contain_text(receiver.url)
            shoot(page, "webhooks")

            with runtime.db.session() as s:
                record(s, "dropoff_stored", actor="system", compartment="A01", dossier_code="HS-BROWSER-1",
                       data={"dropoff": 1}, clock=runtime.clock)
            wait_for(lambda: receiver.of_type("dropoff.stored"), message="delivered")
            page.get_by_test_id("log-1").click()
            row = page.locator("tr[data-testid^=delivery-]").filter(has_text="HS-BROWSER-1")
            expect(row).to_contain_text("dropoff.stored")
            expect(row.locator("[data-testid^=delivery-status-]")).to_contain_text("đã gửi")
            row.locator("[data-testid^=redeliver-]").click()
            wait_for(lambda: receiver.duplicates == [receiver.of_type("dropoff.stored")[0]["id"]],
                     message="sent again")
            page.reload()
            expect(page.locator("tr[data-testid^=delivery-]").filter(has_text="HS-BROWSER-1")).to_contain_text(
                "gửi lại thủ công")
            shoot(page, "webhook-deliveries")
            assert receiver.rejected == 0

            page.context.clear_cookies()
            sign_in(page, base, "clerk")
            answer = page.goto(base + "/console/admin/webhooks/")
            assert answer.status == 403
            expect(page.get_by_test_id("webhook-form")).to_have_count(0)
            browser.close()
    finally:
        server.shutdown()
        receiver.down()
        runtime.webhook_outbox.stop()
        runtime.db.dispose()
