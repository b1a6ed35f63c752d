"""The demo's private messages (issue 20): in each tutor group of the running cohort, one
thread between a learner (a demo account that signs in, when the group has one) and the
group's tutor: the learner's question and the tutor's answer, in the learner's reading
language, the answer not yet read (so it shows in the learner's to-do list). Written as rows,
not through ``services.messages``, so that seeding queues no mail."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from diplolearn.extensions import db
from diplolearn.models import (
    Cohort,
    Enrolment,
    Message,
    MessageThread,
    Role,
    RoleGrant,
    User,
    utcnow,
)
from diplolearn.services.messages.posting import clean_body

TEXTS = {
    "question": {
        "en": "Could I hand in the module 2 essay a few days late? I am travelling with the "
        "minister next week.",
        "ar": "هل يمكنني تسليم مقال الوحدة الثانية متأخرًا بضعة أيام؟ سأرافق الوزير في "
        "سفر الأسبوع المقبل.",
        "fr": "Pourrais-je rendre l'essai du module 2 avec quelques jours de retard ? Je "
        "voyage avec le ministre la semaine prochaine.",
    },
    "answer": {
        "en": "Yes: ask for more time from the module's page and say why; I will grant it. "
        "Safe travels.",
        "ar": "نعم: اطلب مهلة إضافية من صفحة الوحدة واذكر السبب، وسأوافق عليها. رحلة موفقة.",
        "fr": "Oui : demandez un délai depuis la page du module en indiquant pourquoi ; je "
        "l'accorderai. Bon voyage.",
    },
}


def seed_message_threads(cohort: Cohort, groups: dict, now: dt.datetime | None = None) -> int:
    """One thread per tutor group of ``cohort`` (``groups``: key -> TutorGroup) that has a
    tutor and a learner; a group whose pair already has a thread is left alone. Returns how
    many records it made. Flushes, never commits."""
    from diplolearn.demo.people import DEMO_ACCOUNTS

    now = now or utcnow()
    demo_emails = {row.email for row in DEMO_ACCOUNTS}
    made = 0
    for key in sorted(groups):
        group = groups[key]
        tutor = db.session.scalar(
            sa.select(User)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(RoleGrant.role == Role.TUTOR, RoleGrant.tutor_group_id == group.id)
            .order_by(User.id)
            .limit(1)
        )
        enrolments = list(
            db.session.scalars(
                sa.select(Enrolment)
                .where(Enrolment.cohort_id == cohort.id, Enrolment.tutor_group_id == group.id)
                .order_by(Enrolment.id)
            )
        )
        if tutor is None or not enrolments:
            continue
        enrolment = next((e for e in enrolments if e.user.email in demo_emails), enrolments[0])
        if db.session.scalar(
            sa.select(MessageThread.id).where(
                MessageThread.enrolment_id == enrolment.id, MessageThread.tutor_id == tutor.id
            )
        ):
            continue
        learner = enrolment.user
        lang = learner.reading_language if learner.reading_language in TEXTS["question"] else "en"
        asked, answered = now - dt.timedelta(days=2), now - dt.timedelta(hours=5)
        thread = MessageThread(
            cohort_id=cohort.id,
            enrolment_id=enrolment.id,
            learner_id=learner.id,
            tutor_id=tutor.id,
            tutor_group_id=group.id,
            created_at=asked,
            last_message_at=answered,
            learner_read_at=asked,
            tutor_read_at=answered,
        )
        db.session.add(thread)
        db.session.flush()
        for author, text, when in ((learner, "question", asked), (tutor, "answer", answered)):
            db.session.add(
                Message(
                    thread_id=thread.id,
                    author_id=author.id,
                    body=clean_body(TEXTS[text][lang]),
                    created_at=when,
                )
            )
        db.session.flush()
        made += 3
    return made
