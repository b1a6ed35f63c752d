"""The interface every question type implements, after CTFd's challenge plugins and Indico's
survey fields: a type knows how to build its form field, read a posted answer, grade it and
summarise many answers.

Answers are stored server-side in a shape each type defines — ``{"choices": [choice keys]}``
(choice types), ``{"text": ...}`` (numeric, short text, essay), ``{"pairs": {item: match}}``
(matching), ``{"positions": {item: n}}`` (ordering) — never what the browser sent. The browser
only ever sees opaque per-attempt tokens (services.assessment.quizzes) and never a correct answer: the
field a type builds carries the choices and, for matching and ordering, the items, never which
one is right.

Grading returns the fraction of the question's points earned, from 0 to 1, or ``None`` for a
type graded by a person (``manual``) until someone has graded it.

A type is a whole plug-in: besides taking and grading, it knows its part of a question in the
course files (``read_file``, ``write_file``, ``check``), in the database (``settings``,
``read_settings``: QuestionRevision.settings) and in the question editor (``form_fields``,
``input_values``, ``read_input``, and ``rows`` when its answer is a list of rows). The generic
code (courses/, services/authoring/, authoring/) handles what every question has — id, kind,
points, prompt, feedback, the paragraph it refers to, its choices as rows — and calls the type
for the rest, so a new type is one module and a line in the registry (questions/__init__.py).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from wtforms.fields.core import UnboundField

from diplolearn.questions.editing import RowsEditor

#: Partial-credit rules for multiple select, chosen per quiz.
ALL_OR_NOTHING = "all_or_nothing"
RIGHT_MINUS_WRONG = "right_minus_wrong"
PARTIAL_CREDIT_RULES = (ALL_OR_NOTHING, RIGHT_MINUS_WRONG)


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
    """One line of a question's review on the result page: a choice, an answer the learner
    typed, a pair they matched or an item they placed. ``feedback`` is shown under it."""

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
    #: Whether the choices are always shuffled, whatever the quiz says (their file order is
    #: the answer: ordering items, matching targets).
    always_shuffle: ClassVar[bool] = False
    #: Graded by a person: ``grade`` returns None until someone has.
    manual: ClassVar[bool] = False
    #: How the attempt page lays the field out: "choices" (a list of radio buttons or check
    #: boxes) or "field" (the field renders itself, with its own labels).
    layout: ClassVar[str] = "choices"
    #: The kind's name in the authoring screens (a lazy translation).
    label: ClassVar[str]
    #: Answers are text the learner wrote, erased with their personal data.
    free_text: ClassVar[bool] = False
    #: The fields a question of this kind has in a course file beyond the common ones
    #: (id, kind, points, refers_to, prompt, feedback).
    file_fields: ClassVar[frozenset[str]] = frozenset()
    #: The editor's rows (choices, items), or None when the kind has none.
    rows: ClassVar[RowsEditor | None] = None

    @abstractmethod
    def build_field(
        self,
        label: str,
        options: list[Option],
        answer: dict | None,
        tokens: dict[str, str],
        question=None,
    ) -> UnboundField:
        """The WTForms field for this question, pre-filled with the saved ``answer``;
        ``tokens`` maps each choice key to its token for this attempt; ``options`` are the
        choices in the order this attempt shows them."""
        ...

    @abstractmethod
    def parse(self, values: list[str], keys_by_token: dict[str, str], question=None) -> dict:
        """The answer to store for the values posted under this question's field name.
        Raises InvalidAnswer for anything the form could not have sent."""
        ...

    @abstractmethod
    def grade(
        self, question, answer: dict | None, *, partial_credit: str = ALL_OR_NOTHING
    ) -> Decimal | None:
        """The fraction of the question's points earned, from 0 to 1 (None: awaiting a
        person). ``partial_credit`` is the quiz's rule for multiple select."""
        ...

    def order_choices(self, question, keys: list[str], shuffle: bool, rng) -> list[str]:
        """The choice keys in the order one attempt shows them, fixed when it starts.
        ``shuffle`` is the quiz's flag; ``rng`` a random.Random."""
        keys = list(keys)
        if self.always_shuffle or (shuffle and self.shuffle_choices):
            rng.shuffle(keys)
        return keys

    def hint(self, partial_credit: str = ALL_OR_NOTHING) -> tuple[str, str]:
        """What the attempt page says beside the question: an instruction for the legend
        ("Select all that apply") and how it is scored under the quiz's ``partial_credit``
        rule; empty when the kind needs neither (issue 20)."""
        return "", ""

    def option_text(self, key: str, text: str) -> str:
        """The text shown for a choice (a type may supply one when the author left it empty)."""
        return text

    @abstractmethod
    def review(
        self, question, answer: dict | None, order: list[str], pick, reveal: bool
    ) -> list[ChoiceResult]:
        """What the result page shows, in the order the learner saw it: each choice marked
        selected, or the answer typed, or each pair or position; when ``reveal``, what was
        right, with feedback. ``pick(texts)`` returns (text, language) in the attempt's
        language."""
        ...

    @abstractmethod
    def model_answer(self, question, tokens: dict[str, str]) -> list[str] | None:
        """The values a form would post for an answer earning full marks (None for a type a
        person grades): for demonstrations and tests, never sent to a learner."""
        ...

    def response_key(self, question, answer: dict | None) -> list[str]:
        """The answer as the values counted in a distribution of responses (choice keys,
        the normalised text typed, ``item=match`` pairs, an order)."""
        return []

    def summarise(
        self, question, answers: list[dict | None], *, partial_credit: str = ALL_OR_NOTHING
    ) -> dict:
        """Figures over many learners' answers, for instructors' statistics: how many
        responded, the mean fraction earned (over answers graded), and ``distribution``, how
        often each response was given."""
        graded = [
            g
            for g in (self.grade(question, a, partial_credit=partial_credit) for a in answers)
            if g is not None
        ]
        return {
            "responses": len(answers),
            "answered": sum(1 for answer in answers if answer and any(answer.values())),
            "graded": len(graded),
            "mean": (sum(graded) / len(graded)) if graded else None,
            "distribution": dict(
                Counter(
                    value for answer in answers for value in self.response_key(question, answer)
                )
            ),
        }

    # --- the course files (courses/) ------------------------------------------------------

    def read_file(self, doc, question) -> None:
        """Read this kind's fields of a course file into ``question`` (a QuestionSpec).
        ``doc`` is the question's mapping (courses.yamlfile.YamlDoc): typed getters that
        report a problem, with file and line, instead of raising."""
        return None

    def write_file(self, question, entry: dict) -> None:
        """Add this kind's fields to ``entry``, the question's mapping in canonical order
        (courses/writer.py): what ``read_file`` reads back the same."""
        return None

    def check(self, question, checker) -> None:
        """Report what makes the question unanswerable or ungradable. ``checker``
        (courses.checker.Checker) offers ``report(source, message)``, ``need_texts(texts,
        what, source)``, ``duplicates(items, what)`` and ``languages``."""
        return None

    # --- the database: QuestionRevision.settings ---------------------------------------------

    def settings(self, question) -> dict:
        """What grading needs beyond the choices, from a QuestionSpec (numbers as text)."""
        return {}

    def read_settings(self, question, settings: dict) -> None:
        """The reverse of ``settings``: fill the QuestionSpec ``question`` from them."""
        return None

    # --- the question editor (authoring/) ------------------------------------------------

    def form_fields(self, languages: list[str]) -> list[tuple[str, UnboundField]]:
        """This kind's own fields of the question form, by name, in the order shown (after
        the prompt, before the rows)."""
        return []

    def input_values(self, question) -> dict:
        """The values of those fields showing ``question`` (a QuestionSpec)."""
        return {}

    def read_input(self, question, posted) -> None:
        """Fill ``question`` from the posted values of those fields. ``posted``
        (services.authoring.question_authoring.PostedValues) offers ``values``, ``raw(name)``,
        ``clean(text)``, ``number(name, what)``, ``problem(message)`` and ``problems``."""
        return None

    def wrong_answer(self, question, tokens: dict[str, str]) -> list[str]:
        """The values a form would post for a wrong answer (for demonstrations)."""
        return []


def only_one(values: list[str]) -> str:
    """The single value a text input or text area posts ("" when none)."""
    if len(values) > 1:
        raise InvalidAnswer("one value only")
    return values[0] if values else ""
