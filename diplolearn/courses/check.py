"""Validating a course folder: every problem, with file and line, and nothing rewritten.

``check_course`` reads the folder (reader.py reports shape problems), then checks the rules
that span files: ids unique where they must be, every required language present, paragraph
anchors shared by every language of a lesson, questions answerable, references and
prerequisites that point somewhere, text in NFC, no HTML the cleaner would remove, and files
byte for byte in the canonical form that ``flask courses export`` writes.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from collections import Counter
from pathlib import Path

from diplolearn.courses.links import COURSE_LINK
from diplolearn.courses.reader import read_course
from diplolearn.courses.spec import (
    ACCENT_RULES,
    ASSIGNMENT_COMPLETION,
    ASSIGNMENT_FORMATS,
    GRADING_METHODS,
    ID_PATTERN,
    PARTIAL_CREDIT_RULES,
    QUESTION_KINDS,
    REVEAL_TIMES,
    TOLERANCE_TYPES,
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

SUPPORTED_LANGUAGES = ("ar", "en", "fr")


class CourseInvalid(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def check_course(folder: Path) -> tuple[CourseSpec | None, list[Problem]]:
    course, problems, raw = read_course(folder)
    if course is None:
        return None, problems
    problems += _rules(course)
    problems += _text_problems(folder.name, raw)
    if not problems:
        problems += _canonical_problems(folder.name, course, raw)
    return course, problems


def load_course(folder: Path) -> tuple[CourseSpec, dict[str, bytes]]:
    """Read and check a folder; raise CourseInvalid listing every problem."""
    course, problems = check_course(folder)
    if problems or course is None:
        raise CourseInvalid(problems)
    return course, course_file_bytes(course)


def _rules(course: CourseSpec) -> list[Problem]:
    problems: list[Problem] = []

    def report(source, message):
        problems.append(Problem(source or course.source, message))

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
    readable = set(languages) | set(course.optional_languages)

    def need_texts(texts: dict, what: str, source):
        for language in languages:
            if not (texts.get(language) or "").strip():
                report(source, f"{what} has no {language!r} text")

    need_texts(course.title, "the course title", course.source)
    _duplicates([(m.id, m.source) for m in course.modules], "module", report)
    _duplicates([(lesson.id, lesson.source) for lesson in course.lessons()], "lesson", report)
    quizzes = course.quizzes()
    _duplicates([(q.id, q.source) for q in quizzes], "quiz", report)
    _duplicates(
        [(q.id, q.source) for quiz in quizzes for q in quiz.questions]
        + [(q.id, q.source) for category in course.categories() for q in category.questions],
        "question",
        report,
    )
    module_ids = [m.id for m in course.modules]
    anchors: dict[str, set[str]] = {}
    all_anchors = []

    for module in course.modules:
        need_texts(module.title, f"module {module.id!r}", module.source)
        for language in module.objectives:
            if language not in readable:
                report(module.source, f"objectives in {language!r}, not a course language")
        if module.objectives:
            need_texts(
                {k: " ".join(v) for k, v in module.objectives.items()},
                f"module {module.id!r} objectives",
                module.source,
            )
        for prerequisite in module.prerequisites:
            if prerequisite == module.id:
                report(module.source, f"module {module.id!r} cannot require itself")
            elif prerequisite not in module_ids:
                report(
                    module.source, f"prerequisite {prerequisite!r} is not a module of this course"
                )
            elif module_ids.index(prerequisite) > module_ids.index(module.id):
                report(
                    module.source,
                    f"prerequisite {prerequisite!r} comes after "
                    f"{module.id!r}; list modules in the order they open",
                )
        if not module.lessons and module.quiz is None:
            report(module.source, f"module {module.id!r} has neither lessons nor a quiz")
        if module.week is not None and not 1 <= module.week <= 52:
            report(module.source, "week must be between 1 and 52")
        for lesson in module.lessons:
            for language in languages:
                if language not in lesson.texts:
                    report(
                        lesson.source,
                        f"lesson {lesson.id!r} has no {language!r} text "
                        f"(expected {module.id}/{lesson.id}.{language}.md)",
                    )
            for language, text in lesson.texts.items():
                if language not in readable:
                    report(text.source, f"{language!r} is not a language of this course")
                if not text.title.strip():
                    report(text.source, "the lesson title is empty")
                if not text.paragraphs:
                    report(text.source, "the lesson has no paragraphs")
                for paragraph in text.paragraphs:
                    if not ID_PATTERN.match(paragraph.anchor):
                        report(paragraph.source, f"{paragraph.anchor!r} is not a valid anchor")
                    if not paragraph.text.strip():
                        report(paragraph.source, f"paragraph {paragraph.anchor!r} is empty")
                seen = Counter(p.anchor for p in text.paragraphs)
                for anchor, count in seen.items():
                    if count > 1:
                        first = next(p for p in text.paragraphs if p.anchor == anchor)
                        report(first.source, f"the anchor {anchor!r} appears {count} times")
            sequences = {lang: [p.anchor for p in t.paragraphs] for lang, t in lesson.texts.items()}
            if len({tuple(s) for s in sequences.values()}) > 1:
                reference_language = sorted(sequences)[0]
                for language, sequence in sorted(sequences.items()):
                    if sequence != sequences[reference_language]:
                        report(
                            lesson.texts[language].source,
                            f"the {language!r} text's paragraph anchors {sequence} differ "
                            f"from the {reference_language!r} text's "
                            f"{sequences[reference_language]}: every language shares one "
                            "paragraph structure",
                        )
            anchors[lesson.id] = set(lesson.anchors)
            first_text = next(iter(lesson.texts.values()), None)
            if first_text:
                all_anchors += [(p.anchor, p.source) for p in first_text.paragraphs]
    _duplicates(all_anchors, "paragraph anchor", report)
    _check_course_pages(course, languages, readable, report, need_texts)
    _check_prompts(course, anchors, report, need_texts)

    for module in course.modules:
        quiz = module.quiz
        if quiz is None:
            continue
        _check_quiz_settings(quiz, report, need_texts)
        if not quiz.questions and not quiz.draws:
            report(quiz.source, f"quiz {quiz.id!r} has no questions")
        for question in quiz.questions:
            _check_question(question, languages, anchors, report, need_texts)
        _check_draws(quiz, course, report)
    _check_banks(course, languages, anchors, report, need_texts)
    _check_images(course, report, need_texts)
    return problems


def _check_quiz_settings(quiz, report, need_texts) -> None:
    need_texts(quiz.title, f"quiz {quiz.id!r}", quiz.source)
    if not 0 <= quiz.pass_mark <= 100:
        report(quiz.source, "pass_mark is a percentage from 0 to 100")
    if quiz.max_attempts is not None and quiz.max_attempts < 1:
        report(quiz.source, "max_attempts must be at least 1 (or left out for no limit)")
    if quiz.time_limit_minutes is not None and quiz.time_limit_minutes < 1:
        report(quiz.source, "time_limit_minutes must be at least 1 (or left out)")
    if quiz.grading_method not in GRADING_METHODS:
        report(quiz.source, f"grading_method must be one of {', '.join(GRADING_METHODS)}")
    for name in ("feedback_shown", "answers_shown"):
        if getattr(quiz, name) not in REVEAL_TIMES:
            report(quiz.source, f"{name} must be one of {', '.join(REVEAL_TIMES)}")
    if quiz.partial_credit not in PARTIAL_CREDIT_RULES:
        report(quiz.source, f"partial_credit must be one of {', '.join(PARTIAL_CREDIT_RULES)}")


_IMAGE_FILE = re.compile(r"([0-9a-f]{64})\.(png|jpg|webp)")


def item_problems(course: CourseSpec, item) -> list[str]:
    """What the course check says about one quiz (its settings and draws), question, bank
    category or assignment of ``course``, as messages: the authoring editors validate with the
    same rules as ``flask courses check``."""
    problems: list[str] = []

    def report(source, message):
        problems.append(message)

    languages = [language for language in course.languages if language in SUPPORTED_LANGUAGES]

    def need_texts(texts: dict, what: str, source):
        for language in languages:
            if not (texts.get(language) or "").strip():
                report(source, f"{what} has no {language!r} text")

    anchors = {lesson.id: set(lesson.anchors) for lesson in course.lessons()}
    if isinstance(item, QuizSpec):
        _check_quiz_settings(item, report, need_texts)
        _check_draws(item, course, report)
    elif isinstance(item, QuestionSpec):
        _check_question(item, languages, anchors, report, need_texts)
    elif isinstance(item, CategorySpec):
        need_texts(item.title, f"bank category {item.id!r}", item.source)
    elif isinstance(item, AssignmentSpec):
        _check_assignment(item, report, need_texts)
    return problems


def _image_refusal(error) -> str:
    from diplolearn.services.catalogue import images

    return {
        images.ImageTooLarge: "is larger than an image may be "
        f"({images.limit('IMAGE_MAX_BYTES') / 2**20:g} MB)",
        images.ImageTooManyPixels: "has more pixels than an image may have "
        f"({images.limit('IMAGE_MAX_PIXELS') / 1e6:g} million, "
        f"{images.limit('IMAGE_MAX_SIDE')} on a side)",
        images.ImageDamaged: "cannot be read (damaged or incomplete)",
        images.AnimatedImage: "is animated; animated images are not accepted",
    }.get(type(error), "is not a PNG, JPEG or WebP image")


def _check_images(course, report, need_texts) -> None:
    """images.yaml and images/: each image named by its content's SHA-256, an accepted type
    within the limits, free of metadata, described in every language, and used by a lesson;
    every image in a lesson is one of them."""
    from diplolearn.services.catalogue import images

    _duplicates([(i.file, i.source) for i in course.images], "image", report)
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
            clean = images.inspect_clean(image.data)
        except images.ImageRefused as error:
            report(image.source, f"{where} {_image_refusal(error)}")
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


def _check_banks(course, languages, anchors, report, need_texts) -> None:
    """Question banks: categories with unique ids, titles, and questions checked like any."""
    _duplicates([(c.id, c.source) for c in course.categories()], "bank category", report)
    for category in course.categories():
        need_texts(category.title, f"bank category {category.id!r}", category.source)
        if not category.questions:
            report(category.source, f"bank category {category.id!r} has no questions")
        for question in category.questions:
            _check_question(question, languages, anchors, report, need_texts)


def _check_draws(quiz, course, report) -> None:
    """Each draw names a category and asks for no more questions than it holds."""
    sizes = {c.id: len(c.questions) for c in course.categories()}
    asked: Counter = Counter()
    for draw in quiz.draws:
        if draw.count < 1:
            report(draw.source, "draw must be at least 1 (the number of questions drawn)")
        if draw.category not in sizes:
            report(
                draw.source,
                f"draw from {draw.category!r}: no bank category has that id "
                "(categories are listed in a module's bank.yaml)",
            )
            continue
        asked[draw.category] += max(draw.count, 0)
        if asked[draw.category] > sizes[draw.category]:
            report(
                draw.source,
                f"quiz {quiz.id!r} draws {asked[draw.category]} questions "
                f"from {draw.category!r}, which holds "
                f"{sizes[draw.category]}",
            )


def _check_course_pages(course, languages, readable, report, need_texts) -> None:
    """The reference list and glossary, and every link from lesson text into them."""
    _duplicates([(r.id, r.source) for r in course.references], "reference", report)
    _duplicates([(t.id, t.source) for t in course.glossary], "glossary term", report)
    for reference in course.references:
        if not reference.text.strip():
            report(reference.source, f"reference {reference.id!r} has no text")
        if reference.language not in SUPPORTED_LANGUAGES:
            report(reference.source, f"reference language {reference.language!r} is not supported")
        if reference.url and not reference.url.startswith(("https://", "http://")):
            report(reference.source, "a reference url starts with https:// or http://")
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


def _check_prompts(course, anchors, report, need_texts) -> None:
    """Assignment and discussion prompts: complete texts, rubrics, references that resolve."""
    ids = []
    for module in course.modules:
        if module.assignment is not None:
            assignment = module.assignment
            ids.append((assignment.id, assignment.source))
            _check_assignment(assignment, report, need_texts)
        if module.discussion is not None:
            discussion = module.discussion
            ids.append((discussion.id, discussion.source))
            need_texts(discussion.prompt, f"discussion {discussion.id!r}", discussion.source)
            if discussion.refers_to:
                _check_reference(discussion.refers_to, anchors, discussion.source, report)
    _duplicates(ids, "assignment or discussion", report)


def _check_assignment(assignment, report, need_texts) -> None:
    need_texts(assignment.title, f"assignment {assignment.id!r} title", assignment.source)
    need_texts(assignment.prompt, f"assignment {assignment.id!r}", assignment.source)
    _check_assignment_rules(assignment, report)
    if not assignment.rubric:
        report(assignment.source, f"assignment {assignment.id!r} needs a rubric")
    _duplicates([(c.id, c.source) for c in assignment.rubric], "rubric criterion", report)
    for criterion in assignment.rubric:
        if criterion.points < 1:
            report(criterion.source, "a rubric criterion is worth at least 1 point")
        need_texts(criterion.criterion, f"criterion {criterion.id!r}", criterion.source)
        _check_levels(criterion, report, need_texts)


def _check_assignment_rules(assignment, report) -> None:
    where = assignment.source
    if assignment.completion not in ASSIGNMENT_COMPLETION:
        report(where, f"completion must be one of {', '.join(ASSIGNMENT_COMPLETION)}")
    elif assignment.completion == "passed" and assignment.pass_mark is None:
        report(where, "completion 'passed' needs a pass_mark (a percentage of the rubric's points)")
    elif assignment.completion == "submitted" and assignment.pass_mark is not None:
        report(where, "pass_mark applies only with completion 'passed'")
    if assignment.pass_mark is not None and not 0 <= assignment.pass_mark <= 100:
        report(where, "pass_mark is a percentage from 0 to 100")
    if not assignment.formats:
        report(where, f"formats must list at least one of {', '.join(ASSIGNMENT_FORMATS)}")
    for kind in assignment.formats:
        if kind not in ASSIGNMENT_FORMATS:
            report(where, f"the format {kind!r} is not one of {', '.join(ASSIGNMENT_FORMATS)}")
    if len(set(assignment.formats)) != len(assignment.formats):
        report(where, "formats lists a format twice")
    for key in ("min_words", "max_words", "due_days", "late_days"):
        value = getattr(assignment, key)
        if value is not None and value < (0 if key == "late_days" else 1):
            report(where, f"{key} must be at least {0 if key == 'late_days' else 1} (or left out)")
    if (
        assignment.min_words
        and assignment.max_words
        and assignment.min_words > assignment.max_words
    ):
        report(where, "min_words is larger than max_words")
    if assignment.late_days is not None and assignment.due_days is None:
        report(where, "late_days counts from due_days: give due_days too")


def _check_levels(criterion, report, need_texts) -> None:
    if len(criterion.levels) < 2:
        report(criterion.source, f"criterion {criterion.id!r} needs at least two levels")
    seen = set()
    for level in criterion.levels:
        if level.points in seen:
            report(level.source, f"two levels of {criterion.id!r} award {level.points} points")
        seen.add(level.points)
        if not 0 <= level.points <= criterion.points:
            report(
                level.source,
                f"a level of {criterion.id!r} awards from 0 to {criterion.points} points",
            )
        need_texts(level.description, f"a level of {criterion.id!r}", level.source)
    if criterion.levels and max(seen) != criterion.points:
        report(
            criterion.source,
            f"the best level of {criterion.id!r} must award its {criterion.points} points",
        )


def _check_reference(refers_to, anchors, where, report) -> None:
    lesson_id, _, anchor = refers_to.partition("#")
    if lesson_id not in anchors:
        report(where, f"refers_to names the lesson {lesson_id!r}, which does not exist")
    elif anchor not in anchors[lesson_id]:
        report(
            where,
            f"refers_to names the anchor {anchor!r}, which lesson {lesson_id!r} does not have",
        )


def _check_question(question, languages, anchors, report, need_texts) -> None:
    where = question.source
    if question.kind not in QUESTION_KINDS:
        report(where, f"kind {question.kind!r} is not one of {', '.join(QUESTION_KINDS)}")
        return
    need_texts(question.prompt, f"question {question.id!r}", where)
    if question.feedback:
        need_texts(question.feedback, f"question {question.id!r} feedback", where)
    if question.points < 1:
        report(where, "points must be at least 1")
    if question.refers_to is not None:
        _check_reference(question.refers_to, anchors, where, report)
    if question.kind == "true_false":
        return
    if question.kind in _KIND_CHECKS:
        _KIND_CHECKS[question.kind](question, languages, report, need_texts)
        return
    correct = [c for c in question.choices if c.correct]
    if len(question.choices) < 2:
        report(where, f"question {question.id!r} needs at least two choices")
    if not correct:
        report(where, f"question {question.id!r} has no correct answer")
    elif question.kind == "single_choice" and len(correct) > 1:
        report(
            where,
            f"single_choice question {question.id!r} has {len(correct)} correct "
            "choices; use multiple_select, or mark one",
        )
    _duplicates(
        [(c.id, c.source) for c in question.choices], f"choice of question {question.id!r}", report
    )
    for choice in question.choices:
        need_texts(choice.text, f"choice {choice.id!r} of question {question.id!r}", choice.source)


def _check_numeric(question, languages, report, need_texts) -> None:
    where = question.source
    if question.answer is None:
        return  # the reader reported it
    if question.tolerance is None:
        report(
            where,
            f"numeric question {question.id!r} has no tolerance (write tolerance: 0 "
            "for an exact answer)",
        )
    elif question.tolerance < 0:
        report(where, "tolerance cannot be negative")
    if question.tolerance_type not in TOLERANCE_TYPES:
        report(where, f"tolerance_type must be one of {', '.join(TOLERANCE_TYPES)}")
    elif (
        question.tolerance_type == "relative"
        and question.tolerance is not None
        and question.tolerance >= 1
    ):
        report(where, "a relative tolerance is a fraction of the answer below 1 (0.05 = 5%)")


def _check_short_text(question, languages, report, need_texts) -> None:
    from diplolearn.textnorm import normalise_answer

    where = question.source
    for language in languages:
        if not question.accepted.get(language):
            report(
                where, f"short_text question {question.id!r} has no accepted answer in {language!r}"
            )
    for language, texts in question.accepted.items():
        for text in texts:
            if not normalise_answer(text):
                report(where, f"an accepted answer in {language!r} is empty")
    if question.accents not in ACCENT_RULES:
        report(where, f"accents must be one of {', '.join(ACCENT_RULES)}")


def _check_matching(question, languages, report, need_texts) -> None:
    where = question.source
    items = [c for c in question.choices if c.match is not None]
    matches = {c.id for c in question.choices if c.match is None}
    _duplicates(
        [(c.id, c.source) for c in question.choices],
        f"item or match of question {question.id!r}",
        report,
    )
    if len(items) < 2:
        report(where, f"matching question {question.id!r} needs at least two items")
    if len(matches) < 2:
        report(where, f"matching question {question.id!r} needs at least two matches")
    for item in items:
        if not item.match:
            report(item.source, f"item {item.id!r} has no match")
        elif item.match not in matches:
            report(
                item.source,
                f"item {item.id!r} is matched to {item.match!r}, which is not "
                "one of the question's matches",
            )
    for choice in question.choices:
        need_texts(choice.text, f"{choice.id!r} of question {question.id!r}", choice.source)


def _check_ordering(question, languages, report, need_texts) -> None:
    if len(question.choices) < 2:
        report(question.source, f"ordering question {question.id!r} needs at least two items")
    _duplicates(
        [(c.id, c.source) for c in question.choices], f"item of question {question.id!r}", report
    )
    for choice in question.choices:
        need_texts(choice.text, f"item {choice.id!r} of question {question.id!r}", choice.source)


def _check_essay(question, languages, report, need_texts) -> None:
    return  # a prompt and points are all an essay needs


_KIND_CHECKS = {
    "numeric": _check_numeric,
    "short_text": _check_short_text,
    "matching": _check_matching,
    "ordering": _check_ordering,
    "essay": _check_essay,
}


def _duplicates(items, what: str, report) -> None:
    seen: dict[str, object] = {}
    for item_id, source in items:
        if not item_id:
            continue
        if item_id in seen:
            report(source, f"duplicate {what} id {item_id!r} (first at {seen[item_id]})")
        else:
            seen[item_id] = source


def _text_problems(prefix: str, raw: dict[str, bytes]) -> list[Problem]:
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
