"""The in-memory shape of a course folder, independent of files and of the database.

Every item carries its stable ``id`` (from the files) and where it was read from (``source``),
so that problems can be reported with file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Multiple select's partial credit, chosen per quiz (questions/choice.py).
PARTIAL_CREDIT_RULES = ("all_or_nothing", "right_minus_wrong")
GRADING_METHODS = ("highest", "last", "first", "average")
# When feedback and correct answers are shown (models.assessment.Reveal).
REVEAL_TIMES = ("immediately", "after_attempt", "after_close", "never")
ASSIGNMENT_FORMATS = ("text", "file")
ASSIGNMENT_COMPLETION = ("submitted", "passed")


@dataclass(frozen=True)
class Source:
    path: str  # relative to the course folder's parent, e.g. "sample/tools/module.yaml"
    line: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class Problem:
    source: Source
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


@dataclass
class ChoiceSpec:
    """A choice; also a matching item (``match``: the id of its match) or a possible match, and
    an ordering item (in the right order)."""

    id: str
    correct: bool
    text: dict[str, str]
    feedback: dict[str, str] = field(default_factory=dict)
    source: Source | None = None
    match: str | None = None


@dataclass
class QuestionSpec:
    """A question: what every question has, then what its type (``kind``, a type of
    diplolearn/questions/) reads from its file and writes back."""

    id: str
    kind: str
    prompt: dict[str, str]
    points: int = 1
    refers_to: str | None = None  # "<lesson-id>#<anchor>"
    feedback: dict[str, str] = field(default_factory=dict)
    choices: list[ChoiceSpec] = field(default_factory=list)
    # true_false: true or false; numeric: the number (int or float, as written).
    answer: bool | int | float | None = None
    source: Source | None = None
    tolerance: int | float | None = None  # numeric
    tolerance_type: str = "absolute"  # numeric: absolute, or relative (a fraction: 0.05 = 5%)
    accepted: dict[str, list[str]] = field(default_factory=dict)  # short_text, per language
    accents: str = "ignored"  # short_text: are French accents required or ignored?
    # What a type added later keeps that has no field above (questions/: read_file).
    extra: dict = field(default_factory=dict)


@dataclass
class DrawSpec:
    """``count`` questions drawn at random from a bank category, at ``position`` (0-based) in
    the quiz's list of questions."""

    count: int
    category: str
    position: int = 0
    source: Source | None = None


@dataclass
class CategorySpec:
    """A category of a module's question bank (``<module>/bank.yaml``)."""

    id: str
    title: dict[str, str]
    questions: list[QuestionSpec] = field(default_factory=list)
    source: Source | None = None


@dataclass
class QuizSpec:
    id: str
    title: dict[str, str]
    pass_mark: int = 60
    max_attempts: int | None = None
    time_limit_minutes: int | None = None
    grading_method: str = "highest"
    shuffle_questions: bool = False
    shuffle_choices: bool = False
    required: bool = True
    feedback_shown: str = "immediately"
    answers_shown: str = "after_attempt"
    grade_release_required: bool = False
    questions: list[QuestionSpec] = field(default_factory=list)
    source: Source | None = None
    partial_credit: str = "all_or_nothing"
    draws: list[DrawSpec] = field(default_factory=list)


@dataclass
class ParagraphSpec:
    anchor: str
    text: str
    source: Source | None = None


@dataclass
class LessonText:
    language: str
    title: str
    paragraphs: list[ParagraphSpec]
    source: Source | None = None


@dataclass
class LessonSpec:
    id: str
    required: bool = True
    estimated_minutes: int | None = None
    texts: dict[str, LessonText] = field(default_factory=dict)
    source: Source | None = None

    @property
    def anchors(self) -> list[str]:
        first = next(iter(self.texts.values()), None)
        return [p.anchor for p in first.paragraphs] if first else []


