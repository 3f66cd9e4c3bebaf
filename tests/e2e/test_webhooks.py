"""Webhooks across processes: ``locker serve`` delivers to a real local receiver that
checks every signature and processes each event id once. The receiver is down while a
drop-off, a result and its pickup, and a collection happen; when it is back nothing is
lost, each dossier's events arrive in order, and a retried or redelivered event is
recognised by its id. A door forced open arrives as ``alarm.raised``. At shutdown the audit head is exported, signed, and
``locker audit verify --against`` finds it on the chain, until the database's owner
rewrites the chain (triggers dropped, hashes recomputed): then only ``--against`` fails."""

from __future__ import annotations

import json
import re

import pytest
import requests

from locker import accounts
from locker.db import Database
from tests.domain_support import rewrite_and_recompute
from tests.e2e.conftest import running_cabinet
from tests.support.net import wait_for
from tests.support.processes import run_locker
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.e2e

SECRET = "e2e-webhook-secret-0123456789"
WEBHOOKS = "\n[webhooks]\nretry_base_s = 0.2\nretry_max_s = 1.0\npoll_s = 0.2\n"
PHONE = "0912345678"


@pytest.fixture(scope="module")
def cabinet(tmp_path_factory):
    from tests.support.sms_gateway import SmsGateway

    tmp_path, sms = tmp_path_factory.mktemp("hooks"), SmsGateway()
    try:
        with running_cabinet(tmp_path, f"sqlite:///{tmp_path / 'locker.db'}", sms, extra=WEBHOOKS) as cab:
            database = Database(f"sqlite:///{tmp_path / 'locker.db'}")  # an admin, without two more processes
            with database.session() as s:
                accounts.create_account(s, "admin1", "admin", "adm1n-pass")
                cab.admin = {"Authorization": f"Bearer {accounts.create_token(s, 'admin1')}"}
            database.dispose()
            yield cab
    finally:
        sms.close()


def door_cycle(cab, label: str, *, item: bool) -> None:
    """The door opens; the person puts the papers in (``item``) or takes them out, and closes it."""
    cab.wait_door(label, "open")
    cab.close_door(label, item=item)


def flows_for_two_dossiers(cab) -> None:
    """HS-W1 dropped off then collected by a clerk; KQ-W2 loaded then picked up."""
    drop = cab.post("/api/v1/dropoffs", {"dossier_code": "HS-W1", "phone": PHONE, "size": "S"}).json()
    door_cycle(cab, drop["compartment"], item=True)
    cab.wait_status(f"/api/v1/dropoffs/{drop['id']}", "stored")
    result = cab.post("/api/v1/results", {"dossier_code": "KQ-W2", "phone": PHONE, "size": "S"}, clerk=True).json()
    door_cycle(cab, result["compartment"], item=True)
    cab.wait_status(f"/api/v1/results/{result['id']}", "ready", clerk=True)
    text = wait_for(lambda: [m["text"] for m in cab.sms.messages if "KQ-W2" in m["text"]], message="code SMS")[-1]
    code = re.search(r"(?<!\d)\d{8}(?!\d)", text).group(0)
    pickup = cab.post("/api/v1/pickups", {"dossier_code": "KQ-W2", "code": code}).json()
    door_cycle(cab, pickup["compartment"], item=False)
    cab.wait_status(f"/api/v1/pickups/{pickup['id']}", "collected")
    coll = cab.post("/api/v1/collections", {"compartment": drop["compartment"]}, clerk=True).json()
    door_cycle(cab, drop["compartment"], item=False)
    cab.wait_status(f"/api/v1/collections/{coll['id']}", "collected", clerk=True)


def admin_get(cab, path: str) -> requests.Response:
    return requests.get(cab.api + path, headers=cab.admin, timeout=10)


def log_of(cab, hook_id: int) -> list[dict]:
    response = admin_get(cab, f"/api/v1/webhooks/{hook_id}/deliveries?limit=200")
    assert response.status_code == 200, response.text
    return response.json()


