"""The generic HTTP SMS gateway shaped by [notify.sms]: headers, a JSON or form body from a
template, the gateway's message id read from its answer and kept on the outbox message."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest
from sqlalchemy import select

from api.runtime import Runtime
from locker import outbox
from locker.config import config_from_dict
from locker.models import OutboxMessage
from locker.notifiers import HttpSmsNotifier
from locker.ports import Delivery, NotifierError
from tests.support.sms_gateway import SmsGateway

TEXT = 'Ma nhan: 12345678\nHo so "HS-1" da co ket qua.'


@pytest.fixture
def gateway(sms_gateway):
    return sms_gateway


def runtime(tmp_path, gateway: SmsGateway, **sms) -> Runtime:
    config = config_from_dict({
        "database": {"url": f"sqlite:///{tmp_path / 'locker.db'}"},
        "security": {"secret_file": str(tmp_path / "locker.secret")},
        "notify": {"sms": {"kind": "http", "url": gateway.url, "timeout_s": 5, **sms}},
    }, env={})
    rt = Runtime.from_config(config)
    rt.db.upgrade()
    return rt


def send_one(rt: Runtime, to: str = "0912345678") -> OutboxMessage:
    with rt.db.session() as s:
        outbox.enqueue_sms(s, to, TEXT, secret=rt.secret, clock=rt.clock, kind="result_ready")
    rt.outbox.run_once()
    with rt.db.session() as s:
        msg = s.execute(select(OutboxMessage)).scalar_one()
        s.expunge(msg)
        return msg


def test_a_json_body_template_with_headers_and_the_gateways_message_id(tmp_path, gateway):
    gateway.reply = json.dumps({"code": "00", "data": {"messages": [{"id": "VN-884422"}]}}).encode()
    rt = runtime(tmp_path, gateway, headers={"Authorization": "Bearer k-123", "X-Brandname": "UBND-P6"},
                 body_template='{"to": ["{to_intl}"], "content": "{text}", "sender": "UBND-P6", "type": 2}',
                 message_id_path="data.messages.0.id")
    try:
        msg = send_one(rt)
        [request] = gateway.requests
        assert request["headers"]["Authorization"] == "Bearer k-123"
        assert request["headers"]["X-Brandname"] == "UBND-P6"
        assert request["headers"]["Content-Type"] == "application/json; charset=utf-8"
        assert json.loads(request["body"]) == {"to": ["84912345678"], "content": TEXT, "sender": "UBND-P6",
                                               "type": 2}
        assert (msg.status, msg.gateway_status, msg.gateway_id) == ("sent", 200, "VN-884422")
    finally:
        rt.db.dispose()


def test_a_form_body_template(tmp_path, gateway):
    rt = runtime(tmp_path, gateway, content_type="form", body_template="phone={to}&msg={text}&brand=UBND%20P6",
                 message_id_path="id")
    try:
        msg = send_one(rt, to="+84912345678")
        [request] = gateway.requests
        assert request["headers"]["Content-Type"] == "application/x-www-form-urlencoded; charset=utf-8"
        assert parse_qs(request["body"].decode()) == {"phone": ["+84912345678"], "msg": [TEXT], "brand": ["UBND P6"]}
        assert (msg.status, msg.gateway_id) == ("sent", "")  # the answer has no "id"
    finally:
        rt.db.dispose()


def test_a_refusal_is_recorded_with_its_status_and_retried(tmp_path, gateway):
    gateway.fail_next = 1
    rt = runtime(tmp_path, gateway)
    try:
        msg = send_one(rt)
        assert (msg.status, msg.attempts, msg.gateway_status) == ("pending", 1, 503)
        assert msg.last_error == "SMS gateway answered HTTP 503"
    finally:
        rt.db.dispose()


def test_the_notifier_reports_what_the_gateway_said(gateway):
    gateway.reply = b'{"SMSID": 991}'
    notifier = HttpSmsNotifier(gateway.url, timeout=5, message_id_path="SMSID")
    assert notifier.send_sms("0912345678", "x") == Delivery(200, "991")
    gateway.reply = b"not json"
    assert notifier.send_sms("0912345678", "x") == Delivery(200, "")
    gateway.fail_next = 1
    with pytest.raises(NotifierError) as err:
        notifier.send_sms("0912345678", "x")
    assert err.value.status == 503


def test_a_gateway_that_answers_200_to_a_refusal_is_read_by_its_result_code(tmp_path, gateway):
    """Like a brand-name API answering ``{"CodeResult": "100", "SMSID": ...}`` only when it took the message."""
    rt = runtime(tmp_path, gateway, content_type="form", body_template="Phone={to}&Content={text}&SmsType=2",
                 success_path="CodeResult", success_value="100", message_id_path="SMSID")
    try:
        gateway.reply = b'{"CodeResult": "104", "ErrorMessage": "Brandname chua duoc dang ky"}'
        refused = send_one(rt)
        assert (refused.status, refused.gateway_status) == ("pending", 200)
        assert refused.last_error == "SMS gateway refused the message: CodeResult = '104'"
        gateway.reply = b'{"CodeResult": "100", "SMSID": "a1b2-c3"}'
        with rt.db.session() as s:
            s.get(OutboxMessage, refused.id).next_attempt_at = rt.clock.now()
        rt.outbox.run_once()
        with rt.db.session() as s:
            sent = s.get(OutboxMessage, refused.id)
            assert (sent.status, sent.attempts, sent.gateway_id) == ("sent", 2, "a1b2-c3")
    finally:
        rt.db.dispose()
