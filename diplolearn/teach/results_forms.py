"""The forms of the quiz results pages: an essay's grade, a grade override with its reason, the
release of withheld grades, regrading (choose a corrected question version, then confirm), and a
policy override for a cohort or a learner."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

REASON_HELP = _l("Kept in the audit trail with the grade before and after.")


class OverrideGradeForm(FlaskForm):
    score = StringField(
        _l("New score"),
        validators=[DataRequired(), Length(max=20)],
        render_kw={"inputmode": "decimal"},
    )
    reason = TextAreaField(
        _l("Why is the grade changed?"),
        description=REASON_HELP,
        validators=[DataRequired(), Length(max=2000)],
    )
    submit = SubmitField(_l("Override the grade"))


class EssayGradeForm(FlaskForm):
    points = DecimalField(_l("Points"), places=2, validators=[InputRequired()])
    comment = TextAreaField(
        _l("Comment for the learner"), validators=[Optional(), Length(max=5000)]
    )
    submit = SubmitField(_l("Save the grade"))


class ReleaseForm(FlaskForm):
    submit = SubmitField(_l("Release the grades"))


class RegradeForm(FlaskForm):
    revision = SelectField(
        _l("Regrade against this question version"), coerce=int, validators=[InputRequired()]
    )
    attempts = SelectMultipleField(
        _l("Attempts to regrade"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[DataRequired(_l("Choose at least one attempt."))],
    )
    step = HiddenField(default="preview")
    preview = SubmitField(_l("Preview the new grades"))
    apply = SubmitField(_l("Regrade these attempts"))


class PolicyOverrideForm(FlaskForm):
    target = SelectField(
        _l("For"),
        validators=[DataRequired()],
        description=_l(
            "A whole cohort, or one learner (for example an accessibility accommodation)."
        ),
    )
    opens_at = DateTimeLocalField(
        _l("Opens at"),
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
        description=_l(
            "In your time zone. Left empty, a learner's override keeps the cohort's date."
        ),
    )
    closes_at = DateTimeLocalField(
        _l("Closes at"),
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
        description=_l("Attempts cannot start after it, and answers saved after it do not count."),
    )
    extra_minutes = IntegerField(
        _l("Extra minutes per attempt"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=10000)],
    )
    extra_attempts = IntegerField(
        _l("Extra attempts"), default=0, validators=[Optional(), NumberRange(min=0, max=100)]
    )
    reason = TextAreaField(
        _l("Reason"),
        description=_l("Kept in the audit trail."),
        validators=[Optional(), Length(max=2000)],
    )
    submit = SubmitField(_l("Save the override"))


class RemoveOverrideForm(FlaskForm):
    submit = SubmitField(_l("Remove"))
