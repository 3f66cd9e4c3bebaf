"""Email through a real local SMTP server (aiosmtpd): STARTTLS or implicit TLS with a
self-signed certificate, AUTH, and what arrives (headers, subject, UTF-8 body)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from api.runtime import Runtime
from locker import outbox
from locker.alarm_kinds import AlarmKind
from locker.config import config_from_dict
from locker.email_sender import SmtpEmailSender
from locker.models import OutboxMessage
from locker.ports import Delivery, NotifierError
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
        assert mail["Subject"] == "UBND Phường 6: 1 cảnh báo mới / 1 new alarms"
        assert "tamper" in mail.get_content() and "Cảnh báo mới của tủ hồ sơ" in mail.get_content()
    finally:
        rt.stop()
        smtp.close()
