"""Reading a course folder into a CourseSpec, collecting every problem with file and line.

Reading is lenient enough to go on after a problem, so that one run of ``flask courses check``
lists all of them; the importer refuses a course with any problem.
"""

from __future__ import annotations

import re
from pathlib import Path

from diplolearn.courses.spec import (
    TRUE_FALSE_TEXT,
    AssignmentSpec,
    CategorySpec,
    ChoiceSpec,
    CourseSpec,
    CriterionSpec,
    DiscussionSpec,
    DrawSpec,
    ImageSpec,
    LessonSpec,
    LessonText,
    LevelSpec,
    ModuleSpec,
    ParagraphSpec,
    Problem,
    QuestionSpec,
    QuizSpec,
    ReferenceSpec,
    Source,
    TermSpec,
)
from diplolearn.courses.yamlfile import YamlError, load_with_lines

ANCHOR_LINE = re.compile(r"^\{#([^}\s]*)\}\s*$")
ROOT_FILES = {"course.yaml", "references.yaml", "glossary.yaml", "images.yaml"}


# The fields each kind of question has beyond the common ones.
_KIND_FIELDS = {
    "single_choice": {"choices"},
    "multiple_select": {"choices"},
    "true_false": {"answer"},
    "numeric": {"answer", "tolerance", "tolerance_type"},
    "short_text": {"accepted", "accents"},
    "matching": {"items", "matches"},
    "ordering": {"items"},
    "essay": set(),
}


class _File:
    """One YAML document with its line map; typed getters that report instead of raising."""

    def __init__(self, reader: CourseReader, rel: str, data, lines, base=()):
        self.reader, self.rel, self.data, self.lines, self.base = reader, rel, data, lines, base

    def source(self, *path) -> Source:
        full = (*self.base, *path)
        while full and full not in self.lines:
            full = full[:-1]
        return Source(self.rel, self.lines.get(full, 1))

    def problem(self, message: str, *path) -> None:
        self.reader.problems.append(Problem(self.source(*path), message))

    def sub(self, *path) -> _File:
        value = self.data
        for key in path:
            value = value[key]
        return _File(self.reader, self.rel, value, self.lines, (*self.base, *path))

    def check_keys(self, allowed: set[str]) -> None:
        for key in self.data:
            if key not in allowed:
                self.problem(f"unknown field {key!r} (allowed: {', '.join(sorted(allowed))})", key)

    def get(self, key, kind, *, required=True, default=None):
        if key not in self.data or self.data[key] is None:
            if required:
                self.problem(f"the field {key!r} is missing")
            return default
        value = self.data[key]
        if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
            names = {
                str: "text",
                int: "a whole number",
                bool: "true or false",
                list: "a list",
                dict: "a mapping",
            }
            self.problem(f"{key!r} must be {names.get(kind, getattr(kind, '__name__', kind))}", key)
            return default
        return value

    def texts(self, key, *, required=True) -> dict[str, str]:
        value = self.get(key, dict, required=required, default={})
        result = {}
        for language, text in value.items():
            if not isinstance(text, str):
                self.problem(f"{key}.{language} must be text", key, language)
            else:
                result[str(language)] = text
        return result

    def number(self, key, *, required=True):
        """A whole or decimal number, kept as written (int or float)."""
        if key not in self.data or self.data[key] is None:
            if required:
                self.problem(f"the field {key!r} is missing")
            return None
        value = self.data[key]
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or value != value
            or value in (float("inf"), float("-inf"))
        ):
            self.problem(f"{key!r} must be a number", key)
            return None
        return value

    def identifier(self, key="id") -> str:
        from diplolearn.courses.spec import ID_PATTERN

        value = self.get(key, str, default="")
        if value and not ID_PATTERN.match(value):
            self.problem(
                f"{value!r} is not a valid id (lower-case letters, digits and hyphens, "
                "starting with a letter or digit, at most 63 characters)",
                key,
            )
        return value


