"""Questions answered by typing: numeric, short text, and essay (graded by a person).

- Numeric: settings ``{"answer": "3.5", "tolerance": "0.1", "tolerance_type": "absolute"}``
  (``relative``: a fraction of the answer, 0.05 = within 5%). The learner may write "3.5",
  "3,5", "٣٫٥" (Arabic decimal separator, Arabic-Indic digits): textnorm.parse_number reads them;
  "123,000" is read both ways (textnorm.number_readings) and right when either reading is.
- Short text: settings ``{"accepted": {"ar": [...], "en": [...], "fr": [...]},
  "accents": "required" | "ignored"}``. An answer is right when, normalised
  (textnorm.normalise_answer: case, spaces, NFKC, Arabic diacritics, tatweel and letter forms,
  Persian letters, and French accents when ignored), it equals an accepted answer of any
  language normalised the same way.
- Essay: the text is stored; ``grade`` is None until a person grades it
  (services.assessment.quizzes.grade_essay).

The stored answer is ``{"text": what the learner typed}``; what it means is decided when grading,
so a corrected key can be regraded from the same answers.

In a course file a numeric question has ``answer``, ``tolerance`` and ``tolerance_type``; a
short text question ``accepted`` (a list per language) and ``accents``; an essay nothing more.
The settings keep numbers as decimal text (``repr`` of the number as written), so the export
writes back the same bytes.
"""

from __future__ import annotations

from abc import abstractmethod
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from diplolearn.courses.yamlfile import set_optional
from diplolearn.questions.base import (
    ALL_OR_NOTHING,
    ChoiceResult,
    InvalidAnswer,
    QuestionType,
    only_one,
)
from diplolearn.questions.editing import language_field
from diplolearn.textnorm import normalise_answer, number_readings, parse_number

ABSOLUTE, RELATIVE = "absolute", "relative"
TOLERANCE_TYPES = (ABSOLUTE, RELATIVE)
ACCENTS_REQUIRED, ACCENTS_IGNORED = "required", "ignored"
ACCENT_RULES = (ACCENTS_IGNORED, ACCENTS_REQUIRED)


def _text(answer: dict | None) -> str:
    return ((answer or {}).get("text") or "").strip()


class _Typed(QuestionType):
    """A single text value; no choices, nothing to shuffle (essays are graded by a person)."""

    shuffle_choices = False
    layout = "input"
    max_length: int = 200

    def _field(self, default: str, **render_kw):
        return StringField(
            _("Your answer"),
            default=default,
            render_kw={
                "maxlength": self.max_length,
                "autocomplete": "off",
                "dir": "auto",
                **render_kw,
            },
        )

    def build_field(self, label, options, answer, tokens, question=None):
        return self._field(_text(answer))

    def parse(self, values, keys_by_token, question=None):
        text = only_one(values)
        if len(text) > self.max_length or "\x00" in text:
            raise InvalidAnswer("longer than the field allows")
        return {"text": text.strip()}

    def response_key(self, question, answer):
        text = _text(answer)
        return [normalise_answer(text)] if text else []


class _Keyed(_Typed):
    """A typed answer checked against a key: right or wrong, and what was expected."""

    @abstractmethod
    def _is_right(self, question, text: str) -> bool:
        """Whether ``text`` matches the question's key."""

    @abstractmethod
    def expected(self, question, pick) -> tuple[str, str]:
        """The right answer to show once the policy reveals it, and its language."""

    def grade(self, question, answer, *, partial_credit=ALL_OR_NOTHING) -> Decimal:
        text = _text(answer)
        return Decimal(1) if text and self._is_right(question, text) else Decimal(0)

    def review(self, question, answer, order, pick, reveal):
        text = _text(answer)
        right = bool(text) and self._is_right(question, text)
        results = [
            ChoiceResult(
                "answer", text or _("(no answer)"), "", bool(text), right if reveal else None, ""
            )
        ]
        if reveal and not right:
            expected, lang = self.expected(question, pick)
            results.append(ChoiceResult("expected", expected, lang, False, True, ""))
        return results


def _number(text):
    """A number kept as decimal text in settings, back as the int or float it was written."""
    if text is None:
        return None
    return float(text) if any(mark in text for mark in ".eEn") else int(text)


