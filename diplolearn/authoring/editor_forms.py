"""The paragraph editor's form: per language a title, then the paragraphs, each with its anchor
in a hidden field and one text area per language (carrying its language and direction).

Every button of the editor is a submit button of this one form, named ``action``: ``up-N``,
``down-N``, ``remove-N``, ``add-N`` (a new paragraph after paragraph N; ``add-0`` at the top),
``preview``, ``text`` (carry the texts over to the whole-text form) and ``save``. Without
JavaScript each button posts the form and the page comes back with the change applied and
nothing saved; only ``save`` writes (``apply_action`` does the rest)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, HiddenField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from diplolearn import i18n
from diplolearn.authoring.forms import key_field
from diplolearn.questions.editing import language_attributes
from diplolearn.services.authoring.paragraphs import EditedParagraph

ACTION = re.compile(r"^(up|down|remove|add)-(\d{1,4})$")
# A lesson longer than this is edited as a whole text: the form stays a reasonable size.
MAX_PARAGRAPHS = 400


def paragraphs_form(languages: list[str], with_key: bool = False, **kwargs) -> FlaskForm:
    """The editor's form for a course's ``languages``; ``with_key`` for a new lesson."""

    class ParagraphForm(Form):
        anchor = HiddenField(validators=[Optional(), Length(max=63)])

    for lang in languages:
        setattr(
            ParagraphForm,
            lang,
            TextAreaField(
                i18n.language_name(lang),
                validators=[Optional()],
                render_kw={**language_attributes(lang), "rows": 6, "class": "markdown"},
            ),
        )

    class ParagraphsForm(FlaskForm):
        token = HiddenField(validators=[Optional()])
        paragraphs = FieldList(FormField(ParagraphForm), max_entries=MAX_PARAGRAPHS)

        def titles(self) -> dict[str, str]:
            return {lang: self[f"title_{lang}"].data or "" for lang in languages}

        def edited(self) -> list[EditedParagraph]:
            return [
                EditedParagraph(
                    anchor=(entry.anchor.data or "").strip(),
                    texts={lang: entry[lang].data or "" for lang in languages},
                )
                for entry in self.paragraphs
            ]

    if with_key:
        ParagraphsForm.key = key_field(_l("Lesson id"))
    for lang in languages:
        setattr(
            ParagraphsForm,
            f"title_{lang}",
            StringField(
                _l("Title (%(language)s)", language=i18n.language_name(lang)),
                validators=[Optional(), Length(max=300)],
                render_kw=language_attributes(lang),
            ),
        )
    return ParagraphsForm(**kwargs)


def form_data(
    titles: dict[str, str],
    paragraphs: list[EditedParagraph],
    languages: list[str],
    token: str = "",
    key: str | None = None,
) -> dict:
    """The data that fills ``paragraphs_form`` (``data=``)."""
    data = {
        "token": token,
        "paragraphs": [
            {"anchor": p.anchor, **{lang: p.texts.get(lang, "") for lang in languages}}
            for p in paragraphs
        ],
        **{f"title_{lang}": titles.get(lang, "") for lang in languages},
    }
    if key is not None:
        data["key"] = key
    return data


def apply_action(
    action: str, paragraphs: list[EditedParagraph], fixed: set[str]
) -> tuple[list[EditedParagraph], int | None, str | None]:
    """Apply a button of the editor to the paragraphs: the new list, the (0-based) paragraph
    to focus, and what to focus there (``up``, ``down``, ``text`` or None). Paragraphs whose
    anchor is in ``fixed`` (questions or discussions point at them) are never removed."""
    match = ACTION.match(action or "")
    if match is None:
        return paragraphs, None, None
    verb, number = match.group(1), int(match.group(2))
    paragraphs = list(paragraphs)
    index = number - 1
    if verb == "add" and 0 <= number <= len(paragraphs) < MAX_PARAGRAPHS:
        paragraphs.insert(number, EditedParagraph())
        return paragraphs, number, "text"
    if not 0 <= index < len(paragraphs):
        return paragraphs, None, None
    if verb == "up" and index > 0:
        paragraphs[index - 1], paragraphs[index] = paragraphs[index], paragraphs[index - 1]
        return paragraphs, index - 1, "up" if index - 1 > 0 else "down"
    if verb == "down" and index < len(paragraphs) - 1:
        paragraphs[index + 1], paragraphs[index] = paragraphs[index], paragraphs[index + 1]
        return paragraphs, index + 1, "down" if index + 1 < len(paragraphs) - 1 else "up"
    if verb == "remove" and paragraphs[index].anchor not in fixed:
        del paragraphs[index]
        return paragraphs, min(index, len(paragraphs) - 1) if paragraphs else None, "text"
    return paragraphs, None, None
