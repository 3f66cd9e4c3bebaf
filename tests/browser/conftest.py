"""The kiosk page in Debian's Chromium against a real ``locker demo`` process.

``kiosk_demo`` starts ``locker demo`` the way a new user does (``make run``), reads
the demo clerk token from the data directory and the SMS messages from the demo's
log (the demo sends them through ``LogNotifier``: ``SMS to <phone>: <text>``).
``kiosk_page`` is a fresh 1280x800 touch screen on the kiosk page for each test,
rendered with the kiosk's own fonts (``kiosk_fonts``: skipped without them, an error in CI).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.support.net import free_port, wait_for
from tests.support.processes import LockerProcess

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
KIOSK_SCREEN = {"width": 1280, "height": 800}
SMS_LINE = re.compile(r"SMS to (?P<to>\S+): (?P<text>.*)$", re.MULTILINE)
STANDALONE_CODE = re.compile(r"(?<![0-9])[0-9]{8}(?![0-9])")
BANNER_URL = re.compile(r"^\s*(?P<what>Kiosk|Simulator) \(.*?\):\s+(?P<url>\S+)", re.MULTILINE)


@dataclass(frozen=True)
class KioskSms:
    r"""One SMS the demo logged: the pickup code and QR token are read from the text.

    >>> sms = KioskSms("0912345678", "Ma nhan: 12345678\nHo so H1 ... 01/02/2026.\nMa QR: http://x/q/LK1.a.b")
    >>> sms.code, sms.qr, sms.link
    ('12345678', 'LK1.a.b', 'http://x/q/LK1.a.b')
    """

    to: str
    text: str

    @property
    def code(self) -> str:
        [code] = STANDALONE_CODE.findall(re.sub(r"\S+/q/\S+", "", self.text))
        return code

    @property
    def link(self) -> str:
        [link] = re.findall(r"\S+/q/\S+", self.text)
        return link

    @property
    def qr(self) -> str:
        return self.link.rsplit("/q/", 1)[1]


@dataclass
class KioskDemo:
    """A running ``locker demo``: its URL, the kiosk URL it printed, the clerk token,
    the compartments' locks."""

    url: str
    kiosk_url: str
    process: LockerProcess
    clerk_token: str
    locks: dict[str, tuple[int, int]]

    @property
    def clerk(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.clerk_token}"}

    def get(self, path: str, *, clerk: bool = False) -> requests.Response:
        return requests.get(self.url + path, headers=self.clerk if clerk else {}, timeout=10)

    def post(self, path: str, body: dict, *, clerk: bool = False) -> requests.Response:
        return requests.post(self.url + path, json=body, headers=self.clerk if clerk else {}, timeout=10)

    def open_doors(self) -> set[str]:
        """Labels of the compartments whose door the simulator reports open."""
        state = self.get("/sim/state").json()
        open_locks = {(b["address"], lock["lock"]) for b in state["boards"] for lock in b["locks"]
                      if lock["door"] == "open"}
        return {label for label, lock in self.locks.items() if lock in open_locks}

    def wait_open_doors(self, labels: set[str], timeout: float = 10) -> None:
        wait_for(lambda: self.open_doors() == labels, timeout=timeout, message=f"open doors {labels}")

    def close_door(self, label: str, *, item: bool | None = None) -> None:
        """A person closes the door, after putting something in (``item=True``) or taking it out."""
        board, lock = self.locks[label]
        if item is not None:
            response = self.post("/sim/item", {"board": board, "lock": lock, "present": item})
            assert response.status_code == 200, response.text
        response = self.post("/sim/door", {"board": board, "lock": lock, "action": "close"})
        assert response.status_code == 200, response.text

    def scan(self, data: str) -> None:
        response = self.post("/sim/scan", {"data": data})
        assert response.status_code == 200, response.text

    def wait_status(self, path: str, status: str, *, clerk: bool = False, timeout: float = 10) -> dict:
        def reached() -> dict | None:
            body = self.get(path, clerk=clerk).json()
            return body if body.get("status") == status else None
        return wait_for(reached, timeout=timeout, message=f"{path} status {status}")

    def sms_for(self, dossier_code: str, timeout: float = 10) -> KioskSms:
        """The pickup code's SMS and the QR link's SMS for ``dossier_code``, read from ``GET /sim/sms``
        (the demo's log masks them), as one ``KioskSms``."""
        def found() -> KioskSms | None:
            about = [m for m in self.get("/sim/sms").json() if f" {dossier_code}" in m["text"]]
            code = next((m for m in reversed(about) if STANDALONE_CODE.search(m["text"])), None)
            link = next((m for m in reversed(about) if "/q/" in m["text"]), None)
            return KioskSms(code["to"], code["text"] + "\n" + link["text"]) if code and link else None
        return wait_for(found, timeout=timeout, message=f"an SMS for {dossier_code}")

    def logged_sms(self) -> list[KioskSms]:
        """The SMS lines of the demo's log (masked)."""
        return [KioskSms(m["to"], m["text"]) for m in SMS_LINE.finditer(self.process.output())]

    def load_result(self, dossier_code: str, phone: str, size: str) -> tuple[str, KioskSms]:
        """A clerk puts a result into a compartment and shuts the door; returns the label and the SMS."""
        response = self.post("/api/v1/results", {"dossier_code": dossier_code, "phone": phone, "size": size},
                             clerk=True)
        assert response.status_code == 201, response.text
        label = response.json()["compartment"]
        self.wait_open_doors({label})
        self.close_door(label, item=True)
        self.wait_status(f"/api/v1/results/{response.json()['id']}", "ready", clerk=True)
        self.wait_open_doors(set())
        return label, self.sms_for(dossier_code)


