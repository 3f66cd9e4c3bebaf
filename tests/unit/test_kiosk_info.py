"""The kiosk's information: a dossier's status as anyone with its code may see it (the domain,
with a fake bus and clock), and the procedures and lookup routes through the web layer."""

from __future__ import annotations

import base64
import io
from dataclasses import replace
from types import SimpleNamespace

import pytest
import zxingcpp
from PIL import Image

from api.demo import DEMO_PROCEDURES
from locker.config import config_from_dict
from locker.errors import InvalidInput
from locker.ports import Tick
from locker.public_status import _WORDS, UNTOLD, UnknownDossier
from locker.statuses import DossierStatus, PublicDossierStatus
from tests.domain_support import Harness
from tests.unit.test_http_support import REMOTE, assert_error, make_client


@pytest.fixture
def h(migrated_db_url):
    harness = Harness(migrated_db_url)
    yield harness
    harness.db.dispose()


def look_up(h, code: str) -> dict:
    return h.svc.status_lookup.look_up(code)


def test_every_dossier_status_is_told_as_a_public_word_or_not_at_all():
    assert set(_WORDS) | set(UNTOLD) == set(DossierStatus) and not set(_WORDS) & set(UNTOLD)
    assert set(_WORDS.values()) == set(PublicDossierStatus)


def test_a_dossier_through_the_cabinet_as_the_lookup_tells_it(h):
    with pytest.raises(UnknownDossier):
        look_up(h, "HS-1")
    d = h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k1")
    with pytest.raises(UnknownDossier):  # being dropped off right now: not told
        look_up(h, "HS-1")
    h.cycle(d["compartment"])
    assert look_up(h, " hs-1 ") == {"dossier_code": "HS-1", "status": "dropped_off", "until": None}
    c = h.svc.start_collection(d["compartment"], actor="clerk1")
    h.cycle(c["compartment"])
    assert look_up(h, "HS-1")["status"] == "received"

    r, code, _ = h.result("HS-1")
    deadline = h.svc.runs.expiry.waiting()[0]["deadline"]
    answer = look_up(h, "HS-1")
    assert answer == {"dossier_code": "HS-1", "status": "ready", "until": deadline}
    assert "0912345678" not in str(answer) and "0987654321" not in str(answer) and r["compartment"] not in str(answer)
    p = h.svc.start_pickup(dossier_code="HS-1", code=code, kiosk="k1")
    h.cycle(p["compartment"])
    assert look_up(h, "HS-1") == {"dossier_code": "HS-1", "status": "collected", "until": None}


def test_a_result_not_collected_in_time_is_expired(h):
    h.result("HS-2")
    deadline = h.svc.runs.expiry.waiting()[0]["deadline"]
    assert look_up(h, "HS-2")["until"] == deadline
    h.clock.advance(h.config.security.credential_ttl_days * 24 * 3600 + 1)
    h.svc.handle_event(Tick())
    assert look_up(h, "HS-2") == {"dossier_code": "HS-2", "status": "expired", "until": None}


def test_a_cancelled_dropoff_is_unknown_and_a_bad_code_is_invalid_input(migrated_db_url):
    h = Harness(migrated_db_url, item_sensors=True)
    try:
        d = h.svc.start_dropoff("HS-3", "0912345678", "S", kiosk="k1")
        h.cycle(d["compartment"])  # closed on nothing
        assert h.svc.end_dropoff(d["id"], kiosk="k1")["status"] == "cancelled"
        assert h.svc.get_dossier("HS-3")["status"] == DossierStatus.DROPOFF_CANCELLED
        with pytest.raises(UnknownDossier):
            look_up(h, "HS-3")
        with pytest.raises(InvalidInput):
            look_up(h, "HS 3 <script>")
    finally:
        h.db.dispose()


# ---- the routes (fake runtime) -----------------------------------------------------------

