"""How long a lesson takes to read, computed from its text.

Study reading of expository text is slower than the reading speeds quoted for fiction, and
slower still in Arabic, whose words carry more (articles, prepositions and pronouns are
attached). The rates are words per minute for careful reading of a course text, set from
the IReST standardised reading texts (Trauzettel-Klosinski et al., 2012: English about 228,
French 195 and Arabic 138 words a minute read aloud by adults), rounded down for study:
``WORDS_PER_MINUTE``. A lesson's reading time is that of its slowest language, so that the
one time a module states holds for every reader.

``flask courses check`` warns (without failing) when a lesson's stated ``estimated_minutes``
is off by more than a third from this figure, and gives the figure to write instead. (A course
is imported as written: a time the files do not state is not invented, so that an exported
course is byte for byte the folder it came from.)
"""

from __future__ import annotations

import math
import re

from diplolearn.courses.spec import CourseSpec, LessonSpec, Problem

WORDS_PER_MINUTE = {"ar": 130, "en": 200, "fr": 180}
DEFAULT_WORDS_PER_MINUTE = 180
TOLERANCE = 1 / 3

# Markdown that is not read as words: link targets, HTML tags, emphasis and heading marks.
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_TAG = re.compile(r"<[^>]+>")
_MARKS = re.compile(r"[#*_>`|\[\]]")
_WORD = re.compile(r"\w[\w'’\-]*", re.UNICODE)


def count_words(markdown_text: str) -> int:
    """The words a reader reads in ``markdown_text``: link targets and markup left out."""
    text = _MARKS.sub(" ", _TAG.sub(" ", _LINK_TARGET.sub("]", markdown_text)))
    return len(_WORD.findall(text))


def text_minutes(words: int, language: str) -> int:
    """Whole minutes (at least one) to read ``words`` words in ``language``."""
    rate = WORDS_PER_MINUTE.get(language, DEFAULT_WORDS_PER_MINUTE)
    return max(1, math.ceil(words / rate))


def lesson_minutes(lesson: LessonSpec) -> int | None:
    """The lesson's reading time in its slowest language (None for a lesson with no text)."""
    times = [
        text_minutes(sum(count_words(p.text) for p in text.paragraphs), language)
        for language, text in lesson.texts.items()
    ]
    return max(times) if times else None


def reading_time_warnings(course: CourseSpec) -> list[Problem]:
    """A warning for each lesson whose stated time is off by more than a third."""
    warnings = []
    for lesson in course.lessons():
        computed, stated = lesson_minutes(lesson), lesson.estimated_minutes
        if computed is None or stated is None:
            continue
        if abs(stated - computed) > computed * TOLERANCE:
            warnings.append(
                Problem(
                    lesson.source or course.source,
                    f"lesson {lesson.id!r} states {stated} minutes but its text takes about "
                    f"{computed} to read; set estimated_minutes to {computed}",
                )
            )
    return warnings
