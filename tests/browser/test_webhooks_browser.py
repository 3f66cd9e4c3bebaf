"""The console's Webhooks page in Chromium, against ``locker sim`` and ``locker serve`` as
separate processes: an admin subscribes a local receiver, a drop-off is delivered and
shows in the delivery log, the admin sends it again (the receiver sees the same event id
twice); a clerk is refused the page."""

from __future__ import annotations

import pytest

from tests.browser.conftest import CHROMIUM_ARGS
from tests.browser.signin_support import CONSOLE_SCREEN, console_cabinet, sign_in
from tests.support.net import wait_for
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

SECRET = "browser-webhook-secret-0123"


@pytest.fixture(scope="module")
def cab(tmp_path_factory):
    with console_cabinet(tmp_path_factory.mktemp("hooks"), extra_config="\n[webhooks]\npoll_s = 0.2\n") as cabinet:
        yield cabinet


@pytest.fixture
def page(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport=CONSOLE_SCREEN).new_page()
        page.set_default_timeout(10_000)
        yield page
        browser.close()


def drop_off(cab, code: str) -> None:
    made = cab.post("/api/v1/dropoffs", {"dossier_code": code, "phone": "0912345678", "size": "S"}).json()
    cab.wait_door(made["compartment"], "open")
    cab.close_door(made["compartment"])
    cab.wait_status(f"/api/v1/dropoffs/{made['id']}", "stored")


def test_an_admin_subscribes_sees_the_delivery_log_and_redelivers_a_clerk_is_refused(cab, page):
    from playwright.sync_api import expect

    receiver = WebhookReceiver(SECRET)
    try:
        sign_in(page, cab.api, "admin1")
        page.goto(cab.api + "/console/admin/webhooks/")
        page.get_by_test_id("webhook-url").fill(receiver.url)
        page.locator("#secret").fill(SECRET)
        page.get_by_test_id("create-webhook").click()
        expect(page.get_by_test_id("new-webhook-secret")).to_have_text(SECRET)
        expect(page.get_by_test_id("webhook-1")).to_contain_text(receiver.url)

        drop_off(cab, "HS-BROWSER-1")
        wait_for(lambda: receiver.of_type("dropoff.stored"), message="delivered")
        page.get_by_test_id("log-1").click()
        row = page.locator("[data-testid^=delivery-]").filter(has_text="HS-BROWSER-1").first
        expect(row).to_contain_text("dropoff.stored")
        expect(row.locator("[data-testid^=delivery-status-]")).to_contain_text("đã gửi")
        row.locator("[data-testid^=redeliver-]").click()
        wait_for(lambda: receiver.duplicates == [receiver.of_type("dropoff.stored")[0]["id"]], message="sent again")
        page.reload()
        expect(page.locator("[data-testid^=delivery-]").filter(has_text="HS-BROWSER-1").first).to_contain_text(
            "gửi lại thủ công")
        assert receiver.rejected == 0

        page.context.clear_cookies()
        sign_in(page, cab.api, "clerk1")
        answer = page.goto(cab.api + "/console/admin/webhooks/")
        assert answer.status == 403
        expect(page.get_by_test_id("webhook-form")).to_have_count(0)
    finally:
        receiver.down()
