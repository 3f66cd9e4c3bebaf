"""Signing in to the console through the Flask test client: CSRF, redirects, sessions, language."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.support.console import ConsoleBrowser, console_runtime


@pytest.fixture
def browser(tmp_path):
    runtime = console_runtime(tmp_path)
    yield ConsoleBrowser(runtime)
    runtime.db.dispose()


def events(browser, kind):
    from locker.audit import as_dict
    from locker.models import AuditEvent
    from sqlalchemy import select

    with browser.runtime.db.session() as s:
        return [as_dict(e) for e in s.execute(select(AuditEvent).where(AuditEvent.kind == kind)).scalars()]


def test_the_console_sends_a_signed_out_visitor_to_the_sign_in_page(browser):
    resp = browser.get("/console/")
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/login?next=/console/"


def test_each_role_signs_in_and_sees_its_name_and_role(browser):
    for role, label in (("clerk", "Cán bộ tiếp nhận"), ("technician", "Kỹ thuật viên"), ("admin", "Quản trị viên")):
        b = ConsoleBrowser(browser.runtime)
        resp = b.sign_in(role)
        assert resp.status_code == 302 and resp.headers["Location"] == "/console/"
        page = b.get("/console/").get_data(as_text=True)
        assert f'data-testid="who-name">{role}<' in page
        assert label in page
    assert [e["actor"] for e in events(browser, "signed_in")] == ["clerk", "technician", "admin"]


def test_a_sign_in_without_its_csrf_token_is_refused_and_signs_nobody_in(browser):
    resp = browser.client.post("/login", data={"name": "clerk", "password": "clerk-pass"})
    assert resp.status_code == 400
    assert "Biểu mẫu đã hết hạn" in resp.get_data(as_text=True)
    assert browser.get("/console/").status_code == 302
    assert events(browser, "signed_in") == []


def test_a_wrong_password_is_refused_in_both_languages_and_audited(browser):
    resp = browser.sign_in("clerk", "not-the-password")
    assert resp.status_code == 401
    assert "Tên tài khoản hoặc mật khẩu không đúng." in resp.get_data(as_text=True)
    browser.get("/console/lang/en?next=/login")
    resp = browser.sign_in("clerk", "still-wrong")
    assert "The account name or password is wrong." in resp.get_data(as_text=True)
    assert [(e["actor"], e["data"]["failures"]) for e in events(browser, "sign_in_failed")] == [("clerk", 1), ("clerk", 2)]
    assert browser.get("/console/").status_code == 302


def test_sign_in_returns_to_the_page_asked_for_but_never_to_another_site(browser):
    assert browser.sign_in("clerk", next_page="/console/?x=1").headers["Location"] == "/console/?x=1"
    other = ConsoleBrowser(browser.runtime)
    assert other.sign_in("clerk", next_page="//evil.example/console").headers["Location"] == "/console/"


def test_sign_out_needs_its_csrf_token_and_ends_the_session(browser):
    browser.sign_in("clerk")
    assert browser.client.post("/logout").status_code == 400
    assert browser.get("/console/").status_code == 200
    resp = browser.sign_out()
    assert resp.status_code == 302 and resp.headers["Location"] == "/login"
    assert browser.get("/console/").status_code == 302
    assert [e["data"]["why"] for e in events(browser, "signed_out")] == ["sign_out"]


def test_the_session_cookie_is_httponly_and_samesite_lax_and_secure_over_tls(browser):
    cookie = browser.sign_in("clerk").headers.getlist("Set-Cookie")[-1]
    assert "locker_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    tls = ConsoleBrowser(browser.runtime)
    token_page = tls.client.get("/login", base_url="https://localhost").get_data(as_text=True)
    from tests.support.console import csrf_token

    resp = tls.client.post("/login", base_url="https://localhost",
                           data={"name": "clerk", "password": "clerk-pass", "csrf_token": csrf_token(token_page)})
    assert resp.status_code == 302
    assert "Secure" in [c for c in resp.headers.getlist("Set-Cookie") if c.startswith("locker_session=")][0]


def test_the_console_speaks_vietnamese_until_the_toggle_says_english(browser):
    browser.sign_in("clerk")
    page = browser.get("/console/", headers={"Accept-Language": "en-US,en"}).get_data(as_text=True)
    assert "Đăng xuất" in page and 'lang="vi"' in page
    resp = browser.get("/console/lang/en?next=/console/")
    assert resp.headers["Location"] == "/console/"
    page = browser.get("/console/").get_data(as_text=True)
    assert "Sign out" in page and 'lang="en"' in page
    browser.get("/console/lang/vi?next=https://evil.example/")
    assert "Đăng xuất" in browser.get("/console/").get_data(as_text=True)


def test_an_idle_session_is_signed_out(tmp_path, monkeypatch):
    import api.console.sessions as sessions

    runtime = console_runtime(tmp_path, console={"idle_timeout_min": 1})
    browser = ConsoleBrowser(runtime)
    now = [1_000_000.0]
    monkeypatch.setattr(sessions, "time", SimpleNamespace(time=lambda: now[0]))
    browser.sign_in("clerk")
    now[0] += 59
    assert browser.get("/console/").status_code == 200
    now[0] += 59  # 59 s after the last use: still in
    assert browser.get("/console/").status_code == 200
    now[0] += 61
    resp = browser.get("/console/")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")
    assert "không thao tác" in browser.get("/login").get_data(as_text=True)
    assert browser.get("/console/").status_code == 302
    runtime.db.dispose()


def test_errors_on_console_pages_are_pages_and_the_api_keeps_json(browser):
    browser.sign_in("clerk")
    resp = browser.get("/console/no-such-page")
    assert resp.status_code == 404 and resp.mimetype == "text/html"
    assert "Không tìm thấy địa chỉ này." in resp.get_data(as_text=True)
    assert 'data-testid="who-name">clerk<' in resp.get_data(as_text=True)
    api = browser.get("/api/v1/nothing")
    assert api.status_code == 404 and api.get_json()["error"] == "not_found"
    assert browser.client.delete("/console/").status_code == 405
