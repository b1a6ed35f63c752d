"""What the question editor (authoring/question_forms.py) takes from a question type, and
the one way an editor builds a field for one language of a text.

- ``RowsEditor``: how a kind whose answer is a list of rows (choices, matching items and
  matches, ordering items) shows them: the heading and help above them, how many rows a new
  question starts with, and the columns beyond id and text.
- ``language_field``: a text field or text area labelled with its language's name, carrying
  that language and its direction, so Arabic is typed right to left.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.fields.core import UnboundField
from wtforms.validators import Length, Optional

from diplolearn import i18n


@dataclass(frozen=True)
class RowsEditor:
    """The rows of the question editor: ``heading`` and ``help`` above them, ``start`` rows
    for a new question; each row has an id and a text per language, plus a correct box and
    feedback per language (``choices``) or the id of the row it is matched to (``match``)."""

    heading: str
    help: tuple[str, ...] = ()
    choices: bool = False
    match: bool = False
    start: int = 4


def language_attributes(language: str) -> dict:
    """The HTML attributes of a control holding text in ``language``."""
    return {"lang": language, "dir": i18n.direction(language)}


def language_field(label, language: str, area: bool = False, rows: int = 3) -> UnboundField:
    """``label`` (language name): a text area of ``rows`` rows, or a one-line field."""
    name = i18n.language_name(language)
    if area:
        return TextAreaField(
            _l("%(what)s (%(language)s)", what=label, language=name),
            validators=[Optional()],
            render_kw={**language_attributes(language), "rows": rows},
        )
    return StringField(
        _l("%(what)s (%(language)s)", what=label, language=name),
        validators=[Optional(), Length(max=2000)],
        render_kw=language_attributes(language),
    )
