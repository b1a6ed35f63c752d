"""Question types, one class per kind behind one interface (base.QuestionType).

``get(kind)`` returns the type that builds, reads, grades and summarises questions of that
kind: single choice, multiple select, true/false (choice.py, true_false.py), numeric, short
text, essay (typed.py), matching and ordering (arranged.py). The same classes serve the course
files (courses/) and, later, the authoring screens: a question is a QuestionRevision whose
``kind`` names its type and whose ``settings`` hold what that type needs.
"""

from __future__ import annotations

from diplolearn.questions.arranged import Matching, Ordering
from diplolearn.questions.base import (
    ALL_OR_NOTHING,
    PARTIAL_CREDIT_RULES,
    RIGHT_MINUS_WRONG,
    ChoiceResult,
    InvalidAnswer,
    Option,
    QuestionType,
)
from diplolearn.questions.choice import MultipleSelect, SingleChoice
from diplolearn.questions.true_false import TrueFalse
from diplolearn.questions.typed import Essay, Numeric, ShortText

REGISTRY: dict[str, QuestionType] = {
    cls.kind: cls()
    for cls in (
        SingleChoice,
        MultipleSelect,
        TrueFalse,
        Numeric,
        ShortText,
        Matching,
        Ordering,
        Essay,
    )
}


class UnknownQuestionKind(LookupError):
    pass


def get(kind: str) -> QuestionType:
    try:
        return REGISTRY[kind]
    except KeyError:
        raise UnknownQuestionKind(kind) from None


__all__ = [
    "ALL_OR_NOTHING",
    "PARTIAL_CREDIT_RULES",
    "REGISTRY",
    "RIGHT_MINUS_WRONG",
    "ChoiceResult",
    "InvalidAnswer",
    "Option",
    "QuestionType",
    "UnknownQuestionKind",
    "get",
]
