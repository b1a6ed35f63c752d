"""Forms of the quiz, question, bank and assignment editors. Built per course (one field per
language) and per number of rows: choices, pairs, items, draws and rubric criteria come as a
fixed number of rows, and "Add more rows" posts the form back with more, so every editor works
without JavaScript."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from diplolearn import i18n
from diplolearn.authoring.forms import _language_kw
from diplolearn.services.authoring import quiz_authoring as service

MAX_ROWS = 40


def kind_names() -> dict[str, str]:
    return {
        "single_choice": _l("Single choice"),
        "multiple_select": _l("Multiple select"),
        "true_false": _l("True or false"),
        "numeric": _l("Numeric"),
        "short_text": _l("Short text"),
        "matching": _l("Matching"),
        "ordering": _l("Ordering"),
        "essay": _l("Essay"),
    }


def reveal_choices():
    return [
        ("immediately", _l("Immediately")),
        ("after_attempt", _l("After the attempt")),
        ("after_close", _l("After the quiz closes")),
        ("never", _l("Never")),
    ]


def row_count(formdata, name: str, default: int, more: bool, step: int = 3) -> int:
    """Rows to show: as posted (plus ``step`` when "Add more rows" was pressed), or default."""
    try:
        count = int(formdata.get(name, default)) if formdata else default
    except (TypeError, ValueError):
        count = default
    return max(1, min(MAX_ROWS, count + (step if more else 0)))


def _key_field(label):
    return StringField(
        label,
        validators=[DataRequired(), Length(max=63)],
        description=_l("Lower-case letters, digits and hyphens; it never changes once published."),
    )


def _text(label, lang, area=False, rows=3):
    name = i18n.language_name(lang)
    if area:
        return TextAreaField(
            _l("%(what)s (%(language)s)", what=label, language=name),
            validators=[Optional()],
            render_kw={**_language_kw(lang), "rows": rows},
        )
    return StringField(
        _l("%(what)s (%(language)s)", what=label, language=name),
        validators=[Optional(), Length(max=2000)],
        render_kw=_language_kw(lang),
    )


def question_form(
    kind: str, languages: list[str], rows: int, with_key: bool = False, **kwargs
) -> FlaskForm:
    """The form of one question of ``kind``, with ``rows`` rows of choices or items."""

    class QuestionForm(FlaskForm):
        token = HiddenField(validators=[Optional()] if with_key else [DataRequired()])
        rows_shown = HiddenField(default=str(rows))
        points = StringField(_l("Points"), validators=[DataRequired(), Length(max=6)], default="1")
        refers_to = StringField(
            _l("Refers to (lesson#anchor)"),
            validators=[Optional(), Length(max=200)],
            description=_l(
                "Optional: the paragraph that explains the answer, such as my-lesson#my-anchor."
            ),
        )
        save = SubmitField(_l("Save to the draft"))
        more = SubmitField(_l("Add more rows"))

        def values(self) -> service.QuestionForm:
            data = service.QuestionForm(
                kind=kind,
                points=self.points.data or "",
                refers_to=self.refers_to.data or "",
                prompt={lang: self[f"prompt_{lang}"].data or "" for lang in languages},
                feedback={lang: self[f"feedback_{lang}"].data or "" for lang in languages},
            )
            if kind in ("numeric", "true_false"):
                data.answer = self.answer.data or ""
            if kind == "numeric":
                data.tolerance = self.tolerance.data or ""
                data.tolerance_type = self.tolerance_type.data
            if kind == "short_text":
                data.accepted = {lang: self[f"accepted_{lang}"].data or "" for lang in languages}
                data.accents = self.accents.data
            if kind in service.ROW_KINDS:
                for i in range(rows):
                    row = service.ChoiceRow(
                        id=self[f"r{i}_id"].data or "",
                        text={lang: self[f"r{i}_text_{lang}"].data or "" for lang in languages},
                    )
                    if kind in service.CHOICE_KINDS:
                        row.correct = bool(self[f"r{i}_correct"].data)
                        row.feedback = {
                            lang: self[f"r{i}_feedback_{lang}"].data or "" for lang in languages
                        }
                    if kind == "matching":
                        row.match = self[f"r{i}_match"].data or ""
                    data.rows.append(row)
            return data

    form = QuestionForm
    if with_key:
        form.key = _key_field(_l("Question id"))
    for lang in languages:
        setattr(form, f"prompt_{lang}", _text(_l("Question"), lang, area=True, rows=4))
        setattr(form, f"feedback_{lang}", _text(_l("Feedback"), lang, area=True, rows=2))
    if kind == "true_false":
        form.answer = SelectField(
            _l("The statement is"),
            choices=[("true", _l("True")), ("false", _l("False"))],
            validate_choice=True,
        )
    elif kind == "numeric":
        form.answer = StringField(_l("The answer"), validators=[Optional(), Length(max=40)])
        form.tolerance = StringField(
            _l("Tolerance"),
            validators=[Optional(), Length(max=40)],
            description=_l(
                "0 for an exact answer; a relative tolerance is a fraction (0.05 is 5 percent)."
            ),
        )
        form.tolerance_type = SelectField(
            _l("Tolerance type"),
            choices=[("absolute", _l("Absolute")), ("relative", _l("Relative"))],
            validate_choice=True,
        )
    elif kind == "short_text":
        for lang in languages:
            setattr(
                form,
                f"accepted_{lang}",
                _text(_l("Accepted answers, one a line"), lang, area=True, rows=3),
            )
        form.accents = SelectField(
            _l("French accents"),
            choices=[("ignored", _l("Ignored")), ("required", _l("Required"))],
            validate_choice=True,
        )
    if kind in service.ROW_KINDS:
        for i in range(rows):
            setattr(
                form,
                f"r{i}_id",
                StringField(
                    _l("Id of row %(n)d", n=i + 1), validators=[Optional(), Length(max=63)]
                ),
            )
            if kind in service.CHOICE_KINDS:
                setattr(form, f"r{i}_correct", BooleanField(_l("Row %(n)d is correct", n=i + 1)))
            if kind == "matching":
                setattr(
                    form,
                    f"r{i}_match",
                    StringField(
                        _l("Row %(n)d matches the row with id", n=i + 1),
                        validators=[Optional(), Length(max=63)],
                    ),
                )
            for lang in languages:
                setattr(form, f"r{i}_text_{lang}", _text(_l("Text of row %(n)d", n=i + 1), lang))
                if kind in service.CHOICE_KINDS:
                    setattr(
                        form,
                        f"r{i}_feedback_{lang}",
                        _text(_l("Feedback on row %(n)d", n=i + 1), lang),
                    )
    return form(**kwargs)


def question_data(values: service.QuestionForm, token: str) -> dict:
    """Form data showing a question's values."""
    data = {
        "token": token,
        "points": values.points,
        "refers_to": values.refers_to,
        "answer": values.answer,
        "tolerance": values.tolerance,
        "tolerance_type": values.tolerance_type,
        "accents": values.accents,
    }
    for lang, text in values.prompt.items():
        data[f"prompt_{lang}"] = text
    for lang, text in values.feedback.items():
        data[f"feedback_{lang}"] = text
    for lang, text in values.accepted.items():
        data[f"accepted_{lang}"] = text
    for i, row in enumerate(values.rows):
        data[f"r{i}_id"], data[f"r{i}_correct"], data[f"r{i}_match"] = (
            row.id,
            row.correct,
            row.match,
        )
        for lang, text in row.text.items():
            data[f"r{i}_text_{lang}"] = text
        for lang, text in row.feedback.items():
            data[f"r{i}_feedback_{lang}"] = text
    return data


