"""Validating a course folder: every problem, with file and line, and nothing rewritten.

``check_course`` reads the folder (reader.py reports shape problems), then checks the rules
that span files: ids unique where they must be, every required language present, paragraph
anchors shared by every language of a lesson (check_content.py), questions answerable and
quizzes, banks and assignments complete (check_assessment.py), references and prerequisites
that point somewhere, text in NFC, no HTML the cleaner would remove (``text_problems``), and
files byte for byte in the canonical form that ``flask courses export`` writes.
``item_problems`` judges one quiz, question, category or assignment by the same rules, for the
authoring editors.
"""

from __future__ import annotations

import difflib
import unicodedata
from pathlib import Path

from diplolearn.courses.check_assessment import (
    check_assignment,
    check_banks,
    check_draws,
    check_prompts,
    check_question,
    check_quiz_settings,
    check_quizzes,
)
from diplolearn.courses.check_content import check_course_pages, check_images, check_modules
from diplolearn.courses.checker import SUPPORTED_LANGUAGES, Checker
from diplolearn.courses.image_files import ImageLimits
from diplolearn.courses.links import COURSE_LINK
from diplolearn.courses.reader import read_course
from diplolearn.courses.spec import (
    AssignmentSpec,
    CategorySpec,
    CourseSpec,
    Problem,
    QuestionSpec,
    QuizSpec,
    Source,
)
from diplolearn.courses.writer import course_file_bytes, course_files
from diplolearn.security.sanitize import markdown_to_html, would_change


class CourseInvalid(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def check_course(
    folder: Path, image_limits: ImageLimits | None = None
) -> tuple[CourseSpec | None, list[Problem]]:
    """The folder's course and every problem in it; ``image_limits`` bound its image files (the
    defaults unless given: services pass the settings' ``images.limits()``)."""
    course, problems, raw = read_course(folder)
    if course is None:
        return None, problems
    problems += _rules(course, image_limits)
    problems += text_problems(folder.name, raw)
    if not problems:
        problems += _canonical_problems(folder.name, course, raw)
    return course, problems


def load_course(
    folder: Path, image_limits: ImageLimits | None = None
) -> tuple[CourseSpec, dict[str, bytes]]:
    """Read and check a folder; raise CourseInvalid listing every problem."""
    course, problems = check_course(folder, image_limits)
    if problems or course is None:
        raise CourseInvalid(problems)
    return course, course_file_bytes(course)


def _rules(course: CourseSpec, image_limits: ImageLimits | None) -> list[Problem]:
    problems: list[Problem] = []

    def report(source, message):
        problems.append(Problem(source or course.source, message))

    _check_languages(course, report)
    checker = Checker(course, report, image_limits)
    checker.need_texts(course.title, "the course title", course.source)
    checker.duplicates([(m.id, m.source) for m in course.modules], "module")
    checker.duplicates([(lesson.id, lesson.source) for lesson in course.lessons()], "lesson")
    quizzes = course.quizzes()
    checker.duplicates([(q.id, q.source) for q in quizzes], "quiz")
    checker.duplicates(
        [(q.id, q.source) for quiz in quizzes for q in quiz.questions]
        + [(q.id, q.source) for category in course.categories() for q in category.questions],
        "question",
    )
    check_modules(course, checker)
    check_course_pages(course, checker)
    check_prompts(course, checker)
    check_quizzes(course, checker)
    check_banks(course, checker)
    check_images(course, checker)
    return problems


def _check_languages(course: CourseSpec, report) -> None:
    """The languages listed: supported ones, Arabic and English among them."""
    languages = course.languages
    if not languages:
        report(course.source, "languages must list at least one language")
    for language in languages:
        if language not in SUPPORTED_LANGUAGES:
            report(
                course.source,
                f"language {language!r} is not one DiploLearn supports "
                f"({', '.join(SUPPORTED_LANGUAGES)})",
            )
    # Judge the rest against the supported languages only, so that one typo in the list gives
    # one problem, not one per text.
    languages = [language for language in languages if language in SUPPORTED_LANGUAGES]
    for required in ("ar", "en"):
        if required not in languages:
            report(
                course.source,
                f"every course exists in Arabic and English at least; "
                f"add {required!r} to languages",
            )
    for language in course.optional_languages:
        if language not in SUPPORTED_LANGUAGES or language in languages:
            report(
                course.source,
                f"optional language {language!r} must be a supported "
                "language that is not already required",
            )


def item_problems(course: CourseSpec, item) -> list[str]:
    """What the course check says about one quiz (its settings and draws), question, bank
    category or assignment of ``course``, as messages: the authoring editors validate with the
    same rules as ``flask courses check``."""
    problems: list[str] = []
    checker = Checker(course, lambda source, message: problems.append(message))
    if isinstance(item, QuizSpec):
        check_quiz_settings(item, checker)
        check_draws(item, course, checker)
    elif isinstance(item, QuestionSpec):
        check_question(item, checker)
    elif isinstance(item, CategorySpec):
        checker.need_texts(item.title, f"bank category {item.id!r}", item.source)
    elif isinstance(item, AssignmentSpec):
        check_assignment(item, checker)
    return problems


def text_problems(prefix: str, raw: dict[str, bytes]) -> list[Problem]:
    """Text must already be NFC, and Markdown must not carry HTML the cleaner would remove."""
    problems = []
    for rel, data in sorted(raw.items()):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.split("\n"), start=1):
            if unicodedata.normalize("NFC", line) != line:
                problems.append(
                    Problem(
                        Source(f"{prefix}/{rel}", number),
                        "text is not in Unicode NFC form (normalise it; "
                        "nothing is rewritten silently)",
                    )
                )
        if rel.endswith(".md"):
            body_start = text.find("\n---", 3)
            offset = text[:body_start].count("\n") + 2 if body_start > 0 else 1
            for number, line in enumerate(text.split("\n")[offset - 1 :], start=offset):
                line = COURSE_LINK.sub(r"](#\2)", line)
                if "<" in line and would_change(markdown_to_html(line)):
                    problems.append(
                        Problem(
                            Source(f"{prefix}/{rel}", number),
                            "HTML here would be removed by the sanitiser "
                            "(allowed: simple inline tags such as bdi, span, "
                            "abbr with lang/dir/title)",
                        )
                    )
    return problems


def _canonical_problems(prefix: str, course: CourseSpec, raw: dict[str, bytes]) -> list[Problem]:
    problems = []
    for rel, text in course_files(course).items():
        actual = raw.get(rel)
        if actual is None:
            continue
        expected = text.encode()
        if actual != expected:
            a, b = actual.decode("utf-8", "replace").split("\n"), text.split("\n")
            line = next(
                (i + 1 for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                min(len(a), len(b)) + 1,
            )
            hint = "".join(list(difflib.unified_diff(a, b, lineterm="", n=0))[2:4])
            problems.append(
                Problem(
                    Source(f"{prefix}/{rel}", line),
                    "not in canonical form (flask courses export writes it): " + hint[:200],
                )
            )
    return problems


def course_folders(path: Path) -> list[Path]:
    """A course folder, or a folder of course folders (such as courses/)."""
    if (path / "course.yaml").is_file():
        return [path]
    return (
        sorted(p for p in path.iterdir() if (p / "course.yaml").is_file()) if path.is_dir() else []
    )
