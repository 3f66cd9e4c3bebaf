"""The kiosk page: served, self-contained, with the ids browser tests drive; and a browser run."""

from __future__ import annotations

import re
import threading
import time
from html.parser import HTMLParser

import pytest

from locker.errors import Throttled

from tests.unit.test_http_support import GOOD_QR, PICKUP_CODE, make_client

IDS = ["btn-dropoff", "btn-pickup", "dossier-code", "phone", "size-S", "size-M", "size-L", "submit",
       "pickup-dossier-code", "pickup-code", "status-message", "compartment-label", "btn-lang", "btn-home",
       "keyboard", "scan-hint"]


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.ids: set[str] = set()
        self.inline_scripts = 0
        self.styles = 0
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.ids.add(attrs.get("id") or "")
        self.urls += [attrs[a] for a in ("src", "href") if attrs.get(a)]
        self.styles += "style" in attrs or tag == "style"
        self._in_script = tag == "script"

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag):
        self._in_script = False


@pytest.fixture
def client(monkeypatch):
    return make_client(monkeypatch)


@pytest.mark.parametrize("path", ["/", "/kiosk"])
def test_page_renders_with_local_assets_only(client, path):
    c, _ = client
    resp = c.get(path)
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    html = resp.get_data(as_text=True)
    assert "Gửi hồ sơ" in html and "Drop off a dossier" in html
    assert "Nhận kết quả" in html and "Hoặc đưa mã QR vào máy quét" in html
    refs = _Refs()
    refs.feed(html)
    assert set(IDS) <= refs.ids
    local = [url for url in refs.urls if not url.startswith("data:")]
    assert local and all(url.startswith("/kiosk/static/") for url in local), refs.urls
    assert refs.inline_scripts == 0 and refs.styles == 0  # the CSP forbids inline code and styles
    for url in local:
        asset = c.get(url)
        assert asset.status_code == 200
        assert not re.search(r"https?://", asset.get_data(as_text=True)), url


def page_scripts(c, entry: str = "kiosk.js") -> dict[str, str]:
    """The page's script modules: its entry and every module imported from there, by name."""
    found: dict[str, str] = {}
    waiting = [entry]
    while waiting:
        name = waiting.pop()
        resp = c.get(f"/kiosk/static/{name}")
        assert resp.status_code == 200 and "javascript" in resp.mimetype, name
        found[name] = resp.get_data(as_text=True)
        waiting += [n for n in re.findall(r'from "\./([a-z]+\.js)"', found[name]) if n not in found]
    return found


def test_script_calls_only_this_api(client):
    c, _ = client
    scripts = page_scripts(c)
    assert {"kiosk.js", "page.js", "form.js", "door.js", "home.js", "text.js"} <= set(scripts)
    used = set(re.findall(r"/api/v1/[a-z/]+", "\n".join(scripts.values())))
    assert used == {"/api/v1/dropoffs", "/api/v1/pickups", "/api/v1/kiosk/mode", "/api/v1/kiosk/activity",
                    "/api/v1/kiosk/availability"}


# ---- a real browser against a real server (Debian's Chromium, via the chromium_path fixture) ----

def _serve(app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _wait(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def browser_page(client, chromium_path):
    from playwright import sync_api

    c, rt = client
    server = _serve(c.application)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{server.server_port}/")
        try:
            yield page, rt, c.application
        finally:
            browser.close()
            server.shutdown()


@pytest.mark.browser
def test_dropoff_with_the_on_screen_keyboard(browser_page):
    page, rt, _ = browser_page
    assert _wait(lambda: rt.service.modes.get("scanner") == "idle")
    page.click("#btn-dropoff")
    assert _wait(lambda: rt.service.modes.get("scanner") == "busy")
    for key in "H01.2025/7":
        page.click(f"#keyboard [data-key='{key}']")
    page.click("#phone")
    for key in "0912345678":
        page.click(f"#keyboard [data-key='{key}']")
    page.click("#size-M")
    page.click("#submit")
    page.wait_for_selector("#compartment-label:has-text('A05')")
    assert "Cửa ngăn A05 đã mở" in page.inner_text("#status-message")
    assert rt.service.calls[[c[0] for c in rt.service.calls].index("start_dropoff")][1] == (
        "H01.2025/7", "0912345678", "M")
    rt.service.ops["dropoff"][1]["compartment"] = "B02"      # the service moved it after a jam
    page.wait_for_selector("#compartment-label:has-text('B02')")
    rt.service.ops["dropoff"][1]["status"] = "stored"
    page.wait_for_selector("#status-message:has-text('Đã nhận hồ sơ H01.2025/7')")
    page.click("#btn-home")
    page.wait_for_selector("#btn-dropoff", state="visible")


@pytest.mark.browser
def test_pickup_errors_in_english_then_success_from_a_physical_keyboard(browser_page):
    page, rt, _ = browser_page
    page.click("#btn-lang")
    page.click("#btn-pickup")
    page.fill("#pickup-dossier-code", "H1")
    page.fill("#pickup-code", "87654321")
    page.press("#pickup-code", "Enter")
    page.wait_for_selector("#status-message:has-text('pickup code is wrong')")
    page.fill("#pickup-code", PICKUP_CODE)
    page.click("#submit")
    page.wait_for_selector("#status-message:has-text('Compartment B03 is open')")
    rt.service.ops["pickup"][1]["status"] = "collected"
    page.wait_for_selector("#status-message:has-text('Thank you')")


@pytest.mark.browser
def test_a_scanned_qr_opens_without_a_tap(browser_page):
    page, rt, _ = browser_page
    assert _wait(lambda: any(c[0] == "kiosk_activity" for c in rt.service.calls))
    rt.service.start_pickup(qr=GOOD_QR, kiosk="scanner")
    rt.service.last_scan = {"at": "2025-01-01T00:00:00Z", "ok": True,
                            "pickup": {"id": 1, "compartment": "B03", "status": "door_open"}, "error": None}
    page.wait_for_selector("#compartment-label:has-text('B03')")
    assert "lấy kết quả" in page.inner_text("#status-message")


@pytest.mark.browser
def test_throttled_pickup_waits_then_an_idle_form_returns_home(browser_page):
    page, rt, _ = browser_page
    page.clock.install()  # the page's timers run on Playwright's clock from here on
    page.reload()
    inactivity_ms = int(page.get_attribute("body", "data-inactivity")) * 1000
    rt.service.fail("start_pickup", Throttled(1))
    page.click("#btn-pickup")
    page.fill("#pickup-dossier-code", "H1")
    page.fill("#pickup-code", PICKUP_CODE)
    page.click("#submit")
    page.wait_for_selector("#status-message:has-text('Vui lòng chờ 1 giây')")
    assert page.is_disabled("#submit")
    page.clock.fast_forward(1_000)
    page.wait_for_selector("#submit:not([disabled])")
    assert page.is_visible("#pickup-code")
    page.clock.fast_forward(inactivity_ms)  # that long without a touch
    page.wait_for_selector("#btn-dropoff", state="visible", timeout=5000)
    assert page.input_value("#pickup-code") == ""
    assert _wait(lambda: rt.service.modes.get("scanner") == "idle")
