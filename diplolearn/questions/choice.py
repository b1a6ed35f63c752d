"""Choice questions: single choice (one answer) and multiple select (all that apply).

Multiple select is graded by the quiz's partial-credit rule:

- ``all_or_nothing``: full points only when exactly the correct choices are selected;
- ``right_minus_wrong``: (correct choices selected − wrong choices selected) / correct choices,
  floored at zero — so ticking every box earns nothing, and one wrong tick cancels one right.

In a course file both list their ``choices`` (id, correct, text, feedback per language); the
editor shows them as rows with a correct box and feedback. ``AnyChoice`` is no kind: it reads a
question whose kind no type has, so that the check still finds its other problems.
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from diplolearn.courses.spec import ChoiceSpec
from diplolearn.courses.yamlfile import canonical_texts, set_optional
from diplolearn.questions.base import (
    ALL_OR_NOTHING,
    RIGHT_MINUS_WRONG,
    ChoiceResult,
    InvalidAnswer,
    Option,
    QuestionType,
)
from diplolearn.questions.editing import RowsEditor


def _selected(answer: dict | None) -> set[str]:
    return set((answer or {}).get("choices") or [])


class SingleChoice(QuestionType):
    kind = "single_choice"
    label = _l("Single choice")
    file_fields = frozenset({"choices"})
    rows = RowsEditor(
        _l("Choices"),
        (_l("Leave a row empty to leave it out. Ids are made for rows without one."),),
        choices=True,
    )
    #: Exactly one choice is correct.
    one_correct = True

    def build_field(self, label, options: list[Option], answer, tokens, question=None):
        chosen = [tokens[key] for key in _selected(answer) if key in tokens]
        return RadioField(
            label,
            choices=_choices(options),
            default=chosen[0] if chosen else None,
            validate_choice=False,
        )

    def parse(self, values, keys_by_token, question=None):
        if len(values) > 1:
            raise InvalidAnswer("one choice only")
        return _keys(values, keys_by_token)

    def grade(self, question, answer, *, partial_credit=ALL_OR_NOTHING) -> Decimal:
        correct = {c.key for c in question.choices if c.is_correct}
        chosen = _selected(answer)
        return Decimal(1) if len(chosen) == 1 and chosen <= correct else Decimal(0)

    def review(self, question, answer, order, pick, reveal):
        chosen = _selected(answer)
        by_key = {choice.key: choice for choice in question.choices}
        results = []
        for key in order:
            choice = by_key.get(key)
            if choice is None:
                continue
            text, lang = pick(choice.text)
            feedback = pick(choice.feedback)[0] if reveal or key in chosen else ""
            results.append(
                ChoiceResult(
                    key,
                    self.option_text(key, text),
                    lang,
                    key in chosen,
                    choice.is_correct if reveal else None,
                    feedback,
                )
            )
        return results

    def response_key(self, question, answer):
        return sorted(_selected(answer))

    def model_answer(self, question, tokens):
        correct = [tokens[c.key] for c in question.choices if c.is_correct and c.key in tokens]
        return correct[:1] if self.one_correct else correct

    def wrong_answer(self, question, tokens):
        return [tokens[c.key] for c in question.choices if not c.is_correct][:1]

    def summarise(self, question, answers, *, partial_credit=ALL_OR_NOTHING):
        summary = super().summarise(question, answers, partial_credit=partial_credit)
        summary["choices"] = summary["distribution"]
        return summary

    def read_file(self, doc, question):
        for index, _ in enumerate(doc.get("choices", list, default=[])):
            entry = doc.sub("choices", index)
            if not isinstance(entry.data, dict):
                entry.problem("each choice is a mapping")
                continue
            entry.check_keys({"id", "correct", "text", "feedback"})
            question.choices.append(
                ChoiceSpec(
                    id=entry.identifier(),
                    correct=entry.get("correct", bool, default=False),
                    text=entry.texts("text"),
                    feedback=entry.texts("feedback", required=False),
                    source=entry.source(),
                )
            )

    def write_file(self, question, entry):
        choices = []
        for choice in question.choices:
            item = {
                "id": choice.id,
                "correct": choice.correct,
                "text": canonical_texts(choice.text),
            }
            set_optional(item, "feedback", canonical_texts(choice.feedback))
            choices.append(item)
        entry["choices"] = choices

    def check(self, question, checker):
        where = question.source
        correct = [c for c in question.choices if c.correct]
        if len(question.choices) < 2:
            checker.report(where, f"question {question.id!r} needs at least two choices")
        if not correct:
            checker.report(where, f"question {question.id!r} has no correct answer")
        elif self.one_correct and len(correct) > 1:
            checker.report(
                where,
                f"single_choice question {question.id!r} has {len(correct)} correct "
                "choices; use multiple_select, or mark one",
            )
        checker.duplicates(
            [(c.id, c.source) for c in question.choices], f"choice of question {question.id!r}"
        )
        for choice in question.choices:
            checker.need_texts(
                choice.text, f"choice {choice.id!r} of question {question.id!r}", choice.source
            )


class MultipleSelect(SingleChoice):
    kind = "multiple_select"
    label = _l("Multiple select")
    one_correct = False

    def build_field(self, label, options: list[Option], answer, tokens, question=None):
        chosen = [tokens[key] for key in _selected(answer) if key in tokens]
        return SelectMultipleField(
            label,
            choices=_choices(options),
            default=chosen,
            validate_choice=False,
            widget=ListWidget(prefix_label=False),
            option_widget=CheckboxInput(),
        )

    def hint(self, partial_credit=ALL_OR_NOTHING):
        if partial_credit == RIGHT_MINUS_WRONG:
            rule = _l(
                "Scoring: each right choice you select earns its share of the points and each "
                "wrong choice takes one share away, never below zero."
            )
        else:
            rule = _l(
                "Scoring: all or nothing. You earn the points only if you select exactly the "
                "right choices."
            )
        return _l("Select all that apply."), rule

    def parse(self, values, keys_by_token, question=None):
        if len(set(values)) != len(values):
            raise InvalidAnswer("a choice sent twice")
        return _keys(values, keys_by_token)

    def grade(self, question, answer, *, partial_credit=ALL_OR_NOTHING) -> Decimal:
        correct = {c.key for c in question.choices if c.is_correct}
        chosen = _selected(answer)
        if partial_credit == RIGHT_MINUS_WRONG and correct:
            right, wrong = len(chosen & correct), len(chosen - correct)
            return max(Decimal(0), Decimal(right - wrong) / Decimal(len(correct)))
        return Decimal(1) if chosen == correct else Decimal(0)


class AnyChoice(MultipleSelect):
    """No kind: how a question whose kind no type has is read and written (its choices; an
    ``answer`` is allowed, as a mistyped true_false has one) until the author fixes the kind."""

    kind = ""
    file_fields = frozenset({"choices", "answer"})


def _choices(options: list[Option]) -> list[SelectChoice]:
    return [SelectChoice(o.token, o.text) for o in options]


def _keys(values: list[str], keys_by_token: dict[str, str]) -> dict:
    try:
        return {"choices": sorted(keys_by_token[value] for value in values)}
    except KeyError:
        raise InvalidAnswer("unknown choice") from None
