"""Where the course rules report: ``Checker`` holds a course's languages and paragraph anchors
and the ways a rule reports a problem, so every rule — the course check's (check.py,
check_content.py, check_assessment.py) and each question type's own (``QuestionType.check``)
— is written once and serves both ``flask courses check`` (problems with file and line) and the
authoring editors (messages only, check.item_problems). The rules the authoring forms and
services share (rules.py) report through ``Checker.rule``.
"""

from __future__ import annotations

from collections.abc import Callable

from diplolearn.courses.image_files import ImageLimits
from diplolearn.courses.rules import missing_languages
from diplolearn.courses.spec import CourseSpec, Source

SUPPORTED_LANGUAGES = ("ar", "en", "fr")


class Checker:
    """``report(source, message)`` records one problem; ``languages`` are the course's
    supported languages (every text needs them), ``readable`` those and its optional ones;
    ``anchors`` maps each lesson id to its paragraph anchors; ``image_limits`` bound the
    course's image files (the defaults, or the settings a service passes)."""

    def __init__(
        self,
        course: CourseSpec,
        report: Callable[[Source | None, str], None],
        image_limits: ImageLimits | None = None,
    ):
        self.course, self.report = course, report
        self.image_limits = image_limits or ImageLimits()
        self.languages = [lang for lang in course.languages if lang in SUPPORTED_LANGUAGES]
        self.readable = set(self.languages) | set(course.optional_languages)
        self.anchors = {lesson.id: set(lesson.anchors) for lesson in course.lessons()}

    def need_texts(self, texts: dict, what: str, source: Source | None) -> None:
        """A problem for each language of the course ``texts`` lacks (or has only spaces)."""
        for language in missing_languages(texts, self.languages):
            self.report(source, f"{what} has no {language!r} text")

    def rule(self, source: Source | None, problem) -> None:
        """Report the problem a rule of courses/rules.py found, if it found one."""
        if problem is not None:
            self.report(source, str(problem))

    def duplicates(self, items, what: str) -> None:
        """A problem for each (id, source) of ``items`` whose id came before."""
        seen: dict[str, object] = {}
        for item_id, source in items:
            if not item_id:
                continue
            if item_id in seen:
                self.report(source, f"duplicate {what} id {item_id!r} (first at {seen[item_id]})")
            else:
                seen[item_id] = source

    def reference(self, refers_to: str, where: Source | None) -> None:
        """``refers_to`` ("<lesson>#<anchor>") must name a paragraph of the course."""
        lesson_id, _, anchor = refers_to.partition("#")
        if lesson_id not in self.anchors:
            self.report(where, f"refers_to names the lesson {lesson_id!r}, which does not exist")
        elif anchor not in self.anchors[lesson_id]:
            self.report(
                where,
                f"refers_to names the anchor {anchor!r}, which lesson {lesson_id!r} does not have",
            )
