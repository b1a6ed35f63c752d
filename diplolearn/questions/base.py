"""The interface every question type implements, after CTFd's challenge plugins and Indico's
survey fields: a type knows how to build its form field, read a posted answer, grade it and
summarise many answers. Adding a type touches one module and the registry.

Answers are stored server-side as ``{"choices": [choice keys]}`` (choice types) — never what
the browser sent. The browser only ever sees opaque per-attempt tokens (services.quizzes).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from wtforms.fields.core import UnboundField


class InvalidAnswer(ValueError):
    """A posted answer that no honest form could have sent (unknown token, two radio values)."""


@dataclass(frozen=True)
class Option:
    """One choice as the learner sees it: an opaque token, the text and its language."""

    token: str
    text: str
    lang: str


@dataclass(frozen=True)
class ChoiceResult:
    key: str
    text: str
    lang: str
    selected: bool
    correct: bool | None  # None while the key is not revealed
    feedback: str


class QuestionType(ABC):
    """One family of questions. Instances are stateless; the registry holds one of each.
    A new type implements the abstract methods; Python refuses to build one that does not."""

    kind: ClassVar[str]
    #: Whether choices may be shuffled per attempt when the quiz asks for it.
    shuffle_choices: ClassVar[bool] = True

    @abstractmethod
    def build_field(self, label: str, options: list[Option], answer: dict | None,
                    tokens: dict[str, str]) -> UnboundField:
        """The WTForms field for this question, pre-filled with the saved ``answer``;
        ``tokens`` maps each choice key to its token for this attempt."""
        ...

    @abstractmethod
    def parse(self, values: list[str], keys_by_token: dict[str, str]) -> dict:
        """The answer to store for the values posted under this question's field name.
        Raises InvalidAnswer for anything the form could not have sent."""
        ...

    @abstractmethod
    def grade(self, question, answer: dict | None) -> Decimal:
        """The fraction of the question's points earned, from 0 to 1."""
        ...

    def option_text(self, key: str, text: str) -> str:
        """The text shown for a choice (a type may supply one when the author left it empty)."""
        return text

    @abstractmethod
    def review(self, question, answer: dict | None, order: list[str], pick, reveal: bool
               ) -> list[ChoiceResult]:
        """Each choice in the order the learner saw it, marked selected, and — when ``reveal``
        — correct, with feedback for the choices selected (all of them when revealed).
        ``pick(texts)`` returns (text, language) in the attempt's language."""
        ...

    def summarise(self, question, answers: list[dict | None]) -> dict:
        """Figures over many learners' answers, for instructors' statistics."""
        graded = [self.grade(question, answer) for answer in answers]
        return {
            "responses": len(answers),
            "answered": sum(1 for answer in answers if answer),
            "mean": (sum(graded) / len(graded)) if graded else None,
        }
