"""The course check's rules for the course's content: modules in order with their
prerequisites, lessons complete in every language with one paragraph structure, the reference
list and glossary with the links lesson text makes into them, and the course's images.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter

from diplolearn.courses import image_files as images
from diplolearn.courses import rules
from diplolearn.courses.checker import SUPPORTED_LANGUAGES, Checker
from diplolearn.courses.links import COURSE_LINK
from diplolearn.courses.spec import CourseSpec

_IMAGE_FILE = re.compile(r"([0-9a-f]{64})\.(png|jpg|webp)")


def check_modules(course: CourseSpec, checker: Checker) -> None:
    """Each module's texts, prerequisites and lessons; paragraph anchors unique in the course."""
    order = [m.id for m in course.modules]
    for module in course.modules:
        check_module(module, order, checker)
    checker.duplicates(
        [(p.anchor, p.source) for lesson in course.lessons() for p in _first_paragraphs(lesson)],
        "paragraph anchor",
    )


def check_module(module, order: list[str], checker: Checker) -> None:
    """A module's texts, its prerequisites (``order``: the course's module ids), its content and
    week, then each of its lessons."""
    _check_module_texts(module, checker)
    for problem in rules.prerequisite_problems(order, module.id, module.prerequisites):
        checker.rule(module.source, problem)
    if not module.lessons and module.quiz is None:
        checker.report(module.source, f"module {module.id!r} has neither lessons nor a quiz")
    checker.rule(module.source, rules.week_problem(module.week))
    for lesson in module.lessons:
        check_lesson(lesson, module, checker)


def _check_module_texts(module, checker: Checker) -> None:
    """The title, and the objectives in the course's languages (only those)."""
    checker.need_texts(module.title, f"module {module.id!r}", module.source)
    for language in module.objectives:
        if language not in checker.readable:
            checker.report(module.source, f"objectives in {language!r}, not a course language")
    if module.objectives:
        checker.need_texts(
            {k: " ".join(v) for k, v in module.objectives.items()},
            f"module {module.id!r} objectives",
            module.source,
        )


def check_lesson(lesson, module, checker: Checker) -> None:
    """A text in every language, each complete, all with the same paragraph anchors."""
    for language in checker.languages:
        if language not in lesson.texts:
            checker.report(
                lesson.source,
                f"lesson {lesson.id!r} has no {language!r} text "
                f"(expected {module.id}/{lesson.id}.{language}.md)",
            )
    for language, text in lesson.texts.items():
        _check_lesson_text(language, text, checker)
    _check_one_structure(lesson, checker)


def _check_lesson_text(language: str, text, checker: Checker) -> None:
    """A title and paragraphs, each with a valid anchor used once, and text."""
    report = checker.report
    if language not in checker.readable:
        report(text.source, f"{language!r} is not a language of this course")
    if not text.title.strip():
        report(text.source, "the lesson title is empty")
    if not text.paragraphs:
        report(text.source, "the lesson has no paragraphs")
    for paragraph in text.paragraphs:
        if not rules.ID_PATTERN.match(paragraph.anchor):
            report(paragraph.source, f"{paragraph.anchor!r} is not a valid anchor")
        if not paragraph.text.strip():
            report(paragraph.source, f"paragraph {paragraph.anchor!r} is empty")
    for anchor, count in Counter(p.anchor for p in text.paragraphs).items():
        if count > 1:
            first = next(p for p in text.paragraphs if p.anchor == anchor)
            report(first.source, f"the anchor {anchor!r} appears {count} times")


def _check_one_structure(lesson, checker: Checker) -> None:
    """Every language of a lesson has the same paragraph anchors, in the same order."""
    sequences = {lang: [p.anchor for p in t.paragraphs] for lang, t in lesson.texts.items()}
    if len({tuple(s) for s in sequences.values()}) <= 1:
        return
    reference_language = sorted(sequences)[0]
    for language, sequence in sorted(sequences.items()):
        if sequence != sequences[reference_language]:
            checker.report(
                lesson.texts[language].source,
                f"the {language!r} text's paragraph anchors {sequence} differ "
                f"from the {reference_language!r} text's "
                f"{sequences[reference_language]}: every language shares one "
                "paragraph structure",
            )


def _first_paragraphs(lesson) -> list:
    """The paragraphs of a lesson's first text (every text has the same anchors)."""
    first_text = next(iter(lesson.texts.values()), None)
    return first_text.paragraphs if first_text else []


