"""The forms of bending deadlines (issue 14): deciding a request (grant with a date, refuse
with a reason), excusing an item, extending a whole tutor group, and a cohort's late rules.
Each form of a page has its own prefix, so that field ids stay unique."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

LATE_MODES = ("default", "closed", "days", "end")


class GrantForm(FlaskForm):
    due_at = DateTimeLocalField(
        _l("New date and time"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()]
    )
    note = TextAreaField(
        _l("Note to the learner (optional)"),
        validators=[Length(max=2000)],
        render_kw={"dir": "auto", "rows": 3},
    )
    submit = SubmitField(_l("Grant more time"))


class RefuseForm(FlaskForm):
    note = TextAreaField(
        _l("Why is it refused?"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l("The learner reads this."),
        render_kw={"dir": "auto", "rows": 3},
    )
    submit = SubmitField(_l("Refuse the request"))


class ExcuseForm(FlaskForm):
    item = SelectField(_l("Item"), validators=[InputRequired()])
    reason = TextAreaField(
        _l("Why is the learner excused?"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l(
            "The module then completes without this item. Kept in the record; the learner sees it."
        ),
        render_kw={"dir": "auto", "rows": 3},
    )
    submit = SubmitField(_l("Excuse the learner from it"))


class GroupExtensionForm(FlaskForm):
    item = SelectField(_l("Item"), validators=[InputRequired()])
    due_at = DateTimeLocalField(
        _l("New date and time"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()]
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l("Kept with each learner's extension and in the audit trail."),
        render_kw={"dir": "auto", "rows": 3},
    )
    submit = SubmitField(_l("Give the whole group more time"))


class LateRuleForm(FlaskForm):
    target = SelectField(_l("For"), validators=[InputRequired()])
    mode = SelectField(
        _l("Late work"),
        choices=[
            ("default", _l("Follow the general rule (remove this rule)")),
            ("closed", _l("Not taken: the item closes at its due date")),
            ("days", _l("Taken, marked late, for a number of days after the due date")),
            ("end", _l("Taken, marked late, until the cohort ends")),
        ],
        validators=[InputRequired()],
    )
    days = IntegerField(
        _l("Days after the due date"),
        validators=[Optional(), NumberRange(min=0, max=365)],
        description=_l("Only for the rule with a number of days."),
    )
    submit = SubmitField(_l("Save the rule"))
