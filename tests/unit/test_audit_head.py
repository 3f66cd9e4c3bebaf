"""The audit head leaves the machine: signed exports, and a database owner who rewrites
the chain (triggers dropped, every later hash recomputed so the chain itself verifies)
is caught by comparing with what was exported; incremental verification."""

from __future__ import annotations

import json
import os

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from locker import audit
from locker.audit import verify_chain
from locker.audit_head import HeadExporter, check_against, load_or_create_signing_key, verify_from_last
from locker.config import config_from_dict
from locker.db import Database
from locker.errors import ConfigError
from locker.models_webhooks import WebhookDelivery, WebhookEvent
from locker.webhooks import Webhooks
from tests.domain_support import FakeClock, rewrite_and_recompute


@pytest.fixture
def world(tmp_path, migrated_db_url):
    db, clock = Database(migrated_db_url), FakeClock()
    key = load_or_create_signing_key(tmp_path / "keys" / "audit-signing.key")
    exporter = HeadExporter(db=db, key=key, path=str(tmp_path / "heads.jsonl"), clock=clock)
    yield db, clock, key, exporter
    db.dispose()


def happen(db, clock, n: int) -> None:
    with db.session() as s:
        for i in range(n):
            audit.record(s, "door_opened", actor="system", compartment=f"A{i:02d}", data={"i": i}, clock=clock)
    clock.advance(1)


def test_a_rewritten_and_recomputed_chain_verifies_but_not_against_the_exported_head(world):
    db, clock, key, exporter = world
    happen(db, clock, 3)
    assert exporter.export()["seq"] == 3
    happen(db, clock, 2)
    assert exporter.export()["seq"] == 5
    with db.session() as s:
        assert check_against(s, exporter.path, key.public_key()) == []

    rewrite_and_recompute(db, 2, {"i": 99})
    with db.session() as s:
        assert verify_chain(s).ok  # the chain alone cannot tell
        problems = check_against(s, exporter.path, key.public_key())
    assert len(problems) == 2 and all("the chain was rewritten" in p for p in problems)
    assert problems[0].startswith("line 1: event 3 ")


def test_a_changed_line_or_another_key_breaks_the_signature(world, tmp_path):
    db, clock, key, exporter = world
    happen(db, clock, 2)
    line = exporter.export()
    forged = tmp_path / "forged.jsonl"
    forged.write_text(json.dumps({**line, "seq": 1}) + "\n" + "not json\n")
    with db.session() as s:
        problems = check_against(s, forged, key.public_key())
        assert problems[0] == "line 1: the signature does not hold (not signed by this locker's key, or the line " \
                              "was changed)"
        assert problems[1].startswith("line 2: not an exported head")
        assert check_against(s, exporter.path, Ed25519PrivateKey.generate().public_key())[0].startswith(
            "line 1: the signature does not hold")
        assert check_against(s, tmp_path / "missing.jsonl", key.public_key())[0].startswith("cannot read")


def test_an_export_is_appended_only_when_the_head_moved_and_goes_to_its_subscribers(world):
    db, clock, key, exporter = world
    assert exporter.export() is None  # an empty log has no head
    hooks = Webhooks(db=db, secret=bytes(32), clock=clock, audit=audit.AuditRecorder(clock=clock))
    hooks.create("http://10.0.0.9/hook", ["audit.head"], "a-secret-of-enough-length", actor="admin")
    hooks.create("http://10.0.0.9/other", ["result.ready"], "a-secret-of-enough-length", actor="admin")
    line = exporter.export()
    assert exporter.export() is None
    assert [json.loads(t) for t in exporter.path.read_text().splitlines()] == [line]
    with db.session() as s:
        [event] = s.execute(select(WebhookEvent)).scalars().all()
        assert event.type == "audit.head" and json.loads(event.body)["data"] == line
        assert len(s.execute(select(WebhookDelivery)).scalars().all()) == 1


def test_from_last_checks_only_new_events_and_notices_a_rewrite_before_its_mark(world):
    db, clock, key, exporter = world
    happen(db, clock, 4)
    with db.session() as s:
        assert verify_from_last(s, clock=clock).checked == 4
    happen(db, clock, 2)
    with db.session() as s:
        report = verify_from_last(s, clock=clock)
    assert report.ok and report.checked == 2
    rewrite_and_recompute(db, 1, {"i": 7})
    happen(db, clock, 1)
    with db.session() as s:
        report = verify_from_last(s, clock=clock)
    assert not report.ok and report.first_broken_seq == 6


def test_the_signing_key_file_is_private_and_reused(tmp_path):
    path = tmp_path / "k" / "audit.key"
    key = load_or_create_signing_key(path)
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert load_or_create_signing_key(path).public_key().public_bytes_raw() == key.public_key().public_bytes_raw()
    path.write_text("nonsense")
    with pytest.raises(ConfigError) as refused:
        load_or_create_signing_key(path)
    assert refused.value.key == "audit.signing_key_file"


def test_the_audit_files_default_to_beside_the_secret():
    cfg = config_from_dict({"security": {"secret_file": "/srv/locker/locker.secret"}}, env={})
    assert cfg.audit.signing_key_file == "/srv/locker/audit-signing.key"
    assert cfg.audit.export_file == "/srv/locker/audit-heads.jsonl"
    cfg = config_from_dict({"audit": {"export_file": "/mnt/usb/heads.jsonl"}},
                           env={"LOCKER_AUDIT_EXPORT_INTERVAL_S": "60"})
    assert cfg.audit.export_file == "/mnt/usb/heads.jsonl" and cfg.audit.export_interval_s == 60
    with pytest.raises(ConfigError):
        config_from_dict({"audit": {"export_interval_s": 0}}, env={})
