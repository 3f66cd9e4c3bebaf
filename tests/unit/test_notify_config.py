"""[notify.sms] encoding and gateway request, [notify.email]: defaults, checks, the file and
the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from locker.config import config_from_dict, load_config
from locker.errors import ConfigError


def notify(env: dict[str, str] | None = None, **sections: object):
    return config_from_dict({"notify": sections}, env=env or {})


def test_defaults_one_gsm7_segment_plain_json_and_no_email():
    cfg = notify()
    sms, email = cfg.sms, cfg.email
    assert (sms.encoding, sms.content_type, sms.headers, sms.body_template, sms.max_attempts) == (
        "gsm7", "json", {}, "", 12)
    assert not email.enabled and (email.port, email.security, email.digest_interval_s) == (587, "starttls", 3600)


def test_the_file_sets_a_brand_name_gateway_and_smtp(tmp_path: Path):
    path = tmp_path / "locker.toml"
    path.write_text('''
[notify.sms]
kind = "http"
url = "https://sms.example.vn/send"
encoding = "unicode"
headers = { Authorization = "Basic dXNlcjpwYXNz", "X-Api-Key" = "k" }
body_template = '{"phone": "{to_intl}", "message": "{text}", "brandname": "UBND-P6"}'
message_id_path = "data.id"

[notify.email]
host = "smtp.example.vn"
port = 465
security = "tls"
username = "tuhoso"
password_file = "/etc/locker/smtp-password"
from = "tuhoso@example.vn"
alarm_recipients = ["canbo@example.vn"]
digest_interval_s = 900
''', encoding="utf-8")
    cfg = load_config(path, env={})
    assert cfg.sms.headers == {"Authorization": "Basic dXNlcjpwYXNz", "X-Api-Key": "k"}
    assert cfg.sms.encoding == "unicode" and cfg.sms.message_id_path == "data.id"
    assert cfg.email.enabled and cfg.email.from_ == "tuhoso@example.vn" and cfg.email.port == 465
    assert cfg.email.alarm_recipients == ("canbo@example.vn",) and cfg.email.digest_interval_s == 900


def test_the_environment_overrides_headers_as_json_and_from():
    cfg = notify({"LOCKER_NOTIFY_SMS_HEADERS": '{"Authorization": "Bearer t"}',
                  "LOCKER_NOTIFY_EMAIL_FROM": "x@example.vn", "LOCKER_NOTIFY_EMAIL_HOST": "smtp.example.vn",
                  "LOCKER_NOTIFY_EMAIL_ALARM_RECIPIENTS": "a@example.vn, b@example.vn"})
    assert cfg.sms.headers == {"Authorization": "Bearer t"}
    assert (cfg.email.host, cfg.email.from_) == ("smtp.example.vn", "x@example.vn")
    assert cfg.email.alarm_recipients == ("a@example.vn", "b@example.vn")


@pytest.mark.parametrize(("sections", "env", "key"), [
    ({"sms": {"encoding": "ucs2"}}, {}, "notify.sms.encoding"),
    ({"sms": {"content_type": "xml"}}, {}, "notify.sms.content_type"),
    ({"sms": {"body_template": '{"to": "{to}"}'}}, {}, "notify.sms.body_template"),
    ({"sms": {"max_attempts": 0}}, {}, "notify.sms.max_attempts"),
    ({"sms": {"success_path": "CodeResult"}}, {}, "notify.sms.success_value"),
    ({"sms": {"headers": {"X": 1}}}, {}, "notify.sms.headers"),
    ({"sms": {"headers": "Authorization: x"}}, {}, "notify.sms.headers"),
    ({}, {"LOCKER_NOTIFY_SMS_HEADERS": "Authorization: x"}, "notify.sms.headers"),
    ({"email": {"host": "h", "from": "x@example.vn", "security": "ssl"}}, {}, "notify.email.security"),
    ({"email": {"host": "h"}}, {}, "notify.email.from"),
    ({"email": {"host": "h", "from": "x@example.vn", "alarm_recipients": ["nobody"]}}, {},
     "notify.email.alarm_recipients"),
    ({"email": {"alarm_recipients": ["a@example.vn"]}}, {}, "notify.email.alarm_recipients"),
    ({"email": {"digest_interval_s": 5}}, {}, "notify.email.digest_interval_s"),
    ({"email": {"sender": "x@example.vn"}}, {}, "notify.email.sender"),
    ({"email": {"from_": "x@example.vn"}}, {}, "notify.email.from_"),
])
def test_wrong_values_name_their_key(sections, env, key):
    with pytest.raises(ConfigError) as err:
        notify(env, **sections)
    assert err.value.key == key
