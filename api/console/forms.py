"""The console's forms (Flask-WTF: each carries its CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from locker.accounts import DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS
from locker.webhooks.events import EVENT_TYPES


class SignInForm(FlaskForm):
    name = StringField(_l("Account name"), validators=[DataRequired(), Length(max=32)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class ActionForm(FlaskForm):
    """A button that changes something and carries nothing but its CSRF token (sign out, revoke...)."""


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=256)])
    new = PasswordField(_l("New password (8-256 characters)"), validators=[DataRequired(), Length(max=256)])
    confirm = PasswordField(_l("New password again"), validators=[DataRequired(), Length(max=256)])


class PinForm(FlaskForm):
    pin = PasswordField(_l("PIN"), validators=[DataRequired(), Length(max=8)])


class TokenForm(FlaskForm):
    account = SelectField(_l("Account"), validators=[DataRequired()])
    days = IntegerField(_l("Valid for (days)"), default=DEFAULT_TOKEN_DAYS,
                        validators=[InputRequired(), NumberRange(min=1, max=MAX_TOKEN_DAYS)])


class WebhookForm(FlaskForm):
    """A new webhook subscription: URL, events (none ticked: all of them) and an optional secret."""

    url = StringField(_l("URL (http:// or https://)"), validators=[DataRequired(), Length(max=500)])
    events = SelectMultipleField(_l("Events (none ticked: all)"), choices=[(t, t) for t in EVENT_TYPES],
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    secret = PasswordField(_l("Secret (empty: one is made)"), validators=[Length(max=200)])
