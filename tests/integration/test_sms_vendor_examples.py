"""The brand-name gateway examples of docs/notifications.md, as written there, against a
local gateway: the request each sends has the shape its vendor documents (path, headers,
body fields), and what the gateway answers (accepted with its message id, or refused
with HTTP 200 and a result code) is recorded on the outbox message and in the audit log.

The vendors' shapes below come from their own published API documentation and sample
code (eSMS.vn: "SendMultipleMessage_V4_post", x-www-form-urlencoded, answer ``CodeResult``
``100`` with ``SMSID``; SpeedSMS: ``/index.php/sms/send``, HTTP Basic with the access token
as user name and ``x`` as password, JSON ``to`` (a list) / ``content`` / ``sms_type`` /
``sender``, answer ``status`` ``success`` with ``data.tranId``)."""

from __future__ import annotations

import base64
import json
import re
import tomllib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from api.runtime import Runtime
from locker import outbox
from locker.config import config_from_dict
from locker.models import OutboxMessage
from tests.support.sms_gateway import SmsGateway

DOC = Path(__file__).resolve().parents[2] / "docs" / "notifications.md"
PHONE = "0912345678"


def documented_examples() -> dict[str, dict]:
    """Each ```toml block of the "SMS gateways" section, by the vendor named in the paragraph before it."""
    section = DOC.read_text(encoding="utf-8").split("## SMS gateways", 1)[1].split("\n## ", 1)[0]
    found = {}
    for intro, block in re.findall(r"\n\n((?:[^\n]+\n)+)\n```toml\n(.*?)```", section, re.S):
        found[intro.split(" (")[0]] = tomllib.loads(block)["notify"]["sms"]
    return found


EXAMPLES = documented_examples()


def test_the_document_has_the_examples_this_test_checks():
    assert set(EXAMPLES) == {"eSMS.vn", "SpeedSMS"}


def runtime(tmp_path: Path, sms: dict) -> Runtime:
    config = config_from_dict({
        "database": {"url": f"sqlite:///{tmp_path / 'locker.db'}"},
        "security": {"secret_file": str(tmp_path / "locker.secret")},
        "notify": {"sms": {**sms, "timeout_s": 5}},
    }, env={})
    rt = Runtime.from_config(config)
    rt.db.upgrade()
    return rt


def pointed_at(gateway: SmsGateway, example: dict) -> dict:
    """The example with its URL's host replaced by the local gateway (the vendor's path kept)."""
    return {**example, "url": gateway.origin + urlsplit(example["url"]).path}


def send_ready_sms(rt: Runtime) -> tuple[str, OutboxMessage]:
    """A real "result ready" SMS through the service's messages and one pass of the outbox."""
    with rt.db.session() as s:
        rt.service.messages.send(s, "result_ready", phone=PHONE, email=None, language="vi", dossier="HS-77",
                                 label="A07", code="48151623", until=rt.clock.now())
        [msg] = s.execute(select(OutboxMessage)).scalars().all()
        text = outbox.unseal(rt.secret, msg.payload)["text"]
    rt.outbox.run_once()
    return text, delivered(rt)


def delivered(rt: Runtime) -> OutboxMessage:
    with rt.db.session() as s:
        msg = s.execute(select(OutboxMessage)).scalar_one()
        s.expunge(msg)
        return msg


def retry_now(rt: Runtime, msg: OutboxMessage) -> OutboxMessage:
    with rt.db.session() as s:
        s.get(OutboxMessage, msg.id).next_attempt_at = rt.clock.now()
    rt.outbox.run_once()
    return delivered(rt)


def sent_events(rt: Runtime) -> list[dict]:
    return [e for e in rt.service.events_after(0, 1000) if e["kind"] == "sms_sent"]


@pytest.fixture
def esms(tmp_path, sms_gateway):
    rt = runtime(tmp_path, pointed_at(sms_gateway, EXAMPLES["eSMS.vn"]))
    yield rt, sms_gateway
    rt.db.dispose()


@pytest.fixture
def speedsms(tmp_path, sms_gateway):
    example = EXAMPLES["SpeedSMS"]
    token = "Ba3xK9-speed-token"
    header = example["headers"]["Authorization"].replace(
        "BASE64_OF_TOKEN_COLON_x", base64.b64encode(f"{token}:x".encode()).decode())
    rt = runtime(tmp_path, {**pointed_at(sms_gateway, example), "headers": {"Authorization": header}})
    yield rt, sms_gateway, token
    rt.db.dispose()


