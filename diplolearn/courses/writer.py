"""The one canonical form of a course folder.

``course_files`` turns a CourseSpec into the exact bytes of every file. ``flask courses export``
writes them, and ``flask courses check`` compares a folder against them, so there is exactly
one way to write a course and a review diff never shows formatting noise. A question's own
fields are written by its type (``QuestionType.write_file``, diplolearn/questions/).

Canonical means: YAML dumped by PyYAML with keys in the order of this module, block style,
two-space indents, no line folding, UTF-8 and NFC; optional fields left out when empty;
translated texts keyed by language in alphabetical order; lesson files as YAML front matter
between ``---`` lines, then one ``{#anchor}`` line before each paragraph, blocks separated by
one blank line, the file ending with one newline.
"""

from __future__ import annotations

from diplolearn import questions
from diplolearn.courses.spec import (
    AssignmentSpec,
    CourseSpec,
    LessonSpec,
    ModuleSpec,
    QuestionSpec,
    QuizSpec,
)
from diplolearn.courses.yamlfile import canonical_texts, dump_yaml, set_optional


def course_yaml(course: CourseSpec) -> dict:
    data = {
        "id": course.id,
        "title": canonical_texts(course.title),
        "languages": list(course.languages),
    }
    set_optional(data, "optional_languages", list(course.optional_languages))
    data["modules"] = [m.id for m in course.modules]
    return data


def references_yaml(course: CourseSpec) -> dict:
    entries = []
    for reference in course.references:
        entry = {"id": reference.id, "language": reference.language, "text": reference.text}
        set_optional(entry, "url", reference.url)
        set_optional(entry, "transliteration", reference.transliteration)
        set_optional(entry, "translation", dict(reference.translation))
        set_optional(entry, "footnotes", list(reference.footnotes))
        set_optional(entry, "note", dict(reference.note))
        entries.append(entry)
    return {"references": entries}


def glossary_yaml(course: CourseSpec) -> dict:
    return {
        "terms": [
            {
                "id": term.id,
                "term": canonical_texts(term.term),
                "definition": canonical_texts(term.definition),
            }
            for term in course.glossary
        ]
    }


def images_yaml(course: CourseSpec) -> dict:
    return {
        "images": [
            {"file": image.file, "alt": canonical_texts(image.alt)}
            for image in sorted(course.images, key=lambda i: i.file)
        ]
    }


def module_yaml(module: ModuleSpec) -> dict:
    data = {"id": module.id, "title": canonical_texts(module.title)}
    set_optional(data, "week", module.week)
    objectives = {lang: list(items) for lang, items in sorted(module.objectives.items()) if items}
    set_optional(data, "objectives", objectives)
    set_optional(data, "estimated_minutes", module.estimated_minutes)
    data["required"] = module.required
    set_optional(data, "prerequisites", list(module.prerequisites))
    lessons = []
    for lesson in module.lessons:
        entry = {"id": lesson.id, "required": lesson.required}
        set_optional(entry, "estimated_minutes", lesson.estimated_minutes)
        lessons.append(entry)
    data["lessons"] = lessons
    if module.assignment is not None:
        data["assignment"] = assignment_yaml(module.assignment)
    if module.discussion is not None:
        discussion = {
            "id": module.discussion.id,
            "prompt": canonical_texts(module.discussion.prompt),
        }
        set_optional(discussion, "refers_to", module.discussion.refers_to)
        data["discussion"] = discussion
    return data


def assignment_yaml(assignment: AssignmentSpec) -> dict:
    data = {
        "id": assignment.id,
        "title": canonical_texts(assignment.title),
        "prompt": canonical_texts(assignment.prompt),
        "required": assignment.required,
        "completion": assignment.completion,
    }
    set_optional(data, "pass_mark", assignment.pass_mark)
    data["formats"] = list(assignment.formats)
    for key in ("min_words", "max_words", "due_days", "late_days"):
        set_optional(data, key, getattr(assignment, key))
    data["rubric"] = [
        {
            "id": c.id,
            "points": c.points,
            "criterion": canonical_texts(c.criterion),
            "levels": [
                {"points": level.points, "description": canonical_texts(level.description)}
                for level in c.levels
            ],
        }
        for c in assignment.rubric
    ]
    return data


