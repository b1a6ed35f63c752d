"""Courses as files: check, import (all or nothing, idempotent, versioned), export (same bytes)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from diplolearn.courses.check import CourseInvalid, check_course, load_course
from diplolearn.models import (
    Cohort,
    CourseVersion,
    Lesson,
    LessonProgress,
    LessonRevision,
    Paragraph,
    ParagraphRevision,
    Question,
)
from diplolearn.services.catalogue.course_export import export_course
from diplolearn.services.catalogue.course_import import import_course
from diplolearn.services.cohorts import organisations
from tests.factories import make_learner

SAMPLE = Path(__file__).parent.parent / "courses" / "digital-diplomacy-basics"


@pytest.fixture()
def sample(tmp_path) -> Path:
    """A private copy of the sample course to edit."""
    target = tmp_path / SAMPLE.name
    shutil.copytree(SAMPLE, target)
    return target


def _import(folder: Path):
    spec, files = load_course(folder)
    return import_course(spec, files)


def _messages(folder: Path) -> list[str]:
    return [str(p) for p in check_course(folder)[1]]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def test_the_sample_course_is_valid_and_canonical():
    assert _messages(SAMPLE) == []


def test_export_of_an_imported_course_gives_back_the_same_bytes(db, tmp_path):
    _import(SAMPLE)
    export_course(SAMPLE.name, tmp_path / "out")
    exported = {
        p.relative_to(tmp_path / "out" / SAMPLE.name): p.read_bytes()
        for p in (tmp_path / "out" / SAMPLE.name).rglob("*")
        if p.is_file()
    }
    original = {p.relative_to(SAMPLE): p.read_bytes() for p in SAMPLE.rglob("*") if p.is_file()}
    assert exported == original


def test_importing_the_same_folder_twice_changes_nothing(db):
    first = _import(SAMPLE)
    counts = [
        db.session.scalar(sa.select(sa.func.count()).select_from(m))
        for m in (CourseVersion, LessonRevision, ParagraphRevision)
    ]
    second = _import(SAMPLE)
    assert first.created and not second.created and second.version.id == first.version.id
    assert counts == [
        db.session.scalar(sa.select(sa.func.count()).select_from(m))
        for m in (CourseVersion, LessonRevision, ParagraphRevision)
    ]


def test_the_first_version_goes_to_the_default_cohort(db):
    result = _import(SAMPLE)
    assert organisations.default_cohort(result.course).course_version_id == result.version.id


def test_an_edited_folder_publishes_a_new_version_and_keeps_history(db, sample):
    first = _import(sample)
    cohort = organisations.default_cohort(first.course)
    _, enrolment = make_learner(cohort)
    lesson = db.session.scalar(sa.select(Lesson).where(Lesson.key == "twitter"))
    db.session.add(LessonProgress(enrolment_id=enrolment.id, lesson_id=lesson.id))
    db.session.flush()

    # Reword a paragraph, drop a lesson, drop a question.
    _edit(sample / "social-media" / "twitter.en.md", "travel fast", "spread quickly")
    (sample / "social-media" / "facebook.ar.md").unlink()
    (sample / "social-media" / "facebook.en.md").unlink()
    _edit(
        sample / "social-media" / "module.yaml",
        "  - id: facebook\n    required: true\n    estimated_minutes: 1\n",
        "",
    )
    quiz = sample / "social-media" / "quiz.yaml"
    text = quiz.read_text()
    quiz.write_text(text[: text.index("  - id: social-q2")])
    assert _messages(sample) == []
    second = _import(sample)

    assert second.created and second.version.number == 2
    db.session.refresh(cohort)
    assert cohort.course_version_id == first.version.id  # cohorts keep their version
    facebook = db.session.scalar(sa.select(Lesson).where(Lesson.key == "facebook"))
    assert facebook.retired_at is not None  # retired, not deleted
    question = db.session.scalar(sa.select(Question).where(Question.key == "social-q2"))
    assert question.retired_at is not None
    db.session.refresh(lesson)
    assert lesson.retired_at is None
    progress = db.session.scalars(sa.select(LessonProgress)).all()
    assert [p.lesson_id for p in progress] == [lesson.id]  # progress follows the stable id
    texts = db.session.scalars(
        sa.select(ParagraphRevision)
        .join(Paragraph)
        .where(Paragraph.key == "tw-why")
        .order_by(ParagraphRevision.id)
    ).all()
    assert ["travel fast" in t.body["en"] for t in texts] == [True, False]


def test_a_retired_item_that_comes_back_is_unretired(db, sample):
    _import(sample)
    original = (sample / "course.yaml").read_text()
    shutil.move(sample / "virtual-embassies", sample.parent / "stash")
    _edit(sample / "course.yaml", "  - virtual-embassies\n", "")
    _import(sample)
    lesson = db.session.scalar(sa.select(Lesson).where(Lesson.key == "virtual-embassy"))
    assert lesson.retired_at is not None
    shutil.move(sample.parent / "stash", sample / "virtual-embassies")
    (sample / "course.yaml").write_text(original)
    result = _import(sample)
    db.session.refresh(lesson)
    assert lesson.retired_at is None and result.version.number == 3


@pytest.mark.parametrize(
    "edit,expected",
    [
        (
            ("foundations/quiz.yaml", "        correct: true\n", "        correct: false\n"),
            "foundations/quiz.yaml:12: question 'foundations-q1' has no correct answer",
        ),
        (
            ("foundations/quiz.yaml", "#dd-definition", "#nowhere"),
            "refers_to names the anchor 'nowhere'",
        ),
        (
            ("social-media/twitter.en.md", "{#tw-france}", "{#tw-elsewhere}"),
            "social-media/twitter.en.md:1: the 'en' text's paragraph anchors",
        ),
        (
            ("social-media/facebook.ar.md", "title: فيسبوك", "title: [فيسبوك"),
            "social-media/facebook.ar.md",
        ),
        (
            ("social-media/facebook.ar.md", "---\nid: facebook", "id: facebook"),
            "social-media/facebook.ar.md:1: front matter must start with a line '---'",
        ),
        (
            ("virtual-embassies/module.yaml", "id: virtual-embassies", "id: social-media"),
            "duplicate module id 'social-media'",
        ),
        (
            (
                "virtual-embassies/virtual-embassy.en.md",
                "A virtual embassy is",
                "A <script>x()</script> virtual embassy is",
            ),
            "virtual-embassies/virtual-embassy.en.md:7: HTML here would be removed",
        ),
        (
            ("course.yaml", "en: Digital Diplomacy Basics", "en: Cafe\u0301 Diplomacy"),
            "course.yaml:4: text is not in Unicode NFC form",
        ),
        (("course.yaml", "title:\n", "title:   \n"), "course.yaml:2: not in canonical form"),
        (
            ("social-media/module.yaml", "  - foundations\n", "  - nowhere\n"),
            "prerequisite 'nowhere' is not a module of this course",
        ),
        (
            ("foundations/module.yaml", "estimated_minutes: 25", "estimated_minutes: soon"),
            "foundations/module.yaml:17: 'estimated_minutes' must be a whole number",
        ),
        (
            ("foundations/what-is-digital-diplomacy.en.md", "(ref:paper)", "(ref:nobody-2020)"),
            "foundations/what-is-digital-diplomacy.en.md:6: the link ref:nobody-2020 names nothing",
        ),
        (
            (
                "foundations/public-diplomacy.ar.md",
                "(glossary:soft-power)",
                "(glossary:hard-power)",
            ),
            "the link glossary:hard-power names nothing in glossary.yaml",
        ),
        (
            (
                "foundations/module.yaml",
                "refers_to: what-is-digital-diplomacy#dd-audience",
                "refers_to: what-is-digital-diplomacy#missing",
            ),
            "refers_to names the anchor 'missing'",
        ),
        (
            ("foundations/module.yaml", "      points: 4\n", "      points: 0\n"),
            "a rubric criterion is worth at least 1 point",
        ),
        (
            (
                "glossary.yaml",
                "    definition:\n      ar: استعمال",
                "    definition:\n      xx: استعمال",
            ),
            "glossary term 'digital-diplomacy' definition has no 'ar' text",
        ),
        (
            ("course.yaml", "optional_languages:\n  - fr", "optional_languages:\n  - en"),
            "optional language 'en' must be a supported language that is not already required",
        ),
        (
            ("foundations/public-diplomacy.fr.md", "{#pd-soft-power}", "{#pd-autre}"),
            "the 'fr' text's paragraph anchors",
        ),
    ],
)
def test_check_reports_each_problem_with_file_and_line(sample, edit, expected):
    path, old, new = edit
    _edit(sample / path, old, new)
    messages = _messages(sample)
    assert any(expected in message for message in messages), messages


def test_a_missing_language_is_reported(sample):
    (sample / "foundations" / "public-diplomacy.ar.md").unlink()
    assert any("lesson 'public-diplomacy' has no 'ar' text" in m for m in _messages(sample))


def test_a_broken_folder_lists_every_problem_and_imports_nothing(db, sample):
    _edit(
        sample / "foundations" / "quiz.yaml", "        correct: true\n", "        correct: false\n"
    )
    _edit(sample / "virtual-embassies" / "module.yaml", "id: virtual-embassies", "id: Bad Id")
    with pytest.raises(CourseInvalid) as error:
        load_course(sample)
    assert len(error.value.problems) >= 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CourseVersion)) == 0


def test_cli_check_import_and_export(runner, db, sample, tmp_path):
    result = runner.invoke(args=["courses", "check", str(sample)])
    assert result.exit_code == 0 and "ok" in result.output
    result = runner.invoke(args=["courses", "import", str(sample.parent)])
    assert result.exit_code == 0 and "version 1 published" in result.output, result.output
    result = runner.invoke(args=["courses", "import", str(sample)])
    assert "unchanged (version 1)" in result.output
    result = runner.invoke(args=["courses", "export", sample.name, str(tmp_path / "x")])
    assert result.exit_code == 0 and (tmp_path / "x" / sample.name / "course.yaml").is_file()
    assert runner.invoke(args=["courses", "export", "no-such-course", str(tmp_path)]).exit_code


def test_cli_import_of_a_broken_course_exits_non_zero_and_imports_nothing(runner, db, sample):
    _edit(
        sample / "foundations" / "quiz.yaml", "        correct: true\n", "        correct: false\n"
    )
    result = runner.invoke(args=["courses", "import", str(sample)])
    assert result.exit_code != 0
    assert "has no correct answer" in result.output and "nothing was imported" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Cohort)) == 0


def test_optional_languages_may_be_partial(db):
    """French is optional in the sample: one lesson has it, the others do not, and it imports."""
    spec, _ = load_course(SAMPLE)
    languages = {lesson.id: sorted(lesson.texts) for lesson in spec.lessons()}
    assert languages["public-diplomacy"] == ["ar", "en", "fr"]
    assert languages["twitter"] == ["ar", "en"]
    result = _import(SAMPLE)
    assert result.course.optional_languages == ["fr"]
    assert [r["id"] for r in result.version.bibliography] == ["paper", "nye-2004"]
    assert {t["id"] for t in result.version.glossary} == {"digital-diplomacy", "soft-power"}


def test_format_rewrites_a_valid_folder_into_canonical_form_only(runner, db, sample):
    path = sample / "course.yaml"
    canonical = path.read_bytes()
    path.write_text(
        path.read_text().replace("title:\n", "title:   \n").replace("  - ar\n  - en", "- ar\n- en")
    )
    assert any("canonical" in m for m in _messages(sample))
    result = runner.invoke(args=["courses", "format", str(sample)])
    assert result.exit_code == 0 and "1 file(s) rewritten" in result.output, result.output
    assert path.read_bytes() == canonical
    _edit(
        sample / "foundations" / "quiz.yaml", "        correct: true\n", "        correct: false\n"
    )
    before = (sample / "foundations" / "quiz.yaml").read_bytes()
    result = runner.invoke(args=["courses", "format", str(sample)])
    assert result.exit_code != 0 and "no correct answer" in result.output
    assert (sample / "foundations" / "quiz.yaml").read_bytes() == before
