from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from diplolearn import i18n
from diplolearn.auth.validators import email_address
from diplolearn.forms import CheckboxesField

LOCAL_FORMAT = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
REQUIRED_CHOICES = [("", _l("As the course says")), ("yes", _l("Required")), ("no", _l("Optional"))]


class CohortForm(FlaskForm):
    name_en = StringField(_l("Name in English"), validators=[Optional(), Length(max=200)])
    name_fr = StringField(
        _l("Name in French"), validators=[Optional(), Length(max=200)], render_kw={"lang": "fr"}
    )
    name_ar = StringField(
        _l("Name in Arabic"),
        validators=[Optional(), Length(max=200)],
        render_kw={"dir": "rtl", "lang": "ar"},
    )
    timezone = SelectField(
        _l("Reference time zone"),
        validate_choice=True,
        description=_l(
            "The cohort's dates and module times below are in "
            "this time zone; each person sees them in their own."
        ),
    )
    starts_at = DateTimeLocalField(_l("Starts"), format=LOCAL_FORMAT, validators=[Optional()])
    ends_at = DateTimeLocalField(_l("Ends"), format=LOCAL_FORMAT, validators=[Optional()])
    capacity = IntegerField(
        _l("Capacity (places)"),
        validators=[Optional(), NumberRange(min=1)],
        description=_l("Leave empty for no limit."),
    )
    at_risk_inactive_days = IntegerField(
        _l("Days without activity before a learner counts as at risk"),
        default=7,
        validators=[InputRequired(), NumberRange(min=1, max=365)],
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = [(z, z) for z in i18n.timezone_choices()]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not any((f.data or "").strip() for f in (self.name_en, self.name_fr, self.name_ar)):
            self.name_en.errors = [
                *self.name_en.errors,
                _l("Give the cohort a name in at least one language."),
            ]
            ok = False
        if self.starts_at.data and self.ends_at.data and self.ends_at.data <= self.starts_at.data:
            self.ends_at.errors = [*self.ends_at.errors, _l("The cohort must end after it starts.")]
            ok = False
        return ok

    def names(self) -> dict[str, str]:
        return {
            "en": self.name_en.data or "",
            "fr": self.name_fr.data or "",
            "ar": self.name_ar.data or "",
        }


def schedule_form(modules, data=None):
    """A form with a release and a due time for each module (``[(module, title)]``)."""

    class ScheduleForm(FlaskForm):
        submit = SubmitField(_l("Save the schedule"))

    for module, title in modules:
        setattr(
            ScheduleForm,
            f"opens_{module.id}",
            DateTimeLocalField(
                _l("%(module)s: released", module=title),
                format=LOCAL_FORMAT,
                validators=[Optional()],
            ),
        )
        setattr(
            ScheduleForm,
            f"due_{module.id}",
            DateTimeLocalField(
                _l("%(module)s: due", module=title), format=LOCAL_FORMAT, validators=[Optional()]
            ),
        )
    return ScheduleForm(data=data)


def deadlines_form(assignments, data=None):
    """A due time for each written assignment (``[(assignment_id, title)]``), in the cohort's
    time zone; left empty, the assignment's own rules give its due date."""

    class DeadlinesForm(FlaskForm):
        submit = SubmitField(_l("Save the due dates"))

    for assignment_id, title in assignments:
        setattr(
            DeadlinesForm,
            f"due_{assignment_id}",
            DateTimeLocalField(
                _l("%(assignment)s: due", assignment=title),
                format=LOCAL_FORMAT,
                validators=[Optional()],
            ),
        )
    return DeadlinesForm(data=data)


def rules_form(modules, data=None):
    """Per module: required or not, and the modules that must be complete first."""

    class RulesForm(FlaskForm):
        submit = SubmitField(_l("Save the completion rules"))

    keys = [(module.key, title) for module, title in modules]
    for module, title in modules:
        setattr(
            RulesForm,
            f"required_{module.id}",
            SelectField(
                _l("%(module)s: needed for completion", module=title),
                choices=REQUIRED_CHOICES,
                default="",
                validate_choice=True,
            ),
        )
        setattr(
            RulesForm,
            f"prerequisites_{module.id}",
            CheckboxesField(
                _l("%(module)s: opens when these are complete", module=title),
                choices=[(k, t) for k, t in keys if k != module.key],
                validate_choice=True,
            ),
        )
        setattr(
            RulesForm,
            f"annotations_{module.id}",
            IntegerField(
                _l("%(module)s: discussion posts each learner must make", module=title),
                validators=[Optional(), NumberRange(min=0, max=50)],
            ),
        )
    return RulesForm(data=data)


class EnrolForm(FlaskForm):
    email = EmailField(
        _l("Email of the person's account"),
        validators=[DataRequired(), email_address, Length(max=254)],
    )
    group = SelectField(_l("Tutor group"), validate_choice=True)
    submit = SubmitField(_l("Enrol"))


class ConfirmForm(FlaskForm):
    submit = SubmitField(_l("Withdraw"))


class SeatsForm(FlaskForm):
    ministry = SelectField(_l("Ministry"), validate_choice=True)
    seats = IntegerField(_l("Seats"), validators=[InputRequired(), NumberRange(min=0)])
    submit = SubmitField(_l("Save the seats"))


class GroupForm(FlaskForm):
    name = StringField(_l("Group name"), validators=[DataRequired(), Length(max=200)])
    capacity = IntegerField(
        _l("Learners at most"),
        default=25,
        validators=[InputRequired(), NumberRange(min=1, max=500)],
    )
    tutor_email = EmailField(
        _l("Tutor's email (optional)"), validators=[Optional(), email_address, Length(max=254)]
    )
    submit = SubmitField(_l("Create the group"))


class TutorForm(FlaskForm):
    email = EmailField(
        _l("Tutor's email"), validators=[DataRequired(), email_address, Length(max=254)]
    )
    submit = SubmitField(_l("Make tutor of this group"))


class MoveForm(FlaskForm):
    enrolment = SelectField(_l("Learner"), validate_choice=True)
    group = SelectField(_l("Move to"), validate_choice=True)
    submit = SubmitField(_l("Move"))
