"""Webhooks in the domain: the mapping from audit events, signing and the replay window,
the retry schedule and giving up (never before 24 hours), order per dossier, pausing,
folded alarms, secrets sealed at rest, URL and event checks."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from locker import audit
from locker.audit import AuditRecorder
from locker.config_webhooks import WebhooksConfig
from locker.db import Database
from locker.errors import InvalidInput, NotFound
from locker.models_webhooks import WebhookEvent, WebhookSubscription
from locker.webhooks import AUDIT_TO_WEBHOOK, EVENT_TYPES, WebhookOutbox, Webhooks
from locker.webhooks.signing import REPLAY_WINDOW_S, retry_delay, signed_headers, verify
from tests.domain_support import FakeClock
from tests.support.database import sqlite_url

SECRET = "receiver-secret-0123456789"


class Receiver:
    """Stands in for the HTTP POST: records what is sent, answers what it is told to."""

    def __init__(self) -> None:
        self.sent: list[dict] = []
        self.answer = 200
        self.down_for: set[str] = set()

    def __call__(self, url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> int:
        event = json.loads(body)
        self.sent.append({"url": url, "event": event, "headers": headers, "body": body})
        if event["data"].get("dossier_code") in self.down_for:
            return 503
        return self.answer

    def types(self) -> list[str]:
        return [s["event"]["type"] for s in self.sent]


@pytest.fixture
def world(tmp_path):
    db, clock = Database(sqlite_url(tmp_path, migrated=True)), FakeClock()
    recorder = AuditRecorder(clock=clock)
    hooks = Webhooks(db=db, secret=bytes(range(32)), clock=clock, audit=recorder)
    receiver = Receiver()
    outbox = WebhookOutbox(db=db, secret=bytes(range(32)), clock=clock, post=receiver,
                           config=WebhooksConfig(retry_base_s=10, retry_max_s=3600, give_up_hours=24))
    outbox.run_once()  # the cursor starts at the present
    yield db, clock, hooks, outbox, receiver
    db.dispose()


def happen(db, clock, kind: str, dossier: str | None = None, compartment: str | None = "A01", **data) -> None:
    with db.session() as s:
        audit.record(s, kind, actor="system", compartment=compartment, dossier_code=dossier, data=data, clock=clock)


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body_and_old_timestamps_are_refused():
    body = '{"id":"evt_1","type":"result.ready"}'.encode()
    headers = signed_headers(body, SECRET, timestamp=1767225600)
    expected = hmac.new(SECRET.encode(), b"1767225600." + body, hashlib.sha256).hexdigest()
    assert headers["X-Locker-Signature"] == "sha256=" + expected
    assert verify(body, SECRET, "1767225600", headers["X-Locker-Signature"], now=1767225600 + REPLAY_WINDOW_S)
    assert not verify(body, SECRET, "1767225600", headers["X-Locker-Signature"],
                      now=1767225600 + REPLAY_WINDOW_S + 1)
    assert not verify(body, "another-secret-0123456789", "1767225600", headers["X-Locker-Signature"], now=1767225600)
    assert not verify(body + b" ", SECRET, "1767225600", headers["X-Locker-Signature"], now=1767225600)
    assert not verify(body, SECRET, "1767225601", headers["X-Locker-Signature"], now=1767225600)


def test_the_retry_schedule_doubles_to_its_ceiling():
    assert [retry_delay(n, 10, 3600) for n in range(1, 11)] == [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600]


def test_every_mapped_type_is_a_published_event_type():
    assert {kind for kind, _ in AUDIT_TO_WEBHOOK.values()} | {"alarm.raised", "audit.head"} == set(EVENT_TYPES)
    assert set(EVENT_TYPES) >= {"dropoff.stored", "dropoff.collected", "result.ready", "pickup.collected",
                                "result.expiring", "result.expired", "result.returned", "alarm.raised"}


def test_a_delivery_is_signed_carries_no_phone_and_is_retried_with_back_off_for_a_day(world):
    db, clock, hooks, outbox, receiver = world
    made = hooks.create("https://one-stop.example/in", "*", SECRET, actor="admin")
    happen(db, clock, "dropoff_stored", "HS-1", dropoff=4, phone="0912345678")
    receiver.answer = 503
    outbox.run_once()
    [first] = receiver.sent
    assert first["event"]["type"] == "dropoff.stored" and "0912345678" not in first["body"].decode()
    seq = audit_kinds(db)[-1]["seq"]
    assert first["event"]["data"] == {"dossier_code": "HS-1", "compartment": "A01", "seq": seq, "dropoff": 4}
    assert verify(first["body"], SECRET, first["headers"]["X-Locker-Timestamp"],
                  first["headers"]["X-Locker-Signature"], now=clock.now().timestamp())
    waited, tries = 0.0, 1
    while hooks.deliveries(made["id"])[0]["status"] == "pending":
        clock.advance(retry_delay(tries, 10, 3600))
        waited += retry_delay(tries, 10, 3600)
        outbox.run_once()
        tries += 1
    [delivery] = hooks.deliveries(made["id"])
    assert delivery["status"] == "failed" and delivery["last_status"] == 503
    assert timedelta(hours=24) <= timedelta(seconds=waited) <= timedelta(hours=25)
    assert len(delivery["log"]) == delivery["attempts"] == len(receiver.sent) == tries
    assert {s["event"]["id"] for s in receiver.sent} == {first["event"]["id"]}


def test_a_later_event_of_a_dossier_waits_for_the_earlier_one_others_do_not(world):
    db, clock, hooks, outbox, receiver = world
    hooks.create("https://one-stop.example/in", "*", SECRET, actor="admin")
    receiver.down_for = {"HS-1"}
    happen(db, clock, "dropoff_stored", "HS-1")
    happen(db, clock, "result_ready", "KQ-2", compartment="A02")
    happen(db, clock, "dropoff_collected", "HS-1")
    outbox.run_once()
    assert receiver.types() == ["dropoff.stored", "result.ready"]
    clock.advance(10)
    outbox.run_once()
    assert receiver.types() == ["dropoff.stored", "result.ready", "dropoff.stored"]
    receiver.down_for = set()
    clock.advance(20)
    outbox.run_once()
    assert receiver.types()[-2:] == ["dropoff.stored", "dropoff.collected"]


def test_a_paused_subscription_keeps_its_deliveries_until_resumed(world):
    db, clock, hooks, outbox, receiver = world
    made = hooks.create("http://10.0.0.9/hook", ["result.ready"], SECRET, actor="admin")
    hooks.set_paused(made["id"], True, actor="admin")
    happen(db, clock, "result_ready", "KQ-1")
    happen(db, clock, "dropoff_stored", "HS-9")
    clock.advance(7 * 24 * 3600)
    outbox.run_once()
    assert receiver.sent == [] and hooks.get(made["id"])["deliveries"] == {"pending": 1}
    hooks.set_paused(made["id"], False, actor="admin")
    outbox.run_once()
    assert receiver.types() == ["result.ready"]
    assert [e["kind"] for e in audit_kinds(db) if e["kind"].startswith("webhook_")] == \
        ["webhook_created", "webhook_paused", "webhook_resumed"]


def test_an_alarm_is_announced_once_however_often_it_repeats(world):
    db, clock, hooks, outbox, receiver = world
    hooks.create("http://10.0.0.9/hook", ["alarm.raised"], SECRET, actor="admin")
    happen(db, clock, "door_forced", compartment="B01", alarm=True, alarm_kind="forced_open", alarm_id=3)
    happen(db, clock, "door_forced", compartment="B01", alarm=True, alarm_kind="forced_open", alarm_id=3)
    happen(db, clock, "tamper", compartment=None, alarm=True)
    outbox.run_once()
    assert [(s["event"]["data"]["kind"], s["event"]["data"].get("alarm_id")) for s in receiver.sent] == \
        [("forced_open", 3), ("tamper", None)]


def test_a_redelivery_sends_the_same_event_id_again_and_is_logged_as_manual(world):
    db, clock, hooks, outbox, receiver = world
    made = hooks.create("http://10.0.0.9/hook", "*", SECRET, actor="admin")
    happen(db, clock, "pickup_collected", "KQ-1", pickup=2, result=1)
    outbox.run_once()
    [delivery] = hooks.deliveries(made["id"])
    assert delivery["status"] == "delivered"
    assert hooks.redeliver(delivery["id"], actor="admin")["status"] == "pending"
    outbox.run_once()
    assert [s["event"]["id"] for s in receiver.sent] == [delivery["event_id"]] * 2
    assert [a["trigger"] for a in hooks.deliveries(made["id"])[0]["log"]] == ["auto", "manual"]
    with pytest.raises(NotFound):
        hooks.redeliver(999, actor="admin")


def test_the_secret_is_sealed_at_rest_and_shown_only_at_creation(world):
    db, clock, hooks, outbox, receiver = world
    made = hooks.create("http://10.0.0.9/hook", "*", None, actor="admin")
    assert len(made["secret"]) >= 32
    with db.session() as s:
        stored = s.execute(select(WebhookSubscription.secret)).scalar_one()
    assert made["secret"] not in stored
    assert "secret" not in hooks.get(made["id"]) and "secret" not in hooks.listing()[0]
    assert made["secret"] not in json.dumps([e["data"] for e in audit_kinds(db)])


@pytest.mark.parametrize("url", ["ftp://x.example/", "javascript:alert(1)", "http://", "https://u:p@x.example/",
                                 "http://x.example/ a", "http://x.example:99999/", "h" * 600, 7])
def test_bad_urls_are_refused_and_change_nothing(world, url):
    db, clock, hooks, outbox, receiver = world
    with pytest.raises(InvalidInput) as refused:
        hooks.create(url, "*", SECRET, actor="admin")
    assert refused.value.field == "url" and refused.value.message_vi != refused.value.message_en
    assert hooks.listing() == []


@pytest.mark.parametrize("events,secret,field", [([], SECRET, "events"), (["result.lost"], SECRET, "events"),
                                                 ("all", SECRET, "events"), ("*", "short", "secret")])
def test_bad_events_or_secrets_are_refused(world, events, secret, field):
    db, clock, hooks, outbox, receiver = world
    with pytest.raises(InvalidInput) as refused:
        hooks.create("http://10.0.0.9/hook", events, secret, actor="admin")
    assert refused.value.field == field and hooks.listing() == []


def test_deleting_a_subscription_drops_its_deliveries(world):
    db, clock, hooks, outbox, receiver = world
    made = hooks.create("http://10.0.0.9/hook", "*", SECRET, actor="admin")
    receiver.answer = 500
    happen(db, clock, "result_ready", "KQ-1")
    outbox.run_once()
    hooks.delete(made["id"], actor="admin")
    clock.advance(60)
    outbox.run_once()
    assert len(receiver.sent) == 1 and hooks.listing() == []
    with pytest.raises(NotFound):
        hooks.deliveries(made["id"])


def audit_kinds(db) -> list[dict]:
    with db.session() as s:
        return [audit.as_dict(e) for e in s.execute(select(audit.AuditEvent).order_by(audit.AuditEvent.seq)).scalars()]


def test_finished_deliveries_are_forgotten_after_keep_days_pending_ones_never(world):
    db, clock, hooks, outbox, receiver = world
    made = hooks.create("http://10.0.0.9/hook", "*", SECRET, actor="admin")
    happen(db, clock, "result_ready", "KQ-1")
    happen(db, clock, "dropoff_stored", "HS-2")
    receiver.down_for = {"HS-2"}
    outbox.run_once()
    clock.advance(29 * 24 * 3600)
    assert outbox.prune() == 0
    clock.advance(2 * 24 * 3600)
    assert outbox.prune() == 1
    assert hooks.totals() == {"pending": 1, "delivered": 0, "failed": 0}
    [left] = hooks.deliveries(made["id"])
    assert left["dossier_code"] == "HS-2" and left["status"] == "pending"
    with db.session() as s:
        assert [e.type for e in s.execute(select(WebhookEvent)).scalars()] == ["dropoff.stored"]
