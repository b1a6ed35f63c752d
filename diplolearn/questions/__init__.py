"""Question types, one class per kind behind one interface (base.QuestionType).

``get(kind)`` returns the type that builds, reads, grades and summarises questions of that
kind: single choice, multiple select, true/false (choice.py, true_false.py), numeric, short
text, essay (typed.py), matching and ordering (arranged.py). Each type is a whole plug-in: the
same class reads, writes and checks its questions in the course files (courses/), keeps their
settings in the database, and builds their fields in the question editor (authoring/). A
question is a QuestionRevision whose ``kind`` names its type and whose ``settings`` hold what
that type needs.

``REGISTRY`` holds one instance of each type, in the order the editor offers them; ``register``
adds a type (a new kind is one module and one ``register`` call), ``unregister`` removes one.
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
from diplolearn.questions.choice import AnyChoice, MultipleSelect, SingleChoice
from diplolearn.questions.editing import RowsEditor
from diplolearn.questions.true_false import TrueFalse
from diplolearn.questions.typed import Essay, Numeric, ShortText

REGISTRY: dict[str, QuestionType] = {}


class UnknownQuestionKind(LookupError):
    pass


def register(cls: type[QuestionType]) -> type[QuestionType]:
    """Add a question type (usable as a class decorator); its ``kind`` must be new."""
    if cls.kind in REGISTRY:
        raise ValueError(f"the question kind {cls.kind!r} is already registered")
    REGISTRY[cls.kind] = cls()
    return cls


def unregister(kind: str) -> None:
    REGISTRY.pop(kind, None)


#: The types every installation has, in the order the question editor offers them.
BUILT_IN = (SingleChoice, MultipleSelect, TrueFalse, Numeric, ShortText, Matching, Ordering, Essay)
for built_in in BUILT_IN:
    register(built_in)


def get(kind: str) -> QuestionType:
    try:
        return REGISTRY[kind]
    except KeyError:
        raise UnknownQuestionKind(kind) from None


_ANY_CHOICE = AnyChoice()


def file_type(kind: str) -> QuestionType:
    """The type that reads and writes a question of ``kind`` in the course files: its own, or,
    for a kind no type has, one reading choices, so that one check run still finds the
    question's other problems (the check reports the kind)."""
    return REGISTRY.get(kind) or _ANY_CHOICE


def free_text_kinds() -> list[str]:
    """The kinds whose answers are text the learner wrote."""
    return [kind for kind, question_type in REGISTRY.items() if question_type.free_text]


__all__ = [
    "ALL_OR_NOTHING",
    "PARTIAL_CREDIT_RULES",
    "REGISTRY",
    "RIGHT_MINUS_WRONG",
    "ChoiceResult",
    "InvalidAnswer",
    "Option",
    "QuestionType",
    "RowsEditor",
    "UnknownQuestionKind",
    "file_type",
    "free_text_kinds",
    "get",
    "register",
    "unregister",
]
