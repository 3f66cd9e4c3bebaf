"""Migration 0012 on SQLite and PostgreSQL: phone numbers already stored are sealed with
the secret, the outbox keeps masked recipients, and the reports' statistics are filled
from the audit log's history; without the secret it stops and changes nothing."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import text

from locker.db import Database
from locker.personal import personal_fernet

SECRET = bytes(range(32))
T0 = datetime(2026, 1, 5, 2, 0)  # 09:00 in Vietnam


def _history(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO dossiers (id, code, status, created_at, updated_at) VALUES "
                          "(1, 'HS-1', 'picked_up', :t, :t), (2, 'HS-2', 'dropped_off', :t, :t)"), {"t": T0})
        conn.execute(text("INSERT INTO compartments (id, label, size, bus, board, lock, state, door, service_note, "
                          "updated_at, left_open_stage) VALUES (1, 'A01', 'M', 'main', 0, 1, 'free', 'closed', '', "
                          ":t, 0)"), {"t": T0})
        conn.execute(text("INSERT INTO dropoffs (id, dossier_id, compartment_id, phone, size, status, kiosk, "
                          "created_at, updated_at) VALUES (1, 2, 1, '0912345678', 'M', 'stored', 'k1', :t, :t)"),
                     {"t": T0})
        conn.execute(text("INSERT INTO results (id, dossier_id, compartment_id, phone, size, status, loaded_by, "
                          "created_at, updated_at) VALUES (1, 1, 1, '+84987654321', 'M', 'collected', 'c', :t, :t)"),
                     {"t": T0})
        conn.execute(text("INSERT INTO credentials (id, result_id, dossier_id, code_hash, qr_hash, created_at, "
                          "expires_at, failures) VALUES (1, 1, 1, 'h', 'q', :t, :e, 0)"),
                     {"t": T0, "e": datetime(2026, 2, 4)})
        conn.execute(text("INSERT INTO pickups (id, result_id, compartment_id, credential_id, kiosk, status, "
                          "created_at, updated_at) VALUES (1, 1, 1, 1, 'k1', 'collected', :t, :t)"), {"t": T0})
        conn.execute(text("INSERT INTO announcements (id, dossier_code, phone, due, size, procedure, status, actor, "
                          "created_at, updated_at) VALUES (1, 'HS-3', '0355555555', :d, 'M', 'p', 'announced', "
                          "'onestop', :t, :t)"), {"d": T0.date(), "t": T0})
        conn.execute(text("INSERT INTO outbox_messages (id, channel, recipient, payload, status, attempts, "
                          "next_attempt_at, last_error, created_at) VALUES (1, 'sms', '0912345678', 'x', 'sent', 1, "
                          ":t, '', :t)"), {"t": T0})
        events = [("dropoff_stored", "HS-2", {"dropoff": 1}, 0), ("result_ready", "HS-1", {"result": 1}, 60),
                  ("jam", None, {"alarm": True, "alarm_kind": "jam", "alarm_id": 1}, 100),
                  ("jam", None, {"alarm": True, "alarm_kind": "jam", "alarm_id": 1}, 200),
                  ("pickup_collected", "HS-1", {"pickup": 1, "result": 1}, 60 + 7200)]
        for seq, (kind, code, data, after) in enumerate(events, start=1):
            conn.execute(text("INSERT INTO audit_events (seq, time, kind, actor, compartment, dossier_code, data, "
                              "prev_hash, hash) VALUES (:s, :t, :k, 'system', 'A01', :c, :d, 'p', 'h')"),
                         {"s": seq, "t": datetime.fromtimestamp(T0.timestamp() + after), "k": kind, "c": code,
                          "d": json.dumps(data)})


def test_old_phone_numbers_are_sealed_and_the_statistics_filled(db_url):
    db = Database(db_url)
    try:
        db.upgrade("0013")
        _history(db)
        with pytest.raises(RuntimeError, match="secret"):
            db.upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT phone FROM dropoffs")).scalar_one() == "0912345678"
        db.seal_with(SECRET)
        db.upgrade()
        key = personal_fernet(SECRET)
        with db.engine.connect() as conn:
            phones = [key.decrypt(p.encode()).decode() for p in conn.execute(
                text("SELECT phone FROM dropoffs UNION ALL SELECT phone FROM results "
                     "UNION ALL SELECT phone FROM announcements")).scalars()]
            recipient = conn.execute(text("SELECT recipient FROM outbox_messages")).scalar_one()
            stats = {(str(d)[:10], m, k): n for d, m, k, n in conn.execute(
                text("SELECT day, metric, key, count FROM daily_stats"))}
            waits = [tuple(r) for r in conn.execute(text("SELECT day, wait_s, on_time FROM pickup_waits"))]
        assert sorted(phones) == ["+84987654321", "0355555555", "0912345678"] and recipient == "09******78"
        assert stats == {("2026-01-05", "dropoffs", ""): 1, ("2026-01-05", "results_loaded", ""): 1,
                         ("2026-01-05", "pickups", ""): 1, ("2026-01-05", "alarms", "jam"): 1}
        assert [(str(d)[:10], w, bool(o)) for d, w, o in waits] == [("2026-01-05", 7200, True)]
    finally:
        db.dispose()
