"""Satisfaction ratings through the service: one per finished drop-off or pickup, from its kiosk,
while recent; bad input refused with nothing changed; audited; counted for the reports."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from api.console.reports import CHIP_WORDS
from locker.errors import AlreadyRated, Conflict, InvalidInput, NotFound
from locker.models_ratings import Rating
from locker.models_stats import DailyStat
from locker.ratings import CHIPS, WINDOW_S
from tests.domain_support import Harness

DAY = "2025-03-01"


@pytest.fixture
def h():
    harness = Harness("sqlite://")
    harness.clock.t = datetime(2025, 3, 1, 2, 0, tzinfo=timezone.utc)
    yield harness
    harness.db.dispose()


def picked_up(h: Harness, code: str = "HS-2", kiosk: str = "k2", **credential: str) -> dict:
    _r, pin, _qr = h.result(code)
    p = h.svc.start_pickup(**(credential or {"dossier_code": code, "code": pin}), kiosk=kiosk)
    h.cycle(p["compartment"])
    return p


def rows(h: Harness) -> list[tuple]:
    with h.db.session() as s:
        return [(r.dossier_id, r.dropoff_id, r.pickup_id, r.score, r.chips)
                for r in s.execute(select(Rating).order_by(Rating.id)).scalars()]


def stats(h: Harness) -> dict[tuple[str, str], int]:
    with h.db.session() as s:
        found = s.execute(select(DailyStat.metric, DailyStat.key, DailyStat.count)
                          .where(DailyStat.metric.like("rating%"))).all()
    return {(metric, key): n for metric, key, n in found}


def test_a_drop_off_and_a_pickup_are_rated_once_each(h):
    d = h.dropoff("HS-1")
    answer = h.svc.ratings.rate("dropoff", d["id"], 5, ["easy", "quick"], kiosk="k1")
    assert answer == {"id": 1, "kind": "dropoff", "record_id": d["id"], "score": 5, "chips": ["quick", "easy"],
                      "created_at": "2025-03-01T02:00:00.000000Z"}
    p = picked_up(h)
    assert h.svc.ratings.rate("pickup", p["id"], 2, [], kiosk="k2")["chips"] == []
    assert rows(h) == [(1, d["id"], None, 5, "quick,easy"), (2, None, p["id"], 2, "")]
    for kind, record, kiosk in (("dropoff", d["id"], "k1"), ("pickup", p["id"], "k2")):
        with pytest.raises(AlreadyRated) as refused:
            h.svc.ratings.rate(kind, record, 4, kiosk=kiosk)
        assert refused.value.status == 409 and refused.value.code == "already_rated"
        assert "đã được đánh giá" in refused.value.message("vi") and "already been rated" in refused.value.message("en")
    assert len(rows(h)) == 2 and h.kinds().count("rating_recorded") == 2


def test_the_rating_is_audited_without_personal_data_and_counted(h):
    d = h.dropoff("HS-1")
    h.svc.ratings.rate("dropoff", d["id"], 4, ["door", "slow"], kiosk="k1")
    p = picked_up(h)
    h.svc.ratings.rate("pickup", p["id"], 4, ["slow"], kiosk="k2")
    events = [e for e in h.svc.events_after(0, 1000) if e["kind"] == "rating_recorded"]
    assert [(e["actor"], e["dossier_code"], e["data"]["transaction"], e["data"]["record"], e["data"]["score"],
             e["data"]["chips"]) for e in events] == [("kiosk:k1", "HS-1", "dropoff", d["id"], 4, ["slow", "door"]),
                                                      ("kiosk:k2", "HS-2", "pickup", p["id"], 4, ["slow"])]
    assert not any(phone in json.dumps(e) for e in events for phone in ("0912345678", "0987654321"))
    assert stats(h) == {("rating_scores", "4"): 2, ("rating_chips", "slow"): 2, ("rating_chips", "door"): 1}
    assert h.svc.reports.figures(DAY, DAY)["total"]["satisfaction"] == {
        "ratings": 2, "satisfied": 2, "share": 1.0, "average": 4.0,
        "scores": {"1": 0, "2": 0, "3": 0, "4": 2, "5": 0}, "chips": {"door": 1, "slow": 2}}


def test_only_its_kiosk_rates_a_record_and_the_scanner_s_pickups_are_the_kiosk_s(h):
    d = h.dropoff("HS-1")
    with pytest.raises(NotFound):
        h.svc.ratings.rate("dropoff", d["id"], 5, kiosk="k9")
    with pytest.raises(NotFound):
        h.svc.ratings.rate("pickup", d["id"], 5, kiosk="k1")  # no pickup of that id
    _r, _pin, qr = h.result("HS-3")
    p = h.svc.start_pickup(qr=qr, kiosk="scanner")
    h.cycle(p["compartment"])
    assert h.svc.ratings.rate("pickup", p["id"], 3, kiosk="k1")["score"] == 3
    assert len(rows(h)) == 1


def test_only_a_finished_and_recent_transaction_is_rated(h):
    d = h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k1")
    with pytest.raises(Conflict, match="finished"):
        h.svc.ratings.rate("dropoff", d["id"], 5, kiosk="k1")
    h.cycle(d["compartment"])
    h.clock.advance(WINDOW_S + 1)
    with pytest.raises(Conflict, match="passed") as late:
        h.svc.ratings.rate("dropoff", d["id"], 5, kiosk="k1")
    assert not isinstance(late.value, AlreadyRated)
    assert rows(h) == [] and "rating_recorded" not in h.kinds()


@pytest.mark.parametrize("kind, score, chips, field", [
    ("dropoff", 0, [], "score"), ("dropoff", 6, [], "score"), ("dropoff", True, [], "score"),
    ("dropoff", "5", [], "score"), ("dropoff", 4.5, [], "score"), ("dropoff", None, [], "score"),
    ("dropoff", 5, "quick", "chips"), ("dropoff", 5, ["fast"], "chips"), ("dropoff", 5, ["quick", "quick"], "chips"),
    ("dropoff", 5, [1], "chips"), ("dropoff", 5, ["Quick"], "chips"), ("result", 5, [], "kind"),
])
def test_bad_input_is_refused_and_changes_nothing(h, kind, score, chips, field):
    d = h.dropoff("HS-1")
    with pytest.raises(InvalidInput) as refused:
        h.svc.ratings.rate(kind, d["id"], score, chips, kiosk="k1")
    assert refused.value.field == field and refused.value.message("vi") != refused.value.message("en")
    assert rows(h) == [] and stats(h) == {}
    assert h.svc.ratings.rate("dropoff", d["id"], 5, list(CHIPS), kiosk="k1")["chips"] == list(CHIPS)


def test_a_rating_survives_the_purge_and_an_erasure(h):
    d = h.dropoff("HS-1")
    h.svc.ratings.rate("dropoff", d["id"], 1, ["confusing"], kiosk="k1")
    c = h.svc.start_collection(d["compartment"], actor="clerk1")
    h.cycle(c["compartment"])
    before = h.svc.reports.figures(DAY, DAY)
    h.clock.advance(200 * 86400)
    assert h.svc.privacy.purge().records["dropoffs"] == 1
    h.svc.privacy.erase("HS-1", actor="admin", reason="request 2025/3")
    assert rows(h) == [(1, d["id"], None, 1, "confusing")]
    assert h.svc.reports.figures(DAY, DAY) == before


def test_the_kiosk_and_the_console_name_exactly_the_service_s_chips():
    static = Path(__file__).resolve().parents[2] / "api" / "kiosk" / "static"
    shown = re.search(r"const CHIPS = \[([^\]]*)\]", (static / "rating.js").read_text(encoding="utf-8")).group(1)
    assert re.findall(r'"(\w+)"', shown) == list(CHIPS)
    from api.kiosk.words import page_words   # the kiosk's words (T), from the catalogs

    words = {key.removeprefix("rating_chip_"): pair for key, pair in page_words().items() if key.startswith("rating_chip_")}
    assert list(words) == list(CHIPS) and all(vi and en for vi, en in words.values())
    assert list(CHIP_WORDS) == list(CHIPS)
