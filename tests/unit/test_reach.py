"""Wheelchair reach: the compartments' floor heights in the configuration, the allocator's
``low`` constraint, and ``low`` on ``POST /api/v1/dropoffs`` (fake service) with its error."""

from __future__ import annotations

import pytest

from locker.config import config_from_dict
from locker.errors import ConfigError, InvalidInput, NoCompartmentAvailable, NoLowCompartment
from locker.reach import Reach
from tests.domain_support import Harness
from tests.unit.test_http_support import assert_error, make_client

#: Two columns of three rows; row 1 is the top. Row heights 1500, 1000, 300 mm; B02 sits on its own shelf.
CABINET = [{"label": f"{col}0{row}", "board": board, "lock": row, "size": "S"}
           for board, col in enumerate("AB") for row in (1, 2, 3)]
CABINET[4] = {**CABINET[4], "floor_mm": 1300}
LAYOUT = {"rows": 3, "row_floor_mm": [1500, 1000, 300]}
DROPOFF = {"dossier_code": "H01.2025/000123", "phone": "0912345678", "size": "S"}


def cabinet_config(**layout):
    return config_from_dict({"bus": {"url": "loop://"}, "layout": {**LAYOUT, **layout}, "compartment": CABINET},
                            env={})


def test_heights_come_from_rows_and_a_compartment_own_floor_wins():
    reach = Reach.of(cabinet_config())
    assert reach.floors == {"A01": 1500, "A02": 1000, "A03": 300, "B01": 1500, "B02": 1300, "B03": 300}
    assert reach.labels == {"A02", "A03", "B03"} and reach.limit_mm == 1200


def test_the_limit_is_configurable_and_unknown_heights_are_never_low():
    cfg = config_from_dict({"bus": {"url": "loop://"}, "kiosk": {"reach_mm": 1400},
                            "compartment": [{**CABINET[0], "floor_mm": 1350}, CABINET[1]]},
                           env={"LOCKER_KIOSK_REACH_MM": "1300"})
    assert cfg.kiosk.reach_mm == 1300
    assert Reach.of(cfg).labels == frozenset() and Reach.of(cfg).floors == {"A01": 1350}
    assert config_from_dict({}, env={}).kiosk.reach_mm == 1200 and config_from_dict({}, env={}).layout.row_floor_mm == ()


@pytest.mark.parametrize("raw, where, words", [
    ({"layout": {"rows": 3, "row_floor_mm": [1500, 1000]}}, "layout.row_floor_mm", "2 heights for 3 rows"),
    ({"layout": {"rows": 3, "row_floor_mm": [300, 1000, 1500]}}, "layout.row_floor_mm", "row 1 is the top row"),
    ({"layout": {"rows": 3, "row_floor_mm": [1500, 1000, -5]}}, "layout.row_floor_mm", "row 3: must be between"),
    ({"layout": {"rows": 3, "row_floor_mm": "high"}}, "layout.row_floor_mm", "list of whole numbers"),
    ({"layout": {"rows": 3, "row_floor_mm": [1500, True, 300]}}, "layout.row_floor_mm", "list of whole numbers"),
    ({"compartment": [{**CABINET[0], "floor_mm": 3001}]}, "compartment[0].floor_mm", "between 0 and 3000"),
    ({"compartment": [{**CABINET[0], "floor_mm": "low"}]}, "compartment[0].floor_mm", "whole number"),
    ({"kiosk": {"reach_mm": 100}}, "kiosk.reach_mm", "from 300 to 2500"),
])
def test_wrong_heights_stop_the_start_with_a_clear_error(raw, where, words):
    with pytest.raises(ConfigError) as err:
        config_from_dict({"bus": {"url": "loop://"}, "compartment": CABINET, **raw}, env={})
    assert err.value.key == where and words in str(err.value)


def test_row_heights_from_the_environment():
    cfg = config_from_dict({"bus": {"url": "loop://"}, "layout": {"rows": 3}, "compartment": CABINET},
                           env={"LOCKER_LAYOUT_ROW_FLOOR_MM": "1600, 1100, 200"})
    assert cfg.layout.row_floor_mm == (1600, 1100, 200)


