"""The form of the question editor, built per kind, per course (one field per language) and
per number of rows: "Add more rows" posts the form back with more, so it works without
JavaScript.

What every question has (points, the paragraph it refers to, prompt and feedback per language)
is built here; the kind's own fields come from its type (``QuestionType.form_fields``), and its
rows, when it has some, follow its ``RowsEditor`` (an id and a text per language, plus a
correct box and feedback, or the id of the row it matches). The template renders the fields the
form lists (``kind_fields``, ``row_fields``), so a new type needs no change here.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from diplolearn import questions
from diplolearn.authoring.forms import key_field
from diplolearn.courses.rules import KEY_MAX_LENGTH
from diplolearn.questions.editing import language_field
from diplolearn.services.authoring.question_authoring import ChoiceRow, QuestionInput


def kind_names() -> dict[str, str]:
    """Each kind's name in the editor, in the order the editor offers them."""
    return {kind: question_type.label for kind, question_type in questions.REGISTRY.items()}


def _value(field):
    return "" if field.data is None else field.data


def question_form(
    kind: str, languages: list[str], rows: int, with_key: bool = False, **kwargs
) -> FlaskForm:
    """The form of one question of ``kind``, with ``rows`` rows of choices or items."""
    question_type = questions.get(kind)
    editor = question_type.rows
    own_fields = question_type.form_fields(languages)

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
        #: The type's own fields, in the order shown; its rows (None: it has none).
        kind_fields = [name for name, _field in own_fields]
        rows_editor = editor

        def row_fields(self, i: int) -> list[str]:
            """The fields of row ``i``, in the order shown."""
            names = [f"r{i}_id"]
            if editor.choices:
                names.append(f"r{i}_correct")
            if editor.match:
                names.append(f"r{i}_match")
            for lang in languages:
                names.append(f"r{i}_text_{lang}")
                if editor.choices:
                    names.append(f"r{i}_feedback_{lang}")
            return names

        def values(self) -> QuestionInput:
            data = QuestionInput(
                kind=kind,
                points=self.points.data or "",
                refers_to=self.refers_to.data or "",
                prompt={lang: self[f"prompt_{lang}"].data or "" for lang in languages},
                feedback={lang: self[f"feedback_{lang}"].data or "" for lang in languages},
                values={name: _value(self[name]) for name in self.kind_fields},
            )
            for i in range(rows if editor else 0):
                row = ChoiceRow(
                    id=self[f"r{i}_id"].data or "",
                    text={lang: self[f"r{i}_text_{lang}"].data or "" for lang in languages},
                )
                if editor.choices:
                    row.correct = bool(self[f"r{i}_correct"].data)
                    row.feedback = {
                        lang: self[f"r{i}_feedback_{lang}"].data or "" for lang in languages
                    }
                if editor.match:
                    row.match = self[f"r{i}_match"].data or ""
                data.rows.append(row)
            return data

    form = QuestionForm
    if with_key:
        form.key = key_field(_l("Question id"))
    for lang in languages:
        setattr(form, f"prompt_{lang}", language_field(_l("Question"), lang, area=True, rows=4))
        setattr(form, f"feedback_{lang}", language_field(_l("Feedback"), lang, area=True, rows=2))
    for name, field in own_fields:
        setattr(form, name, field)
    for i in range(rows if editor else 0):
        _add_row(form, i, editor, languages)
    return form(**kwargs)


def _add_row(form, i: int, editor, languages: list[str]) -> None:
    setattr(
        form,
        f"r{i}_id",
        StringField(
            _l("Id of row %(n)d", n=i + 1), validators=[Optional(), Length(max=KEY_MAX_LENGTH)]
        ),
    )
    if editor.choices:
        setattr(form, f"r{i}_correct", BooleanField(_l("Row %(n)d is correct", n=i + 1)))
    if editor.match:
        setattr(
            form,
            f"r{i}_match",
            StringField(
                _l("Row %(n)d matches the row with id", n=i + 1),
                validators=[Optional(), Length(max=KEY_MAX_LENGTH)],
            ),
        )
    for lang in languages:
        setattr(form, f"r{i}_text_{lang}", language_field(_l("Text of row %(n)d", n=i + 1), lang))
        if editor.choices:
            setattr(
                form,
                f"r{i}_feedback_{lang}",
                language_field(_l("Feedback on row %(n)d", n=i + 1), lang),
            )


def question_data(values: QuestionInput, token: str) -> dict:
    """Form data showing a question's values."""
    data = {"token": token, "points": values.points, "refers_to": values.refers_to}
    data.update(values.values)
    for lang, text in values.prompt.items():
        data[f"prompt_{lang}"] = text
    for lang, text in values.feedback.items():
        data[f"feedback_{lang}"] = text
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
