"""Forms of a ministry's learning records and webhooks page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from diplolearn.forms import CheckboxesField
from diplolearn.models.outbound import WEBHOOK_EVENTS

EVENT_LABELS = {
    "enrolment.completed": _l("A member of staff completes a course"),
    "certificate.issued": _l("A certificate is issued"),
    "certificate.revoked": _l("A certificate is revoked"),
}


class RecordStoreForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    endpoint = StringField(
        _l("xAPI address"),
        validators=[DataRequired(), Length(max=500)],
        description=_l("The store's xAPI base address, such as https://lrs.example.org/xAPI/."),
    )
    username = StringField(_l("User name"), validators=[Length(max=200)])
    password = PasswordField(_l("Password"), validators=[Length(max=500)])
    share_email = BooleanField(
        _l("Identify learners by their email address"),
        description=_l(
            "Otherwise each learner is an anonymous account id that only DiploLearn can "
            "link to a person."
        ),
    )
    submit = SubmitField(_l("Add the store"))


class WebhookForm(FlaskForm):
    url = StringField(_l("Address (https://)"), validators=[DataRequired(), Length(max=500)])
    events = CheckboxesField(
        _l("Events"),
        choices=[(event, EVENT_LABELS[event]) for event in WEBHOOK_EVENTS],
        validators=[DataRequired(_l("Choose at least one event to be told of."))],
    )
    submit = SubmitField(_l("Add the webhook"))


class RemoveForm(FlaskForm):
    submit = SubmitField(_l("Remove"))


class RetryForm(FlaskForm):
    submit = SubmitField(_l("Try again"))
