"""True/false questions: a single choice between the choices keyed ``true`` and ``false``,
always shown in that order (shuffling two fixed answers would only confuse)."""

from __future__ import annotations

from flask_babel import gettext as _

from diplolearn.questions.choice import SingleChoice


class TrueFalse(SingleChoice):
    kind = "true_false"
    shuffle_choices = False

    def option_text(self, key: str, text: str) -> str:
        if text:
            return text
        return _("True") if key == "true" else _("False") if key == "false" else key
