"""A lesson edited one paragraph at a time (the paragraph editor, issue 15 item 7): the
paragraphs of every language side by side (``lesson_paragraphs``), each paragraph's anchor kept
out of sight, fresh anchors in the lesson's style for paragraphs added in the editor
(``fresh_anchors``), and the save (``edit_lesson_paragraphs``, ``create_lesson_paragraphs``),
which goes through lessons.py ``edit_lesson`` / ``create_lesson``: both ways of editing pass the
same checks.

Services flush and never commit: the request's unit of work commits once.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from diplolearn import i18n
from diplolearn.courses.bidi import isolate_runs
from diplolearn.courses.reader import ANCHOR_LINE
from diplolearn.courses.rules import KEY_MAX_LENGTH
from diplolearn.courses.spec import CourseSpec, LessonSpec
from diplolearn.models import CourseVersion, User
from diplolearn.services.authoring import ContentInvalid
from diplolearn.services.authoring.drafting import clean_text, lesson_languages, spec_of
from diplolearn.services.authoring.lessons import create_lesson, edit_lesson, first_words
from diplolearn.services.authoring.outline import new_key


@dataclass
class EditedParagraph:
    """One paragraph in every language, as the paragraph editor holds it. ``anchor`` is empty
    for a paragraph added in the editor: it gets a fresh one when the lesson is saved."""

    anchor: str = ""
    texts: dict[str, str] = field(default_factory=dict)

    def start(self, languages: list[str]) -> str:
        """The paragraph's first words, in the first of ``languages`` that has any."""
        return next(
            (
                first_words(self.texts[lang])
                for lang in languages
                if self.texts.get(lang, "").strip()
            ),
            "",
        )


def lesson_paragraphs(lesson: LessonSpec) -> list[EditedParagraph]:
    """A lesson's paragraphs with the text of each language (the same anchors in every
    language: the files' rule), as the editor shows them (``shown_text``)."""
    paragraphs: dict[str, EditedParagraph] = {}
    for language, text in lesson.texts.items():
        for paragraph in text.paragraphs:
            edited = paragraphs.setdefault(paragraph.anchor, EditedParagraph(paragraph.anchor))
            edited.texts[language] = shown_text(paragraph.text.strip(), language)
    return list(paragraphs.values())


_PLAIN_BDI = re.compile(r'<bdi(?: lang="ar")?>((?:(?!</?bdi).)*?)</bdi>', re.S)


def shown_text(text: str, language: str) -> str:
    """A paragraph without the ``<bdi>`` that saving adds (``isolate_runs``), so authors do not
    see markup they never typed; only when saving it gives back exactly the same text, so
    nothing an author chose to write is lost."""
    bare = _PLAIN_BDI.sub(r"\1", text)
    return bare if bare != text and isolate_runs(bare, language) == text else text


STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "by",
        "de",
        "des",
        "du",
        "en",
        "et",
        "for",
        "from",
        "in",
        "is",
        "it",
        "la",
        "le",
        "les",
        "of",
        "on",
        "or",
        "the",
        "to",
        "un",
        "une",
    ]
)


def _slug_words(text: str) -> list[str]:
    start = re.sub(r"['’]\w*", " ", first_words(text, 12))
    plain = unicodedata.normalize("NFKD", start).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", plain)
    return [word for word in words if word not in STOP_WORDS and (len(word) > 1 or word.isdigit())]


def _anchor_prefix(key: str, anchors: list[str]) -> str:
    """The prefix the lesson's anchors share (``tw`` in tw-why, tw-france), else the initials of
    its id's words (``idd`` for intro-digital-diplomacy), else its first two letters."""
    common = Counter(a.split("-")[0] for a in anchors if "-" in a).most_common(1)
    if common and common[0][1] * 2 >= len(anchors):
        return common[0][0]
    words = [w for w in key.split("-") if w]
    return "".join(w[0] for w in words) if len(words) > 1 else key[:2]


def fresh_anchors(
    spec: CourseSpec, key: str, paragraphs: list[EditedParagraph], languages: list[str]
) -> None:
    """Give each paragraph without an anchor a new one in the lesson's style: the lesson's
    prefix and the first words of its Latin text (``tw-embassy-accounts``), else its number;
    unique in the course, and never one the lesson had before (discussion hangs on anchors)."""
    taken = {anchor for lesson in spec.lessons() for anchor in lesson.anchors}
    taken |= {p.anchor for p in paragraphs if p.anchor}
    prefix = _anchor_prefix(key, [p.anchor for p in paragraphs if p.anchor])
    latin = [lang for lang in ("en", "fr") if lang in languages] + [
        lang for lang in languages if lang not in ("en", "fr")
    ]
    for number, paragraph in enumerate(paragraphs, start=1):
        if paragraph.anchor:
            continue
        words = next(
            (w for w in (_slug_words(paragraph.texts.get(lang, "")) for lang in latin) if w), []
        )
        stem = "-".join([prefix, *words[:3]]) if words else f"{prefix}-p{number}"
        stem = stem[: KEY_MAX_LENGTH - 4].strip("-")
        anchor, suffix = stem, 2
        while anchor in taken:
            anchor, suffix = f"{stem}-{suffix}", suffix + 1
        paragraph.anchor = anchor
        taken.add(anchor)


def paragraph_texts(
    titles: dict[str, str], paragraphs: list[EditedParagraph], languages: list[str]
) -> dict[str, tuple[str, str]]:
    """The editor's paragraphs as each language's whole text (what the raw form posts); a
    language with no title and no text at all is left out. An anchor line typed inside a
    paragraph would cut it in two: ContentInvalid, numbered by paragraph."""
    problems = []
    for number, paragraph in enumerate(paragraphs, start=1):
        for language in languages:
            text = clean_text(paragraph.texts.get(language))
            if any(ANCHOR_LINE.match(line) for line in text.split("\n")):
                problems.append(
                    str(
                        _l(
                            "%(language)s, paragraph %(number)d: a line like {#…} would start "
                            "a new paragraph; use “Add a paragraph” instead.",
                            language=i18n.language_name(language),
                            number=number,
                        )
                    )
                )
    if problems:
        raise ContentInvalid(problems)
    texts = {}
    for language in languages:
        title = clean_text(titles.get(language))
        bodies = [clean_text(p.texts.get(language)) for p in paragraphs]
        if not title and not any(bodies):
            texts[language] = ("", "")
            continue
        texts[language] = (
            title,
            "\n\n".join(
                f"{{#{p.anchor}}}\n{body}" for p, body in zip(paragraphs, bodies, strict=True)
            ),
        )
    return texts


def edit_lesson_paragraphs(
    draft: CourseVersion,
    key: str,
    titles: dict[str, str],
    paragraphs: list[EditedParagraph],
    token: str,
    by: User | None,
) -> None:
    """The paragraph editor's save: fresh anchors for new paragraphs, then ``edit_lesson``."""
    languages = lesson_languages(draft.course)
    fresh_anchors(spec_of(draft), key, paragraphs, languages)
    edit_lesson(draft, key, paragraph_texts(titles, paragraphs, languages), token, by)


def create_lesson_paragraphs(
    draft: CourseVersion,
    module_key: str,
    key: str,
    titles: dict[str, str],
    paragraphs: list[EditedParagraph],
    by: User | None,
) -> str:
    """A new lesson written in the paragraph editor; returns its id."""
    languages = lesson_languages(draft.course)
    spec = spec_of(draft)
    key = new_key(spec, key, "lesson")
    fresh_anchors(spec, key, paragraphs, languages)
    return create_lesson(draft, module_key, key, paragraph_texts(titles, paragraphs, languages), by)