class Numeric(_Keyed):
    kind = "numeric"
    label = _l("Numeric")
    max_length = 64
    file_fields = frozenset({"answer", "tolerance", "tolerance_type"})

    def build_field(self, label, options, answer, tokens, question=None):
        return self._field(_text(answer), inputmode="decimal")

    def response_key(self, question, answer):
        text = _text(answer)
        if not text:
            return []
        return [parse_number(text) or text]

    def _is_right(self, question, text):
        settings = question.settings or {}
        try:
            expected = Decimal(str(settings["answer"]))
            tolerance = Decimal(str(settings.get("tolerance", "0")))
        except (KeyError, InvalidOperation):
            return False
        if settings.get("tolerance_type") == RELATIVE:
            tolerance = abs(expected) * tolerance
        # "3,5" is 3.5; "123,000" may also be 123000: right when either reading is.
        return any(abs(Decimal(value) - expected) <= tolerance for value in number_readings(text))

    def model_answer(self, question, tokens):
        return [str((question.settings or {}).get("answer", ""))]

    def expected(self, question, pick):
        settings = question.settings or {}
        answer, tolerance = str(settings.get("answer", "")), str(settings.get("tolerance", "0"))
        if Decimal(tolerance or "0") == 0:
            return answer, ""
        if settings.get("tolerance_type") == RELATIVE:
            percent = (Decimal(tolerance) * 100).normalize()
            return _("%(answer)s (within %(percent)s%%)", answer=answer, percent=f"{percent:f}"), ""
        return _("%(answer)s (± %(tolerance)s)", answer=answer, tolerance=tolerance), ""

    def read_file(self, doc, question):
        question.answer = doc.number("answer")
        question.tolerance = doc.number("tolerance", required=False)
        question.tolerance_type = doc.get("tolerance_type", str, required=False, default=ABSOLUTE)

    def write_file(self, question, entry):
        entry["answer"] = question.answer
        entry["tolerance"] = question.tolerance
        set_optional(entry, "tolerance_type", question.tolerance_type, ABSOLUTE)

    def check(self, question, checker):
        where = question.source
        if question.answer is None:
            return  # the reader reported it
        if question.tolerance is None:
            checker.report(
                where,
                f"numeric question {question.id!r} has no tolerance (write tolerance: 0 "
                "for an exact answer)",
            )
        elif question.tolerance < 0:
            checker.report(where, "tolerance cannot be negative")
        if question.tolerance_type not in TOLERANCE_TYPES:
            checker.report(where, f"tolerance_type must be one of {', '.join(TOLERANCE_TYPES)}")
        elif (
            question.tolerance_type == RELATIVE
            and question.tolerance is not None
            and question.tolerance >= 1
        ):
            checker.report(
                where, "a relative tolerance is a fraction of the answer below 1 (0.05 = 5%)"
            )

    def settings(self, question):
        return {
            "answer": repr(question.answer),
            "tolerance": repr(question.tolerance),
            "tolerance_type": question.tolerance_type,
        }

    def read_settings(self, question, settings):
        question.answer = _number(settings.get("answer"))
        question.tolerance = _number(settings.get("tolerance"))
        question.tolerance_type = settings.get("tolerance_type", ABSOLUTE)

    def form_fields(self, languages):
        return [
            ("answer", StringField(_l("The answer"), validators=[Optional(), Length(max=40)])),
            (
                "tolerance",
                StringField(
                    _l("Tolerance"),
                    validators=[Optional(), Length(max=40)],
                    description=_l(
                        "0 for an exact answer; a relative tolerance is a fraction (0.05 is 5 "
                        "percent)."
                    ),
                ),
            ),
            (
                "tolerance_type",
                SelectField(
                    _l("Tolerance type"),
                    choices=[(ABSOLUTE, _l("Absolute")), (RELATIVE, _l("Relative"))],
                    validate_choice=True,
                ),
            ),
        ]

    def input_values(self, question):
        return {
            "answer": "" if question.answer is None else str(question.answer),
            "tolerance": "" if question.tolerance is None else str(question.tolerance),
            "tolerance_type": question.tolerance_type,
        }

    def read_input(self, question, posted):
        question.answer = posted.number("answer", _l("The answer"))
        if question.answer is None and not posted.problems:
            posted.problem(_l("A numeric question needs its answer."))
        question.tolerance = posted.number("tolerance", _l("The tolerance"))
        question.tolerance_type = posted.raw("tolerance_type", ABSOLUTE)


