"""What the console shows, from the domain: the cabinet grid (places, contents since
when, alarms), a compartment's history and a dossier looked up by its code."""

from __future__ import annotations

import pytest

from locker.config import config_from_dict
from locker.cabinet_grid import positions
from locker.errors import ConfigError, NotFound
from tests.domain_support import Harness

PHONE = "0912345678"


@pytest.fixture
def h(migrated_db_url):
    harness = Harness(migrated_db_url)
    yield harness
    harness.db.dispose()


def cell(h, label):
    return next(c for c in h.svc.cabinet_grid() if c["label"] == label)


def test_the_grid_follows_the_boards_in_columns_by_default(h):
    places = {c["label"]: (c["row"], c["column"]) for c in h.svc.cabinet_grid()}
    assert places == {"A01": (1, 1), "A02": (2, 1), "B01": (3, 1), "C01": (1, 2)}


def test_places_from_the_configuration_win_and_are_checked():
    def cfg(*extra, layout=None):
        rooms = [{"label": "A01", "board": 0, "lock": 1, "size": "S", "row": 2, "column": 1},
                 {"label": "A02", "board": 0, "lock": 2, "size": "S"}, *extra]
        return config_from_dict({"bus": {"url": "loop://"}, "layout": layout or {}, "compartment": rooms}, env={})
    assert positions(cfg()) == {"A01": (2, 1), "A02": (1, 2)}
    with pytest.raises(ConfigError, match="row 2 column 1 is used twice"):
        cfg({"label": "A03", "board": 0, "lock": 3, "size": "S", "row": 2, "column": 1})
    with pytest.raises(ConfigError, match="compartment.2..column"):
        cfg({"label": "A03", "board": 0, "lock": 3, "size": "S", "row": 1})
    with pytest.raises(ConfigError, match="layout.rows"):
        cfg(layout={"rows": 0})


def test_a_cell_shows_what_the_compartment_holds_since_when_and_its_alarms(h):
    d = h.svc.start_dropoff("HS-G1", PHONE, "S", kiosk="k1")
    assert cell(h, "A01")["state"] == "reserved"
    h.clock.advance(60)
    h.cycle("A01")
    a01 = cell(h, "A01")
    assert (a01["state"], a01["door"], a01["dossier_code"], a01["holds"]) == ("holding_dropoff", "closed", "HS-G1",
                                                                             "dropoff")
    assert a01["since"].startswith("2025-03-01T08:00:00")
    h.door("C01", True)
    assert [a["kind"] for a in cell(h, "C01")["alarms"]] == ["forced_open"]
    assert cell(h, "A02")["alarms"] == [] and cell(h, "A02")["dossier_code"] is None
    history = h.svc.compartment_history("A01")
    kinds = [e["kind"] for e in history]
    assert kinds.index("door_closed") < kinds.index("door_opened"), "newest first"
    assert d["compartment"] == "A01"
    with pytest.raises(NotFound):
        h.svc.compartment_history("Z99")


def test_a_dossier_overview_says_where_it_is_its_sms_and_what_may_be_done(h):
    r = h.svc.load_result("HS-R1", PHONE, "M", actor="clerk1")
    h.cycle(r["compartment"])
    view = h.svc.dossier_overview(" hs-r1 ")
    assert view["code"] == "HS-R1" and view["status"] == "result_ready"
    assert view["where"]["compartment"] == r["compartment"] and view["where"]["holds"] == "result"
    [result] = view["results"]
    assert result["phone"] == "09******78" and result["by"] == "clerk1"
    code_sms, link_sms = view["sms"]  # the pickup code, then the QR link in an SMS of its own
    assert [(m["kind"], m["channel"]) for m in (code_sms, link_sms)] == [("result_ready", "sms"), ("pickup_link", "sms")]
    for sms in (code_sms, link_sms):
        assert sms["status"] == "pending" and sms["to"] == "09******78" and sms["gateway_status"] is None
    assert view["actions"] == [{"action": "reissue", "result": r["id"]}]
    kinds = [e["kind"] for e in view["history"]]
    assert "credential_issued" in kinds and "sms_queued" in kinds
    assert PHONE not in str(view), "the phone number is only ever shown masked"
    with pytest.raises(NotFound):
        h.svc.dossier_overview("HS-NONE")