def platform_fonts(page, selector: str) -> set[str]:
    """The font families Chromium really drew the text in and under ``selector`` with (fallbacks included)."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
        nodes = cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": f"{selector}, {selector} *"})["nodeIds"]
        return {font["familyName"] for node in nodes
                for font in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]}
    finally:
        cdp.detach()


def show_kiosk(page, kiosk_url: str) -> None:
    """Load the kiosk page (the URL ``locker demo`` printed) and wait until it shows the home screen, has asked the
    service once for its activity, and listens to the scanner's stream (only later scans are news)."""
    with page.expect_response(lambda r: "/api/v1/kiosk/activity" in r.url and r.ok) as activity:
        page.goto(kiosk_url)
    activity.value.finished()
    page.get_by_test_id("btn-dropoff").wait_for(state="visible")
    page.locator("body[data-scanner='listening']").wait_for(state="attached")
    page.evaluate("() => new Promise((resolve) => setTimeout(resolve, 0))")


@pytest.fixture(scope="module")
def kiosk_demo(tmp_path_factory) -> KioskDemo:
    workdir: Path = tmp_path_factory.mktemp("kiosk-demo")
    port = free_port()
    process = LockerProcess("demo", "--host", "127.0.0.1", "--port", str(port), "--data", str(workdir / "demo"),
                            cwd=workdir, name="demo")
    try:
        url = f"http://127.0.0.1:{port}"
        process.wait_http(url + "/healthz")
        printed = wait_for(lambda: dict(m.group("what", "url") for m in BANNER_URL.finditer(process.output()))
                           if "Simulator (" in process.output() else None, message="the demo's banner")
        assert printed == {"Kiosk": url + "/", "Simulator": url + "/sim/"}, process.output()
        tokens = json.loads((workdir / "demo" / "demo-tokens.json").read_text(encoding="utf-8"))
        demo = KioskDemo(url=url, kiosk_url=printed["Kiosk"], process=process, clerk_token=tokens["clerk"], locks={})
        compartments = demo.get("/api/v1/compartments", clerk=True)
        assert compartments.status_code == 200, compartments.text
        demo.locks = {c["label"]: (c["board"], c["lock"]) for c in compartments.json()}
        yield demo
    finally:
        assert process.stop() == 0, process.output()


@pytest.fixture(scope="module")
def kiosk_browser(chromium_path, kiosk_fonts):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def kiosk_page(kiosk_browser, kiosk_demo):
    """A fresh kiosk screen (1280x800, touch) showing the home screen, with no open door anywhere."""
    kiosk_demo.wait_open_doors(set())
    context = kiosk_browser.new_context(viewport=KIOSK_SCREEN, has_touch=True, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        show_kiosk(page, kiosk_demo.kiosk_url)
        yield page
    finally:
        context.close()
