"""Email through a real local SMTP server (aiosmtpd): STARTTLS or implicit TLS with a
self-signed certificate, AUTH, and what arrives (headers, subject, UTF-8 body)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from api.runtime import Runtime
from locker import outbox
from locker.alarm_kinds import AlarmKind
from locker.config import config_from_dict
from locker.email_sender import SmtpEmailSender
from locker.alarm_digest import AlarmDigest
from locker.audit import AuditRecorder
from locker.models import OutboxMessage
from locker.ports import Delivery, NotifierError, SystemClock
from tests.domain_support import SECRET, Harness
from tests.support.smtp_server import LocalSmtp


def email_config(smtp: LocalSmtp, security: str, **overrides):
    section = {"host": "127.0.0.1", "port": smtp.port, "security": security, "username": "tuhoso",
               "password": "mật-khẩu-1", "from": "tuhoso@ubnd-p6.example.vn", "ca_file": str(smtp.cert),
               "timeout_s": 5, "alarm_recipients": ["canbo@ubnd-p6.example.vn"], **overrides}
    return {"email": section}


@pytest.fixture(params=["starttls", "tls"])
def smtp(request, tmp_path):
    server = LocalSmtp(tmp_path, security=request.param)
    server.security = request.param
    yield server
    server.close()


def test_a_citizens_messages_arrive_by_email_with_diacritics(smtp, migrated_db_url, tmp_path):
    h = Harness(migrated_db_url, notify=email_config(smtp, smtp.security))
    try:
        d = h.svc.start_dropoff("000.00.19.H29-241129-0001", "0912345678", "M", kiosk="k1",
                                email="Lan.Nguyen@Example.VN")
        h.cycle(d["compartment"])
        mailer = SmtpEmailSender(h.config.email)
        worker = outbox.OutboxWorker(db=h.db, notifier=_Quiet(), secret=SECRET, clock=h.clock, email=mailer)
        assert worker.run_once() == 2
        [mail] = smtp.wait_messages(1)
        assert smtp.logins == ["tuhoso"]
        assert smtp.inbox.envelopes == [("tuhoso@ubnd-p6.example.vn", ["Lan.Nguyen@example.vn"])]
        assert mail["From"] == "tuhoso@ubnd-p6.example.vn" and mail["To"] == "Lan.Nguyen@example.vn"
        assert mail["Subject"] == ("Biên nhận gửi hồ sơ 000.00.19.H29-241129-0001 / "
                                   "Drop-off receipt for dossier 000.00.19.H29-241129-0001")
        assert mail["Message-ID"].endswith("@ubnd-p6.example.vn>") and mail["Date"]
        assert mail.get_content_type() == "text/plain" and mail.get_content_charset() == "utf-8"
        body = mail.get_content()
        assert body.startswith("Tủ hồ sơ: đã nhận hồ sơ 000.00.19.H29-241129-0001 lúc 15:00 01/03/2025, ngăn")
        assert "Locker: dossier 000.00.19.H29-241129-0001 received" in body and h.config.office.name in body
        with h.db.session() as s:
            sent = s.execute(select(OutboxMessage).where(OutboxMessage.channel == "email")).scalar_one()
            assert (sent.status, sent.gateway_status, sent.gateway_id) == ("sent", 250, mail["Message-ID"])
    finally:
        h.db.dispose()


def test_a_wrong_password_is_a_failure_the_outbox_retries(tmp_path):
    smtp = LocalSmtp(tmp_path, security="starttls")
    try:
        cfg = config_from_dict({"notify": email_config(smtp, "starttls", password="wrong")}, env={})
        with pytest.raises(NotifierError) as err:
            SmtpEmailSender(cfg.email).send_email("a@example.vn", "x", "y")
        assert err.value.status == 535 and smtp.inbox.messages == []
        password_file = tmp_path / "smtp-password"
        password_file.write_text("mật-khẩu-1\n", encoding="utf-8")
        cfg = config_from_dict({"notify": email_config(smtp, "starttls", password="wrong",
                                                       password_file=str(password_file))}, env={})
        assert SmtpEmailSender(cfg.email).send_email("a@example.vn", "Chào", "Xin chào") == Delivery(
            250, smtp.wait_messages(1)[0]["Message-ID"])
    finally:
        smtp.close()


def test_an_untrusted_certificate_is_refused(tmp_path):
    smtp = LocalSmtp(tmp_path, security="starttls")
    try:
        cfg = config_from_dict({"notify": email_config(smtp, "starttls", ca_file="")}, env={})
        with pytest.raises(NotifierError, match="CERTIFICATE_VERIFY_FAILED"):
            SmtpEmailSender(cfg.email).send_email("a@example.vn", "x", "y")
        assert smtp.inbox.messages == [] and smtp.logins == []
    finally:
        smtp.close()


class _Quiet:
    def send_sms(self, to: str, text: str) -> Delivery:
        return Delivery(200)


def test_the_running_service_mails_clerks_a_digest_of_new_alarms(tmp_path):
    smtp = LocalSmtp(tmp_path, security="starttls")
    config = config_from_dict({
        "database": {"url": f"sqlite:///{tmp_path / 'locker.db'}"},
        "security": {"secret_file": str(tmp_path / "locker.secret")},
        "office": {"name": "UBND Phường 6"},
        "notify": {**email_config(smtp, "starttls", digest_interval_s=60), "sms": {"retry_base_s": 0.2}},
    }, env={})
    rt = Runtime.from_config(config)
    rt.db.upgrade()
    rt.start()
    try:
        with rt.db.session() as s:
            rt.service.alarms.raise_(s, AlarmKind.TAMPER, event="tamper")
        [mail] = smtp.wait_messages(1)
        assert mail["To"] == "canbo@ubnd-p6.example.vn"
        assert mail["Subject"] == "UBND Phường 6: 1 cảnh báo mới / 1 new alarm"
        assert "tamper" in mail.get_content() and "Cảnh báo mới của tủ hồ sơ" in mail.get_content()
    finally:
        rt.stop()
        smtp.close()


class _Later:
    """The system's clock, ``seconds`` ahead."""

    def __init__(self, seconds: float) -> None:
        self.seconds, self._clock = seconds, SystemClock()

    def now(self):
        return self._clock.now() + timedelta(seconds=self.seconds)

    def monotonic(self) -> float:
        return self._clock.monotonic() + self.seconds


