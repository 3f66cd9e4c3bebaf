"""A fake runtime for the web layer's tests (duck-typed to ``api.runtime.Runtime``).

The fake service keeps drop-offs, pickups, results and collections in dicts and
raises the domain's real errors; tests make any method fail with ``fail()``.
"""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import pytest

from api.events import EventHub
from locker.config import Config, HttpConfig
from locker.credentials import qr_mac
from locker.errors import InvalidCredentials, InvalidInput, NotFound
from locker.reach import Reach
from tests.domain_support import FakeClock

TOKENS = {"clerk-token": ("ann", "clerk"), "admin-token": ("ada", "admin"), "viewer-token": ("vic", "viewer")}
PICKUP_CODE = "12345678"
SECRET = b"s" * 32
QR_NONCE = "bm9uY2Ugb2YgdGhlIHRlc3"
GOOD_QR = f"LK1.1.{QR_NONCE}.{qr_mac(SECRET, 1, QR_NONCE)}"  # signed with the fake runtime's secret


class FakeService:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple, dict]] = []
        self.failures: dict[str, Exception] = {}
        self.ops: dict[str, dict[int, dict]] = {"dropoff": {}, "pickup": {}, "result": {}, "collection": {}}
        self.modes: dict[str, str] = {}
        self.last_scan: dict | None = None
        self.healthy = {"database": "ok", "boards": {0: "online", 1: "online"},
                        "compartments": {"free": 30, "holding_dropoff": 2}}
        #: A01 is within wheelchair reach (``low`` drop-offs).
        self.reach = Reach(limit_mm=1200, floors={"A01": 900})

    def fail(self, method: str, exc: Exception) -> None:
        self.failures[method] = exc

    def _enter(self, method: str, *args: Any, **kwargs: Any) -> None:
        self.calls.append((method, args, kwargs))
        if method in self.failures:
            raise self.failures[method]

    def _new(self, kind: str, dossier_code: str | None, compartment: str | None) -> dict:
        op_id = len(self.ops[kind]) + 1
        self.ops[kind][op_id] = {"id": op_id, "dossier_code": dossier_code, "compartment": compartment,
                                 "status": "door_open"}
        return {"id": op_id, "compartment": compartment, "status": "door_open"}

    def _get(self, kind: str, op_id: int) -> dict:
        if op_id not in self.ops[kind]:
            raise NotFound(kind, op_id)
        return dict(self.ops[kind][op_id])

    def start_dropoff(self, dossier_code: str, phone: str, size: str, *, kiosk: str, email: str | None = None,
                      language: str = "vi", low: bool = False) -> dict:
        asked = {"low": True} if low else {}  # recorded only when asked, as most calls do not
        self._enter("start_dropoff", dossier_code, phone, size, kiosk=kiosk, email=email, language=language, **asked)
        if size not in ("S", "M", "L"):
            raise InvalidInput("size", "Cỡ phải là S, M hoặc L.", "Size must be S, M or L.")
        return self._new("dropoff", dossier_code, "A05")

    def get_dropoff(self, op_id: int, *, kiosk: str | None = None) -> dict:
        self._enter("get_dropoff", op_id, kiosk=kiosk)
        return self._get("dropoff", op_id)

    def start_pickup(self, *, dossier_code: str | None = None, code: str | None = None, qr: str | None = None,
                     kiosk: str) -> dict:
        self._enter("start_pickup", dossier_code=dossier_code, code=code, qr=qr, kiosk=kiosk)
        if code != PICKUP_CODE and qr != GOOD_QR:
            raise InvalidCredentials()
        return self._new("pickup", dossier_code or "H1", "B03")

    def get_pickup(self, op_id: int, *, kiosk: str | None = None) -> dict:
        self._enter("get_pickup", op_id, kiosk=kiosk)
        return self._get("pickup", op_id)

    def load_result(self, dossier_code: str, phone: str, size: str, *, actor: str, email: str | None = None,
                    language: str | None = None) -> dict:
        self._enter("load_result", dossier_code, phone, size, actor=actor, email=email, language=language)
        return self._new("result", dossier_code, "C01")

    def get_result(self, op_id: int) -> dict:
        self._enter("get_result", op_id)
        return self._get("result", op_id)

    def reissue_credential(self, result_id: int, *, actor: str) -> dict:
        self._enter("reissue_credential", result_id, actor=actor)
        return self._get("result", result_id)

    def start_collection(self, label: str, *, actor: str) -> dict:
        self._enter("start_collection", label, actor=actor)
        return self._new("collection", None, label)

    def get_collection(self, op_id: int) -> dict:
        self._enter("get_collection", op_id)
        return self._get("collection", op_id)

    def list_compartments(self) -> list:
        self._enter("list_compartments")
        return [{"label": "A01", "size": "M", "board": 0, "lock": 1, "state": "free", "door": "closed",
                 "dossier_code": None}]

    def get_dossier(self, code: str) -> dict:
        self._enter("get_dossier", code)
        if code != "H01.2025/000123":
            raise NotFound("dossier", code)
        return {"code": code, "status": "stored", "history": []}

    def events_after(self, seq: int, limit: int = 500) -> list:
        self._enter("events_after", seq, limit=limit)
        return [{"seq": seq + 1, "time": "2025-01-01T00:00:00Z", "kind": "dropoff_started", "actor": "kiosk",
                 "compartment": "A05", "dossier_code": "H1", "data": {}, "hash": "0" * 64}]

    def set_kiosk_mode(self, kiosk: str, mode: str) -> None:
        self._enter("set_kiosk_mode", kiosk, mode)
        self.modes[kiosk] = mode

    def kiosk_activity(self, kiosk: str | None = None) -> dict:
        self._enter("kiosk_activity", kiosk)
        return {"mode": self.modes.get(kiosk or "scanner", "idle"), "last_scan": self.last_scan}

    def health(self) -> dict:
        self._enter("health")
        return self.healthy


