"""The demo's discussion: in each tutor group of the running cohort, a question on the first
lesson's first paragraph with the tutor's answer, a reference on the second, and a contribution
to the first module's pinned prompt, each in its author's reading language
(``seed_demo_annotations``)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from diplolearn.extensions import db
from diplolearn.models import (
    Annotation,
    Cohort,
    LessonRevision,
    ModuleRevision,
    ParagraphRevision,
    Role,
    RoleGrant,
    TutorGroup,
    User,
    utcnow,
)
from diplolearn.services.discussion.notifications import group_people
from diplolearn.services.discussion.validation import clean_text

# The texts of the demo posts, by kind and language.
POSTS = {
    "question": {
        "en": "Does “digital diplomacy” here mean the tools, or a new way of conducting "
        "diplomacy? The paragraph seems to use it both ways.",
        "ar": "هل يُقصد بـ«الدبلوماسية الرقمية» هنا الأدوات، أم طريقة جديدة لممارسة "
        "الدبلوماسية؟ يبدو أن الفقرة تستعمل المعنيين.",
    },
    "answer": {
        "en": "Both readings are in the text. The paper starts from the tools and ends by "
        "calling them a complement to traditional practice; keep that tension in mind "
        "for this week's prompt.",
        "ar": "القراءتان حاضرتان في النص: تبدأ الورقة بالأدوات وتنتهي بوصفها مكمّلًا "
        "للممارسة التقليدية. احتفظوا بهذا التوتر في أذهانكم عند مناقشة سؤال الأسبوع.",
    },
    "reference": {
        "en": "Our ministry's own social media guidelines make the same distinction; the "
        "public summary is worth a look.",
        "ar": "تميّز إرشادات وزارتنا لوسائل التواصل بين الأمرين أيضًا، والملخص المنشور "
        "يستحق الاطلاع.",
    },
    "prompt": {
        "en": "In my embassy the accounts are run by one press officer, so in practice it is "
        "a complement: the real negotiation still happens offline.",
        "ar": "في سفارتنا يدير الحسابات موظف إعلامي واحد، فهي عمليًا مكمّل: التفاوض "
        "الحقيقي ما زال يجري بعيدًا عن الشبكة.",
    },
}


def seed_demo_annotations(cohort: Cohort, now: dt.datetime | None = None) -> int:
    """A few realistic posts in each tutor group of ``cohort`` (the demo's): a question on
    the first lesson's first paragraph with the tutor's answer, a reference on the second,
    and a contribution to the first module's pinned prompt. Each learner writes in their
    reading language. Does nothing when the cohort has posts already; returns how many it
    made. Flushes, never commits."""
    now = now or utcnow()
    if cohort.course_version_id is None or db.session.scalar(
        sa.select(Annotation.id).where(Annotation.cohort_id == cohort.id).limit(1)
    ):
        return 0
    first = db.session.execute(
        sa.select(ModuleRevision, LessonRevision)
        .join(LessonRevision, LessonRevision.module_revision_id == ModuleRevision.id)
        .where(ModuleRevision.course_version_id == cohort.course_version_id)
        .order_by(ModuleRevision.position, LessonRevision.position)
        .limit(1)
    ).first()
    if first is None:
        return 0
    module_revision, lesson_revision = first
    paragraphs = list(
        db.session.scalars(
            sa.select(ParagraphRevision.paragraph_id)
            .where(ParagraphRevision.lesson_revision_id == lesson_revision.id)
            .order_by(ParagraphRevision.position)
            .limit(2)
        )
    )
    languages = list(cohort.course.languages or ["en"])
    made = 0

    def add(author: User, kind: str, text_key: str, minutes: int, **fields) -> Annotation:
        nonlocal made
        lang = author.reading_language if author.reading_language in languages else languages[0]
        post = Annotation(
            cohort_id=cohort.id,
            module_id=module_revision.module_id,
            course_version_id=cohort.course_version_id,
            author_id=author.id,
            kind=kind,
            body=clean_text(POSTS[text_key].get(lang) or POSTS[text_key]["en"]),
            lang=lang,
            created_at=now - dt.timedelta(minutes=minutes),
            **fields,
        )
        db.session.add(post)
        db.session.flush()
        made += 1
        return post

    for group in db.session.scalars(
        sa.select(TutorGroup).where(TutorGroup.cohort_id == cohort.id).order_by(TutorGroup.key)
    ):
        people = group_people(group.id)
        tutors = set(
            db.session.scalars(
                sa.select(RoleGrant.user_id).where(
                    RoleGrant.role == Role.TUTOR, RoleGrant.tutor_group_id == group.id
                )
            )
        )
        learners = [p for p in people if p.id not in tutors]
        tutor = next((p for p in people if p.id in tutors), None)
        if not learners or not paragraphs:
            continue
        where = {
            "tutor_group_id": group.id,
            "audience": "group",
            "lesson_id": lesson_revision.lesson_id,
        }
        question = add(
            learners[0], "question", "question", 3 * 24 * 60, paragraph_id=paragraphs[0], **where
        )
        if tutor is not None:
            add(
                tutor,
                "reply",
                "answer",
                2 * 24 * 60,
                paragraph_id=paragraphs[0],
                parent_id=question.id,
                is_tutor_answer=True,
                **where,
            )
        author = learners[1] if len(learners) > 1 else learners[0]
        add(
            author,
            "reference",
            "reference",
            26 * 60,
            paragraph_id=paragraphs[-1],
            url="https://www.example.org/social-media-guidelines",
            **where,
        )
        if module_revision.discussion:
            add(author, "prompt", "prompt", 5 * 60, tutor_group_id=group.id, audience="group")
    db.session.flush()
    return made