def quiz_yaml(quiz: QuizSpec) -> dict:
    data = {"id": quiz.id, "title": canonical_texts(quiz.title), "pass_mark": quiz.pass_mark}
    set_optional(data, "max_attempts", quiz.max_attempts)
    set_optional(data, "time_limit_minutes", quiz.time_limit_minutes)
    data["grading_method"] = quiz.grading_method
    data["shuffle_questions"] = quiz.shuffle_questions
    data["shuffle_choices"] = quiz.shuffle_choices
    data["required"] = quiz.required
    # Policy keys written only when not the default, so older files stay canonical.
    set_optional(data, "feedback_shown", quiz.feedback_shown, "immediately")
    set_optional(data, "answers_shown", quiz.answers_shown, "after_attempt")
    set_optional(data, "grade_release_required", quiz.grade_release_required, False)
    set_optional(data, "partial_credit", quiz.partial_credit, "all_or_nothing")
    entries = [question_yaml(question) for question in quiz.questions]
    # Draws sit at their place among the fixed questions.
    for draw in sorted(quiz.draws, key=lambda d: d.position):
        entries.insert(
            min(draw.position, len(entries)), {"draw": draw.count, "from": draw.category}
        )
    data["questions"] = entries
    return data


def question_yaml(question: QuestionSpec) -> dict:
    """What every question has, then its type's own fields (``QuestionType.write_file``)."""
    entry = {"id": question.id, "kind": question.kind, "points": question.points}
    set_optional(entry, "refers_to", question.refers_to)
    entry["prompt"] = canonical_texts(question.prompt)
    set_optional(entry, "feedback", canonical_texts(question.feedback))
    questions.file_type(question.kind).write_file(question, entry)
    return entry


def bank_yaml(module: ModuleSpec) -> dict:
    return {
        "categories": [
            {
                "id": category.id,
                "title": canonical_texts(category.title),
                "questions": [question_yaml(q) for q in category.questions],
            }
            for category in module.bank
        ]
    }


def lesson_markdown(lesson: LessonSpec, language: str) -> str:
    text = lesson.texts[language]
    front = dump_yaml({"id": lesson.id, "title": text.title})
    blocks = [f"{{#{p.anchor}}}\n{p.text.strip()}" for p in text.paragraphs]
    return f"---\n{front}---\n\n" + "\n\n".join(blocks) + "\n"


def course_files(course: CourseSpec) -> dict[str, str]:
    """Every file of the course folder, by path relative to it, in canonical form."""
    files = {"course.yaml": dump_yaml(course_yaml(course))}
    if course.references:
        files["references.yaml"] = dump_yaml(references_yaml(course))
    if course.glossary:
        files["glossary.yaml"] = dump_yaml(glossary_yaml(course))
    if course.images:
        files["images.yaml"] = dump_yaml(images_yaml(course))
    for module in course.modules:
        files[f"{module.id}/module.yaml"] = dump_yaml(module_yaml(module))
        if module.quiz is not None:
            files[f"{module.id}/quiz.yaml"] = dump_yaml(quiz_yaml(module.quiz))
        if module.bank:
            files[f"{module.id}/bank.yaml"] = dump_yaml(bank_yaml(module))
        for lesson in module.lessons:
            for language in sorted(lesson.texts):
                files[f"{module.id}/{lesson.id}.{language}.md"] = lesson_markdown(lesson, language)
    return files


def course_file_bytes(course: CourseSpec) -> dict[str, bytes]:
    """The whole folder as bytes: the text files above, and the images under ``images/``."""
    files = {path: text.encode() for path, text in course_files(course).items()}
    for image in course.images:
        files[f"images/{image.file}"] = image.data
    return dict(sorted(files.items()))
