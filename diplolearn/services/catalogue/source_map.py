"""The references page's source map, read from a course version's stored bibliography.

Each source with the paragraphs that cite it (computed at import, courses/sources.py) turned
into lesson links, and the paper's footnotes mapped onto the course's references.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from diplolearn.services.catalogue.outline import CourseOutline, LessonNode


@dataclass
class Citation:
    lesson: LessonNode
    anchor: str


@dataclass
class SourceEntry:
    row: dict  # the stored bibliography row: id, language, text, translation, note...
    citations: list[Citation] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.row["id"]

    @property
    def lessons(self) -> list[LessonNode]:
        """The lessons that cite the source, each once, in course order."""
        seen: dict[int, LessonNode] = {}
        for citation in self.citations:
            seen.setdefault(id(citation.lesson), citation.lesson)
        return list(seen.values())


@dataclass
class SourceMap:
    entries: list[SourceEntry]
    # The paper's footnote numbers, in order, each with the ids of the references it cites.
    footnotes: list[tuple[int, list[str]]]


def source_map(outline: CourseOutline) -> SourceMap:
    lessons = {lesson.key: lesson for module in outline.modules for lesson in module.lessons}
    entries = []
    by_footnote: dict[int, list[str]] = {}
    for row in outline.bibliography:
        entry = SourceEntry(
            row=row,
            citations=[
                Citation(lessons[key], anchor)
                for key, anchor in row.get("cited_in", [])
                if key in lessons
            ],
        )
        entries.append(entry)
        for number in row.get("footnotes", []):
            by_footnote.setdefault(number, []).append(entry.id)
    return SourceMap(entries=entries, footnotes=sorted(by_footnote.items()))
