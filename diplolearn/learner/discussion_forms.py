"""The discussion's forms (learners and staff). Each validates its shape (CSRF, choices,
lengths); the rules (open lesson, paragraph in the text, clean Markdown, mentions within the
group) are services.discussion's, which say what is wrong in words."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from diplolearn.forms import CheckboxesField
from diplolearn.names import name_of, sorted_by_name
from diplolearn.services.discussion.validation import MAX_BODY, MAX_REASON

KIND_LABELS = {
    "question": _l("Question"),
    "comment": _l("Comment"),
    "reference": _l("Reference"),
    "prompt": _l("Contribution"),
    "reply": _l("Reply"),
}
BODY_HELP = _l("Markdown is welcome; HTML is not. At most %(max)d characters.", max=MAX_BODY)


def offer_mentions(form, people, viewer_id):
    """Offer the form's mentions: the given people, the viewer aside, each named and sorted
    as the interface language shows them (names.name_of), the name isolated (<bdi>)."""
    others = sorted_by_name(p for p in people if p.id != viewer_id)
    form.mentions.choices = [(p.id, Markup("<bdi>%s</bdi>") % name_of(p)) for p in others]
    return form


class AnnotationForm(FlaskForm):
    kind = RadioField(
        _l("Kind"),
        choices=[
            ("question", _l("Question")),
            ("comment", _l("Comment")),
            ("reference", _l("Reference")),
        ],
        default="question",
    )
    body = TextAreaField(
        _l("Your text"), description=BODY_HELP, validators=[Length(max=MAX_BODY * 2)]
    )
    url = StringField(
        _l("Address of the reference (optional)"), validators=[Optional(), Length(max=2000)]
    )
    private = BooleanField(_l("Keep as a private note (only you will see it)"))
    mentions = CheckboxesField(
        _l("Mention members of your group"), coerce=int, validate_choice=False
    )
    lang = HiddenField()
    submit = SubmitField(_l("Post"))


class PromptForm(FlaskForm):
    body = TextAreaField(
        _l("Your contribution"), description=BODY_HELP, validators=[Length(max=MAX_BODY * 2)]
    )
    mentions = CheckboxesField(
        _l("Mention members of your group"), coerce=int, validate_choice=False
    )
    lang = HiddenField()
    submit = SubmitField(_l("Post"))


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Your reply"), validators=[Length(max=MAX_BODY * 2)])
    tutor_answer = BooleanField(_l("Mark as the tutor's answer"))
    lang = HiddenField()
    submit = SubmitField(_l("Reply"))


class ResolveForm(FlaskForm):
    reopen = HiddenField()
    submit = SubmitField(_l("Mark resolved"))


class HideForm(FlaskForm):
    reason = StringField(_l("Reason for hiding"), validators=[Length(max=MAX_REASON * 2)])
    submit = SubmitField(_l("Hide"))


class EditForm(FlaskForm):
    body = TextAreaField(_l("Text"), validators=[Length(max=MAX_BODY * 2)])
    reason = StringField(_l("Reason for the change"), validators=[Length(max=MAX_REASON * 2)])
    submit = SubmitField(_l("Save the change"))


class SessionPostForm(FlaskForm):
    body = TextAreaField(
        _l("Your message"), description=BODY_HELP, validators=[Length(max=MAX_BODY * 2)]
    )
    lang = HiddenField()
    submit = SubmitField(_l("Post"))


def session_form(groups, may_open_cohort: bool, data=None):
    """A new weekly session: for one of ``groups`` or (leads) the whole cohort."""
    from wtforms import DateTimeLocalField, SelectField
    from wtforms.validators import InputRequired

    from diplolearn.services.discussion.text_sessions import SESSION_DURATIONS

    choices = [(str(g.id), g.name) for g in groups]
    if may_open_cohort:
        choices.insert(0, ("", str(_l("The whole cohort"))))

    class SessionForm(FlaskForm):
        group = SelectField(_l("For"), choices=choices, validate_choice=True)
        title = StringField(_l("Title"), validators=[Length(max=400)])
        starts_at = DateTimeLocalField(
            _l("Starts (your time)"),
            format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
            validators=[InputRequired()],
        )
        duration = SelectField(
            _l("Length"),
            coerce=int,
            default=60,
            choices=[(m, _l("%(num)d minutes", num=m)) for m in SESSION_DURATIONS],
        )
        submit = SubmitField(_l("Open the session"))

    return SessionForm(data=data)
