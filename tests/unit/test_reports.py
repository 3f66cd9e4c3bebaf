"""Reports over a month of simulated traffic (driven through the service with a movable
clock), checked against the audit events that produced them; a purge leaves them
unchanged and no phone number anywhere in the database or the logs; CSV and SVG."""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import random
import re
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, select

from locker.audit import verify_chain
from locker.errors import InvalidInput
from locker.messages import VN_TIME
from locker.models import Base, Dropoff, OutboxMessage, Result
from locker.models_runs import Announcement
from locker.notifiers import LogNotifier
from locker.ratings import CHIPS
from locker.outbox import OutboxWorker, unseal
from locker.models_ratings import Rating
from locker.report_output import as_csv, chart_svg, satisfaction_svg
from tests.domain_support import SECRET, Harness

LAYOUT = [{"label": f"A{i:02d}", "board": 0, "lock": i, "size": "M"} for i in range(1, 13)]
DAYS = 31
#: A Vietnamese mobile number standing alone (not a run of digits inside a hash).
PHONE_RE = re.compile(r"(?<![0-9A-Za-z])(?:0|\+?84)[35789]\d{8}(?![0-9A-Za-z])")


def phone(n: int) -> str:
    return f"09{n:08d}"


class Month:
    """March 2025 at an office: drop-offs taken in by clerks, results loaded and picked up
    (some days later, some never: a clerk takes those back), and forced doors."""

    def __init__(self, url: str) -> None:
        self.h = Harness(url, LAYOUT)
        self.phones: list[str] = []
        self.rng = random.Random(11)
        self.waiting: list[tuple[datetime, str, str, str]] = []  # due, code, pickup code, compartment
        self.n = 0
        self.citizens = random.Random(5)  # who rates at the kiosk, and how (apart: the traffic stays the same)

    def run(self) -> None:
        h, start = self.h, datetime(2025, 3, 1, 1, 0, tzinfo=timezone.utc)  # 08:00 in Vietnam
        for day in range(DAYS):
            h.clock.t = start + timedelta(days=day)
            for _ in range(self.rng.randint(0, 1)):
                self._dropoff_and_collection()
            for _ in range(self.rng.randint(1, 2)):
                self._result()
            h.clock.advance(self.rng.randint(600, 3 * 3600))
            self._pickups_due()
            if day % 9 == 4:  # forced open twice: one alarm (the repeat folds), resolved by a clerk
                for _ in range(2):
                    h.door("A12", True)
                    h.door("A12", False)
                for alarm in h.svc.list_alarms("open"):
                    h.svc.resolve_alarm(alarm["id"], actor="clerk1", note="checked")
        h.clock.t = start + timedelta(days=DAYS + 5, hours=2)
        self._pickups_due()

    def _next(self) -> tuple[str, str]:
        self.n += 1
        self.phones.append(phone(self.n))
        return f"HS-{self.n:04d}", self.phones[-1]

    def _dropoff_and_collection(self) -> None:
        code, number = self._next()
        d = self.h.svc.start_dropoff(code, number, "M", kiosk="k1")
        self.h.cycle(d["compartment"])
        self._rate("dropoff", d["id"], "k1")
        self.h.clock.advance(60)
        c = self.h.svc.start_collection(d["compartment"], actor="clerk1")
        self.h.cycle(c["compartment"])

    def _result(self) -> None:
        code, number = self._next()
        r = self.h.svc.load_result(code, number, "M", actor="clerk1")
        self.h.cycle(r["compartment"])
        pin = self._last_code()
        wait = self.rng.choice([None, 1800, 4 * 3600, 26 * 3600, 3 * 86400])
        # None: never collected; a clerk takes it back after five days.
        due = self.h.clock.now() + timedelta(seconds=wait or 5 * 86400)
        self.waiting.append((due, code, None if wait is None else pin, r["compartment"]))
        self.h.clock.advance(120)

    def _last_code(self) -> str:
        """The pickup code of the latest SMS carrying one (the QR link comes in an SMS of its own)."""
        with self.h.db.session() as s:
            msgs = s.execute(select(OutboxMessage).where(OutboxMessage.channel == "sms")
                             .order_by(OutboxMessage.id.desc()).limit(5)).scalars()
            texts = [unseal(SECRET, msg.payload)["text"] for msg in msgs]
        return next(m.group(1) for text in texts if (m := re.search(r"\b(\d{8})\b", text)))

    def _pickups_due(self) -> None:
        due = [w for w in self.waiting if w[0] <= self.h.clock.now() + timedelta(hours=20)]
        for item in due:
            self.waiting.remove(item)
            if item[2] is None:
                c = self.h.svc.start_collection(item[3], actor="clerk1")
            else:
                c = self.h.svc.start_pickup(dossier_code=item[1], code=item[2], kiosk="k2")
            self.h.cycle(c["compartment"])
            if item[2] is not None:
                self._rate("pickup", c["id"], "k2")
            self.h.clock.advance(90)

    def _rate(self, kind: str, record_id: int, kiosk: str) -> None:
        """Most citizens rate (mostly happy, some comments); the rest skip. None from March 20 on."""
        if self.h.clock.now() >= datetime(2025, 3, 20, tzinfo=timezone.utc) or self.citizens.random() < 0.25:
            return
        score = self.citizens.choice([5, 5, 5, 4, 4, 3, 2, 1])
        chips = self.citizens.sample(CHIPS, self.citizens.randint(0, 2))
        self.h.svc.ratings.rate(kind, record_id, score, chips, kiosk=kiosk)


