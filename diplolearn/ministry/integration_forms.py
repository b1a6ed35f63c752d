"""Forms of the integrations pages: a new API token (name, scopes, lifetime) and a
revocation (a button, with its CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange

from diplolearn.forms import CheckboxesField
from diplolearn.services.integrations import SCOPE_LABELS
from diplolearn.services.integrations.tokens import DEFAULT_LIFETIME_DAYS, MAX_LIFETIME_DAYS


class NewTokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=100)],
        description=_l("The system that will use it, such as “HR system”."),
    )
    scopes = CheckboxesField(
        _l("What it may do"),
        validators=[DataRequired(_l("Choose at least one."))],
        render_kw={"class": "choices"},
    )
    lifetime_days = IntegerField(
        _l("Valid for (days)"),
        default=DEFAULT_LIFETIME_DAYS,
        validators=[DataRequired(), NumberRange(min=1, max=MAX_LIFETIME_DAYS)],
    )
    submit = SubmitField(_l("Create the token"))

    def offer(self, scopes, defaults=()):
        self.scopes.choices = [(scope, SCOPE_LABELS[scope]) for scope in scopes]
        if defaults and not self.scopes.raw_data:  # a fresh form, not one sent back
            self.scopes.data = list(defaults)
        return self


class RevokeTokenForm(FlaskForm):
    submit = SubmitField(_l("Revoke"))
