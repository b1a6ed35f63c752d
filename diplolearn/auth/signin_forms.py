"""Forms of two-step sign-in, signed-in devices and suspension (issue 21)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=64)],
        render_kw={
            "autocomplete": "one-time-code",
            "inputmode": "text",
            "autocapitalize": "off",
            "spellcheck": "false",
        },
        description=_l(
            "The six digits your authenticator app shows now, or one of your recovery codes."
        ),
    )
    submit = SubmitField(_l("Continue"))


class EnrolForm(FlaskForm):
    code = StringField(
        _l("Code from the app"),
        validators=[DataRequired(), Length(max=16)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
        description=_l("After adding DiploLearn to the app, type the six digits it shows."),
    )
    submit = SubmitField(_l("Turn on two-step sign-in"))


class DisableForm(FlaskForm):
    proof = PasswordField(
        _l("Your password or a code from the app"),
        validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Turn off two-step sign-in"))


class SignOutDeviceForm(FlaskForm):
    submit = SubmitField(_l("Sign out"))


class SignOutOthersForm(FlaskForm):
    submit = SubmitField(_l("Sign out everywhere else"))


class SuspendForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(), Length(max=500)],
        description=_l("Kept in the audit log. The person does not see it."),
    )
    submit = SubmitField(_l("Suspend account"))


class ReactivateForm(FlaskForm):
    submit = SubmitField(_l("Reactivate account"))
