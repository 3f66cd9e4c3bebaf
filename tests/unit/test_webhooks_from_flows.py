"""Webhook events from the domain's real flows (not hand-written audit events): a drop-off
stored and collected, a result ready and picked up, a result reminded, expired and
returned to the counter by a retrieval run, and an alarm; each dossier's events in the
order they happened, with no phone number in any payload."""

from __future__ import annotations

import json

import pytest

from locker.config_webhooks import WebhooksConfig
from locker.ports import Tick
from locker.webhooks import WebhookOutbox
from tests.domain_support import Harness, SECRET


class Receiver:
    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    def __call__(self, url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> int:
        self.bodies.append(body)
        return 200

    def by_dossier(self) -> dict[str | None, list[str]]:
        found: dict[str | None, list[str]] = {}
        for body in self.bodies:
            event = json.loads(body)
            found.setdefault(event["data"]["dossier_code"], []).append(event["type"])
        return found


@pytest.fixture
def h(migrated_db_url):
    harness = Harness(migrated_db_url, credential_ttl_days=2)
    yield harness
    harness.db.dispose()


def test_the_flows_become_webhook_events_in_order_per_dossier(h):
    receiver = Receiver()
    outbox = WebhookOutbox(db=h.db, secret=SECRET, clock=h.clock, post=receiver, config=WebhooksConfig())
    outbox.run_once()
    h.svc.webhooks.create("https://one-stop.example/in", "*", "a-secret-of-enough-length", actor="admin")

    dropped = h.dropoff("HS-D1")
    collection = h.svc.start_collection(dropped["compartment"], actor="clerk1")
    h.cycle(collection["compartment"])
    _, code, _ = h.result("KQ-P2")
    pickup = h.svc.start_pickup(dossier_code="KQ-P2", code=code, kiosk="k1")
    h.cycle(pickup["compartment"])
    h.result("KQ-E3")
    h.clock.advance(24 * 3600)
    h.svc.handle_event(Tick())
    h.clock.advance(24 * 3600 + 1)
    h.svc.handle_event(Tick())
    run = h.svc.runs.cabinet.start("retrieval", actor="clerk1")
    label = run["items"][0]["compartment"]
    h.released(label)
    h.svc.runs.cabinet.scan(run["id"], "KQ-E3", actor="clerk1")
    h.door(label, True)
    h.door(label, False)
    h.svc.runs.cabinet.close(run["id"], actor="clerk1")
    h.door("C01", True)  # forced open
    outbox.run_once()

    events = receiver.by_dossier()
    assert events["HS-D1"] == ["dropoff.stored", "dropoff.collected"]
    assert events["KQ-P2"] == ["result.ready", "pickup.collected"]
    assert events["KQ-E3"] == ["result.ready", "result.expiring", "result.expired", "result.returned"]
    assert "alarm.raised" in events[None]
    assert not any(b"0912345678" in body or b"0987654321" in body for body in receiver.bodies)
