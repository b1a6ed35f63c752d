"""The first course, built from the seed paper: complete, bilingual, every citation resolving."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

from diplolearn.courses.check import check_course, load_course
from diplolearn.models import (
    LessonRevision,
    ModuleRevision,
    ParagraphRevision,
    QuestionRevision,
    QuizQuestion,
    QuizRevision,
)
from diplolearn.services.catalogue.course_import import import_course

FOLDER = Path(__file__).parent.parent / "courses" / "digital-diplomacy"
LINK = re.compile(r"\]\((ref|glossary):([^)\s]*)\)")


def test_the_course_checks_clean():
    assert [str(p) for p in check_course(FOLDER)[1]] == []


def test_ten_weekly_modules_and_a_final_assessment():
    spec, _ = load_course(FOLDER)
    weeks = [m.week for m in spec.modules]
    assert len(spec.modules) == 11 and spec.modules[-1].id == "final-assessment"
    assert sorted(set(weeks)) == list(range(1, 11))
    final = spec.modules[-1]
    assert not final.lessons and not final.quiz.questions
    # The final assessment draws from each teaching module's bank, at least ten questions.
    banks = {c.id: m.id for m in spec.modules[:-1] for c in m.bank}
    assert sum(draw.count for draw in final.quiz.draws) >= 10
    assert {banks[draw.category] for draw in final.quiz.draws} == {m.id for m in spec.modules[:-1]}
    for category in (c for m in spec.modules for c in m.bank):
        assert len(category.questions) > 1, category.id  # a draw, not a fixed question
    for module in spec.modules[:-1]:
        assert (
            module.objectives.get("ar") and module.objectives.get("en") and module.estimated_minutes
        )
        assert module.objectives.get("fr"), f"{module.id}: French objectives"
        assert module.title.get("fr"), f"{module.id}: French title"
        assert module.assignment and module.assignment.rubric and module.discussion


def test_every_module_quiz_has_six_questions_of_three_kinds_citing_their_paragraph():
    spec, _ = load_course(FOLDER)
    anchors = {lesson.id: set(lesson.anchors) for lesson in spec.lessons()}
    for module in spec.modules[:-1]:
        questions = module.quiz.questions
        assert len(questions) >= 6, module.id
        assert len(Counter(q.kind for q in questions)) >= 3, module.id
        for question in questions + [q for c in module.bank for q in c.questions]:
            lesson_id, _, anchor = (question.refers_to or "").partition("#")
            assert anchor in anchors.get(lesson_id, set()), (module.id, question.id)
            assert question.feedback.get("ar") and question.feedback.get("en"), question.id


def test_the_quizzes_use_every_kind_of_question():
    spec, _ = load_course(FOLDER)
    kinds = Counter(
        q.kind
        for m in spec.modules
        for q in (m.quiz.questions if m.quiz else []) + [q for c in m.bank for q in c.questions]
    )
    assert set(kinds) == {
        "single_choice",
        "multiple_select",
        "true_false",
        "numeric",
        "short_text",
        "matching",
        "ordering",
        "essay",
    }, kinds
    # Typed answers are accepted in both required languages.
    for module in spec.modules:
        for question in module.quiz.questions if module.quiz else []:
            if question.kind == "short_text":
                assert question.accepted.get("ar") and question.accepted.get("en"), question.id


def test_imported_course_is_bilingual_with_matching_anchors_and_resolving_citations(db):
    spec, files = load_course(FOLDER)
    version = import_course(spec, files).version
    lessons = db.session.scalars(
        sa.select(LessonRevision).where(LessonRevision.course_version_id == version.id)
    ).all()
    assert len(lessons) >= 20
    paragraphs = db.session.scalars(
        sa.select(ParagraphRevision)
        .join(LessonRevision)
        .where(LessonRevision.course_version_id == version.id)
    ).all()
    # One paragraph structure shared by both languages: every anchored paragraph has both texts.
    assert all(p.body.get("ar") and p.body.get("en") for p in paragraphs)
    references = {r["id"] for r in version.bibliography}
    terms = {t["id"] for t in version.glossary}
    assert "paper" in references and version.bibliography[0]["id"] == "paper"
    cited = Counter()
    for paragraph in paragraphs:
        for language in ("ar", "en"):
            for kind, target in LINK.findall(paragraph.body[language]):
                assert target in (references if kind == "ref" else terms), (kind, target)
                cited[kind, target] += 1
    assert {target for kind, target in cited if kind == "ref"} == references  # all cited
    assert all(t["term"].get(lang) for t in version.glossary for lang in ("ar", "en", "fr"))
    # Every question of every quiz and bank points at a paragraph of this version.
    questions = db.session.scalars(
        sa.select(QuestionRevision).where(QuestionRevision.course_version_id == version.id)
    ).all()
    assert len(questions) > db.session.scalar(
        sa.select(sa.func.count())
        .select_from(QuizQuestion)
        .join(QuizRevision)
        .where(QuizRevision.course_version_id == version.id)
    )
    assert all(q.paragraph_id is not None for q in questions)
    modules = db.session.scalars(
        sa.select(ModuleRevision).where(ModuleRevision.course_version_id == version.id)
    ).all()
    assert len(modules) == 11