class ShortText(_Keyed):
    kind = "short_text"
    label = _l("Short text")
    free_text = True
    file_fields = frozenset({"accepted", "accents"})

    @staticmethod
    def _ignore_accents(question) -> bool:
        return (question.settings or {}).get("accents") == ACCENTS_IGNORED

    def accepted(self, question) -> set[str]:
        ignore = self._ignore_accents(question)
        return {
            normalise_answer(text, ignore_accents=ignore)
            for texts in ((question.settings or {}).get("accepted") or {}).values()
            for text in texts
        }

    def _is_right(self, question, text):
        return normalise_answer(
            text, ignore_accents=self._ignore_accents(question)
        ) in self.accepted(question)

    def response_key(self, question, answer):
        text = _text(answer)
        return (
            [normalise_answer(text, ignore_accents=self._ignore_accents(question))] if text else []
        )

    def model_answer(self, question, tokens):
        accepted = (question.settings or {}).get("accepted") or {}
        return next(([texts[0]] for _lang, texts in sorted(accepted.items()) if texts), [""])

    def expected(self, question, pick):
        accepted = (question.settings or {}).get("accepted") or {}
        return pick({lang: " / ".join(texts) for lang, texts in accepted.items() if texts})

    def read_file(self, doc, question):
        for language, texts in doc.get("accepted", dict, default={}).items():
            if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
                doc.problem(f"accepted.{language} must be a list of texts", "accepted", language)
            else:
                question.accepted[str(language)] = list(texts)
        question.accents = doc.get("accents", str, required=False, default=ACCENTS_IGNORED)

    def write_file(self, question, entry):
        entry["accepted"] = {
            language: list(question.accepted[language])
            for language in sorted(question.accepted)
            if question.accepted[language]
        }
        set_optional(entry, "accents", question.accents, ACCENTS_IGNORED)

    def check(self, question, checker):
        where = question.source
        for language in checker.languages:
            if not question.accepted.get(language):
                checker.report(
                    where,
                    f"short_text question {question.id!r} has no accepted answer in {language!r}",
                )
        for language, texts in question.accepted.items():
            for text in texts:
                if not normalise_answer(text):
                    checker.report(where, f"an accepted answer in {language!r} is empty")
        if question.accents not in ACCENT_RULES:
            checker.report(where, f"accents must be one of {', '.join(ACCENT_RULES)}")

    def settings(self, question):
        return {
            "accepted": {lang: list(texts) for lang, texts in question.accepted.items()},
            "accents": question.accents,
        }

    def read_settings(self, question, settings):
        question.accepted = {
            lang: list(texts) for lang, texts in (settings.get("accepted") or {}).items()
        }
        question.accents = settings.get("accents", ACCENTS_IGNORED)

    def form_fields(self, languages):
        label = _l("Accepted answers, one a line")
        return [
            *((f"accepted_{lang}", language_field(label, lang, area=True)) for lang in languages),
            (
                "accents",
                SelectField(
                    _l("French accents"),
                    choices=[(ACCENTS_IGNORED, _l("Ignored")), (ACCENTS_REQUIRED, _l("Required"))],
                    validate_choice=True,
                ),
            ),
        ]

    def input_values(self, question):
        values = {f"accepted_{lang}": "\n".join(texts) for lang, texts in question.accepted.items()}
        values["accents"] = question.accents
        return values

    def read_input(self, question, posted):
        question.accepted = {
            name.removeprefix("accepted_"): [
                line for line in (posted.clean(x) for x in text.split("\n")) if line
            ]
            for name, text in posted.values.items()
            if name.startswith("accepted_") and posted.clean(text)
        }
        question.accents = posted.raw("accents", ACCENTS_IGNORED)


class Essay(_Typed):
    kind = "essay"
    label = _l("Essay")
    manual = True
    free_text = True
    max_length = 20_000

    def build_field(self, label, options, answer, tokens, question=None):
        return TextAreaField(
            _("Your answer"),
            default=_text(answer),
            render_kw={"maxlength": self.max_length, "rows": 12, "dir": "auto"},
        )

    def grade(self, question, answer, *, partial_credit=ALL_OR_NOTHING) -> Decimal | None:
        # Nothing written earns nothing; anything written waits for a person.
        return None if _text(answer) else Decimal(0)

    def response_key(self, question, answer):
        return ["answered"] if _text(answer) else []

    def model_answer(self, question, tokens):
        return None

    def review(self, question, answer, order, pick, reveal):
        text = _text(answer)
        return [ChoiceResult("answer", text or _("(no answer)"), "", bool(text), None, "")]
