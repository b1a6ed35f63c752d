"""The learner's forms. The quiz form is built from the attempt's questions (after Indico's
``make_survey_form``): each question type builds its own field; choice values are the
attempt's opaque tokens."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField


class MarkDoneForm(FlaskForm):
    submit = SubmitField(_l("Mark as done"))


class StartAttemptForm(FlaskForm):
    submit = SubmitField(_l("Start the quiz"))


class AttemptForm(FlaskForm):
    save = SubmitField(_l("Save answers"))
    submit = SubmitField(_l("Submit for grading"))


def make_attempt_form(questions) -> AttemptForm:
    """A form with one field per drawn question (``pages.QuestionView``), pre-filled with the
    saved answers. Rendering only: posted answers are read by services.assessment.quizzes.read_answers."""
    form_class = type(
        "DrawnAttemptForm", (AttemptForm,), {view.name: view.field for view in questions}
    )
    return form_class(formdata=None)