@dataclass
class LevelSpec:
    """One level of a rubric criterion: the points it awards and what earns them."""

    points: int
    description: dict[str, str]
    source: Source | None = None


@dataclass
class CriterionSpec:
    id: str
    points: int  # the criterion's best level
    criterion: dict[str, str]
    levels: list[LevelSpec] = field(default_factory=list)
    source: Source | None = None


@dataclass
class AssignmentSpec:
    """A written assignment: prompt, rubric, how it counts and when it is due
    (models/assignments.py)."""

    id: str
    title: dict[str, str]
    prompt: dict[str, str]
    required: bool = True
    completion: str = "submitted"  # or "passed": graded at pass_mark percent or more
    pass_mark: int | None = None  # only with completion "passed"
    formats: list[str] = field(default_factory=lambda: ["text", "file"])
    min_words: int | None = None
    max_words: int | None = None
    due_days: int | None = None  # days after the module opens (or the learner starts)
    late_days: int | None = None  # days after the due date late work is still taken
    rubric: list[CriterionSpec] = field(default_factory=list)
    source: Source | None = None


@dataclass
class DiscussionSpec:
    """A discussion prompt about the text (made live by the discussion issue)."""

    id: str
    prompt: dict[str, str]
    refers_to: str | None = None
    source: Source | None = None


@dataclass
class ReferenceSpec:
    """One source. ``text`` is the entry as cited, in its own ``language``; for a source in
    another script, ``transliteration`` gives its author and title in Latin letters and
    ``translation`` its title per course language; ``footnotes`` are the numbers of the
    paper's footnotes that cite it; ``note`` an editor's note per language (a garbled title,
    an uncertain name)."""

    id: str
    text: str
    language: str = "en"
    url: str | None = None
    transliteration: str | None = None
    translation: dict[str, str] = field(default_factory=dict)
    footnotes: list[int] = field(default_factory=list)
    note: dict[str, str] = field(default_factory=dict)
    source: Source | None = None


@dataclass
class TermSpec:
    id: str
    term: dict[str, str]
    definition: dict[str, str]
    source: Source | None = None


@dataclass
class ModuleSpec:
    id: str
    title: dict[str, str]
    objectives: dict[str, list[str]] = field(default_factory=dict)
    estimated_minutes: int | None = None
    required: bool = True
    prerequisites: list[str] = field(default_factory=list)
    lessons: list[LessonSpec] = field(default_factory=list)
    quiz: QuizSpec | None = None
    week: int | None = None
    assignment: AssignmentSpec | None = None
    discussion: DiscussionSpec | None = None
    source: Source | None = None
    bank: list[CategorySpec] = field(default_factory=list)  # <module>/bank.yaml
    bank_source: Source | None = None


@dataclass
class ImageSpec:
    """An image of ``images/``, named by the SHA-256 of its bytes (services/catalogue/images.py), with
    its alternative text per language from ``images.yaml``."""

    file: str  # "<sha256>.<png|jpg|webp>"
    alt: dict[str, str]
    data: bytes = b""
    source: Source | None = None

    @property
    def sha256(self) -> str:
        return self.file.split(".")[0]


@dataclass
class CourseSpec:
    id: str
    title: dict[str, str]
    languages: list[str]
    modules: list[ModuleSpec] = field(default_factory=list)
    # Languages a text may have without every text having it; missing ones show as
    # "not yet translated" to readers of that language.
    optional_languages: list[str] = field(default_factory=list)
    references: list[ReferenceSpec] = field(default_factory=list)
    glossary: list[TermSpec] = field(default_factory=list)
    images: list[ImageSpec] = field(default_factory=list)  # images.yaml and images/
    source: Source | None = None
    references_source: Source | None = None
    glossary_source: Source | None = None

    def lessons(self):
        for module in self.modules:
            yield from module.lessons

    def quizzes(self):
        return [m.quiz for m in self.modules if m.quiz is not None]

    def categories(self):
        return [category for module in self.modules for category in module.bank]
