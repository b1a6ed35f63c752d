"""The learner's forms: marking a lesson done, a written assignment's answer, a quiz attempt.
The quiz form is built from the attempt's questions (after Indico's ``make_survey_form``): each
question type builds its own field; choice values are the attempt's opaque tokens."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SubmitField, TextAreaField


class MarkDoneForm(FlaskForm):
    submit = SubmitField(_l("Mark as done"))


class AnswerForm(FlaskForm):
    body = TextAreaField(
        _l("Your answer"),
        description=_l(
            "Write in Markdown: a blank line starts a new paragraph; *italics*, **bold**, "
            "lists with - and links as [text](https://…)."
        ),
        render_kw={"dir": "auto"},
    )
    upload = FileField(
        _l("Or upload your answer as a file"),
        description=_l(
            "A Word document (.docx) or a PDF. Uploading replaces the file saved before."
        ),
        render_kw={
            "accept": ".docx,.pdf,application/pdf,application/vnd.openxmlformats-"
            "officedocument.wordprocessingml.document"
        },
    )
    remove_file = BooleanField(_l("Remove the file saved with this draft"))
    save = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("Submit for grading"))


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
