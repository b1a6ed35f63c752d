"""The course's reference list as stored with each version, with its source map computed.

``bibliography`` turns the references of a course (references.yaml) into the JSON rows of
``CourseVersion.bibliography``, adding what the references page's source map shows and no
author should have to keep by hand: which paragraphs cite each source (a ``[...](ref:id)``
link in any language of the paragraph), and so how often. The importer and the authoring
drafts both store it through here; ``flask courses export`` writes back only what the author
wrote (``reference_fields``).
"""

from __future__ import annotations

from diplolearn.courses.links import COURSE_LINK
from diplolearn.courses.spec import CourseSpec, ReferenceSpec

# What an author writes for a reference; everything else in a stored row is computed.
AUTHORED = ("id", "language", "text", "url", "transliteration", "translation", "footnotes", "note")


def citations(course: CourseSpec) -> dict[str, list[tuple[str, str]]]:
    """Each reference id -> the (lesson id, paragraph anchor) pairs that cite it, in course
    order; a paragraph citing a source in several languages counts once."""
    cited: dict[str, list[tuple[str, str]]] = {}
    for lesson in course.lessons():
        for anchor in lesson.anchors:
            targets = {
                target
                for text in lesson.texts.values()
                for paragraph in text.paragraphs
                if paragraph.anchor == anchor
                for kind, target in COURSE_LINK.findall(paragraph.text)
                if kind == "ref"
            }
            for target in sorted(targets):
                cited.setdefault(target, []).append((lesson.id, anchor))
    return cited


def bibliography(course: CourseSpec) -> list[dict]:
    """The rows of CourseVersion.bibliography: the authored fields and the citations."""
    cited = citations(course)
    rows = []
    for reference in course.references:
        row = {key: value for key, value in reference_fields(reference).items() if value}
        row["cited_in"] = [[lesson, anchor] for lesson, anchor in cited.get(reference.id, [])]
        rows.append(row)
    return rows


def reference_fields(reference: ReferenceSpec) -> dict:
    return {
        "id": reference.id,
        "language": reference.language,
        "text": reference.text,
        "url": reference.url,
        "transliteration": reference.transliteration,
        "translation": dict(reference.translation),
        "footnotes": list(reference.footnotes),
        "note": dict(reference.note),
    }


def reference_from_row(row: dict) -> ReferenceSpec:
    """A stored row back into what the author wrote (for export)."""
    return ReferenceSpec(
        id=row["id"],
        text=row["text"],
        language=row["language"],
        url=row.get("url"),
        transliteration=row.get("transliteration"),
        translation=dict(row.get("translation") or {}),
        footnotes=list(row.get("footnotes") or []),
        note=dict(row.get("note") or {}),
    )
