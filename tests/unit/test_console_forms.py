"""The console's forms: what each accepts, and that each needs its CSRF token."""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from api.console.forms import PasswordForm, PinForm, SignInForm, TokenForm


@pytest.fixture
def app():
    app = Flask(__name__)
    app.secret_key = b"k" * 32
    return app


def valid(app, form_class, data, *, csrf=False, choices=None):
    app.config["WTF_CSRF_ENABLED"] = csrf
    with app.test_request_context("/", method="POST", data=MultiDict(data)):
        form = form_class()
        if choices is not None:
            form.account.choices = choices
        return form.validate_on_submit()


def test_sign_in_needs_a_name_and_a_password_of_sane_length(app):
    assert valid(app, SignInForm, {"name": "lan", "password": "secret-pw"})
    assert not valid(app, SignInForm, {"name": "", "password": "secret-pw"})
    assert not valid(app, SignInForm, {"name": "lan", "password": ""})
    assert not valid(app, SignInForm, {"name": "x" * 33, "password": "secret-pw"})
    assert not valid(app, SignInForm, {"name": "lan", "password": "p" * 257})


def test_every_form_refuses_a_post_without_its_csrf_token(app):
    assert not valid(app, SignInForm, {"name": "lan", "password": "secret-pw"}, csrf=True)
    assert not valid(app, PinForm, {"pin": "1234"}, csrf=True)
    assert not valid(app, PasswordForm, {"current": "a" * 8, "new": "b" * 8, "confirm": "b" * 8}, csrf=True)


def test_password_change_needs_all_three_fields(app):
    assert valid(app, PasswordForm, {"current": "a" * 8, "new": "b" * 8, "confirm": "b" * 8})
    assert not valid(app, PasswordForm, {"current": "a" * 8, "new": "b" * 8})


def test_a_token_is_for_a_listed_account_and_1_to_3650_days(app):
    choices = [("lan", "lan"), ("ha", "ha")]
    assert valid(app, TokenForm, {"account": "lan", "days": "30"}, choices=choices)
    assert not valid(app, TokenForm, {"account": "ghost", "days": "30"}, choices=choices)
    for days in ("0", "3651", "ten", ""):
        assert not valid(app, TokenForm, {"account": "lan", "days": days}, choices=choices), days


def test_a_pin_is_at_most_eight_characters(app):
    assert valid(app, PinForm, {"pin": "12345678"})
    assert not valid(app, PinForm, {"pin": "123456789"})
