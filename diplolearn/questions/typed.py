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
"""

from __future__ import annotations

from abc import abstractmethod
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from wtforms import StringField, TextAreaField

from diplolearn.questions.base import (
    ALL_OR_NOTHING,
    ChoiceResult,
    InvalidAnswer,
    QuestionType,
    only_one,
)
from diplolearn.textnorm import normalise_answer, number_readings, parse_number

ABSOLUTE, RELATIVE = "absolute", "relative"
TOLERANCE_TYPES = (ABSOLUTE, RELATIVE)
ACCENTS_REQUIRED, ACCENTS_IGNORED = "required", "ignored"
ACCENT_RULES = (ACCENTS_REQUIRED, ACCENTS_IGNORED)


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


class Numeric(_Keyed):
    kind = "numeric"
    max_length = 64

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


class ShortText(_Keyed):
    kind = "short_text"

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


class Essay(_Typed):
    kind = "essay"
    manual = True
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