class CourseReader:
    def __init__(self, folder: Path):
        self.folder = folder
        self.prefix = folder.name
        self.problems: list[Problem] = []
        self.raw: dict[str, bytes] = {}

    def rel(self, path: Path) -> str:
        return f"{self.prefix}/{path.relative_to(self.folder).as_posix()}"

    def _text(self, path: Path) -> str | None:
        try:
            raw = path.read_bytes()
        except OSError as error:
            self.problems.append(Problem(Source(self.rel(path)), f"cannot be read: {error}"))
            return None
        self.raw[path.relative_to(self.folder).as_posix()] = raw
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as error:
            line = raw[: error.start].count(b"\n") + 1
            self.problems.append(Problem(Source(self.rel(path), line), "is not UTF-8 text"))
            return None

    def _yaml(self, path: Path, text: str | None = None, first_line: int = 1) -> _File | None:
        text = self._text(path) if text is None else text
        if text is None:
            return None
        try:
            data, lines = load_with_lines(text, first_line)
        except YamlError as error:
            self.problems.append(Problem(Source(self.rel(path), error.line), str(error)))
            return None
        if not isinstance(data, dict):
            self.problems.append(
                Problem(
                    Source(self.rel(path), first_line), "must be a YAML mapping (key: value lines)"
                )
            )
            return None
        return _File(self, self.rel(path), data, lines)

    # --- the course ------------------------------------------------------------------------

    def read(self) -> CourseSpec | None:
        path = self.folder / "course.yaml"
        if not path.is_file():
            self.problems.append(
                Problem(
                    Source(f"{self.prefix}/course.yaml"),
                    "is missing: every course folder starts with one",
                )
            )
            return None
        doc = self._yaml(path)
        if doc is None:
            return None
        doc.check_keys({"id", "title", "languages", "optional_languages", "modules"})
        languages = [str(x) for x in doc.get("languages", list, default=[])]
        course = CourseSpec(
            id=doc.identifier(),
            title=doc.texts("title"),
            languages=languages,
            optional_languages=[
                str(x) for x in doc.get("optional_languages", list, required=False, default=[])
            ],
            source=doc.source(),
        )
        self.read_references(course)
        self.read_glossary(course)
        self.read_images(course)
        listed = doc.get("modules", list, default=[])
        for index, module_id in enumerate(listed):
            if not isinstance(module_id, str):
                doc.problem("modules must be listed by their ids", "modules", index)
                continue
            folder = self.folder / module_id
            if not (folder / "module.yaml").is_file():
                doc.problem(
                    f"module {module_id!r} is listed but {module_id}/module.yaml does not exist",
                    "modules",
                    index,
                )
                continue
            module = self.read_module(folder, module_id)
            if module is not None:
                course.modules.append(module)
        for child in sorted(self.folder.iterdir()):
            if child.name.startswith("."):
                continue
            if child.is_dir() and child.name not in listed and child.name != "images":
                self.problems.append(
                    Problem(
                        Source(self.rel(child)), "this folder is not listed in course.yaml modules"
                    )
                )
            elif child.is_file() and child.name not in ROOT_FILES:
                self.problems.append(
                    Problem(
                        Source(self.rel(child)),
                        "unexpected file; a course "
                        f"folder holds {', '.join(sorted(ROOT_FILES))} and "
                        "module folders",
                    )
                )
        return course

    def read_references(self, course: CourseSpec) -> None:
        path = self.folder / "references.yaml"
        doc = self._yaml(path) if path.is_file() else None
        if doc is None:
            return
        doc.check_keys({"references"})
        course.references_source = doc.source()
        for index, _ in enumerate(doc.get("references", list, default=[])):
            entry = doc.sub("references", index)
            if not isinstance(entry.data, dict):
                entry.problem("each reference is a mapping with id, language and text")
                continue
            entry.check_keys({"id", "language", "text", "url"})
            course.references.append(
                ReferenceSpec(
                    id=entry.identifier(),
                    language=entry.get("language", str, default="en"),
                    text=entry.get("text", str, default=""),
                    url=entry.get("url", str, required=False),
                    source=entry.source(),
                )
            )

    def read_glossary(self, course: CourseSpec) -> None:
        path = self.folder / "glossary.yaml"
        doc = self._yaml(path) if path.is_file() else None
        if doc is None:
            return
        doc.check_keys({"terms"})
        course.glossary_source = doc.source()
        for index, _ in enumerate(doc.get("terms", list, default=[])):
            entry = doc.sub("terms", index)
            if not isinstance(entry.data, dict):
                entry.problem("each term is a mapping with id, term and definition")
                continue
            entry.check_keys({"id", "term", "definition"})
            course.glossary.append(
                TermSpec(
                    id=entry.identifier(),
                    term=entry.texts("term"),
                    definition=entry.texts("definition"),
                    source=entry.source(),
                )
            )

    def read_images(self, course: CourseSpec) -> None:
        """``images.yaml`` (each image's file and alternative texts) and the ``images/``
        folder; the images themselves are judged by check.py."""
        path, folder = self.folder / "images.yaml", self.folder / "images"
        doc = self._yaml(path) if path.is_file() else None
        listed = set()
        if doc is not None:
            doc.check_keys({"images"})
            for index, _ in enumerate(doc.get("images", list, default=[])):
                entry = doc.sub("images", index)
                if not isinstance(entry.data, dict):
                    entry.problem("each image is a mapping with file and alt")
                    continue
                entry.check_keys({"file", "alt"})
                name = entry.get("file", str, default="")
                image = ImageSpec(file=name, alt=entry.texts("alt"), source=entry.source())
                if name:
                    listed.add(name)
                    if (
                        "/" in name
                        or "\\" in name
                        or name.startswith(".")
                        or not (folder / name).is_file()
                    ):
                        entry.problem(f"images/{name} does not exist", "file")
                    else:
                        image.data = (folder / name).read_bytes()
                course.images.append(image)
        if folder.is_dir():
            for child in sorted(folder.iterdir()):
                if child.name not in listed:
                    self.problems.append(
                        Problem(Source(self.rel(child)), "this image is not listed in images.yaml")
                    )

    def read_module(self, folder: Path, expected_id: str) -> ModuleSpec | None:
        doc = self._yaml(folder / "module.yaml")
        if doc is None:
            return None
        doc.check_keys(
            {
                "id",
                "title",
                "week",
                "objectives",
                "estimated_minutes",
                "required",
                "prerequisites",
                "lessons",
                "assignment",
                "discussion",
            }
        )
        module_id = doc.identifier()
        if module_id and module_id != expected_id:
            doc.problem(f"the id {module_id!r} differs from its folder name {expected_id!r}", "id")
        objectives = {}
        for language, items in doc.get("objectives", dict, required=False, default={}).items():
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                doc.problem(
                    f"objectives.{language} must be a list of texts", "objectives", language
                )
            else:
                objectives[str(language)] = items
        module = ModuleSpec(
            id=module_id,
            title=doc.texts("title"),
            objectives=objectives,
            estimated_minutes=doc.get("estimated_minutes", int, required=False),
            required=doc.get("required", bool, required=False, default=True),
            prerequisites=[
                str(p) for p in doc.get("prerequisites", list, required=False, default=[])
            ],
            week=doc.get("week", int, required=False),
            source=doc.source(),
        )
        if isinstance(doc.data.get("assignment"), dict):
            module.assignment = self.read_assignment(doc.sub("assignment"))
        elif "assignment" in doc.data:
            doc.problem("assignment must be a mapping", "assignment")
        if isinstance(doc.data.get("discussion"), dict):
            entry = doc.sub("discussion")
            entry.check_keys({"id", "prompt", "refers_to"})
            module.discussion = DiscussionSpec(
                id=entry.identifier(),
                prompt=entry.texts("prompt"),
                refers_to=entry.get("refers_to", str, required=False),
                source=entry.source(),
            )
        elif "discussion" in doc.data:
            doc.problem("discussion must be a mapping", "discussion")
        listed = []
        for index, _ in enumerate(doc.get("lessons", list, default=[])):
            entry = doc.sub("lessons", index)
            if not isinstance(entry.data, dict):
                entry.problem("each lesson is a mapping with at least an id")
                continue
            entry.check_keys({"id", "required", "estimated_minutes"})
            lesson = LessonSpec(
                id=entry.identifier(),
                required=entry.get("required", bool, required=False, default=True),
                estimated_minutes=entry.get("estimated_minutes", int, required=False),
                source=entry.source(),
            )
            listed.append(lesson.id)
            for text_path in sorted(folder.glob(f"{lesson.id}.*.md")):
                language = text_path.name[len(lesson.id) + 1 : -3]
                text = self.read_lesson_text(text_path, lesson.id, language)
                if text is not None:
                    lesson.texts[language] = text
            module.lessons.append(lesson)
        for text_path in sorted(folder.glob("*.md")):
            stem = text_path.name.split(".")[0]
            if stem not in listed:
                self.problems.append(
                    Problem(
                        Source(self.rel(text_path)), "this lesson file is not listed in module.yaml"
                    )
                )
        quiz_path = folder / "quiz.yaml"
        if quiz_path.is_file():
            module.quiz = self.read_quiz(quiz_path)
        bank_path = folder / "bank.yaml"
        if bank_path.is_file():
            self.read_bank(bank_path, module)
        for child in sorted(folder.iterdir()):
            if (
                child.name not in {"module.yaml", "quiz.yaml", "bank.yaml"}
                and child.suffix != ".md"
            ):
                self.problems.append(
                    Problem(Source(self.rel(child)), "unexpected file in a module folder")
                )
        return module

    def read_assignment(self, doc: _File) -> AssignmentSpec:
        doc.check_keys(
            {
                "id",
                "title",
                "prompt",
                "required",
                "completion",
                "pass_mark",
                "formats",
                "min_words",
                "max_words",
                "due_days",
                "late_days",
                "rubric",
            }
        )
        formats = doc.get("formats", list, required=False, default=["text", "file"])
        if not all(isinstance(f, str) for f in formats):
            doc.problem("formats must be a list of texts", "formats")
            formats = []
        assignment = AssignmentSpec(
            id=doc.identifier(),
            title=doc.texts("title"),
            prompt=doc.texts("prompt"),
            required=doc.get("required", bool, required=False, default=True),
            completion=doc.get("completion", str, required=False, default="submitted"),
            pass_mark=doc.get("pass_mark", int, required=False),
            formats=list(formats),
            min_words=doc.get("min_words", int, required=False),
            max_words=doc.get("max_words", int, required=False),
            due_days=doc.get("due_days", int, required=False),
            late_days=doc.get("late_days", int, required=False),
            source=doc.source(),
        )
        for index, _ in enumerate(doc.get("rubric", list, default=[])):
            entry = doc.sub("rubric", index)
            if not isinstance(entry.data, dict):
                entry.problem(
                    "each rubric criterion is a mapping with id, points, criterion and levels"
                )
                continue
            entry.check_keys({"id", "points", "criterion", "levels"})
            criterion = CriterionSpec(
                id=entry.identifier(),
                points=entry.get("points", int, default=0),
                criterion=entry.texts("criterion"),
                source=entry.source(),
            )
            for level_index, _ in enumerate(entry.get("levels", list, default=[])):
                level = entry.sub("levels", level_index)
                if not isinstance(level.data, dict):
                    level.problem("each level is a mapping with points and description")
                    continue
                level.check_keys({"points", "description"})
                criterion.levels.append(
                    LevelSpec(
                        points=level.get("points", int, default=0),
                        description=level.texts("description"),
                        source=level.source(),
                    )
                )
            assignment.rubric.append(criterion)
        return assignment

    def read_lesson_text(self, path: Path, lesson_id: str, language: str) -> LessonText | None:
        text = self._text(path)
        if text is None:
            return None
        rel = self.rel(path)
        lines = text.split("\n")
        if not lines or lines[0].strip() != "---":
            self.problems.append(
                Problem(
                    Source(rel, 1),
                    "front matter must start with a line '---' at the top of the file",
                )
            )
            return None
        try:
            end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
        except StopIteration:
            self.problems.append(
                Problem(Source(rel, 1), "front matter is not closed by a second '---' line")
            )
            return None
        doc = self._yaml(path, "\n".join(lines[1:end]), first_line=2)
        if doc is None:
            return None
        doc.check_keys({"id", "title"})
        if doc.identifier() not in ("", lesson_id):
            doc.problem(f"the id differs from the file name's lesson id {lesson_id!r}", "id")
        title = doc.get("title", str, default="")
        paragraphs: list[ParagraphSpec] = []
        current: ParagraphSpec | None = None
        for number, line in enumerate(lines[end + 1 :], start=end + 2):
            match = ANCHOR_LINE.match(line)
            if match:
                current = ParagraphSpec(anchor=match.group(1), text="", source=Source(rel, number))
                paragraphs.append(current)
            elif current is not None:
                current.text += line + "\n"
            elif line.strip():
                self.problems.append(
                    Problem(
                        Source(rel, number),
                        "text before the first "
                        "paragraph anchor; start each paragraph with a "
                        "line like {#my-anchor}",
                    )
                )
        for paragraph in paragraphs:
            paragraph.text = paragraph.text.strip("\n")
        return LessonText(
            language=language, title=title, paragraphs=paragraphs, source=Source(rel, 1)
        )

    def read_quiz(self, path: Path) -> QuizSpec | None:
        doc = self._yaml(path)
        if doc is None:
            return None
        doc.check_keys(
            {
                "id",
                "title",
                "pass_mark",
                "max_attempts",
                "time_limit_minutes",
                "grading_method",
                "shuffle_questions",
                "shuffle_choices",
                "required",
                "feedback_shown",
                "answers_shown",
                "grade_release_required",
                "partial_credit",
                "questions",
            }
        )
        quiz = QuizSpec(
            id=doc.identifier(),
            title=doc.texts("title"),
            pass_mark=doc.get("pass_mark", int, default=60),
            max_attempts=doc.get("max_attempts", int, required=False),
            time_limit_minutes=doc.get("time_limit_minutes", int, required=False),
            grading_method=doc.get("grading_method", str, default="highest"),
            shuffle_questions=doc.get("shuffle_questions", bool, required=False, default=False),
            shuffle_choices=doc.get("shuffle_choices", bool, required=False, default=False),
            required=doc.get("required", bool, required=False, default=True),
            feedback_shown=doc.get("feedback_shown", str, required=False, default="immediately"),
            answers_shown=doc.get("answers_shown", str, required=False, default="after_attempt"),
            grade_release_required=doc.get(
                "grade_release_required", bool, required=False, default=False
            ),
            partial_credit=doc.get("partial_credit", str, required=False, default="all_or_nothing"),
            source=doc.source(),
        )
        for index, _ in enumerate(doc.get("questions", list, default=[])):
            entry = doc.sub("questions", index)
            if not isinstance(entry.data, dict):
                entry.problem("each question is a mapping")
                continue
            if "draw" in entry.data:
                entry.check_keys({"draw", "from"})
                quiz.draws.append(
                    DrawSpec(
                        count=entry.get("draw", int, default=0),
                        category=entry.get("from", str, default=""),
                        position=index,
                        source=entry.source(),
                    )
                )
                continue
            quiz.questions.append(self.read_question(entry))
        return quiz

    def read_bank(self, path: Path, module: ModuleSpec) -> None:
        """``<module>/bank.yaml``: the module's question bank, by category."""
        doc = self._yaml(path)
        if doc is None:
            return
        doc.check_keys({"categories"})
        module.bank_source = doc.source()
        for index, _ in enumerate(doc.get("categories", list, default=[])):
            entry = doc.sub("categories", index)
            if not isinstance(entry.data, dict):
                entry.problem("each category is a mapping with id, title and questions")
                continue
            entry.check_keys({"id", "title", "questions"})
            category = CategorySpec(
                id=entry.identifier(), title=entry.texts("title"), source=entry.source()
            )
            for q_index, _ in enumerate(entry.get("questions", list, default=[])):
                question = entry.sub("questions", q_index)
                if not isinstance(question.data, dict):
                    question.problem("each question is a mapping")
                    continue
                category.questions.append(self.read_question(question))
            module.bank.append(category)

    def read_question(self, doc: _File) -> QuestionSpec:
        common = {"id", "kind", "points", "refers_to", "prompt", "feedback"}
        kind = doc.data.get("kind")
        doc.check_keys(common | _KIND_FIELDS.get(kind, {"choices", "answer"}))
        question = QuestionSpec(
            id=doc.identifier(),
            kind=doc.get("kind", str, default=""),
            prompt=doc.texts("prompt"),
            points=doc.get("points", int, required=False, default=1),
            refers_to=doc.get("refers_to", str, required=False),
            feedback=doc.texts("feedback", required=False),
            source=doc.source(),
        )
        if kind == "numeric":
            question.answer = doc.number("answer")
            question.tolerance = doc.number("tolerance", required=False)
            question.tolerance_type = doc.get(
                "tolerance_type", str, required=False, default="absolute"
            )
            return question
        if kind == "short_text":
            for language, texts in doc.get("accepted", dict, default={}).items():
                if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
                    doc.problem(
                        f"accepted.{language} must be a list of texts", "accepted", language
                    )
                else:
                    question.accepted[str(language)] = list(texts)
            question.accents = doc.get("accents", str, required=False, default="ignored")
            return question
        if kind == "essay":
            return question
        if kind in ("matching", "ordering"):
            lists = ("items", "matches") if kind == "matching" else ("items",)
            for key in lists:
                for index, _ in enumerate(doc.get(key, list, default=[])):
                    entry = doc.sub(key, index)
                    if not isinstance(entry.data, dict):
                        entry.problem(f"each of {key} is a mapping with id and text")
                        continue
                    has_match = key == "items" and kind == "matching"
                    entry.check_keys({"id", "text", "match"} if has_match else {"id", "text"})
                    question.choices.append(
                        ChoiceSpec(
                            id=entry.identifier(),
                            correct=False,
                            text=entry.texts("text"),
                            match=entry.get("match", str, default="") if has_match else None,
                            source=entry.source(),
                        )
                    )
            return question
        if question.kind == "true_false":
            question.answer = doc.get("answer", bool)
            question.choices = [
                ChoiceSpec(
                    id=key,
                    correct=(key == "true") == bool(question.answer),
                    text=dict(TRUE_FALSE_TEXT[key]),
                    source=doc.source("answer"),
                )
                for key in ("true", "false")
            ]
            if "choices" in doc.data:
                doc.problem("a true_false question has an answer, not choices", "choices")
            return question
        for index, _ in enumerate(doc.get("choices", list, default=[])):
            entry = doc.sub("choices", index)
            if not isinstance(entry.data, dict):
                entry.problem("each choice is a mapping")
                continue
            entry.check_keys({"id", "correct", "text", "feedback"})
            question.choices.append(
                ChoiceSpec(
                    id=entry.identifier(),
                    correct=entry.get("correct", bool, default=False),
                    text=entry.texts("text"),
                    feedback=entry.texts("feedback", required=False),
                    source=entry.source(),
                )
            )
        return question


def read_course(folder: Path) -> tuple[CourseSpec | None, list[Problem], dict[str, bytes]]:
    reader = CourseReader(folder)
    course = reader.read()
    return course, reader.problems, reader.raw
