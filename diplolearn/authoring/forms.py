"""Authoring forms. Language fields are built per course: one title and one text area per
language, each text area carrying its language and direction. ``RuleValidator`` validates a
field by a rule of courses/rules.py (the course check and the services call the same one);
``key_field`` is the id field of a new item, as long as an id may be."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from diplolearn import i18n
from diplolearn.auth.validators import email_address
from diplolearn.courses.rules import KEY_MAX_LENGTH
from diplolearn.questions.editing import language_attributes


class RuleValidator:
    """A field judged by a rule of courses/rules.py (``problem_of(value)``: a message or None):
    the field's error is the rule's message, as the service and the course check give it."""

    def __init__(self, problem_of):
        self.problem_of = problem_of

    def __call__(self, form, field) -> None:
        problem = self.problem_of(field.data)
        if problem is not None:
            raise ValidationError(str(problem))


def key_field(label):
    """The id field of a new item."""
    return StringField(
        label,
        validators=[DataRequired(), Length(max=KEY_MAX_LENGTH)],
        description=_l("Lower-case letters, digits and hyphens; it never changes once published."),
    )


class ConfirmForm(FlaskForm):
    submit = SubmitField(_l("Confirm"))


class MoveForm(FlaskForm):
    to = HiddenField()
    up = SubmitField(_l("Move up"))
    down = SubmitField(_l("Move down"))

    def target(self):
        if self.to.data and self.to.data.isdigit():
            return int(self.to.data)
        return "up" if self.up.data else "down" if self.down.data else None


class CopyForm(FlaskForm):
    new_key = StringField(
        _l("Id of the copy"),
        validators=[DataRequired(), Length(max=KEY_MAX_LENGTH)],
        description=_l("Lower-case letters, digits and hyphens, e.g. digital-diplomacy-2027."),
    )
    submit = SubmitField(_l("Copy this course"))


class CoauthorForm(FlaskForm):
    email = StringField(
        _l("Email of the co-author"), validators=[DataRequired(), email_address, Length(max=254)]
    )
    as_owner = BooleanField(_l("As an owner (may add and remove authors and retire the course)"))
    submit = SubmitField(_l("Add co-author"))


class MoveCohortForm(FlaskForm):
    version = SelectField(_l("Version"), coerce=int, validate_choice=True)
    submit = SubmitField(_l("Move the cohort"))


def lesson_form(languages: list[str], with_key: bool = False, **kwargs) -> FlaskForm:
    """Title and text per language, a concurrency token, and preview/save buttons."""

    class LessonForm(FlaskForm):
        token = HiddenField(validators=[Optional()] if with_key else [DataRequired()])
        preview = SubmitField(_l("Preview"))
        save = SubmitField(_l("Save to the draft"))

        def texts(self) -> dict[str, tuple[str, str]]:
            return {
                lang: (self[f"title_{lang}"].data or "", self[f"body_{lang}"].data or "")
                for lang in languages
            }

    if with_key:
        LessonForm.key = key_field(_l("Lesson id"))
    for lang in languages:
        name = i18n.language_name(lang)
        setattr(
            LessonForm,
            f"title_{lang}",
            StringField(
                _l("Title (%(language)s)", language=name),
                validators=[Optional(), Length(max=300)],
                render_kw=language_attributes(lang),
            ),
        )
        setattr(
            LessonForm,
            f"body_{lang}",
            TextAreaField(
                _l("Text (%(language)s)", language=name),
                validators=[Optional()],
                description=_l(
                    "Markdown. Start each paragraph with its anchor on a line of its "
                    "own, like {#my-anchor}; every language has the same anchors."
                ),
                render_kw={**language_attributes(lang), "rows": 24, "class": "markdown"},
            ),
        )
    return LessonForm(**kwargs)


def titles_form(
    languages: list[str], with_key: bool = False, needs_token: bool = False, **kwargs
) -> FlaskForm:
    class TitlesForm(FlaskForm):
        token = HiddenField(validators=[DataRequired()] if needs_token else [Optional()])
        save = SubmitField(_l("Save"))

        def titles(self) -> dict[str, str]:
            return {lang: self[f"title_{lang}"].data or "" for lang in languages}

    if with_key:
        TitlesForm.key = key_field(_l("Module id"))
    for lang in languages:
        setattr(
            TitlesForm,
            f"title_{lang}",
            StringField(
                _l("Title (%(language)s)", language=i18n.language_name(lang)),
                validators=[Optional(), Length(max=300)],
                render_kw=language_attributes(lang),
            ),
        )
    return TitlesForm(**kwargs)


def correction_form(language: str, **kwargs) -> FlaskForm:
    class CorrectionForm(FlaskForm):
        body = TextAreaField(
            _l("Corrected text (%(language)s)", language=i18n.language_name(language)),
            validators=[DataRequired()],
            render_kw={**language_attributes(language), "rows": 24},
            description=_l(
                "Only corrections that change no meaning, such as "
                "a typo: the anchors stay as they are. Running "
                "cohorts see it at once; it is recorded."
            ),
        )
        preview = SubmitField(_l("Preview"))
        save = SubmitField(_l("Apply the correction"))

    return CorrectionForm(**kwargs)