def quiz_form(languages: list[str], with_key: bool = False, **kwargs) -> FlaskForm:
    class QuizForm(FlaskForm):
        token = HiddenField()
        pass_mark = StringField(
            _l("Pass mark (percent)"), validators=[DataRequired(), Length(max=3)], default="60"
        )
        max_attempts = StringField(
            _l("Attempts allowed"),
            validators=[Optional(), Length(max=4)],
            description=_l("Leave empty for no limit."),
        )
        time_limit_minutes = StringField(
            _l("Time limit (minutes)"),
            validators=[Optional(), Length(max=4)],
            description=_l("Leave empty for no limit."),
        )
        grading_method = SelectField(
            _l("Grade kept"),
            choices=[
                ("highest", _l("Highest attempt")),
                ("last", _l("Last attempt")),
                ("first", _l("First attempt")),
                ("average", _l("Average of attempts")),
            ],
            validate_choice=True,
        )
        shuffle_questions = BooleanField(_l("Shuffle the questions"))
        shuffle_choices = BooleanField(_l("Shuffle the choices"))
        required = BooleanField(_l("Required to complete the module"), default=True)
        feedback_shown = SelectField(
            _l("Feedback shown"), choices=reveal_choices(), validate_choice=True
        )
        answers_shown = SelectField(
            _l("Correct answers shown"),
            choices=reveal_choices(),
            validate_choice=True,
            default="after_attempt",
        )
        grade_release_required = BooleanField(_l("Grades wait for release by the tutor"))
        partial_credit = SelectField(
            _l("Multiple select scoring"),
            choices=[
                ("all_or_nothing", _l("All or nothing")),
                ("right_minus_wrong", _l("Right minus wrong")),
            ],
            validate_choice=True,
        )
        save = SubmitField(_l("Save to the draft"))

        def values(self) -> service.QuizForm:
            return service.QuizForm(
                title={lang: self[f"title_{lang}"].data or "" for lang in languages},
                pass_mark=self.pass_mark.data or "",
                max_attempts=self.max_attempts.data or "",
                time_limit_minutes=self.time_limit_minutes.data or "",
                grading_method=self.grading_method.data,
                shuffle_questions=self.shuffle_questions.data,
                shuffle_choices=self.shuffle_choices.data,
                required=self.required.data,
                feedback_shown=self.feedback_shown.data,
                answers_shown=self.answers_shown.data,
                grade_release_required=self.grade_release_required.data,
                partial_credit=self.partial_credit.data,
            )

    if with_key:
        QuizForm.key = _key_field(_l("Quiz id"))
    for lang in languages:
        setattr(QuizForm, f"title_{lang}", _text(_l("Title"), lang))
    return QuizForm(**kwargs)


