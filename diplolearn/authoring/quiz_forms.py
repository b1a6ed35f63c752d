"""Forms of the quiz settings, draws, bank category, assignment and preview pages (the question
editor's form is in question_forms.py). Built per course (one field per language) and per
number of rows: draws and rubric criteria come as a fixed number of rows, and "Add more rows"
posts the form back with more, so every editor works without JavaScript."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from diplolearn.authoring.forms import key_field
from diplolearn.courses.rules import KEY_MAX_LENGTH
from diplolearn.questions.editing import language_field
from diplolearn.services.authoring.assignment_authoring import (
    AssignmentInput,
    CriterionRow,
    LevelRow,
)
from diplolearn.services.authoring.quiz_authoring import QuizInput

MAX_ROWS = 40


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

        def values(self) -> QuizInput:
            return QuizInput(
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
        QuizForm.key = key_field(_l("Quiz id"))
    for lang in languages:
        setattr(QuizForm, f"title_{lang}", language_field(_l("Title"), lang))
    return QuizForm(**kwargs)


def quiz_data(values: QuizInput, token: str) -> dict:
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
        CategoryForm.key = key_field(_l("Category id"))
    for lang in languages:
        setattr(CategoryForm, f"title_{lang}", language_field(_l("Title"), lang))
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

        def values(self) -> AssignmentInput:
            data = AssignmentInput(
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
                    CriterionRow(
                        id=self[f"c{c}_id"].data or "",
                        points=self[f"c{c}_points"].data or "",
                        criterion={
                            lang: self[f"c{c}_text_{lang}"].data or "" for lang in languages
                        },
                        levels=[
                            LevelRow(
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
        form.key = key_field(_l("Assignment id"))
    for lang in languages:
        setattr(form, f"title_{lang}", language_field(_l("Title"), lang))
        setattr(form, f"prompt_{lang}", language_field(_l("Prompt"), lang, area=True, rows=6))
    for c in range(criteria):
        setattr(
            form,
            f"c{c}_id",
            StringField(
                _l("Id of criterion %(n)d", n=c + 1),
                validators=[Optional(), Length(max=KEY_MAX_LENGTH)],
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
            setattr(form, f"c{c}_text_{lang}", language_field(_l("Criterion %(n)d", n=c + 1), lang))
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
                    language_field(
                        _l("Level %(level)d of criterion %(n)d", level=n + 1, n=c + 1), lang
                    ),
                )
    return form(**kwargs)


def assignment_data(values: AssignmentInput, token: str) -> dict:
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