@pytest.fixture(scope="module")
def month():
    m = Month("sqlite://")
    m.run()
    yield m
    m.h.db.dispose()


def expected_from_events(events, first, last):
    """The figures recomputed from the audit log alone."""
    def day(e):
        return datetime.fromisoformat(e["time"].replace("Z", "+00:00")).astimezone(VN_TIME).date()

    def t(e):
        return datetime.fromisoformat(e["time"].replace("Z", "+00:00"))
    inside = [e for e in events if first <= day(e) <= last]
    kinds = Counter(e["kind"] for e in inside)
    ready, waits = {}, []
    for e in events:
        if e["kind"] == "result_ready":
            ready[e["dossier_code"]] = t(e)
        elif e["kind"] == "pickup_collected" and first <= day(e) <= last:
            waits.append(int((t(e) - ready[e["dossier_code"]]).total_seconds()))
    seen, alarms = set(), Counter()
    for e in events:
        if e["data"].get("alarm") and e["data"]["alarm_id"] not in seen:
            seen.add(e["data"]["alarm_id"])
            if first <= day(e) <= last:
                alarms[e["data"]["alarm_kind"]] += 1
    waits.sort()

    def rank(share):
        return waits[max(0, math.ceil(share * len(waits)) - 1)] if waits else None
    return {"dropoffs": kinds["dropoff_stored"], "results_loaded": kinds["result_ready"],
            "pickups": kinds["pickup_collected"], "expired": kinds["result_expired"],
            "returned": kinds["result_returned"] + kinds["result_removed"], "alarms": dict(alarms),
            "waits": len(waits), "wait_median_s": rank(0.5), "wait_p90_s": rank(0.9),
            "satisfaction": satisfaction_from([e["data"] for e in inside if e["kind"] == "rating_recorded"])}


def satisfaction_from(ratings):
    """The satisfaction figures recomputed from the ratings' audit events."""
    if not ratings:
        return None
    scores = Counter(str(r["score"]) for r in ratings)
    happy = sum(1 for r in ratings if r["score"] >= 4)
    return {"ratings": len(ratings), "satisfied": happy, "share": round(happy / len(ratings), 4),
            "average": round(sum(r["score"] for r in ratings) / len(ratings), 2),
            "scores": {str(k): scores[str(k)] for k in range(1, 6)},
            "chips": dict(sorted(Counter(c for r in ratings for c in r["chips"]).items()))}


def test_a_month_of_traffic_gives_the_figures_of_its_events(month):
    svc = month.h.svc
    events = svc.events_after(0, 1000)
    while len(events) % 1000 == 0 and events:
        more = svc.events_after(events[-1]["seq"], 1000)
        if not more:
            break
        events += more
    report = svc.reports.figures("2025-03-01", "2025-04-01", "day")
    first, last = datetime(2025, 3, 1).date(), datetime(2025, 4, 1).date()
    expected = expected_from_events(events, first, last)
    total = report["total"]
    assert {k: total[k] for k in expected} == expected
    assert total["pickups"] > 20 and total["returned"] > 0 and total["alarms"] == {"forced_open": 3}
    assert total["wait_median_s"] < total["wait_p90_s"]
    assert total["pickups_on_time"] == total["pickups"] and total["on_time_share"] == 1.0
    assert len(report["periods"]) == 32
    for period in report["periods"]:
        day = datetime.fromisoformat(period["start"]).date()
        assert {k: period[k] for k in expected} == expected_from_events(events, day, day)
    # Weeks and months partition the same range: their counts add up to the total.
    for name in ("week", "month"):
        rows = svc.reports.figures("2025-03-01", "2025-04-01", name)["periods"]
        assert sum(r["dropoffs"] for r in rows) == total["dropoffs"]
        assert sum(r["pickups"] for r in rows) == total["pickups"]
    assert [r["start"] for r in svc.reports.figures("2025-03-01", "2025-04-01", "month")["periods"]] == [
        "2025-03-01", "2025-04-01"]
    rated = total["satisfaction"]
    assert rated["ratings"] > 10 and 0 < rated["satisfied"] < rated["ratings"] and rated["chips"]
    assert report["periods"][25]["satisfaction"] is None  # nobody rated from March 20 on
    assert not any("satisfaction" in n for n in report["notes"])
    empty = svc.reports.figures("2025-02-01", "2025-02-28")  # before any rating
    assert empty["total"]["satisfaction"] is None and any("satisfaction" in n for n in empty["notes"])


