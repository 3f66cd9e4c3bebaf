"""Accounts: lock-out, password change, badge and PIN, expiring tokens (domain, SQLite in memory)."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from sqlalchemy import select

from locker import badges
from locker.account_admin import AccountAdmin
from locker.accounts import account_for_token, create_account, create_token, role_allows
from locker.alarms import Alarms
from locker.audit import AuditRecorder, as_dict
from locker.config_console import ConsoleConfig
from locker.db import Database
from locker.errors import AccountLocked, BadgeExpired, BadPin, InvalidInput, SignInFailed, TokenExpired
from locker.models import AuditEvent, ApiToken
from locker.signin import BADGE_TICKET_S, SignIns
from tests.domain_support import FakeClock

SECRET = bytes(range(32))
WHERE = "10.0.0.9"


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture(scope="module")
def accounts_file(tmp_path_factory):
    """A database with the four accounts, made once (argon2 is slow on purpose) and copied for each test."""
    path = tmp_path_factory.mktemp("accounts") / "locker.db"
    database = Database(f"sqlite:///{path}")
    database.upgrade()
    with database.session() as s:
        for name, role in (("lan", "clerk"), ("minh", "technician"), ("ha", "admin"), ("motcua", "system")):
            create_account(s, name, role, f"{name}-password")
    database.dispose()
    return path


@pytest.fixture
def db(accounts_file, tmp_path):
    copy = tmp_path / "locker.db"
    shutil.copyfile(accounts_file, copy)
    database = Database(f"sqlite:///{copy}")
    yield database
    database.dispose()


@pytest.fixture
def desk(db, clock):
    audit = AuditRecorder(clock=clock)
    return SignIns(db=db, clock=clock, audit=audit, alarms=Alarms(db=db, audit=audit, clock=clock),
                   console=ConsoleConfig(login_failure_limit=3, lockout_min=10), secret=SECRET)


@pytest.fixture
def admin(db, clock):
    return AccountAdmin(db=db, audit=AuditRecorder(clock=clock), secret=SECRET)


def events(db, kind):
    with db.session() as s:
        return [as_dict(e) for e in s.execute(select(AuditEvent).where(AuditEvent.kind == kind)).scalars()]


# ---- lock-out -----------------------------------------------------------------------------------

def test_three_wrong_passwords_lock_the_account_and_say_until_when(desk, db, clock):
    for _ in range(2):
        with pytest.raises(SignInFailed):
            desk.with_password("lan", "nope-nope", where=WHERE)
    with pytest.raises(AccountLocked) as locked:
        desk.with_password("lan", "nope-nope", where=WHERE)
    assert locked.value.retry_after == 10 * 60
    # 08:00 UTC is 15:00 in Vietnam
    assert "thử lại sau 10 phút (lúc 15:10)" in locked.value.message("vi")
    assert "try again in 10 minutes (at 15:10)" in locked.value.message("en")
    [alarm] = events(db, "account_locked")
    assert alarm["actor"] == "lan" and alarm["data"]["alarm"] is True and alarm["data"]["failures"] == 3


def test_a_locked_account_refuses_even_the_right_password_until_the_time_is_up(desk, clock):
    for _ in range(3):
        with pytest.raises((SignInFailed, AccountLocked)):
            desk.with_password("lan", "wrong-one", where=WHERE)
    clock.advance(9 * 60)
    with pytest.raises(AccountLocked) as locked:
        desk.with_password("lan", "lan-password", where=WHERE)
    assert locked.value.retry_after == 60
    clock.advance(60)
    assert desk.with_password("lan", "lan-password", where=WHERE).name == "lan"


def test_a_success_starts_the_count_again(desk):
    for _ in range(2):
        with pytest.raises(SignInFailed):
            desk.with_password("lan", "wrong-one", where=WHERE)
    desk.with_password("lan", "lan-password", where=WHERE)
    for _ in range(2):
        with pytest.raises(SignInFailed):
            desk.with_password("lan", "wrong-one", where=WHERE)
    assert desk.with_password("lan", "lan-password", where=WHERE).name == "lan"


def test_unknown_disabled_and_system_accounts_get_the_same_answer_and_lock_nothing(desk, admin, db):
    admin.set_disabled("minh", True, actor="cli")
    for name, password in (("nobody", "x" * 10), ("minh", "minh-password"), ("motcua", "motcua-password")):
        for _ in range(4):
            with pytest.raises(SignInFailed):
                desk.with_password(name, password, where=WHERE)
    assert events(db, "account_locked") == []
    assert {e["actor"] for e in events(db, "sign_in_failed")} == {"unknown:nobody", "unknown:minh", "unknown:motcua"}


# ---- password change and sessions -----------------------------------------------------------------

def test_a_password_change_needs_the_current_one_and_ends_other_sessions(desk):
    lan = desk.with_password("lan", "lan-password", where=WHERE)
    with pytest.raises(SignInFailed):
        desk.change_password(lan, "not-current", "a-new-password", where=WHERE)
    with pytest.raises(InvalidInput):
        desk.change_password(lan, "lan-password", "short", where=WHERE)
    with pytest.raises(InvalidInput):
        desk.change_password(lan, "lan-password", "lan-password", where=WHERE)
    assert desk.operator(lan.id, lan.stamp) == lan
    changed = desk.change_password(lan, "lan-password", "a-new-password", where=WHERE)
    assert desk.operator(lan.id, lan.stamp) is None
    assert desk.operator(changed.id, changed.stamp) == changed
    assert desk.with_password("lan", "a-new-password", where=WHERE).name == "lan"


def test_disabling_an_account_ends_its_sessions_and_reset_gives_a_new_password(desk, admin, db):
    lan = desk.with_password("lan", "lan-password", where=WHERE)
    admin.set_disabled("lan", True, actor="ha")
    assert desk.operator(lan.id, lan.stamp) is None
    admin.set_disabled("lan", False, actor="ha")
    new = admin.reset("lan", actor="ha")
    assert len(new) >= 12 and desk.operator(lan.id, lan.stamp) is None
    assert desk.with_password("lan", new, where=WHERE).name == "lan"
    assert [e["actor"] for e in events(db, "password_reset")] == ["ha"]


# ---- badge and PIN -------------------------------------------------------------------------------

def badge_with_pin(admin, name="lan", pin="2468"):
    admin.set_pin(name, pin, actor="cli")
    return admin.badge(name, actor="cli")


def test_a_badge_and_its_pin_sign_the_clerk_in(desk, admin):
    scan = desk.badge_scanned(badge_with_pin(admin), where="scanner")
    assert scan["ok"] and scan["name"] == "lan"
    assert desk.badge_holder(scan["ticket"]) == "lan"
    with pytest.raises(BadPin):
        desk.with_badge(scan["ticket"], "1357", where="scanner")
    assert desk.with_badge(scan["ticket"], "2468", where="scanner").name == "lan"
    with pytest.raises(BadgeExpired):  # a ticket signs in once
        desk.with_badge(scan["ticket"], "2468", where="scanner")


def test_a_ticket_waits_two_minutes_for_its_pin(desk, admin, clock):
    scan = desk.badge_scanned(badge_with_pin(admin), where="scanner")
    clock.advance(BADGE_TICKET_S + 1)
    assert desk.badge_holder(scan["ticket"]) is None
    with pytest.raises(BadgeExpired):
        desk.with_badge(scan["ticket"], "2468", where="scanner")


def test_wrong_pins_lock_the_badge_but_not_the_password(desk, admin):
    scan = desk.badge_scanned(badge_with_pin(admin), where="scanner")
    for _ in range(2):
        with pytest.raises(BadPin):
            desk.with_badge(scan["ticket"], "0000", where="scanner")
    with pytest.raises(AccountLocked) as locked:
        desk.with_badge(scan["ticket"], "0000", where="scanner")
    assert "PIN" in locked.value.message("en")
    with pytest.raises(AccountLocked):
        desk.with_badge(scan["ticket"], "2468", where="scanner")
    assert desk.with_password("lan", "lan-password", where=WHERE).name == "lan"


def test_forged_reset_and_unfit_badges_are_refused(desk, admin, db):
    badge = badge_with_pin(admin)
    forged = badges.badge_token(bytes(32), 1, badge.split(".")[2])
    assert desk.badge_scanned(forged, where="scanner") == {"ok": False, "error": "badge_refused"}
    admin.reset("lan", actor="cli")
    assert desk.badge_scanned(badge, where="scanner")["ok"] is False
    fresh = admin.badge("lan", actor="cli")
    assert fresh != badge and desk.badge_scanned(fresh, where="scanner")["ok"] is True
    system_badge = admin.badge("motcua", actor="cli")
    assert desk.badge_scanned(system_badge, where="scanner")["ok"] is False
    assert [e["data"]["ok"] for e in events(db, "badge_scanned")] == [False, False, True, False]


def test_a_badge_without_a_pin_signs_nobody_in(desk, admin):
    scan = desk.badge_scanned(admin.badge("lan", actor="cli"), where="scanner")
    with pytest.raises(BadPin):
        desk.with_badge(scan["ticket"], "0000", where="scanner")


def test_pins_are_four_to_eight_digits(admin):
    for pin in ("123", "123456789", "12a4", "", None, 1234):
        with pytest.raises(InvalidInput):
            admin.set_pin("lan", pin, actor="cli")


# ---- tokens --------------------------------------------------------------------------------------

def test_a_token_works_until_its_expiry_and_then_says_so(db, clock):
    with db.session() as s:
        token = create_token(s, "lan", days=2, now=clock.now())
    with db.session() as s:
        assert account_for_token(s, token, now=clock.now() + timedelta(days=2, seconds=-1)).name == "lan"
    with db.session() as s, pytest.raises(TokenExpired) as expired:
        account_for_token(s, token, now=clock.now() + timedelta(days=2))
    assert expired.value.status == 401 and expired.value.code == "token_expired"
    assert "2025-03-03 08:00 UTC" in expired.value.message("en") and "hết hạn" in expired.value.message("vi")


def test_a_token_notes_its_use_at_most_once_a_minute(db, clock):
    with db.session() as s:
        token = create_token(s, "lan", now=clock.now())

    def last_used():
        with db.session() as s:
            return s.execute(select(ApiToken.last_used_at)).scalar_one()

    for seconds, expected in ((0, 0), (30, 0), (59, 0), (60, 60), (90, 60), (125, 125)):
        with db.session() as s:
            account_for_token(s, token, now=clock.now() + timedelta(seconds=seconds))
        assert last_used() == clock.now() + timedelta(seconds=expected), seconds


def test_token_days_are_checked(db):
    for days in (0, -1, 3651, True, "7"):
        with db.session() as s, pytest.raises(InvalidInput):
            create_token(s, "lan", days=days)


def test_revoked_tokens_and_tokens_of_disabled_accounts_stop_working(db, admin):
    token = admin.create_token("lan", days=5, actor="ha")
    other = admin.create_token("minh", days=5, actor="ha")
    [first, _] = admin.list_tokens()
    admin.revoke_token(first["id"], actor="ha")
    admin.set_disabled("minh", True, actor="ha")
    with db.session() as s:
        assert account_for_token(s, token) is None and account_for_token(s, other) is None
    assert [t["state"] for t in admin.list_tokens()] == ["revoked", "active"]
    assert [e["actor"] for e in events(db, "token_revoked")] == ["ha"]


def test_roles_rise_and_system_stands_apart():
    table = {(role, need): role_allows(role, need) for role in ("clerk", "technician", "admin", "system")
             for need in ("clerk", "technician", "admin", "system")}
    assert [need for (role, need), ok in table.items() if ok and role == "clerk"] == ["clerk"]
    assert [need for (role, need), ok in table.items() if ok and role == "technician"] == ["clerk", "technician"]
    assert [need for (role, need), ok in table.items() if ok and role == "admin"] == ["clerk", "technician", "admin",
                                                                                       "system"]
    assert [need for (role, need), ok in table.items() if ok and role == "system"] == ["system"]
