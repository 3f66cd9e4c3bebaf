"""The outbox's delivery records, giving up with an alarm, email through the outbox,
the clerks' alarm digest and the masked log."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from locker import outbox
from locker.alarm_kinds import AlarmKind
from locker.errors import InvalidInput
from locker.models import OutboxMessage, Result
from locker.notifiers import LogNotifier
from locker.ports import Delivery, NotifierError, Tick
from tests.domain_support import SECRET, Harness

EMAIL = {"email": {"host": "smtp.example.vn", "from": "tuhoso@example.vn",
                   "alarm_recipients": ["canbo1@example.vn", "canbo2@example.vn"], "digest_interval_s": 600}}


class Gateway:
    """Answers each SMS with ``answers`` in turn: a Delivery, or an exception to raise."""

    def __init__(self, *answers) -> None:
        self.answers = list(answers)
        self.sent: list[tuple[str, str]] = []

    def send_sms(self, to: str, text: str):
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        self.sent.append((to, text))
        return answer


class Mailbox:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def send_email(self, to: str, subject: str, body: str) -> Delivery:
        self.sent.append((to, subject, body))
        return Delivery(250, f"<{len(self.sent)}@example.vn>")


@pytest.fixture
def h(migrated_db_url):
    harness = Harness(migrated_db_url, notify=EMAIL)
    yield harness
    harness.db.dispose()


def messages(h) -> list[OutboxMessage]:
    with h.db.session() as s:
        rows = s.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()
        s.expunge_all()
        return rows


def events(h, kind: str) -> list[dict]:
    return [e for e in h.svc.events_after(0, 1000) if e["kind"] == kind]


def worker(h, notifier, **options) -> outbox.OutboxWorker:
    return outbox.OutboxWorker(db=h.db, notifier=notifier, secret=SECRET, clock=h.clock, backoff=(5, 15), **options)


def test_the_gateways_answer_is_recorded_on_the_message(h):
    h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k1")
    h.cycle("A01")
    assert worker(h, Gateway(Delivery(201, "gw-42"))).run_once() == 1
    [msg] = messages(h)
    assert (msg.status, msg.kind, msg.gateway_status, msg.gateway_id) == ("sent", "dropoff_receipt", 201, "gw-42")
    assert events(h, "sms_sent")[-1]["data"]["gateway_id"] == "gw-42"


def test_an_sms_that_cannot_be_delivered_is_given_up_after_its_attempts_with_an_alarm(h):
    h.svc.start_dropoff("HS-2", "0912345678", "S", kiosk="k1")
    h.cycle("A01")
    gateway = Gateway(NotifierError("SMS gateway answered HTTP 503", status=503))
    w = worker(h, gateway, max_attempts=3, alarms=h.svc.alarms)
    for _ in range(3):
        assert w.run_once() == 0
        h.clock.advance(60)
    [msg] = messages(h)
    assert (msg.status, msg.attempts, msg.gateway_status) == ("failed", 3, 503)
    assert msg.last_error == "SMS gateway answered HTTP 503"
    [alarm] = events(h, "sms_undeliverable")
    assert alarm["data"]["alarm"] is True and alarm["data"]["alarm_kind"] == "sms_undeliverable"
    assert {key: alarm["data"][key] for key in ("message", "message_kind", "attempts", "error", "gateway_status")} == {
        "message": msg.id, "message_kind": "dropoff_receipt", "attempts": 3, "error": "SMS gateway answered HTTP 503",
        "gateway_status": 503}
    assert [a["kind"] for a in h.svc.alarms.listing("open")] == ["sms_undeliverable"]
    assert w.run_once() == 0 and len(events(h, "sms_undeliverable")) == 1  # no more attempts, one alarm


def test_a_citizen_who_gave_an_address_gets_each_message_by_email_too(h):
    d = h.svc.start_dropoff("HS-3", "0912345678", "S", kiosk="k1", email="Lan.Nguyen@Example.VN", language="en")
    h.cycle(d["compartment"])
    sms, mail = messages(h)
    assert (sms.channel, mail.channel, mail.kind) == ("sms", "email", "dropoff_receipt")
    assert mail.recipient == "L*********@example.vn"  # the address itself only in the sealed payload
    sealed = outbox.unseal(SECRET, mail.payload)
    assert sealed["to"] == "Lan.Nguyen@example.vn"
    assert sealed["subject"] == "Biên nhận gửi hồ sơ HS-3 / Drop-off receipt for dossier HS-3"
    assert sealed["text"].startswith("Tủ hồ sơ: đã nhận hồ sơ HS-3 lúc 15:00 01/03/2025, ngăn A01.")
    box = Mailbox()
    assert worker(h, Gateway(Delivery(200)), email=box).run_once() == 2
    assert [(to, subject) for to, subject, _ in box.sent] == [("Lan.Nguyen@example.vn", sealed["subject"])]
    assert [m.gateway_id for m in messages(h)] == ["", "<1@example.vn>"]
    assert "Locker: dossier HS-3 received" in box.sent[0][2]


def test_the_result_of_a_dossier_dropped_off_with_an_address_and_english_inherits_only_the_language(h):
    d = h.svc.start_dropoff("HS-4", "0912345678", "S", kiosk="k1", email="lan@example.vn", language="en")
    h.cycle(d["compartment"])
    h.svc.start_collection(d["compartment"], actor="clerk1")
    h.cycle(d["compartment"])
    before = len(messages(h))
    h.result("HS-4")
    sent = messages(h)[before:]
    assert [m.channel for m in sent] == ["sms", "sms"]  # the clerk gave no address for the result
    assert outbox.unseal(SECRET, sent[0].payload)["text"].startswith("Pickup code: ")


def announce_and_load(h, code: str, **contact) -> list[OutboxMessage]:
    """The one-stop system announces ``code``; a clerk scans it in; the messages its loading queued."""
    h.svc.runs.announcements.announce(code, "0987654321", "2025-03-05", "S", "Cấp phép xây dựng",
                                      actor="onestop", **contact)
    before = len(messages(h))
    run = h.svc.runs.load.start(actor="clerk1")
    h.cycle(h.svc.runs.load.scan(run["id"], code, actor="clerk1")["items"][0]["compartment"])
    return messages(h)[before:]


def test_an_announced_address_and_language_reach_the_citizen_when_the_result_is_ready(h):
    sent = announce_and_load(h, "HS-6", email="Lan@Example.VN", language="en")
    assert [(m.channel, m.kind) for m in sent] == [("sms", "result_ready"), ("email", "result_ready"),
                                                   ("sms", "pickup_link")]
    sms, mail = (outbox.unseal(SECRET, m.payload) for m in sent[:2])
    assert sms["to"] == "0987654321" and sms["text"].startswith("Pickup code: ")
    assert mail["to"] == "Lan@example.vn" and mail["subject"] == "Kết quả hồ sơ HS-6 đã sẵn sàng / Result of dossier HS-6 ready"
    assert "/q/" in mail["text"] and "Mã nhận" in mail["text"]
    with h.db.session() as s:
        assert s.execute(select(Result.email, Result.language)).one() == ("Lan@example.vn", "en")


def test_an_announcement_without_a_language_keeps_the_drop_offs(h):
    d = h.svc.start_dropoff("HS-7", "0912345678", "S", kiosk="k1", language="en")
    h.cycle(d["compartment"])
    h.svc.start_collection(d["compartment"], actor="clerk1")
    h.cycle(d["compartment"])
    sent = announce_and_load(h, "HS-7")
    assert [m.channel for m in sent] == ["sms", "sms"]  # no address announced: no email
    assert outbox.unseal(SECRET, sent[0].payload)["text"].startswith("Pickup code: ")
    sent = announce_and_load(h, "HS-8", language="vi")
    assert outbox.unseal(SECRET, sent[0].payload)["text"].startswith("Ma nhan: ")


def test_the_deadline_passing_is_told_once_by_sms_and_email(h):
    r = h.svc.load_result("HS-9", "0987654321", "S", actor="clerk1", email="lan@example.vn", language="en")
    h.cycle(r["compartment"])
    for _ in range(2):
        h.clock.advance(40 * 24 * 3600)
        h.svc.handle_event(Tick())
    told = [m for m in messages(h) if m.kind == "expired"]
    assert [m.channel for m in told] == ["sms", "email"]
    sms, mail = (outbox.unseal(SECRET, m.payload) for m in told)
    assert sms["text"].startswith("Dossier HS-9: the pickup time is over")
    assert mail["subject"] == "Hồ sơ HS-9 đã hết hạn nhận tại tủ / Dossier HS-9: pickup time over"
    assert [e["data"]["message_kind"] for e in events(h, "email_queued")][-1] == "expired"


def test_bad_addresses_and_languages_change_nothing(h):
    for kwargs, field in (({"email": "not-an-address"}, "email"), ({"email": "a@b"}, "email"),
                          ({"language": "fr"}, "language")):
        with pytest.raises(InvalidInput) as err:
            h.svc.start_dropoff("HS-5", "0912345678", "S", kiosk="k1", **kwargs)
        assert err.value.field == field and err.value.message("en").startswith(("Not a valid", "The language"))
    assert messages(h) == [] and h.compartment("A01")["state"] == "free"


def test_clerks_get_a_digest_of_new_alarms_once_an_interval(h):
    h.svc.set_out_of_service("A02", actor="tech", reason="broken hinge")
    with h.db.session() as s:
        h.svc.alarms.raise_(s, AlarmKind.TAMPER, event="tamper")
        h.svc.alarms.raise_(s, AlarmKind.PRINTER, event="printer", compartment="A01")
    with h.db.session() as s:
        assert h.svc.alarm_digest.tick(s) >= 2
    first = [m for m in messages(h) if m.kind == "alarm_digest"]
    assert sorted(m.recipient for m in first) == ["c*****@example.vn", "c*****@example.vn"]
    body = outbox.unseal(SECRET, first[0].payload)["text"]
    assert "tamper (" in body and "printer (Lỗi máy in / Printer problem)  A01" in body
    h.clock.advance(120)
    with h.db.session() as s:  # not due yet, and nothing new anyway
        assert h.svc.alarm_digest.tick(s) == 0
        h.svc.alarms.raise_(s, AlarmKind.JAM, event="jam", compartment="A03")
    h.clock.advance(600)
    with h.db.session() as s:
        assert h.svc.alarm_digest.tick(s) == 1
    latest = [m for m in messages(h) if m.kind == "alarm_digest"][-1]
    text = outbox.unseal(SECRET, latest.payload)["text"]
    assert "jam (Khóa bị kẹt / Lock jammed)  A03" in text and "tamper" not in text
    assert [e["data"]["alarms"] for e in events(h, "alarm_digest_queued")][-1] == 1


def test_the_demo_log_masks_numbers_codes_and_links(caplog):
    caplog.set_level(logging.INFO, logger="locker.sms")
    received = []
    notifier = LogNotifier(forward=lambda to, text: received.append((to, text)))
    text = "Ma nhan: 12345678\nHo so HS-1 da co ket qua. http://kiosk.test/q/LK1.7.abc.def"
    notifier.send_sms("0912345678", text)
    logged = caplog.records[-1].getMessage()
    assert logged == "SMS to 09******78: Ma nhan: ******** | Ho so HS-1 da co ket qua. http://kiosk.test/q/[redacted]"
    assert received == notifier.sent == [("0912345678", text)]
