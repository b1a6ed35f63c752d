"""The one canonical form of a course folder.

``course_files`` turns a CourseSpec into the exact bytes of every file. ``flask courses export``
writes them, and ``flask courses check`` compares a folder against them, so there is exactly
one way to write a course and a review diff never shows formatting noise.

Canonical means: YAML dumped by PyYAML with keys in the order of this module, block style,
two-space indents, no line folding, UTF-8 and NFC; optional fields left out when empty;
translated texts keyed by language in alphabetical order; lesson files as YAML front matter
between ``---`` lines, then one ``{#anchor}`` line before each paragraph, blocks separated by
one blank line, the file ending with one newline.
"""

from __future__ import annotations

import yaml

from diplolearn.courses.spec import (
    AssignmentSpec,
    CourseSpec,
    LessonSpec,
    ModuleSpec,
    QuestionSpec,
    QuizSpec,
)


class _Dumper(yaml.SafeDumper):
    """Indent list items under their key, as most people write YAML by hand."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def dump_yaml(data) -> str:
    return yaml.dump(
        data,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=10_000,
        indent=2,
    )


def _texts(mapping: dict) -> dict:
    return {language: mapping[language] for language in sorted(mapping) if mapping[language]}


def _optional(data: dict, key: str, value, default=None) -> None:
    if value not in (default, None, {}, []):
        data[key] = value


def course_yaml(course: CourseSpec) -> dict:
    data = {"id": course.id, "title": _texts(course.title), "languages": list(course.languages)}
    _optional(data, "optional_languages", list(course.optional_languages))
    data["modules"] = [m.id for m in course.modules]
    return data


def references_yaml(course: CourseSpec) -> dict:
    entries = []
    for reference in course.references:
        entry = {"id": reference.id, "language": reference.language, "text": reference.text}
        _optional(entry, "url", reference.url)
        entries.append(entry)
    return {"references": entries}


def glossary_yaml(course: CourseSpec) -> dict:
    return {
        "terms": [
            {"id": term.id, "term": _texts(term.term), "definition": _texts(term.definition)}
            for term in course.glossary
        ]
    }


def images_yaml(course: CourseSpec) -> dict:
    return {
        "images": [
            {"file": image.file, "alt": _texts(image.alt)}
            for image in sorted(course.images, key=lambda i: i.file)
        ]
    }


def module_yaml(module: ModuleSpec) -> dict:
    data = {"id": module.id, "title": _texts(module.title)}
    _optional(data, "week", module.week)
    objectives = {lang: list(items) for lang, items in sorted(module.objectives.items()) if items}
    _optional(data, "objectives", objectives)
    _optional(data, "estimated_minutes", module.estimated_minutes)
    data["required"] = module.required
    _optional(data, "prerequisites", list(module.prerequisites))
    lessons = []
    for lesson in module.lessons:
        entry = {"id": lesson.id, "required": lesson.required}
        _optional(entry, "estimated_minutes", lesson.estimated_minutes)
        lessons.append(entry)
    data["lessons"] = lessons
    if module.assignment is not None:
        data["assignment"] = assignment_yaml(module.assignment)
    if module.discussion is not None:
        discussion = {"id": module.discussion.id, "prompt": _texts(module.discussion.prompt)}
        _optional(discussion, "refers_to", module.discussion.refers_to)
        data["discussion"] = discussion
    return data


def assignment_yaml(assignment: AssignmentSpec) -> dict:
    data = {
        "id": assignment.id,
        "title": _texts(assignment.title),
        "prompt": _texts(assignment.prompt),
        "required": assignment.required,
        "completion": assignment.completion,
    }
    _optional(data, "pass_mark", assignment.pass_mark)
    data["formats"] = list(assignment.formats)
    for key in ("min_words", "max_words", "due_days", "late_days"):
        _optional(data, key, getattr(assignment, key))
    data["rubric"] = [
        {
            "id": c.id,
            "points": c.points,
            "criterion": _texts(c.criterion),
            "levels": [
                {"points": level.points, "description": _texts(level.description)}
                for level in c.levels
            ],
        }
        for c in assignment.rubric
    ]
    return data


def quiz_yaml(quiz: QuizSpec) -> dict:
    data = {"id": quiz.id, "title": _texts(quiz.title), "pass_mark": quiz.pass_mark}
    _optional(data, "max_attempts", quiz.max_attempts)
    _optional(data, "time_limit_minutes", quiz.time_limit_minutes)
    data["grading_method"] = quiz.grading_method
    data["shuffle_questions"] = quiz.shuffle_questions
    data["shuffle_choices"] = quiz.shuffle_choices
    data["required"] = quiz.required
    # Policy keys written only when not the default, so older files stay canonical.
    _optional(data, "feedback_shown", quiz.feedback_shown, "immediately")
    _optional(data, "answers_shown", quiz.answers_shown, "after_attempt")
    _optional(data, "grade_release_required", quiz.grade_release_required, False)
    _optional(data, "partial_credit", quiz.partial_credit, "all_or_nothing")
    questions = [question_yaml(question) for question in quiz.questions]
    # Draws sit at their place among the fixed questions.
    for draw in sorted(quiz.draws, key=lambda d: d.position):
        questions.insert(
            min(draw.position, len(questions)), {"draw": draw.count, "from": draw.category}
        )
    data["questions"] = questions
    return data


def question_yaml(question: QuestionSpec) -> dict:
    entry = {"id": question.id, "kind": question.kind, "points": question.points}
    _optional(entry, "refers_to", question.refers_to)
    entry["prompt"] = _texts(question.prompt)
    _optional(entry, "feedback", _texts(question.feedback))
    if question.kind == "true_false":
        entry["answer"] = bool(question.answer)
    elif question.kind == "numeric":
        entry["answer"] = question.answer
        entry["tolerance"] = question.tolerance
        _optional(entry, "tolerance_type", question.tolerance_type, "absolute")
    elif question.kind == "short_text":
        entry["accepted"] = {
            language: list(question.accepted[language])
            for language in sorted(question.accepted)
            if question.accepted[language]
        }
        _optional(entry, "accents", question.accents, "ignored")
    elif question.kind == "matching":
        entry["items"] = [
            {"id": c.id, "text": _texts(c.text), "match": c.match}
            for c in question.choices
            if c.match is not None
        ]
        entry["matches"] = [
            {"id": c.id, "text": _texts(c.text)} for c in question.choices if c.match is None
        ]
    elif question.kind == "ordering":
        entry["items"] = [{"id": c.id, "text": _texts(c.text)} for c in question.choices]
    elif question.kind != "essay":
        choices = []
        for choice in question.choices:
            item = {"id": choice.id, "correct": choice.correct, "text": _texts(choice.text)}
            _optional(item, "feedback", _texts(choice.feedback))
            choices.append(item)
        entry["choices"] = choices
    return entry


def bank_yaml(module: ModuleSpec) -> dict:
    return {
        "categories": [
            {
                "id": category.id,
                "title": _texts(category.title),
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