def test_compartments_with_their_own_height_need_no_row_height():
    rooms = [{**c, "floor_mm": 500} for c in CABINET]
    cfg = config_from_dict({"bus": {"url": "loop://"}, "layout": {"rows": 3, "row_floor_mm": [1500]},
                            "compartment": rooms}, env={})
    assert Reach.of(cfg).labels == {c["label"] for c in CABINET}


# ---- the allocator, through the service -----------------------------------------------

@pytest.fixture
def h(migrated_db_url):
    """The cabinet above, each compartment with its own floor height (the harness has no [layout])."""
    floors = Reach.of(cabinet_config()).floors
    harness = Harness(migrated_db_url, [{**c, "floor_mm": floors[c["label"]]} for c in CABINET])
    yield harness
    harness.db.dispose()


def test_a_low_dropoff_gets_only_a_compartment_within_reach(h):
    first = h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k1")
    assert first["compartment"] == "A01"  # without ``low``, the usual order
    low = h.svc.start_dropoff("HS-2", "0912345678", "S", kiosk="k1", low=True)
    assert low["compartment"] == "A02"
    started = [e for e in h.svc.compartment_history("A02") if e["kind"] == "dropoff_started"]
    assert started[0]["data"]["low"] is True
    assert h.svc.start_dropoff("HS-3", "0912345678", "S", kiosk="k1", low=True)["compartment"] == "A03"
    assert h.svc.start_dropoff("HS-4", "0912345678", "S", kiosk="k1", low=True)["compartment"] == "B03"
    with pytest.raises(NoLowCompartment) as err:
        h.svc.start_dropoff("HS-5", "0912345678", "S", kiosk="k1", low=True)
    assert err.value.code == "no_low_compartment" and isinstance(err.value, NoCompartmentAvailable)
    assert "xe lăn" in err.value.message("vi") and "wheelchair" in err.value.message("en")
    # Compartments out of reach are still free for everyone else.
    assert h.svc.start_dropoff("HS-5", "0912345678", "S", kiosk="k1")["compartment"] == "B01"


def test_low_must_be_true_or_false(h):
    with pytest.raises(InvalidInput) as err:
        h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k1", low="yes")
    assert err.value.details["field"] == "low"
    assert h.compartment("A01")["state"] == "free"


def test_a_jammed_low_compartment_moves_the_dropoff_to_another_within_reach(h):
    d = h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k1", low=True)
    assert d["compartment"] == "A02"
    h.outcome("A02", "jammed")
    assert h.svc.get_dropoff(d["id"])["compartment"] == "A03"  # not A01, which is out of reach


# ---- the web layer ------------------------------------------------------------------------

def test_low_reaches_the_domain_and_is_stated_in_the_openapi_document(monkeypatch):
    c, rt = make_client(monkeypatch)
    assert c.post("/api/v1/dropoffs", json={**DROPOFF, "low": True}).status_code == 201
    assert rt.service.calls[-1][2]["low"] is True
    assert c.post("/api/v1/dropoffs", json=DROPOFF).status_code == 201
    assert "low" not in rt.service.calls[-1][2]
    assert_error(c.post("/api/v1/dropoffs", json={**DROPOFF, "low": "yes"}), 400, "invalid_input")
    schemas = c.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert schemas["DropoffRequest"]["properties"]["low"]["type"] == "boolean"
    assert "low" not in schemas["ResultRequest"]["properties"]


def test_no_low_compartment_says_so_and_what_to_do(monkeypatch):
    c, rt = make_client(monkeypatch)
    rt.service.fail("start_dropoff", NoLowCompartment("M"))
    body = assert_error(c.post("/api/v1/dropoffs?lang=en", json={**DROPOFF, "low": True}), 409,
                        "no_low_compartment")
    assert "wheelchair" in body["message"] and "Low compartment" in body["help"]


def test_availability_tells_the_kiosk_which_sizes_a_low_dropoff_can_take(monkeypatch):
    c, rt = make_client(monkeypatch)
    low = c.get("/api/v1/kiosk/availability").get_json()["dropoff"]["low"]
    assert low == {"S": None, "M": None, "L": "no_low_compartment"}  # the fake's A01 (M) is within reach
    rt.service.reach = Reach(limit_mm=1200, floors={})
    assert c.get("/api/v1/kiosk/availability").get_json()["dropoff"]["low"] is None
