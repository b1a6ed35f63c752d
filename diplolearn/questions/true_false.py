"""True/false questions: a single choice between the choices keyed ``true`` and ``false``,
always shown in that order (shuffling two fixed answers would only confuse).

A course file gives only the ``answer`` (true or false); the two choices, with their texts in
every language (``TRUE_FALSE_TEXT``), are made when it is read. The editor asks for the answer
in a select; the settings keep it (``{"answer": true}``).
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from diplolearn.courses.spec import ChoiceSpec
from diplolearn.questions.choice import SingleChoice

TRUE_FALSE_TEXT = {
    "true": {"ar": "صحيح", "en": "True", "fr": "Vrai"},
    "false": {"ar": "خطأ", "en": "False", "fr": "Faux"},
}


class TrueFalse(SingleChoice):
    kind = "true_false"
    label = _l("True or false")
    shuffle_choices = False
    file_fields = frozenset({"answer"})
    rows = None

    def option_text(self, key: str, text: str) -> str:
        if text:
            return text
        return _("True") if key == "true" else _("False") if key == "false" else key

    def read_file(self, doc, question):
        question.answer = doc.get("answer", bool)
        question.choices = [
            ChoiceSpec(
                id=key,
                correct=(key == "true") == bool(question.answer),
                text=dict(TRUE_FALSE_TEXT[key]),
                source=doc.source("answer"),
            )
            for key in ("true", "false")
        ]
        if "choices" in doc.data:
            doc.problem("a true_false question has an answer, not choices", "choices")

    def write_file(self, question, entry):
        entry["answer"] = bool(question.answer)

    def check(self, question, checker):
        return  # its two choices are made from the answer

    def settings(self, question):
        return {"answer": question.answer}

    def read_settings(self, question, settings):
        question.answer = settings.get("answer")

    def form_fields(self, languages):
        return [
            (
                "answer",
                SelectField(
                    _l("The statement is"),
                    choices=[("true", _l("True")), ("false", _l("False"))],
                    validate_choice=True,
                ),
            )
        ]

    def input_values(self, question):
        if question.answer is None:
            return {"answer": ""}
        return {"answer": "true" if question.answer else "false"}

    def read_input(self, question, posted):
        answer = posted.raw("answer")
        if answer not in ("true", "false"):
            posted.problem(_l("Say whether the statement is true or false."))
        question.answer = answer == "true"
