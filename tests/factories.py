"""Plain factory functions with defaults: each builds one thing through the services, flushes,
and returns it. Tests name only what matters to them."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from diplolearn.extensions import db
from diplolearn.models import (
    ChoiceRevision,
    Cohort,
    Course,
    CourseVersion,
    EnrolmentState,
    Lesson,
    LessonRevision,
    Ministry,
    Module,
    ModuleRevision,
    Paragraph,
    ParagraphRevision,
    Question,
    QuestionRevision,
    Quiz,
    QuizQuestion,
    QuizRevision,
    Role,
    utcnow,
)
from diplolearn.services.accounts import accounts, people
from diplolearn.services.cohorts import organisations

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def make_user(
    email: str | None = None,
    *,
    password: str | None = PASSWORD,
    name_latin=None,
    name_ar="",
    language="en",
    timezone="UTC",
    **kwargs,
):
    n = next(_counter)
    return accounts.create_user(
        email or f"person{n}@example.org",
        name_latin=name_latin or f"Person {n}",
        name_ar=name_ar,
        interface_language=language,
        reading_language=language,
        timezone=timezone,
        password=password,
        **kwargs,
    )


def make_ministry(code: str | None = None, name_en: str | None = None) -> Ministry:
    n = next(_counter)
    ministry = Ministry(
        code=code or f"MFA-{n}", name={"en": name_en or f"Ministry {n}", "ar": f"وزارة {n}"}
    )
    db.session.add(ministry)
    db.session.flush()
    return ministry


def make_course(key: str | None = None, languages=("ar", "en")):
    n = next(_counter)
    return organisations.create_course(
        key or f"course-{n}", {"en": f"Course {n}", "ar": f"دورة {n}"}, list(languages)
    )


def make_cohort(course=None, key: str | None = None, timezone="Europe/Zurich"):
    course = course or make_course()
    n = next(_counter)
    return organisations.create_cohort(
        course, key or f"cohort-{n}", {"en": f"Cohort {n}"}, timezone=timezone
    )


def make_learner(cohort, ministry=None, group=None, state=EnrolmentState.ACTIVE, **user_kwargs):
    user = make_user(**user_kwargs)
    if ministry is not None:
        people.join_ministry(user, ministry)
    enrolment = organisations.enrol(user, cohort, sponsor=ministry, tutor_group=group)
    if state != EnrolmentState.INVITED:
        enrolment.move_to(EnrolmentState.ACTIVE)
    return user, enrolment


def make_with_role(role: Role, scope_id=None, **user_kwargs):
    user = make_user(**user_kwargs)
    accounts.grant_role(user, role, scope_id)
    return user


# --- a published course, built the way the course importer builds it -------------------------

# Each module's quiz: (kind, [(choice key, correct?)]). The keys say nothing about correctness.
QUIZ_QUESTIONS = [
    ("single_choice", [("a", False), ("b", True), ("c", False)]),
    ("multiple_select", [("a", True), ("b", True), ("c", False)]),
    ("true_false", [("true", True), ("false", False)]),
]
_TEXT = {
    "en": "Paragraph {k} of lesson {m}.{n}: digital diplomacy on social media, as "
    "<bdi>@francediplo</bdi> practises it.",
    "ar": "الفقرة {k} من الدرس {m}.{n}: الدبلوماسية الرقمية على وسائل التواصل الاجتماعي، كما "
    "يمارسها <bdi>@francediplo</bdi>.",
    "fr": "Paragraphe {k} de la leçon {m}.{n} : la diplomatie numérique sur les réseaux sociaux.",
}
_WORDS = {
    "en": ("Topic", "Lesson", "Quiz", "Question", "Choice"),
    "ar": ("الموضوع", "الدرس", "الاختبار", "السؤال", "الخيار"),
    "fr": ("Thème", "Leçon", "Quiz", "Question", "Choix"),
}


@dataclass
class PublishedCourse:
    course: Course
    version: CourseVersion
    cohort: Cohort  # the course's default cohort, following ``version``
    module_keys: list[str] = field(default_factory=list)
    lesson_keys: list[list[str]] = field(default_factory=list)  # per module, in order
    quiz_keys: list[str] = field(default_factory=list)  # one per module, in module order

    def module_revision(self, key: str) -> ModuleRevision:
        return db.session.scalar(
            sa.select(ModuleRevision)
            .join(Module)
            .where(Module.key == key, ModuleRevision.course_version_id == self.version.id)
        )

    def quiz_revision(self, key: str) -> QuizRevision:
        return db.session.scalar(
            sa.select(QuizRevision)
            .join(Quiz)
            .where(Quiz.key == key, QuizRevision.course_version_id == self.version.id)
        )


def _texts(languages, index: int, pattern: str) -> dict[str, str]:
    return {lang: pattern.format(*_WORDS.get(lang, _WORDS["en"]), i=index) for lang in languages}


def _ids(model, *where) -> dict:
    rows = db.session.execute(sa.select(model.id, model.key).where(*where))
    return {key: id_ for id_, key in rows}


def make_published_course(
    modules: int = 3,
    lessons_per_module: int = 2,
    paragraphs: int = 2,
    with_quiz: bool = True,
    languages=("ar", "en"),
    key: str | None = None,
) -> PublishedCourse:
    """A course with one published version and the rows the importer creates, bulk-inserted so
    that 50 modules x 20 lessons build in well under a second. Module ``m<i>`` has lessons
    ``m<i>-l<j>`` (paragraphs ``p<k>``) and, with ``with_quiz``, quiz ``m<i>-quiz`` with the
    three QUIZ_QUESTIONS; the default cohort follows the version."""
    languages = list(languages)
    course = make_course(key, languages)
    version = CourseVersion(course_id=course.id, number=1, state="published", published_at=utcnow())
    db.session.add(version)
    db.session.flush()
    insert = db.session.execute
    m_keys = [f"m{i}" for i in range(1, modules + 1)]
    insert(sa.insert(Module), [{"course_id": course.id, "key": k} for k in m_keys])
    module_ids = _ids(Module, Module.course_id == course.id)
    insert(
        sa.insert(ModuleRevision),
        [
            {
                "module_id": module_ids[k],
                "course_version_id": version.id,
                "position": i,
                "title": _texts(languages, i, "{0} {i}"),
                "estimated_minutes": 10 * lessons_per_module,
                "objectives": {
                    lang: [f"{_WORDS.get(lang, _WORDS['en'])[0]} {i}: objective"]
                    for lang in languages
                },
                "required": True,
                "prerequisites": [],
            }
            for i, k in enumerate(m_keys, 1)
        ],
    )
    mrev = {
        module_id: id_
        for id_, module_id in db.session.execute(
            sa.select(ModuleRevision.id, ModuleRevision.module_id).where(
                ModuleRevision.course_version_id == version.id
            )
        )
    }
    l_keys = [
        [f"m{i}-l{j}" for j in range(1, lessons_per_module + 1)] for i in range(1, modules + 1)
    ]
    insert(
        sa.insert(Lesson),
        [
            {"course_id": course.id, "module_id": module_ids[m_keys[i]], "key": k}
            for i, keys in enumerate(l_keys)
            for k in keys
        ],
    )
    lesson_ids = _ids(Lesson, Lesson.course_id == course.id)
    insert(
        sa.insert(LessonRevision),
        [
            {
                "lesson_id": lesson_ids[k],
                "course_version_id": version.id,
                "module_revision_id": mrev[module_ids[m_keys[i]]],
                "position": j,
                "title": _texts(languages, j, "{1} " + f"{i + 1}.{j}"),
                "estimated_minutes": 10,
                "required": True,
            }
            for i, keys in enumerate(l_keys)
            for j, k in enumerate(keys, 1)
        ],
    )
    lrev = {
        lesson_id: id_
        for id_, lesson_id in db.session.execute(
            sa.select(LessonRevision.id, LessonRevision.lesson_id).where(
                LessonRevision.course_version_id == version.id
            )
        )
    }
    p_keys = [f"p{k}" for k in range(1, paragraphs + 1)]
    insert(
        sa.insert(Paragraph),
        [{"lesson_id": lesson_ids[k], "key": p} for keys in l_keys for k in keys for p in p_keys],
    )
    paragraph_ids = {
        (lesson_id, p): id_
        for id_, lesson_id, p in db.session.execute(
            sa.select(Paragraph.id, Paragraph.lesson_id, Paragraph.key)
            .join(Lesson)
            .where(Lesson.course_id == course.id)
        )
    }
    insert(
        sa.insert(ParagraphRevision),
        [
            {
                "paragraph_id": paragraph_ids[(lesson_ids[k], p)],
                "lesson_revision_id": lrev[lesson_ids[k]],
                "position": n,
                "body": {
                    lang: _TEXT.get(lang, _TEXT["en"]).format(k=n, m=i + 1, n=j)
                    for lang in languages
                },
            }
            for i, keys in enumerate(l_keys)
            for j, k in enumerate(keys, 1)
            for n, p in enumerate(p_keys, 1)
        ],
    )
    q_keys = [f"{k}-quiz" for k in m_keys] if with_quiz else []
    if with_quiz:
        _add_quizzes(course, version, languages, m_keys, module_ids, mrev)
    cohort = organisations.default_cohort(course)
    cohort.course_version_id = version.id
    db.session.flush()
    return PublishedCourse(course, version, cohort, m_keys, l_keys, q_keys)


def _add_quizzes(course, version, languages, m_keys, module_ids, mrev) -> None:
    insert = db.session.execute
    insert(
        sa.insert(Quiz),
        [{"course_id": course.id, "module_id": module_ids[k], "key": f"{k}-quiz"} for k in m_keys],
    )
    quiz_ids = _ids(Quiz, Quiz.course_id == course.id)
    insert(
        sa.insert(QuizRevision),
        [
            {
                "quiz_id": quiz_ids[f"{k}-quiz"],
                "course_version_id": version.id,
                "module_revision_id": mrev[module_ids[k]],
                "title": _texts(languages, i, "{2} {i}"),
                "pass_mark": Decimal(60),
                "max_attempts": 3,
                "grading_method": "highest",
                "required": True,
            }
            for i, k in enumerate(m_keys, 1)
        ],
    )
    question_keys = [f"{k}-q{n}" for k in m_keys for n in range(1, len(QUIZ_QUESTIONS) + 1)]
    insert(sa.insert(Question), [{"course_id": course.id, "key": k} for k in question_keys])
    question_ids = _ids(Question, Question.course_id == course.id)
    insert(
        sa.insert(QuestionRevision),
        [
            {
                "question_id": question_ids[k],
                "course_version_id": version.id,
                "kind": QUIZ_QUESTIONS[n][0],
                "points": Decimal(1),
                "prompt": _texts(languages, n + 1, "{3} {i}: " + k),
                "feedback": dict.fromkeys(languages, f"Explanation of {k}"),
            }
            for k in question_keys
            for n in [int(k.rsplit("q", 1)[1]) - 1]
        ],
    )
    qrev = {
        question_id: id_
        for id_, question_id in db.session.execute(
            sa.select(QuestionRevision.id, QuestionRevision.question_id).where(
                QuestionRevision.course_version_id == version.id
            )
        )
    }
    insert(
        sa.insert(ChoiceRevision),
        [
            {
                "question_revision_id": qrev[question_ids[k]],
                "key": choice,
                "position": p,
                "text": {
                    lang: f"{_WORDS.get(lang, _WORDS['en'])[4]} {choice}" for lang in languages
                },
                "is_correct": correct,
                "feedback": dict.fromkeys(languages, f"Why {choice} of {k}"),
            }
            for k in question_keys
            for n in [int(k.rsplit("q", 1)[1]) - 1]
            for p, (choice, correct) in enumerate(QUIZ_QUESTIONS[n][1], 1)
        ],
    )
    qzrev = {
        quiz_id: id_
        for id_, quiz_id in db.session.execute(
            sa.select(QuizRevision.id, QuizRevision.quiz_id).where(
                QuizRevision.course_version_id == version.id
            )
        )
    }
    insert(
        sa.insert(QuizQuestion),
        [
            {
                "quiz_revision_id": qzrev[quiz_ids[f"{m}-quiz"]],
                "position": n,
                "question_revision_id": qrev[question_ids[f"{m}-q{n}"]],
            }
            for m in m_keys
            for n in range(1, len(QUIZ_QUESTIONS) + 1)
        ],
    )


def quiz_answers(attempt, right: bool = True) -> dict[str, list[str]]:
    """Form data answering every drawn question of an attempt, all right or all wrong, with the
    attempt's tokens, as the attempt page's form would post it."""
    from diplolearn.services.assessment.quizzes import field_name, tokens_for

    data = {}
    for aq in attempt.questions:
        question = aq.question_revision
        tokens = tokens_for(attempt.id, aq)
        keys = [c.key for c in question.choices if c.is_correct == right]
        if question.kind != "multiple_select":
            keys = keys[:1]
        data[field_name(aq)] = [tokens[key] for key in keys]
    return data


# --- written assignments ------------------------------------------------------------------------

# The smallest file the assignment upload accepts as a PDF (it is sniffed from its content).
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def make_assignment(
    published: PublishedCourse,
    module_key: str = "m1",
    key: str | None = None,
    *,
    completion="submitted",
    pass_mark=50,
    formats=("text", "file"),
    min_words=None,
    max_words=None,
    due_days=None,
    late_days=None,
    required=True,
):
    """A written assignment in a module of the published version, as the importer writes it:
    key ``<module>-essay`` by default, a rubric of two criteria (``accuracy``: levels 4, 2, 0;
    ``clarity``: 2, 1, 0). Returns its AssignmentRevision."""
    from diplolearn.models import Assignment, AssignmentRevision, RubricCriterion, RubricLevel
    from diplolearn.services.catalogue import outline

    module_revision = published.module_revision(module_key)
    assignment = Assignment(
        course_id=published.course.id,
        module_id=module_revision.module_id,
        key=key or f"{module_key}-essay",
    )
    db.session.add(assignment)
    db.session.flush()
    revision = AssignmentRevision(
        assignment_id=assignment.id,
        course_version_id=published.version.id,
        module_revision_id=module_revision.id,
        title={"en": "Essay", "ar": "مقال"},
        prompt={
            "en": "Write about **digital diplomacy**.",
            "ar": "اكتب عن **الدبلوماسية الرقمية**.",
        },
        required=required,
        completion=completion,
        pass_mark=Decimal(pass_mark),
        formats=list(formats),
        min_words=min_words,
        max_words=max_words,
        due_days=due_days,
        late_days=late_days,
    )
    db.session.add(revision)
    db.session.flush()
    for position, (ckey, points, levels) in enumerate(
        [("accuracy", 4, (4, 2, 0)), ("clarity", 2, (2, 1, 0))], start=1
    ):
        criterion = RubricCriterion(
            assignment_revision_id=revision.id,
            key=ckey,
            position=position,
            points=points,
            criterion={"en": f"Criterion {ckey}", "ar": ckey},
        )
        db.session.add(criterion)
        db.session.flush()
        db.session.add_all(
            [
                RubricLevel(
                    criterion_id=criterion.id,
                    position=n,
                    points=p,
                    description={"en": f"{ckey} level {p}", "ar": str(p)},
                )
                for n, p in enumerate(levels, start=1)
            ]
        )
    db.session.flush()
    outline.cache.clear()  # the version's outline now has an assignment
    return revision