class FakeRuntime:
    def __init__(self, config: Config | None = None) -> None:
        self.config = config or Config()
        self.service = FakeService()
        self.secret = SECRET
        self.simulator = None
        self.clock = FakeClock()
        self.audited: list[dict] = []
        self.scanner = True
        #: The kiosk page's stream of scans: a test publishes ``("scan", last_scan)`` on it.
        self.kiosk_hub = EventHub(max_clients=2, newest_wins=True)
        self.gpio: bool | None = None
        self.database = True
        self.stats: dict[int, dict] = {0: {"frames_sent": 10, "frames_received": 9, "errors": {"no_answer": 1},
                                           "retries": 1, "last_seen": 1.0, "latencies": [0.01, 0.02, 0.05],
                                           "latency_buckets": {0.01: 1, 0.025: 2, 0.05: 3, float("inf"): 3},
                                           "latency_sum": 0.08}}

    def bus_stats(self) -> dict[int, dict]:
        return self.stats

    def scanner_ok(self) -> bool | None:
        return self.scanner

    def gpio_ok(self) -> bool | None:
        return self.gpio

    def database_ok(self) -> bool:
        return self.database

    def audit(self, kind: str, *, actor: str, alarm: bool = False, **data: Any) -> None:
        self.audited.append({"kind": kind, "actor": actor, "alarm": alarm, **data})

    def account_for_token(self, token: str) -> Any:
        found = TOKENS.get(token)
        return SimpleNamespace(name=found[0], role=found[1]) if found else None


def make_client(monkeypatch: pytest.MonkeyPatch, *, kiosk_token: str = "", loopback: bool = True):
    """(test client, fake runtime) for an app around the fake runtime."""
    from api.app import create_app

    http = replace(HttpConfig(), kiosk_token=kiosk_token, loopback_is_kiosk=loopback)
    runtime = FakeRuntime(Config(http=http))
    return create_app(runtime).test_client(), runtime


CLERK = {"Authorization": "Bearer clerk-token"}
REMOTE = {"REMOTE_ADDR": "10.0.0.5"}


def assert_error(resp: Any, status: int, error: str) -> dict:
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.is_json, resp.get_data(as_text=True)[:200]
    body = resp.get_json()
    assert body["error"] == error, body
    assert isinstance(body["message"], str) and body["message"]
    return body

