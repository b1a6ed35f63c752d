"""The grader's form of a written assignment: one radio group per rubric criterion, comments,
and whether the learner may submit a new version (``make_grade_form``, ``chosen_levels``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice


class GradeForm(FlaskForm):
    comments = TextAreaField(
        _l("Comments for the learner"),
        description=_l("Shown to the learner with the grade. Markdown is allowed."),
        render_kw={"dir": "auto"},
    )
    allow_resubmission = BooleanField(_l("Allow the learner to submit a new version"))
    submit = SubmitField(_l("Return to the learner"))
    # Issue 20: return it and open the next ungraded submission of the queue.
    save_next = SubmitField(_l("Return and grade the next"))


def make_grade_form(revision, read, formdata=None, submission=None) -> GradeForm:
    """A grade form with one radio group per rubric criterion (``criterion-<id>``), each
    offering the criterion's levels (value: the level's id)."""
    fields = {}
    for criterion in revision.criteria:
        text = read(criterion.criterion)[0]
        choices = [
            SelectChoice(
                str(level.id),
                ngettext(
                    "%(num)d point: %(description)s",
                    "%(num)d points: %(description)s",
                    level.points,
                    description=read(level.description)[0],
                ),
            )
            for level in criterion.levels
        ]
        fields[f"criterion-{criterion.id}"] = RadioField(text, choices=choices)
        fields[f"comment-{criterion.id}"] = TextAreaField(
            _l("Comment on this criterion (optional)"), render_kw={"dir": "auto", "rows": 2}
        )
    form_class = type("RubricGradeForm", (GradeForm,), fields)
    data = None
    if submission is not None and formdata is None:
        data = {f"criterion-{s.criterion_id}": str(s.level_id) for s in submission.scores}
        data.update({f"comment-{s.criterion_id}": s.comment or "" for s in submission.scores})
        data.update(
            comments=submission.comments, allow_resubmission=submission.resubmission_allowed
        )
    return form_class(formdata=formdata, data=data)


def chosen_levels(form: GradeForm, revision) -> dict[int, int]:
    """The level id chosen for each criterion id (unparseable values are left out; the
    service refuses a rubric without a level for every criterion)."""
    chosen = {}
    for criterion in revision.criteria:
        value = getattr(form, f"criterion-{criterion.id}").data
        if value and str(value).isdigit():
            chosen[criterion.id] = int(value)
    return chosen


def criterion_comments(form: GradeForm, revision) -> dict[int, str]:
    """The grader's comment on each criterion id, where one was written."""
    comments = {}
    for criterion in revision.criteria:
        text = (getattr(form, f"comment-{criterion.id}").data or "").strip()
        if text:
            comments[criterion.id] = text
    return comments