def test_a_receiver_that_was_down_loses_nothing_and_gets_each_dossier_in_order(cabinet):
    receiver = WebhookReceiver(SECRET)
    try:
        made = requests.post(cabinet.api + "/api/v1/webhooks", headers=cabinet.admin, timeout=10,
                             json={"url": receiver.url, "events": "*", "secret": SECRET})
        assert made.status_code == 201, made.text
        hook = made.json()
        assert hook["secret"] == SECRET and "secret" not in admin_get(cabinet, "/api/v1/webhooks").json()[0]
        clerk_refused = requests.get(cabinet.api + "/api/v1/webhooks", headers=cabinet.clerk, timeout=10)
        assert clerk_refused.status_code == 403

        receiver.down()
        flows_for_two_dossiers(cabinet)
        tried = wait_for(lambda: [d for d in log_of(cabinet, hook["id"]) if d["attempts"] >= 2], timeout=20,
                         message="retries")
        assert all(d["status"] == "pending" and d["log"][0]["status_code"] is None and d["log"][0]["error"]
                   for d in tried)
        assert receiver.events == []

        receiver.fail_after_processing = 1  # the first one back is processed, but the answer is lost
        receiver.up()
        wanted = ["dropoff.stored", "result.ready", "pickup.collected", "dropoff.collected"]
        wait_for(lambda: all(receiver.of_type(t) for t in wanted), timeout=20, message="every event delivered")
        wait_for(lambda: all(d["status"] == "delivered" for d in log_of(cabinet, hook["id"])), timeout=20,
                 message="delivered")

        by_dossier = {}
        for event in receiver.events:
            by_dossier.setdefault(event["data"]["dossier_code"], []).append(event["type"])
        assert by_dossier["HS-W1"] == ["dropoff.stored", "dropoff.collected"]
        assert by_dossier["KQ-W2"] == ["result.ready", "pickup.collected"]
        assert len(receiver.duplicates) == 1 and receiver.rejected == 0
        for event in receiver.events:
            assert PHONE not in json.dumps(event) and PHONE[1:] not in json.dumps(event)
            assert set(event) == {"id", "type", "time", "data"} and event["id"].startswith("evt_")
            assert event["data"]["compartment"]

        forced = sorted(cabinet.compartments)[-1]  # a door no flow used, opened by force: one alarm
        cabinet.open_door(forced)
        [alarm] = wait_for(lambda: [a for a in receiver.of_type("alarm.raised") if a["data"]["kind"] == "forced_open"],
                           timeout=20, message="the alarm delivered")  # (a loaded machine may add board_offline)
        assert alarm["data"]["compartment"] == forced
        assert isinstance(alarm["data"]["alarm_id"], int)

        delivered = next(d for d in log_of(cabinet, hook["id"]) if d["type"] == "result.ready")
        again = requests.post(cabinet.api + f"/api/v1/webhooks/deliveries/{delivered['id']}/redeliver",
                              headers=cabinet.admin, timeout=10)
        assert again.status_code == 200, again.text
        wait_for(lambda: len(receiver.duplicates) == 2, timeout=20, message="the redelivery")
        assert receiver.duplicates[-1] == delivered["event_id"]
        tries = wait_for(lambda: [t for d in log_of(cabinet, hook["id"]) if d["id"] == delivered["id"]
                                  for t in d["log"] if t["trigger"] == "manual"], message="the manual try logged")
        assert [t["status_code"] for t in tries] == [200]
    finally:
        receiver.down()


def test_the_audit_head_exported_at_shutdown_verifies_against_the_chain(cabinet):
    assert cabinet.service.stop() == 0  # SIGTERM, a clean shutdown
    heads = cabinet.workdir / "audit-heads.jsonl"
    line = json.loads(heads.read_text().splitlines()[-1])
    assert set(line) == {"seq", "hash", "time", "public_key", "signature"} and line["seq"] > 10
    checked = run_locker("audit", "verify", "--against", str(heads), "--config", str(cabinet.config),
                         cwd=cabinet.workdir)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "every exported head" in checked.stdout
    quick = run_locker("audit", "verify", "--from-last", "--config", str(cabinet.config), cwd=cabinet.workdir)
    assert quick.returncode == 0 and f"{line['seq']} events since" in quick.stdout, quick.stdout + quick.stderr

    database = Database(f"sqlite:///{cabinet.workdir / 'locker.db'}")  # the database's owner rewrites the chain
    rewrite_and_recompute(database, 3, {"rewritten": True})
    database.dispose()
    caught = run_locker("audit", "verify", "--against", str(heads), "--config", str(cabinet.config),
                        cwd=cabinet.workdir)
    assert caught.returncode != 0 and "the chain was rewritten" in caught.stderr, caught.stdout + caught.stderr
