"""A clerk's badge session on the kiosk's screen, in Chromium against an in-process app: left
alone, the screen signs out by itself and shows the kiosk again."""

from __future__ import annotations

import re
import threading

import pytest

from locker.ports import ScanRead
from tests.support.console import ConsoleBrowser, console_runtime

pytestmark = pytest.mark.browser


def test_a_badge_session_left_alone_goes_back_to_the_kiosk(tmp_path, chromium_path):
    from playwright.sync_api import expect, sync_playwright
    from werkzeug.serving import make_server

    runtime = console_runtime(tmp_path, console={"kiosk_idle_timeout_s": 2})
    admin = runtime.service.account_admin
    admin.set_pin("clerk", "2468", actor="cli")
    runtime.service.handle_event(ScanRead(admin.badge("clerk", actor="cli")))
    ticket = runtime.service.kiosk_activity()["last_scan"]["badge"]["ticket"]
    server = make_server("127.0.0.1", 0, ConsoleBrowser(runtime).app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://localhost:{server.server_port}"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path, args=["--no-sandbox"])
            page = browser.new_page()
            page.set_default_timeout(10_000)
            page.goto(f"{base}/login/badge/{ticket}")
            page.locator("#pin").fill("2468")
            page.get_by_test_id("pin-submit").click()
            expect(page.get_by_test_id("who-name")).to_have_text("clerk")
            expect(page).to_have_url(re.compile(r"/kiosk$"), timeout=8_000)  # about 2 s later, untouched
            page.get_by_test_id("btn-dropoff").wait_for(state="visible")
            page.goto(f"{base}/console/")
            expect(page).to_have_url(re.compile(r"/login"))
            browser.close()
    finally:
        server.shutdown()
        runtime.db.dispose()
