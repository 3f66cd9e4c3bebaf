"""The SMS retry back-off: ``[notify.sms] retry_base_s`` / ``retry_max_s``, their checks,
their environment overrides, and the outbox worker the runtime builds from them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from api.runtime import Runtime
from locker.config import config_from_dict, load_config
from locker.db import Database
from locker.errors import ConfigError
from locker.models import OutboxMessage
from locker.notifiers import LogNotifier
from locker.outbox import OutboxWorker, enqueue_sms
from tests.domain_support import FakeClock
from tests.support.notifiers import FlakyNotifier

PHONE = "0912345678"


def sms_config(env: dict[str, str] | None = None, **sms: object):
    return config_from_dict({"notify": {"sms": sms}}, env=env or {})


# ---- configuration -------------------------------------------------------------------

def test_defaults_keep_the_former_back_off():
    sms = sms_config().sms
    assert (sms.retry_base_s, sms.retry_max_s) == (5.0, 600.0)


def test_the_file_sets_the_back_off_and_accepts_whole_numbers(tmp_path: Path):
    path = tmp_path / "locker.toml"
    path.write_text("[notify.sms]\nretry_base_s = 0.5\nretry_max_s = 30\n", encoding="utf-8")
    sms = load_config(path, env={}).sms
    assert (sms.retry_base_s, sms.retry_max_s) == (0.5, 30.0)
    assert isinstance(sms.retry_max_s, float)


def test_environment_overrides_the_file():
    env = {"LOCKER_NOTIFY_SMS_RETRY_BASE_S": "0.25", "LOCKER_NOTIFY_SMS_RETRY_MAX_S": "2"}
    sms = sms_config(env, retry_base_s=1, retry_max_s=10).sms
    assert (sms.retry_base_s, sms.retry_max_s) == (0.25, 2.0)


@pytest.mark.parametrize(("sms", "env", "key", "problem"), [
    ({"retry_base_s": 0}, {}, "notify.sms.retry_base_s", "greater than 0"),
    ({"retry_base_s": -1}, {}, "notify.sms.retry_base_s", "greater than 0"),
    ({"retry_max_s": 0}, {}, "notify.sms.retry_max_s", "greater than 0"),
    ({"retry_max_s": float("inf")}, {}, "notify.sms.retry_max_s", "finite"),
    ({"timeout_s": 0}, {}, "notify.sms.timeout_s", "greater than 0"),
    ({"retry_base_s": 10, "retry_max_s": 5}, {}, "notify.sms.retry_base_s", "not be greater than retry_max_s"),
    ({}, {"LOCKER_NOTIFY_SMS_RETRY_BASE_S": "700"}, "notify.sms.retry_base_s", "retry_max_s"),
    ({}, {"LOCKER_NOTIFY_SMS_RETRY_BASE_S": "nan"}, "notify.sms.retry_base_s", "greater than 0"),
    ({}, {"LOCKER_NOTIFY_SMS_RETRY_BASE_S": "soon"}, "notify.sms.retry_base_s", "must be a number"),
    ({"retry_max_s": True}, {}, "notify.sms.retry_max_s", "must be a number"),
    ({"retry_base": 1}, {}, "notify.sms.retry_base", "unknown key"),
])
def test_bad_values_name_the_key(sms, env, key, problem):
    with pytest.raises(ConfigError) as err:
        sms_config(env, **sms)
    assert err.value.key == key and problem in err.value.problem


def test_a_back_off_without_growth_is_allowed():
    sms = sms_config(retry_base_s=3, retry_max_s=3).sms
    assert sms.retry_base_s == sms.retry_max_s == 3.0


# ---- the runtime's outbox worker -------------------------------------------------------

@pytest.fixture
def runtime(tmp_path: Path):
    cfg = config_from_dict({
        "database": {"url": f"sqlite:///{tmp_path / 'locker.db'}"},
        "security": {"secret_file": str(tmp_path / "locker.secret")},
        "notify": {"sms": {"retry_base_s": 0.5, "retry_max_s": 3}},
    }, env={})
    rt = Runtime(cfg)
    rt.db.upgrade()
    yield rt
    rt.db.dispose()


def recorded_delay(db: Database, clock: FakeClock) -> float:
    with db.session() as s:
        msg = s.execute(select(OutboxMessage)).scalar_one()
        assert msg.status == "pending" and msg.last_error.endswith("gateway down")
        return (msg.next_attempt_at - clock.now()).total_seconds()


def test_runtime_worker_uses_the_configured_back_off(runtime):
    rt = runtime
    assert rt.outbox.backoff == (0.5, 3.0)
    clock, notifier = FakeClock(), FlakyNotifier(failures=5)
    worker = OutboxWorker(db=rt.db, notifier=notifier, secret=rt.secret, clock=clock, backoff=rt.outbox.backoff)
    with rt.db.session() as s:
        enqueue_sms(s, PHONE, "Mã nhận: 12345678", secret=rt.secret, clock=clock)
    delays = []
    for _ in range(5):
        assert worker.run_once() == 0
        delays.append(recorded_delay(rt.db, clock))
        assert worker.run_once() == 0  # not due before its delay
        clock.advance(delays[-1])
    assert delays == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert worker.run_once() == 1
    assert notifier.sent == [(PHONE, "Mã nhận: 12345678")]


def test_a_long_outage_keeps_the_longest_wait():
    db = Database("sqlite://")
    db.upgrade()
    clock = FakeClock()
    worker = OutboxWorker(db=db, notifier=FlakyNotifier(failures=2000), secret=bytes(32), clock=clock,
                          backoff=(0.5, 60.0))
    with db.session() as s:
        msg = enqueue_sms(s, PHONE, "Mã nhận: 12345678", secret=bytes(32), clock=clock)
        msg.attempts = 1500  # a week or more of a gateway down
    assert worker.run_once() == 0
    with db.session() as s:
        msg = s.execute(select(OutboxMessage)).scalar_one()
        assert msg.attempts == 1501
        assert (msg.next_attempt_at - clock.now()).total_seconds() == 60.0


def test_the_log_notifier_default_still_sends_at_once(tmp_path: Path):
    cfg = config_from_dict({
        "database": {"url": f"sqlite:///{tmp_path / 'locker.db'}"},
        "security": {"secret_file": str(tmp_path / "locker.secret")},
    }, env={})
    rt = Runtime(cfg)
    rt.db.upgrade()
    assert isinstance(rt.notifier, LogNotifier)
    with rt.db.session() as s:
        enqueue_sms(s, PHONE, "Mã nhận: 12345678", secret=rt.secret, clock=rt.clock)
    assert rt.outbox.run_once() == 1
    assert rt.notifier.sent == [(PHONE, "Mã nhận: 12345678")]
    assert rt.outbox.backoff == (5.0, 600.0)
    rt.db.dispose()
