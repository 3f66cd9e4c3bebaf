"""The console's account pages and guards through the Flask test client: lock-out, password
change, administrators' pages and each of their refusals, tokens over HTTP, badge and PIN."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from locker.audit import as_dict
from locker.models import ApiToken, AuditEvent
from locker.ports import ScanRead
from tests.support.console import ConsoleBrowser, console_runtime, csrf_token


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    rt = console_runtime(tmp_path_factory.mktemp("console"), console={"login_failure_limit": 3})
    yield rt
    rt.db.dispose()


def signed_in(runtime, role):
    browser = ConsoleBrowser(runtime)
    assert browser.sign_in(role).status_code == 302
    return browser


def events(runtime, kind):
    with runtime.db.session() as s:
        return [as_dict(e) for e in s.execute(select(AuditEvent).where(AuditEvent.kind == kind)).scalars()]


def token_rows(runtime):
    with runtime.db.session() as s:
        return [(t.id, t.revoked_at is not None) for t in s.execute(select(ApiToken).order_by(ApiToken.id)).scalars()]


# ---- refusals: each protected action of the accounts' part, for each lesser role ------------------

ADMIN_ACTIONS = [
    ("GET", "/console/admin/tokens", None),
    ("POST", "/console/admin/tokens", {"account": "clerk", "days": "5"}),
    ("POST", "/console/admin/tokens/1/revoke", {}),
    ("GET", "/console/admin/accounts", None),
    ("POST", "/console/admin/accounts/clerk/disable", {}),
    ("POST", "/console/admin/accounts/clerk/reset", {}),
]


@pytest.mark.parametrize("role", ["clerk", "technician"])
@pytest.mark.parametrize("method,path,data", ADMIN_ACTIONS)
def test_an_administrators_action_is_refused_to_a_lesser_role_and_changes_nothing(runtime, role, method, path, data):
    admin = signed_in(runtime, "admin")
    admin.submit("/console/admin/tokens", "/console/admin/tokens", {"account": "admin", "days": "3"})
    before_tokens = token_rows(runtime)
    before_refusals = len(events(runtime, "console_refused"))
    browser = signed_in(runtime, role)
    if method == "GET":
        resp = browser.get(path)
    else:
        resp = browser.submit("/console/", path, data)
    assert resp.status_code == 403
    page = resp.get_data(as_text=True)
    assert "không được làm việc này" in page and "Quản trị viên" in page
    assert token_rows(runtime) == before_tokens
    assert browser.sign_out().status_code == 302 and signed_in(runtime, "clerk")  # clerk's password unchanged
    refusals = events(runtime, "console_refused")
    assert len(refusals) == before_refusals + 1
    assert refusals[-1]["actor"] == role and refusals[-1]["data"]["needs"] == "admin"


@pytest.mark.parametrize("method,path,data", ADMIN_ACTIONS + [("GET", "/console/", None),
                                                             ("POST", "/console/account/password", {})])
def test_a_signed_out_visitor_is_sent_to_sign_in_for_every_page(runtime, method, path, data):
    browser = ConsoleBrowser(runtime)
    resp = browser.get(path) if method == "GET" else browser.submit("/login", path, data)
    assert resp.status_code == 302
    assert resp.headers["Location"] == (f"/login?next={path}" if method == "GET" else "/login")


def test_each_admin_form_needs_its_csrf_token(runtime):
    admin = signed_in(runtime, "admin")
    before = token_rows(runtime)
    assert admin.client.post("/console/admin/tokens", data={"account": "clerk", "days": "5"}).status_code == 400
    assert admin.client.post("/console/admin/accounts/clerk/disable").status_code == 400
    assert token_rows(runtime) == before
    assert signed_in(runtime, "clerk")


# ---- lock-out and password change ----------------------------------------------------------------

def test_repeated_wrong_passwords_lock_the_account_with_a_message_saying_when(tmp_path):
    runtime = console_runtime(tmp_path, console={"login_failure_limit": 3, "lockout_min": 7})
    browser = ConsoleBrowser(runtime)
    for _ in range(2):
        assert browser.sign_in("technician", "wrong-password").status_code == 401
    resp = browser.sign_in("technician", "wrong-password")
    assert resp.status_code == 429
    assert re.search(r"Vui lòng thử lại sau 7 phút \(lúc \d\d:\d\d\)", resp.get_data(as_text=True))
    resp = browser.sign_in("technician")  # the right password, but locked
    assert resp.status_code == 429 and browser.get("/console/").status_code == 302
    assert [e["actor"] for e in events(runtime, "account_locked")] == ["technician"]
    runtime.service.account_admin.reset("technician", "technician-pass", actor="admin")  # an admin lifts it
    assert browser.sign_in("technician").status_code == 302
    runtime.db.dispose()


def test_a_password_change_keeps_this_session_and_ends_the_others(tmp_path):
    runtime = console_runtime(tmp_path)
    here, elsewhere = signed_in(runtime, "clerk"), signed_in(runtime, "clerk")
    form = {"current": "clerk-pass", "new": "a-brand-new-pass", "confirm": "a-different-pass"}
    resp = here.submit("/console/account/password", "/console/account/password", form)
    assert resp.status_code == 400 and "không giống nhau" in resp.get_data(as_text=True)
    resp = here.submit("/console/account/password", "/console/account/password", {**form, "current": "wrong-pass",
                                                                                    "confirm": "a-brand-new-pass"})
    assert resp.status_code == 401
    resp = here.submit("/console/account/password", "/console/account/password", {**form, "confirm": form["new"]})
    assert resp.status_code == 302
    assert "Đã đổi mật khẩu" in here.get("/console/").get_data(as_text=True)
    assert elsewhere.get("/console/").status_code == 302
    assert ConsoleBrowser(runtime).sign_in("clerk", "a-brand-new-pass").status_code == 302
    assert [e["actor"] for e in events(runtime, "password_changed")] == ["clerk"]
    runtime.db.dispose()


# ---- administrators' pages ---------------------------------------------------------------------------

def test_an_admin_creates_a_token_sees_it_once_and_revokes_it(runtime):
    admin = signed_in(runtime, "admin")
    resp = admin.submit("/console/admin/tokens", "/console/admin/tokens", {"account": "clerk", "days": "30"})
    page = resp.get_data(as_text=True)
    token = re.search(r'data-testid="new-token-value">(lk_[^<]+)<', page).group(1)
    api = admin.app.test_client()
    assert api.get("/api/v1/compartments", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    token_id = max(t for t, _ in token_rows(runtime))
    assert token not in admin.get("/console/admin/tokens").get_data(as_text=True)
    resp = admin.submit("/console/admin/tokens", f"/console/admin/tokens/{token_id}/revoke", {})
    assert resp.status_code == 302
    assert api.get("/api/v1/compartments", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    bad = admin.submit("/console/admin/tokens", "/console/admin/tokens", {"account": "clerk", "days": "0"})
    assert bad.status_code == 400 and "từ 1 đến 3650" in bad.get_data(as_text=True)


def test_an_admin_disables_enables_and_resets_an_account(tmp_path):
    runtime = console_runtime(tmp_path)
    admin, clerk = signed_in(runtime, "admin"), signed_in(runtime, "clerk")
    assert admin.submit("/console/admin/accounts", "/console/admin/accounts/clerk/disable", {}).status_code == 302
    assert clerk.get("/console/").status_code == 302
    assert ConsoleBrowser(runtime).sign_in("clerk").status_code == 401
    own = admin.submit("/console/admin/accounts", "/console/admin/accounts/admin/disable", {})
    assert own.status_code == 302 and ConsoleBrowser(runtime).sign_in("admin").status_code == 302
    admin.submit("/console/admin/accounts", "/console/admin/accounts/clerk/enable", {})
    resp = admin.submit("/console/admin/accounts", "/console/admin/accounts/clerk/reset", {})
    password = re.search(r'data-testid="new-password-value">([^<]+)<', resp.get_data(as_text=True)).group(1)
    assert ConsoleBrowser(runtime).sign_in("clerk", password).status_code == 302
    assert [e["kind"] for e in events(runtime, "account_disabled") + events(runtime, "account_enabled")] == [
        "account_disabled", "account_enabled"]
    runtime.db.dispose()


# ---- the API: expired tokens, console sessions ----------------------------------------------------------

def test_an_expired_token_is_refused_with_a_clear_error(runtime):
    token = runtime.service.account_admin.create_token("clerk", days=1, actor="admin")
    with runtime.db.session() as s:
        row = s.execute(select(ApiToken).where(ApiToken.prefix == token[:8])).scalar_one()
        row.expires_at = row.created_at - timedelta(seconds=1)
    api = ConsoleBrowser(runtime).client
    resp = api.get("/api/v1/compartments?lang=en", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 401
    body = resp.get_json()
    assert body["error"] == "token_expired" and "expired at" in body["message"] and "administrator" in body["message"]


def test_a_console_page_may_call_the_api_with_its_session_and_csrf_token(runtime):
    clerk = signed_in(runtime, "clerk")
    assert clerk.get("/api/v1/compartments").status_code == 200
    assert clerk.client.post("/api/v1/collections", json={"compartment": "A01"}).status_code == 400  # no token
    token = csrf_token(clerk.get("/console/").get_data(as_text=True))
    resp = clerk.client.post("/api/v1/collections", json={"compartment": "Z99"}, headers={"X-CSRFToken": token})
    assert resp.status_code == 404  # past the guard: no such compartment
    clerk.sign_out()
    assert clerk.get("/api/v1/compartments").status_code == 401


# ---- badge and PIN at the kiosk ---------------------------------------------------------------------------

def test_a_badge_scanned_at_the_kiosk_and_its_pin_open_a_console_session(tmp_path):
    runtime = console_runtime(tmp_path)
    admin = runtime.service.account_admin
    admin.set_pin("clerk", "2468", actor="cli")
    runtime.service.handle_event(ScanRead(admin.badge("clerk", actor="cli")))  # read by the cabinet's scanner
    scan = runtime.service.kiosk_activity()["last_scan"]
    assert scan["ok"] and scan["badge"]["name"] == "clerk"
    browser = ConsoleBrowser(runtime)
    page = f"/login/badge/{scan['badge']['ticket']}"
    assert "Xin chào clerk" in browser.get(page).get_data(as_text=True)
    assert browser.submit(page, page, {"pin": "1111"}).status_code == 401
    resp = browser.submit(page, page, {"pin": "2468"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/console/"
    assert 'data-testid="who-name">clerk<' in browser.get("/console/").get_data(as_text=True)
    assert browser.get(page).status_code == 410  # used up
    assert [e["data"]["by"] for e in events(runtime, "signed_in")] == ["badge"]
    assert browser.sign_out().headers["Location"] == "/kiosk"  # back to the kiosk screen
    assert browser.get("/console/").status_code == 302
    runtime.db.dispose()


def test_the_kiosk_page_ends_a_badge_session_but_not_a_desk_session(tmp_path):
    runtime = console_runtime(tmp_path)
    admin = runtime.service.account_admin
    admin.set_pin("clerk", "2468", actor="cli")
    runtime.service.handle_event(ScanRead(admin.badge("clerk", actor="cli")))
    ticket = runtime.service.kiosk_activity()["last_scan"]["badge"]["ticket"]
    at_kiosk, at_desk = ConsoleBrowser(runtime), signed_in(runtime, "technician")
    at_kiosk.submit(f"/login/badge/{ticket}", f"/login/badge/{ticket}", {"pin": "2468"})
    assert at_kiosk.get("/console/").status_code == 200
    for browser in (at_kiosk, at_desk):
        assert browser.get("/").status_code == 200
    assert at_kiosk.get("/console/").status_code == 302
    assert at_desk.get("/console/").status_code == 200
    assert [e["data"]["why"] for e in events(runtime, "signed_out")] == ["kiosk"]
    runtime.db.dispose()


def test_a_badge_is_ignored_while_the_kiosk_shows_a_form_and_a_refused_one_says_so(tmp_path):
    runtime = console_runtime(tmp_path)
    admin = runtime.service.account_admin
    badge = admin.badge("clerk", actor="cli")
    runtime.service.set_kiosk_mode("scanner", "busy")
    runtime.service.handle_event(ScanRead(badge))
    assert runtime.service.kiosk_activity()["last_scan"] is None
    runtime.service.set_kiosk_mode("scanner", "idle")
    admin.reset("clerk", actor="admin")  # the printed badge is revoked
    runtime.service.handle_event(ScanRead(badge))
    kiosk = ConsoleBrowser(runtime).client.get("/api/v1/kiosk/activity").get_json()
    assert kiosk["last_scan"]["ok"] is False and kiosk["last_scan"]["error"] == "badge_refused"
    assert kiosk["last_scan"]["badge"] is None
    runtime.db.dispose()


def test_a_badge_session_left_alone_on_the_kiosk_screen_ends_sooner(tmp_path, monkeypatch):
    from types import SimpleNamespace

    import api.console.sessions as sessions

    runtime = console_runtime(tmp_path, console={"kiosk_idle_timeout_s": 30})
    now = [1_000_000.0]
    monkeypatch.setattr(sessions, "time", SimpleNamespace(time=lambda: now[0]))
    import api.console.signin as signin

    monkeypatch.setattr(signin, "time", SimpleNamespace(time=lambda: now[0]))
    admin = runtime.service.account_admin
    admin.set_pin("clerk", "2468", actor="cli")
    runtime.service.handle_event(ScanRead(admin.badge("clerk", actor="cli")))
    ticket = runtime.service.kiosk_activity()["last_scan"]["badge"]["ticket"]
    at_kiosk, at_desk = ConsoleBrowser(runtime), signed_in(runtime, "clerk")
    at_kiosk.submit(f"/login/badge/{ticket}", f"/login/badge/{ticket}", {"pin": "2468"})
    page = at_kiosk.get("/console/").get_data(as_text=True)
    assert 'data-kiosk-idle="30"' in page and "kiosk_idle.js" in page
    assert "data-kiosk-idle" not in at_desk.get("/console/").get_data(as_text=True)
    now[0] += 31
    assert at_kiosk.get("/console/").status_code == 302
    assert at_desk.get("/console/").status_code == 200
    runtime.db.dispose()