def test_each_clerk_gets_the_digest_and_a_restart_neither_repeats_nor_skips_an_alarm(tmp_path):
    smtp = LocalSmtp(tmp_path, security="tls")
    config = config_from_dict({
        "database": {"url": f"sqlite:///{tmp_path / 'locker.db'}"},
        "security": {"secret_file": str(tmp_path / "locker.secret")},
        "office": {"name": "UBND Phường 6"},
        "notify": email_config(smtp, "tls", digest_interval_s=60,
                               alarm_recipients=["canbo1@ubnd-p6.example.vn", "canbo2@ubnd-p6.example.vn"]),
    }, env={})
    rt = Runtime.from_config(config)
    rt.db.upgrade()
    rt.start()
    try:
        with rt.db.session() as s:
            rt.service.alarms.raise_(s, AlarmKind.JAM, event="jam", compartment="B07")
            rt.service.alarms.raise_(s, AlarmKind.PRINTER, event="printer")
        first = smtp.wait_messages(2)
        assert sorted(to for _sender, [to] in smtp.inbox.envelopes) == ["canbo1@ubnd-p6.example.vn",
                                                                       "canbo2@ubnd-p6.example.vn"]
        assert {m["Subject"] for m in first} == {"UBND Phường 6: 2 cảnh báo mới / 2 new alarms"}
        body = first[0].get_content()
        assert "jam (Khóa bị kẹt / Lock jammed)  B07" in body and "printer (Lỗi máy in / Printer problem)" in body
    finally:
        rt.stop()
    # A restart: nothing new, nothing sent again; an alarm raised now waits for the next interval.
    again = Runtime.from_config(config)
    try:
        with again.db.session() as s:
            assert again.service.alarm_digest.tick(s) == 0
            again.service.alarms.raise_(s, AlarmKind.TAMPER, event="tamper")
        with again.db.session() as s:
            assert again.service.alarm_digest.tick(s) == 0
        later = _Later(61)  # the interval passed: only the new alarm is listed
        digest = AlarmDigest(config=config, secret=again.secret, clock=later, audit=AuditRecorder(clock=later))
        with again.db.session() as s:
            assert digest.tick(s) == 1
        outbox.OutboxWorker(db=again.db, notifier=_Quiet(), secret=again.secret, clock=later,
                            email=again.outbox.email).run_once()
        latest = smtp.wait_messages(4)[2:]
        assert {m["Subject"] for m in latest} == {"UBND Phường 6: 1 cảnh báo mới / 1 new alarm"}
        assert "tamper" in latest[0].get_content() and "B07" not in latest[0].get_content()
    finally:
        again.db.dispose()
        smtp.close()