@pytest.fixture
def client(monkeypatch):
    c, rt = make_client(monkeypatch)
    catalog = config_from_dict({"kiosk": {"procedures_file": str(DEMO_PROCEDURES)}}, env={})
    rt.config = replace(rt.config, procedures=catalog.procedures,
                        kiosk=replace(rt.config.kiosk, lookups_per_minute=3))
    rt.looked_up = []

    def answer(code):
        rt.looked_up.append(code)
        if code == "HS-9":
            raise UnknownDossier()
        return {"dossier_code": code.upper(), "status": "ready", "until": "2025-03-05T10:00:00Z"}
    rt.service.status_lookup = SimpleNamespace(look_up=answer)
    return c, rt


def qr_of(data_url: str) -> list[str]:
    png = base64.b64decode(data_url.removeprefix("data:image/png;base64,"))
    return [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))]


def test_the_procedures_in_the_files_order_in_both_languages(client):
    c, _ = client
    listed = c.get("/api/v1/kiosk/procedures").get_json()
    assert listed[0] == {"code": "1.001193", "name": {"vi": "Đăng ký khai sinh", "en": "Birth registration"}}
    assert len(listed) == 6
    one = c.get("/api/v1/kiosk/procedures/2.000815").get_json()
    assert one["documents"][0] == {"vi": "Bản chính giấy tờ cần chứng thực", "en": "The original document"}
    assert set(one["fee"]) == {"vi", "en"} and set(one["processing_time"]) == {"vi", "en"}
    assert qr_of(one["qr_image"]) == [one["portal_url"]]
    assert one["portal_url"].endswith("ma_thu_tuc=2.000815")


def test_an_unknown_procedure_is_not_found_and_other_clients_get_nothing(client):
    c, rt = client
    assert_error(c.get("/api/v1/kiosk/procedures/9.999999"), 404, "not_found")
    assert_error(c.get("/api/v1/kiosk/procedures", environ_base=REMOTE), 403, "kiosk_only")
    assert_error(c.post("/api/v1/kiosk/lookups", json={"dossier_code": "HS-1"}, environ_base=REMOTE), 403,
                 "kiosk_only")
    rt.config = replace(rt.config, procedures=config_from_dict({}, env={}).procedures)
    assert c.get("/api/v1/kiosk/procedures").get_json() == []


def test_a_lookup_answers_the_public_status_or_why_not(client):
    c, rt = client
    assert c.post("/api/v1/kiosk/lookups", json={"dossier_code": "hs-1"}).get_json() == {
        "dossier_code": "HS-1", "status": "ready", "until": "2025-03-05T10:00:00Z"}
    body = assert_error(c.post("/api/v1/kiosk/lookups?lang=en", json={"dossier_code": "HS-9"}), 404,
                        "dossier_unknown")
    assert "receipt" in body["message"] and "Check the dossier code" in body["help"]
    assert_error(c.post("/api/v1/kiosk/lookups", json={"dossier_code": "HS-1", "phone": "0912345678"}), 400,
                 "invalid_input")
    assert_error(c.post("/api/v1/kiosk/lookups", json={"code": "HS-1"}), 400, "invalid_input")


def test_lookups_are_rate_limited_per_kiosk_with_one_alarm_a_minute(client):
    c, rt = client
    for code in ("HS-1", "HS-2", "HS-9"):
        assert c.post("/api/v1/kiosk/lookups", json={"dossier_code": code}).status_code in (200, 404)
    resp = c.post("/api/v1/kiosk/lookups", json={"dossier_code": "HS-4"})
    body = assert_error(resp, 429, "lookup_rate_limited")
    assert int(resp.headers["Retry-After"]) == 60 and "60" in body["message"]
    assert_error(c.post("/api/v1/kiosk/lookups", json={"dossier_code": "HS-5"}), 429, "lookup_rate_limited")
    assert rt.looked_up == ["HS-1", "HS-2", "HS-9"], "a refused lookup reaches no dossier"
    assert [(a["kind"], a["alarm"], a["limit"]) for a in rt.audited] == [("lookup_rate_limited", True, 3)]
    rt.clock.advance(61)
    assert c.post("/api/v1/kiosk/lookups", json={"dossier_code": "HS-6"}).status_code == 200
    drop = {"dossier_code": "HS-7", "phone": "0912345678", "size": "S"}
    assert c.post("/api/v1/dropoffs", json=drop).status_code == 201, "drop-offs keep their own count"