def quiz_data(values: service.QuizForm, token: str) -> dict:
    data = {k: v for k, v in vars(values).items() if k != "title"}
    data["token"] = token
    data.update({f"title_{lang}": text for lang, text in values.title.items()})
    return data


def draws_form(categories: list[tuple[str, str]], rows: int, **kwargs) -> FlaskForm:
    class DrawsForm(FlaskForm):
        token = HiddenField(validators=[DataRequired()])
        rows_shown = HiddenField(default=str(rows))
        save = SubmitField(_l("Save the draws"))
        more = SubmitField(_l("Add more rows"))

        def values(self) -> list[tuple[str, str, str]]:
            return [
                (
                    self[f"d{i}_category"].data or "",
                    self[f"d{i}_count"].data or "",
                    self[f"d{i}_position"].data or "",
                )
                for i in range(rows)
            ]

    for i in range(rows):
        setattr(
            DrawsForm,
            f"d{i}_category",
            SelectField(
                _l("Category of draw %(n)d", n=i + 1),
                choices=[("", _l("(none)")), *categories],
                validate_choice=True,
            ),
        )
        setattr(
            DrawsForm,
            f"d{i}_count",
            StringField(
                _l("Questions drawn in draw %(n)d", n=i + 1), validators=[Optional(), Length(max=4)]
            ),
        )
        setattr(
            DrawsForm,
            f"d{i}_position",
            StringField(
                _l("Place of draw %(n)d among the questions", n=i + 1),
                validators=[Optional(), Length(max=4)],
            ),
        )
    return DrawsForm(**kwargs)


def category_form(languages: list[str], with_key: bool = False, **kwargs) -> FlaskForm:
    class CategoryForm(FlaskForm):
        token = HiddenField(validators=[Optional()] if with_key else [DataRequired()])
        save = SubmitField(_l("Save"))

        def titles(self) -> dict[str, str]:
            return {lang: self[f"title_{lang}"].data or "" for lang in languages}

    if with_key:
        CategoryForm.key = _key_field(_l("Category id"))
    for lang in languages:
        setattr(CategoryForm, f"title_{lang}", _text(_l("Title"), lang))
    return CategoryForm(**kwargs)