def test_counter_totals_give_the_machine_share(month):
    svc = month.h.svc
    svc.reports.set_counter_total("2025-03-03", 40, actor="onestop")
    svc.reports.set_counter_total("2025-03-04", 10, actor="onestop")
    svc.reports.set_counter_total("2025-03-04", 20, actor="admin")  # a second total replaces the first
    report = svc.reports.figures("2025-03-03", "2025-03-05")
    machine = sum(p["dropoffs"] + p["results_loaded"] for p in report["periods"][:2])
    assert report["total"]["counter_total"] == 60 and report["total"]["machine_dossiers"] == machine
    assert report["total"]["machine_share"] == round(machine / 60, 4)
    assert report["periods"][2]["machine_share"] is None
    assert any("1 day(s)" in n for n in report["notes"])
    assert svc.reports.counter_totals("2025-03-01", "2025-03-31")[1] == {"date": "2025-03-04", "count": 20,
                                                                         "source": "admin"}
    for bad in (("2025-3-4", 1), ("2025-03-04", -1), ("2025-03-04", "5"), ("2025-03-04", True)):
        with pytest.raises(InvalidInput):
            svc.reports.set_counter_total(*bad, actor="admin")


@pytest.mark.parametrize("args", [("2025-03-02", "2025-03-01"), ("2025-03-01", None), ("x", "2025-03-01"),
                                  ("2025-03-01", "2025-03-02", "year"), ("2020-01-01", "2025-01-01")])
def test_bad_ranges_are_refused(month, args):
    with pytest.raises(InvalidInput):
        month.h.svc.reports.figures(*args)


def test_csv_and_svg_carry_the_figures(month):
    report = month.h.svc.reports.figures("2025-03-01", "2025-03-31", "week")
    rows = list(csv.DictReader(io.StringIO(as_csv(report))))
    assert [r["start"] for r in rows][-1] == "total" and len(rows) == len(report["periods"]) + 1
    assert int(rows[-1]["pickups"]) == report["total"]["pickups"]
    assert int(rows[0]["dropoffs"]) == report["periods"][0]["dropoffs"]
    assert int(rows[-1]["alarms_forced_open"]) == report["total"]["alarms"]["forced_open"]
    rated = report["total"]["satisfaction"]
    assert (int(rows[-1]["ratings"]), int(rows[-1]["satisfied"]), float(rows[-1]["rating_average"])) == (
        rated["ratings"], rated["satisfied"], rated["average"])
    assert {int(rows[-1][f"chips_{k}"]) for k in rated["chips"]} == set(rated["chips"].values())
    bars = re.findall(r'class="satisfied" x="[^"]+" y="[^"]+" width="[^"]+" height="([^"]+)"', satisfaction_svg(report))
    assert [float(b) for b in bars] == pytest.approx(
        [150 * r["satisfaction"]["share"] for r in report["periods"] if r["satisfaction"]], abs=0.06)
    svg = chart_svg(report)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    heights = [float(h) for h in re.findall(r'class="pickups" x="[^"]+" y="[^"]+" width="[^"]+" height="([^"]+)"', svg)]
    assert len(heights) == len(report["periods"])
    top = max(max(r[k] for k in ("dropoffs", "results_loaded", "pickups")) for r in report["periods"])
    for height, row in zip(heights, report["periods"]):
        assert height == pytest.approx(180 * row["pickups"] / top, abs=0.06)


def raw_values(db):
    """(table, column, value) of every column of every table, as the database holds them (nothing decrypted)."""
    out = []
    with db.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            result = conn.exec_driver_sql(f'SELECT * FROM "{table}"')
            for row in result:
                out.extend((table, column, value) for column, value in zip(result.keys(), row))
    return out