def test_esms_gets_its_form_post_and_its_smsid_is_kept(esms):
    rt, gateway = esms
    gateway.reply = json.dumps({"CodeResult": "100", "CountRegenerate": 0,
                                "SMSID": "d533459ee42b2b9525ba9eabf6a8156"}).encode()
    text, msg = send_ready_sms(rt)
    [request] = gateway.requests
    assert request["path"] == "/MainService.svc/json/SendMultipleMessage_V4_post/"
    assert request["headers"]["Content-Type"].startswith("application/x-www-form-urlencoded")
    fields = parse_qs(request["body"].decode("ascii"), strict_parsing=True)
    assert fields == {"ApiKey": ["YOUR_KEY"], "SecretKey": ["YOUR_SECRET"], "Brandname": ["UBND-P6"],
                      "SmsType": ["2"], "Phone": [PHONE], "Content": [text]}
    assert text.startswith("Ma nhan: 48151623\n")  # the text arrives whole, line break included
    assert (msg.status, msg.attempts, msg.gateway_status, msg.gateway_id) == (
        "sent", 1, 200, "d533459ee42b2b9525ba9eabf6a8156")
    assert [e["data"]["gateway_id"] for e in sent_events(rt)] == ["d533459ee42b2b9525ba9eabf6a8156"]


def test_esms_answering_200_with_an_error_code_is_a_failure_retried(esms):
    rt, gateway = esms
    gateway.reply = json.dumps({"CodeResult": "101", "ErrorMessage": "Authorize Failed"}).encode()
    _text, refused = send_ready_sms(rt)
    assert (refused.status, refused.attempts, refused.gateway_status, refused.gateway_id) == ("pending", 1, 200, "")
    assert refused.last_error == "SMS gateway refused the message: CodeResult = '101'"
    assert sent_events(rt) == []
    gateway.reply = json.dumps({"CodeResult": "100", "CountRegenerate": 0, "SMSID": "e61f"}).encode()
    sent = retry_now(rt, refused)
    assert (sent.status, sent.attempts, sent.gateway_id) == ("sent", 2, "e61f")


def test_speedsms_gets_basic_authorization_and_its_json_and_its_tranid_is_kept(speedsms):
    rt, gateway, token = speedsms
    gateway.reply = json.dumps({"status": "success", "code": "00", "data": {
        "tranId": 123456, "totalSMS": 1, "totalPrice": 250, "invalidPhone": []}}).encode()
    text, msg = send_ready_sms(rt)
    [request] = gateway.requests
    assert request["path"] == "/index.php/sms/send"
    scheme, _, credentials = request["headers"]["Authorization"].partition(" ")
    assert (scheme, base64.b64decode(credentials).decode()) == ("Basic", f"{token}:x")
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert json.loads(request["body"]) == {"to": ["84912345678"], "content": text, "sms_type": 3,
                                           "sender": "UBND-P6"}
    assert (msg.status, msg.attempts, msg.gateway_status, msg.gateway_id) == ("sent", 1, 200, "123456")
    assert [e["data"]["gateway_id"] for e in sent_events(rt)] == ["123456"]


def test_speedsms_answering_an_error_status_is_a_failure_retried(speedsms):
    rt, gateway, _token = speedsms
    gateway.reply = json.dumps({"status": "error", "code": "007", "message": "IP is locked",
                                "invalidPhone": []}).encode()
    _text, refused = send_ready_sms(rt)
    assert (refused.status, refused.gateway_status) == ("pending", 200)
    assert refused.last_error == "SMS gateway refused the message: status = 'error'"
    gateway.fail_next = 1  # then the gateway itself is down for a moment
    refused = retry_now(rt, refused)
    assert (refused.status, refused.attempts, refused.gateway_status) == ("pending", 2, 503)
    gateway.reply = json.dumps({"status": "success", "code": "00", "data": {"tranId": 778}}).encode()
    sent = retry_now(rt, refused)
    assert (sent.status, sent.attempts, sent.gateway_id) == ("sent", 3, "778")