def assignment_form(
    languages: list[str], criteria: int, levels: int, with_key: bool = False, **kwargs
) -> FlaskForm:
    class AssignmentForm(FlaskForm):
        token = HiddenField()
        criteria_shown = HiddenField(default=str(criteria))
        levels_shown = HiddenField(default=str(levels))
        required = BooleanField(_l("Required to complete the module"), default=True)
        completion = SelectField(
            _l("Counts as done when"),
            choices=[
                ("submitted", _l("Handed in")),
                ("passed", _l("Graded at the pass mark or more")),
            ],
            validate_choice=True,
        )
        pass_mark = StringField(
            _l("Pass mark (percent of the rubric's points)"), validators=[Optional(), Length(max=3)]
        )
        format_text = BooleanField(_l("Text typed on the page"), default=True)
        format_file = BooleanField(_l("A file"), default=True)
        min_words = StringField(_l("Minimum words"), validators=[Optional(), Length(max=6)])
        max_words = StringField(_l("Maximum words"), validators=[Optional(), Length(max=6)])
        due_days = StringField(
            _l("Due after (days)"),
            validators=[Optional(), Length(max=4)],
            description=_l("Days after the module opens."),
        )
        late_days = StringField(
            _l("Late work taken for (days)"), validators=[Optional(), Length(max=4)]
        )
        save = SubmitField(_l("Save to the draft"))
        more = SubmitField(_l("Add more rows"))

        def values(self) -> service.AssignmentForm:
            data = service.AssignmentForm(
                title={lang: self[f"title_{lang}"].data or "" for lang in languages},
                prompt={lang: self[f"prompt_{lang}"].data or "" for lang in languages},
                required=self.required.data,
                completion=self.completion.data,
                pass_mark=self.pass_mark.data or "",
                formats=[
                    f
                    for f, on in (("text", self.format_text.data), ("file", self.format_file.data))
                    if on
                ],
                min_words=self.min_words.data or "",
                max_words=self.max_words.data or "",
                due_days=self.due_days.data or "",
                late_days=self.late_days.data or "",
            )
            for c in range(criteria):
                data.criteria.append(
                    service.CriterionRow(
                        id=self[f"c{c}_id"].data or "",
                        points=self[f"c{c}_points"].data or "",
                        criterion={
                            lang: self[f"c{c}_text_{lang}"].data or "" for lang in languages
                        },
                        levels=[
                            service.LevelRow(
                                self[f"c{c}_l{n}_points"].data or "",
                                {
                                    lang: self[f"c{c}_l{n}_text_{lang}"].data or ""
                                    for lang in languages
                                },
                            )
                            for n in range(levels)
                        ],
                    )
                )
            return data

    form = AssignmentForm
    if with_key:
        form.key = _key_field(_l("Assignment id"))
    for lang in languages:
        setattr(form, f"title_{lang}", _text(_l("Title"), lang))
        setattr(form, f"prompt_{lang}", _text(_l("Prompt"), lang, area=True, rows=6))
    for c in range(criteria):
        setattr(
            form,
            f"c{c}_id",
            StringField(
                _l("Id of criterion %(n)d", n=c + 1), validators=[Optional(), Length(max=63)]
            ),
        )
        setattr(
            form,
            f"c{c}_points",
            StringField(
                _l("Points of criterion %(n)d", n=c + 1), validators=[Optional(), Length(max=4)]
            ),
        )
        for lang in languages:
            setattr(form, f"c{c}_text_{lang}", _text(_l("Criterion %(n)d", n=c + 1), lang))
        for n in range(levels):
            setattr(
                form,
                f"c{c}_l{n}_points",
                StringField(
                    _l("Points of level %(level)d of criterion %(n)d", level=n + 1, n=c + 1),
                    validators=[Optional(), Length(max=4)],
                ),
            )
            for lang in languages:
                setattr(
                    form,
                    f"c{c}_l{n}_text_{lang}",
                    _text(_l("Level %(level)d of criterion %(n)d", level=n + 1, n=c + 1), lang),
                )
    return form(**kwargs)


def assignment_data(values: service.AssignmentForm, token: str) -> dict:
    data = {
        "token": token,
        "required": values.required,
        "completion": values.completion,
        "pass_mark": values.pass_mark,
        "format_text": "text" in values.formats,
        "format_file": "file" in values.formats,
        "min_words": values.min_words,
        "max_words": values.max_words,
        "due_days": values.due_days,
        "late_days": values.late_days,
    }
    for lang, text in values.title.items():
        data[f"title_{lang}"] = text
    for lang, text in values.prompt.items():
        data[f"prompt_{lang}"] = text
    for c, row in enumerate(values.criteria):
        data[f"c{c}_id"], data[f"c{c}_points"] = row.id, row.points
        for lang, text in row.criterion.items():
            data[f"c{c}_text_{lang}"] = text
        for n, level in enumerate(row.levels):
            data[f"c{c}_l{n}_points"] = level.points
            for lang, text in level.description.items():
                data[f"c{c}_l{n}_text_{lang}"] = text
    return data


def preview_form(fields: dict, **kwargs) -> FlaskForm:
    """The learner's attempt form for a preview: the question types' own fields."""

    class PreviewForm(FlaskForm):
        seed = HiddenField(validators=[DataRequired()])
        submit = SubmitField(_l("Check my answers"))

    for name, unbound in fields.items():
        setattr(PreviewForm, name, unbound)
    return PreviewForm(**kwargs)
