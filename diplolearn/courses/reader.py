"""Reading a course folder into a CourseSpec, collecting every problem with file and line.

``CourseReader`` reads the course, its reference list, glossary and images, its modules and
their lessons; a module's quiz, bank and assignment are read by read_assessment.py. Every YAML
file is read through a ``YamlDoc`` (yamlfile.py). Reading is lenient enough to go on after a
problem, so that one run of ``flask courses check`` lists all of them; the importer refuses a
course with any problem.
"""

from __future__ import annotations

import re
from pathlib import Path

from diplolearn.courses.read_assessment import read_assignment, read_bank, read_quiz
from diplolearn.courses.spec import (
    CourseSpec,
    DiscussionSpec,
    ImageSpec,
    LessonSpec,
    LessonText,
    ModuleSpec,
    ParagraphSpec,
    Problem,
    ReferenceSpec,
    Source,
    TermSpec,
)
from diplolearn.courses.yamlfile import YamlDoc, YamlError, load_with_lines

ANCHOR_LINE = re.compile(r"^\{#([^}\s]*)\}\s*$")
ROOT_FILES = {"course.yaml", "references.yaml", "glossary.yaml", "images.yaml"}


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

    def _yaml(self, path: Path, text: str | None = None, first_line: int = 1) -> YamlDoc | None:
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
        return YamlDoc(self.problems, self.rel(path), data, lines)

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
            entry.check_keys(
                {"id", "language", "text", "url", "transliteration", "translation", "footnotes"}
                | {"note"}
            )
            footnotes = entry.get("footnotes", list, required=False, default=[]) or []
            if not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in footnotes):
                entry.problem("footnotes is a list of the paper's footnote numbers", "footnotes")
                footnotes = []
            course.references.append(
                ReferenceSpec(
                    id=entry.identifier(),
                    language=entry.get("language", str, default="en"),
                    text=entry.get("text", str, default=""),
                    url=entry.get("url", str, required=False),
                    transliteration=entry.get("transliteration", str, required=False),
                    translation=entry.texts("translation", required=False),
                    footnotes=list(footnotes),
                    note=entry.texts("note", required=False),
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
            module.assignment = read_assignment(doc.sub("assignment"))
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
        quiz = self._yaml(folder / "quiz.yaml") if (folder / "quiz.yaml").is_file() else None
        if quiz is not None:
            module.quiz = read_quiz(quiz)
        bank = self._yaml(folder / "bank.yaml") if (folder / "bank.yaml").is_file() else None
        if bank is not None:
            read_bank(bank, module)
        for child in sorted(folder.iterdir()):
            if (
                child.name not in {"module.yaml", "quiz.yaml", "bank.yaml"}
                and child.suffix != ".md"
            ):
                self.problems.append(
                    Problem(Source(self.rel(child)), "unexpected file in a module folder")
                )
        return module

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


def read_course(folder: Path) -> tuple[CourseSpec | None, list[Problem], dict[str, bytes]]:
    reader = CourseReader(folder)
    course = reader.read()
    return course, reader.problems, reader.raw
