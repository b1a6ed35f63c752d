"""Question types, one class per kind behind one interface (base.QuestionType).

``get(kind)`` returns the type that builds, reads, grades and summarises questions of that
kind. Kinds without a class here (numeric, short text, matching, ordering, essay) arrive with
their own modules; until then a quiz containing them cannot be started.
"""

from __future__ import annotations

from diplolearn.questions.base import ChoiceResult, InvalidAnswer, Option, QuestionType
from diplolearn.questions.choice import MultipleSelect, SingleChoice
from diplolearn.questions.true_false import TrueFalse

REGISTRY: dict[str, QuestionType] = {
    cls.kind: cls() for cls in (SingleChoice, MultipleSelect, TrueFalse)
}


class UnknownQuestionKind(LookupError):
    pass


def get(kind: str) -> QuestionType:
    try:
        return REGISTRY[kind]
    except KeyError:
        raise UnknownQuestionKind(kind) from None


__all__ = ["ChoiceResult", "InvalidAnswer", "Option", "QuestionType", "REGISTRY", "get",
           "UnknownQuestionKind"]