def personal_values(db):
    """Every sealed personal column and outbox payload that still holds something."""
    with db.session() as s:
        held = [r.phone for r in s.execute(select(Dropoff)).scalars()] + \
               [r.phone for r in s.execute(select(Result)).scalars()]
        payloads = [m.payload for m in s.execute(select(OutboxMessage)).scalars()]
    return [v for v in held + payloads if v]


def test_a_purge_keeps_the_reports_and_leaves_no_phone_anywhere(month, caplog):
    h = month.h
    before = h.svc.reports.figures("2025-03-01", "2025-04-01", "day")
    stored = " ".join(str(v) for _t, _c, v in raw_values(h.db))
    assert not any(p in stored for p in month.phones)  # sealed at rest from the start
    caplog.set_level(logging.INFO)
    notifier = LogNotifier(keep=1000)
    worker = OutboxWorker(db=h.db, notifier=notifier, secret=SECRET, clock=h.clock, batch=1000)
    assert worker.run_once() > 50
    assert {to for to, _ in notifier.sent} <= set(month.phones)
    assert not any(p in caplog.text for p in month.phones) and not re.search(r"\b\d{8}\b", caplog.text)
    h.clock.advance(89 * 86400)
    assert h.svc.privacy.purge(dry_run=True).messages == 0  # 90 days have not passed for any of them
    h.clock.advance(2 * 86400)
    dry = h.svc.privacy.purge(dry_run=True)
    assert dry.records == {"dropoffs": len(month.phones) - before["total"]["results_loaded"],
                           "results": before["total"]["results_loaded"], "announcements": 0} and dry.messages > 50
    assert personal_values(h.db)  # a dry run changes nothing
    with h.db.session() as s:
        ratings = [(r.dossier_id, r.dropoff_id, r.pickup_id, r.score, r.chips) for r in s.execute(select(Rating)).scalars()]
    done = h.svc.privacy.purge()
    assert done.records == dry.records and done.messages == dry.messages
    assert personal_values(h.db) == []
    for table, column, value in raw_values(h.db):
        text = str(value) if isinstance(value, (str, bytes)) else ""
        assert not PHONE_RE.search(text) and not any(p in text for p in month.phones), (table, column, value)
    assert h.svc.reports.figures("2025-03-01", "2025-04-01", "day") == before
    with h.db.session() as s:
        assert verify_chain(s).ok
        # The ratings are anonymous: every one is kept, tied to its dossier and transaction.
        kept = [(r.dossier_id, r.dropoff_id, r.pickup_id, r.score, r.chips) for r in s.execute(select(Rating)).scalars()]
    assert kept == ratings and len(kept) == before["total"]["satisfaction"]["ratings"]
    assert h.kinds()[-1] == "personal_data_purged"
    assert h.svc.privacy.purge().records == {"dropoffs": 0, "results": 0, "announcements": 0}


def test_every_table_is_scanned(month):
    """The scan reads the tables the database has (not a list kept by hand): every model's among them."""
    with month.h.db.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
    assert tables >= set(Base.metadata.tables) and {t for t, _c, _v in raw_values(month.h.db)} >= {
        "dropoffs", "results", "outbox_messages", "audit_events", "daily_stats", "pickup_waits"}


def test_the_audit_log_holds_no_phone_number(month):
    for event in month.h.svc.events_after(0, 1000):
        assert not PHONE_RE.search(json.dumps(event["data"])), event


def test_a_citizen_is_erased_on_request(migrated_db_url):
    h = Harness(migrated_db_url)
    h.svc.start_dropoff("HS-9", "0912345678", "S", kiosk="k1")
    r, _pin, _qr = h.result("HS-10")
    with pytest.raises(InvalidInput):
        h.svc.privacy.erase("HS-10", actor="admin", reason=" ")
    answer = h.svc.privacy.erase("hs-10", actor="admin", reason="request 2025/17")
    # Two messages: the result's pickup code and, in an SMS of its own, its QR link.
    assert answer == {"dossier_code": "HS-10", "records": {"dropoffs": 0, "results": 1, "announcements": 0},
                      "messages": 2}
    with h.db.session() as s:
        assert s.get(Result, r["id"]).phone == ""
        assert s.get(Dropoff, 1).phone == "0912345678"  # another dossier keeps its number
        assert {m.status for m in s.execute(select(OutboxMessage)).scalars() if m.payload == ""} == {"erased"}
        assert verify_chain(s).ok
    event = h.svc.events_after(0, 1000)[-1]
    assert (event["kind"], event["actor"], event["dossier_code"], event["data"]["reason"]) == (
        "personal_data_erased", "admin", "HS-10", "request 2025/17")
    assert h.svc.dossier_overview("HS-10")["results"][0]["phone"] == ""
    h.db.dispose()


