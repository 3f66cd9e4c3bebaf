"""Signing in to the operators' console in Debian's Chromium, against ``locker sim`` and
``locker serve`` as separate processes: each role, a wrong password, the lock-out, a
password change, a refusal, the language toggle, and a clerk's badge and PIN at the kiosk.

With ``LOCKER_SCREENSHOTS=docs/console`` the main pages are saved there at 1366x768.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.browser.signin_support import CONSOLE_SCREEN, console_cabinet, sign_in
from tests.browser.conftest import CHROMIUM_ARGS, KIOSK_SCREEN, show_kiosk

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

SHOTS = os.environ.get("LOCKER_SCREENSHOTS")


@pytest.fixture(scope="module")
def cab(tmp_path_factory):
    with console_cabinet(tmp_path_factory.mktemp("console")) as cabinet:
        yield cabinet


@pytest.fixture(scope="module")
def chromium(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport=CONSOLE_SCREEN, locale="en-US")  # the console is Vietnamese anyway
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def expect():
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def shoot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


@pytest.mark.parametrize("name,role", [("clerk1", "Cán bộ tiếp nhận"), ("tech1", "Kỹ thuật viên"),
                                       ("admin1", "Quản trị viên")])
def test_each_role_signs_in_sees_its_name_and_role_and_signs_out(cab, page, expect, name, role):
    page.goto(cab.api + "/console/")
    expect(page).to_have_url(re.compile(r"/login\?next=/console/"))
    if name == "clerk1":
        shoot(page, "login")
    sign_in(page, cab.api, name)
    expect(page).to_have_url(cab.api + "/console/")
    expect(page.get_by_test_id("who-name")).to_have_text(name)
    expect(page.get_by_test_id("who-role")).to_have_text(role)
    if name == "admin1":
        expect(page.get_by_test_id("nav")).to_contain_text("Mã truy cập API")
        shoot(page, "home-admin")
    else:
        expect(page.get_by_test_id("nav")).not_to_contain_text("Mã truy cập API")
    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("flash-info")).to_have_text("Bạn đã đăng xuất.")
    page.goto(cab.api + "/console/")
    expect(page).to_have_url(re.compile(r"/login"))


def test_a_wrong_password_then_the_lock_out_message(cab, page, expect):
    result = cab.locker("user", "add", "lockme", "--role", "clerk", "--password-stdin", stdin="lockme-pass\n")
    assert result.returncode == 0, result.stderr
    sign_in(page, cab.api, "lockme", "not-it-at-all")
    expect(page.get_by_test_id("flash-error")).to_have_text("Tên tài khoản hoặc mật khẩu không đúng.")
    for _ in range(4):  # [console] login_failure_limit = 5 by default
        sign_in(page, cab.api, "lockme", "not-it-at-all")
    expect(page.get_by_test_id("flash-error")).to_contain_text("Tài khoản tạm khóa vì nhập sai mật khẩu nhiều lần")
    expect(page.get_by_test_id("flash-error")).to_contain_text("thử lại sau 15 phút")
    sign_in(page, cab.api, "lockme", "lockme-pass")
    expect(page.get_by_test_id("flash-error")).to_contain_text("Tài khoản tạm khóa")
    shoot(page, "login-locked")
    listing = cab.locker("user", "list").stdout
    assert re.search(r"lockme\s+clerk\s+locked until", listing), listing


def test_a_password_change_then_a_sign_in_with_the_new_one(cab, page, expect):
    result = cab.locker("user", "add", "changer", "--role", "clerk", "--password-stdin", stdin="changer-pass\n")
    assert result.returncode == 0, result.stderr
    sign_in(page, cab.api, "changer", "changer-pass")
    page.get_by_test_id("password-link").click()
    page.locator("#current").fill("changer-pass")
    page.locator("#new").fill("a-whole-new-pass")
    page.locator("#confirm").fill("a-whole-new-pass")
    shoot(page, "password")
    page.get_by_test_id("change-password").click()
    expect(page.get_by_test_id("flash-success")).to_contain_text("Đã đổi mật khẩu")
    page.get_by_test_id("sign-out").click()
    sign_in(page, cab.api, "changer", "changer-pass")
    expect(page.get_by_test_id("flash-error")).to_be_visible()
    sign_in(page, cab.api, "changer", "a-whole-new-pass")
    expect(page.get_by_test_id("who-name")).to_have_text("changer")


def test_a_clerk_is_refused_the_administrators_pages(cab, page, expect):
    sign_in(page, cab.api, "clerk1")
    for path in ("/console/admin/tokens", "/console/admin/accounts"):
        response = page.goto(cab.api + path)
        assert response.status == 403
        expect(page.get_by_test_id("refusal")).to_contain_text("không được làm việc này")


def test_an_admin_makes_an_expiring_token_and_revokes_it_in_english(cab, page, expect):
    sign_in(page, cab.api, "admin1")
    page.get_by_test_id("lang-toggle").click()
    expect(page.get_by_test_id("sign-out")).to_have_text("Sign out")
    page.get_by_role("link", name="API tokens").first.click()
    page.locator("#account").select_option("clerk1")
    page.locator("#days").fill("7")
    page.get_by_test_id("create-token").click()
    token = page.get_by_test_id("new-token-value").inner_text()
    assert token.startswith("lk_")
    shoot(page, "tokens")
    import requests

    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(cab.api + "/api/v1/compartments", headers=headers, timeout=10).status_code == 200
    row = page.locator("tr", has_text=token[:8])
    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_test_id("flash-success")).to_contain_text("is revoked")
    assert requests.get(cab.api + "/api/v1/compartments", headers=headers, timeout=10).status_code == 401


def test_a_clerk_signs_in_at_the_kiosk_with_a_badge_and_pin(cab, chromium, expect, tmp_path):
    assert cab.locker("user", "pin", "clerk1", "--pin-stdin", stdin="2468\n").returncode == 0
    badge = cab.locker("user", "badge", "clerk1", "--png", str(tmp_path / "badge.png"), "--show-text")
    assert badge.returncode == 0, badge.stderr
    text = badge.stdout.strip().splitlines()[-1]
    assert text.startswith("LKB1.") and (tmp_path / "badge.png").stat().st_size > 0
    context = chromium.new_context(viewport=KIOSK_SCREEN, has_touch=True, locale="vi-VN")
    kiosk = context.new_page()
    kiosk.set_default_timeout(10_000)
    try:
        show_kiosk(kiosk, cab.api + "/")
        cab.sim_post("/sim/scan", {"data": text})
        kiosk.wait_for_url(re.compile(r"/login/badge/"))
        expect(kiosk.get_by_text("Xin chào clerk1. Hãy nhập mã PIN.")).to_be_visible()
        for digit in "1111":
            kiosk.locator(f'[data-key="{digit}"]').tap()
        kiosk.locator('[data-key="OK"]').tap()
        expect(kiosk.get_by_test_id("flash-error")).to_have_text("Mã PIN không đúng.")
        for digit in "2468":
            kiosk.locator(f'[data-key="{digit}"]').tap()
        if SHOTS:
            kiosk.set_viewport_size(CONSOLE_SCREEN)
            shoot(kiosk, "badge-pin")
        kiosk.locator('[data-key="OK"]').tap()
        expect(kiosk).to_have_url(cab.api + "/console/")
        expect(kiosk.get_by_test_id("who-name")).to_have_text("clerk1")
        kiosk.get_by_test_id("sign-out").tap()
        kiosk.get_by_test_id("btn-dropoff").wait_for(state="visible")  # the kiosk's home screen again
        kiosk.goto(cab.api + "/console/")
        expect(kiosk).to_have_url(re.compile(r"/login"))
    finally:
        context.close()


def test_the_accounts_locker_demo_prints_sign_in_to_its_console(kiosk_demo):
    import requests

    printed = re.findall(r"^\s{2}(clerk|technician|admin)\s+(\S+)\s+lk_\S+$", kiosk_demo.process.output(), re.MULTILINE)
    assert [name for name, _ in printed] == ["clerk", "technician", "admin"], kiosk_demo.process.output()
    assert f"{kiosk_demo.url}/console/" in kiosk_demo.process.output()
    for name, password in printed:
        with requests.Session() as browser:
            form = browser.get(kiosk_demo.url + "/login", timeout=10).text
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
            signed_in = browser.post(kiosk_demo.url + "/login", timeout=10,
                                     data={"name": name, "password": password, "csrf_token": token})
            assert signed_in.url == kiosk_demo.url + "/console/", (name, signed_in.status_code)
            assert f'data-testid="who-name">{name}<' in signed_in.text
