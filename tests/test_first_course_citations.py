"""The first course's questions cite paragraphs that teach their answer, in every language.

Each quiz and bank question names the paragraph it is about (``refers_to``); the learner is
sent there by the feedback. That paragraph must exist in Arabic, English and French, and where
the question's key is words rather than a choice among paraphrases (a number, a short typed
answer), those words must be in the paragraph, in each language, so the learner who reads it
finds the answer.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from pathlib import Path

from diplolearn.courses.check import check_course, load_course
from diplolearn.courses.reading_time import reading_time_warnings

FOLDER = Path(__file__).parent.parent / "courses" / "digital-diplomacy"
ARABIC_INDIC = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")


def _questions(spec):
    for module in spec.modules:
        yield from module.quiz.questions if module.quiz else []
        for category in module.bank:
            yield from category.questions


def _plain(text: str) -> str:
    """Lower case, NFC, Latin digits, without Markdown marks or the Arabic tatweel."""
    text = unicodedata.normalize("NFC", text).translate(ARABIC_INDIC).replace("ـ", "")
    return re.sub(r"[*_`]", "", text).casefold()


def _paragraphs(spec):
    return {
        (lesson.id, paragraph.anchor, language): _plain(paragraph.text)
        for lesson in spec.lessons()
        for language, text in lesson.texts.items()
        for paragraph in text.paragraphs
    }


def _numbers(value) -> set[str]:
    """The ways a number may be written in a paragraph: 93, 93.5, 93,5, 1,000, 1 000 or 1000."""
    number = Decimal(str(value))
    plain = format(number.normalize(), "f")
    forms = {plain, plain.replace(".", ",")}
    if number == number.to_integral_value() and abs(number) >= 1000:
        whole = int(number)
        grouped = f"{whole:,}"
        # French groups thousands with a no-break space (or a narrow one), as the style guide says.
        forms |= {grouped.replace(",", mark) for mark in (",", " ", ".", "\u00a0", "\u202f")}
    return forms


def test_french_is_a_required_language_of_the_first_course():
    spec, _ = load_course(FOLDER)
    assert spec.languages == ["ar", "en", "fr"]


def test_every_lesson_states_the_time_its_text_takes():
    course, _ = check_course(FOLDER)
    assert [str(w) for w in reading_time_warnings(course)] == []


def test_every_cited_paragraph_exists_in_all_three_languages():
    spec, _ = load_course(FOLDER)
    paragraphs = _paragraphs(spec)
    missing = []
    for question in _questions(spec):
        lesson, _, anchor = (question.refers_to or "").partition("#")
        assert lesson and anchor, f"{question.id} cites no paragraph"
        missing += [
            f"{question.id} -> {lesson}#{anchor} ({language})"
            for language in ("ar", "en", "fr")
            if (lesson, anchor, language) not in paragraphs
        ]
    assert missing == []


def test_numeric_and_typed_keys_are_in_the_cited_paragraph_in_every_language():
    spec, _ = load_course(FOLDER)
    paragraphs = _paragraphs(spec)
    checked, absent = 0, []
    for question in _questions(spec):
        lesson, _, anchor = question.refers_to.partition("#")
        for language in ("ar", "en", "fr"):
            text = paragraphs[(lesson, anchor, language)]
            if question.kind == "numeric":
                forms = _numbers(question.answer)
            elif question.kind == "short_text":
                forms = {_plain(a) for a in question.accepted.get(language, [])}
            else:
                continue
            checked += 1
            if not any(form in text for form in forms):
                absent.append(f"{question.id} ({language}): none of {sorted(forms)} in {anchor}")
    assert checked >= 15  # numeric and typed questions across three languages
    assert absent == []
