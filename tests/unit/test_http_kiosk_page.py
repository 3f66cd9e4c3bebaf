"""The kiosk page: served, self-contained, with the ids browser tests drive; and a browser run."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.unit.test_http_support import make_client

IDS = ["btn-dropoff", "btn-pickup", "dossier-code", "phone", "email", "size-S", "size-M", "size-L", "submit",
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
        # A JSON data block (the kiosk's words) is never run, so the CSP leaves it alone; code is counted.
        self._in_script = tag == "script" and attrs.get("type") != "application/json"

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
    assert {"kiosk.js", "page.js", "form.js", "door.js", "home.js", "text.js", "info.js"} <= set(scripts)
    used = set(re.findall(r"/api/v1/[a-z/]+", "\n".join(scripts.values())))
    assert used == {"/api/v1/dropoffs", "/api/v1/pickups", "/api/v1/kiosk/mode", "/api/v1/kiosk/activity",
                    "/api/v1/kiosk/availability", "/api/v1/kiosk/layout", "/api/v1/kiosk/procedures",
                    "/api/v1/kiosk/procedures/", "/api/v1/kiosk/lookups"}
    assert "\"/kiosk/events\"" in scripts["scans.js"]   # the scanner's reads come on the kiosk's own stream


# ---- a real browser against a real server (Debian's Chromium, via the chromium_path fixture) ----