def test_an_email_address_is_sealed_at_rest_and_erased_on_request(migrated_db_url):
    h = Harness(migrated_db_url)
    d = h.svc.start_dropoff("HS-11", "0912345678", "S", kiosk="k1", email="lan.nguyen@example.vn")
    assert not any("lan.nguyen" in str(v) for _t, _c, v in raw_values(h.db))
    with h.db.session() as s:
        assert s.get(Dropoff, d["id"]).email == "lan.nguyen@example.vn"
    h.svc.privacy.erase("HS-11", actor="admin", reason="request 2025/18")
    with h.db.session() as s:
        assert (s.get(Dropoff, d["id"]).phone, s.get(Dropoff, d["id"]).email) == ("", None)
    h.db.dispose()


def test_an_announced_address_is_sealed_at_rest_and_purged_with_the_number(migrated_db_url):
    h = Harness(migrated_db_url)
    runs = h.svc.runs.announcements
    runs.announce("HS-12", "0912345678", "2025-03-05", "S", "Cấp phép", actor="onestop", email="lan.nguyen@example.vn")
    assert not any("lan.nguyen" in str(v) for _t, _c, v in raw_values(h.db))
    runs.withdraw("HS-12", actor="onestop")
    h.clock.advance(91 * 24 * 3600)
    assert h.svc.privacy.purge().records["announcements"] == 1
    with h.db.session() as s:
        assert s.execute(select(Announcement.phone, Announcement.email)).one() == ("", None)
    runs.announce("HS-13", "0912345678", "2025-03-05", "S", "Cấp phép", actor="onestop", email="lan@example.vn")
    assert h.svc.privacy.erase("HS-13", actor="admin", reason="request 2025/19")["records"]["announcements"] == 1
    with h.db.session() as s:
        assert s.execute(select(Announcement.email).where(Announcement.dossier_code == "HS-13")).scalar_one() is None
    h.db.dispose()


def test_a_day_of_traffic_on_any_database(migrated_db_url):
    """A few results and their pickups: the statistics' upserts and percentiles on this database."""
    h = Harness(migrated_db_url)
    h.clock.t = datetime(2025, 3, 1, 1, 0, tzinfo=timezone.utc)
    loaded = [h.result(f"HS-{n}") for n in range(3)]
    for n, (_r, pin, _qr) in enumerate(loaded):
        h.clock.advance(600 * (n + 1))
        p = h.svc.start_pickup(dossier_code=f"HS-{n}", code=pin, kiosk="k2")
        h.cycle(p["compartment"])
    report = h.svc.reports.figures("2025-03-01", "2025-03-01")
    day = datetime(2025, 3, 1).date()
    expected = expected_from_events(h.svc.events_after(0, 1000), day, day)
    assert {k: report["total"][k] for k in expected} == expected
    assert (report["total"]["pickups"], report["total"]["waits"]) == (3, 3)
    h.db.dispose()


def test_a_dossier_still_in_the_cabinet_keeps_its_number(migrated_db_url):
    h = Harness(migrated_db_url)
    d = h.dropoff("HS-20", "S")
    h.clock.advance(200 * 86400)
    assert h.svc.privacy.purge().records == {"dropoffs": 0, "results": 0, "announcements": 0}
    c = h.svc.start_collection(d["compartment"], actor="clerk1")
    h.cycle(c["compartment"])
    h.clock.advance(89 * 86400)
    assert h.svc.privacy.purge().records["dropoffs"] == 0
    h.clock.advance(2 * 86400)
    assert h.svc.privacy.purge().records["dropoffs"] == 1
    with h.db.session() as s:
        assert s.get(Dropoff, d["id"]).phone == ""
    h.db.dispose()


def test_a_message_undelivered_for_the_whole_retention_period_is_purged(migrated_db_url):
    h = Harness(migrated_db_url)
    h.dropoff("HS-30", "S")  # its SMS is queued and never sent (no worker runs here)
    h.clock.advance(91 * 86400)
    assert h.svc.privacy.purge().messages == 1
    with h.db.session() as s:
        [msg] = s.execute(select(OutboxMessage)).scalars().all()
        assert (msg.status, msg.payload, msg.recipient) == ("erased", "", "")
    h.db.dispose()