def check_course_pages(course: CourseSpec, checker: Checker) -> None:
    """The reference list and glossary, and every link from lesson text into them."""
    report, need_texts, readable = checker.report, checker.need_texts, checker.readable
    checker.duplicates([(r.id, r.source) for r in course.references], "reference")
    checker.duplicates([(t.id, t.source) for t in course.glossary], "glossary term")
    for reference in course.references:
        if not reference.text.strip():
            report(reference.source, f"reference {reference.id!r} has no text")
        if reference.language not in SUPPORTED_LANGUAGES:
            report(reference.source, f"reference language {reference.language!r} is not supported")
        if reference.url and not reference.url.startswith(("https://", "http://")):
            report(reference.source, "a reference url starts with https:// or http://")
        for language in {*reference.translation, *reference.note} - readable:
            report(reference.source, f"{language!r} is not a language of this course")
        if len(set(reference.footnotes)) != len(reference.footnotes):
            report(reference.source, f"reference {reference.id!r} lists a footnote twice")
    for term in course.glossary:
        need_texts(term.term, f"glossary term {term.id!r}", term.source)
        need_texts(term.definition, f"glossary term {term.id!r} definition", term.source)
        for language in {*term.term, *term.definition} - readable:
            report(term.source, f"{language!r} is not a language of this course")
    targets = {
        "ref": {r.id for r in course.references},
        "glossary": {t.id for t in course.glossary},
    }
    for lesson in course.lessons():
        for text in lesson.texts.values():
            for paragraph in text.paragraphs:
                for kind, target in COURSE_LINK.findall(paragraph.text):
                    if target not in targets[kind]:
                        where = "references.yaml" if kind == "ref" else "glossary.yaml"
                        report(
                            paragraph.source, f"the link {kind}:{target} names nothing in {where}"
                        )


def _image_refusal(error, limits: images.ImageLimits) -> str:
    return {
        images.ImageTooLarge: f"is larger than an image may be ({limits.max_bytes / 2**20:g} MB)",
        images.ImageTooManyPixels: "has more pixels than an image may have "
        f"({limits.max_pixels / 1e6:g} million, "
        f"{limits.max_side} on a side)",
        images.ImageDamaged: "cannot be read (damaged or incomplete)",
        images.AnimatedImage: "is animated; animated images are not accepted",
    }.get(type(error), "is not a PNG, JPEG or WebP image")


def check_images(course: CourseSpec, checker: Checker) -> None:
    """images.yaml and images/: each image named by its content's SHA-256, an accepted type
    within the limits, free of metadata, described in every language, and used by a lesson;
    every image in a lesson is one of them."""
    report, need_texts = checker.report, checker.need_texts
    checker.duplicates([(i.file, i.source) for i in course.images], "image")
    known = {}
    for image in course.images:
        match = _IMAGE_FILE.fullmatch(image.file or "")
        if not match:
            report(
                image.source,
                "an image file is named by the SHA-256 of its content and its "
                f"type (<sha256>.png, .jpg or .webp), not {image.file!r}",
            )
            continue
        need_texts(image.alt, f"image {image.file!r} alternative text", image.source)
        known[match.group(1)] = image
        if not image.data:
            continue  # missing: the reader reported it
        where = f"images/{image.file}"
        digest = hashlib.sha256(image.data).hexdigest()
        if digest != match.group(1):
            report(image.source, f"{where} is not named by its content's SHA-256 ({digest})")
        try:
            clean = images.inspect_clean(image.data, checker.image_limits)
        except images.ImageRefused as error:
            report(image.source, f"{where} {_image_refusal(error, checker.image_limits)}")
        except ValueError:
            report(
                image.source,
                f"{where} carries metadata (such as a GPS position): upload "
                "it on the course's images page, which removes it, and use "
                "the file exported from there",
            )
        else:
            if images.EXTENSIONS[clean.format] != f".{match.group(2)}":
                report(
                    image.source,
                    f"{where} is a {clean.format.upper()} image; its name "
                    f"must end in {images.EXTENSIONS[clean.format]}",
                )
    used = set()
    for lesson in course.lessons():
        for text in lesson.texts.values():
            for paragraph in text.paragraphs:
                for target in images.ANY_IMAGE.findall(paragraph.text):
                    sha = target.removeprefix("image:")
                    if not target.startswith("image:"):
                        report(
                            paragraph.source,
                            f"the image {target!r} is not one of the "
                            "course's images: write ![](image:<sha256>) "
                            "for an image listed in images.yaml",
                        )
                    elif sha not in known:
                        report(paragraph.source, f"the image {target} is not listed in images.yaml")
                    else:
                        used.add(sha)
    for sha, image in known.items():
        if sha not in used:
            report(
                image.source,
                f"images/{image.file} is shown in no lesson; remove it or "
                "show it with ![](image:<sha256>)",
            )
