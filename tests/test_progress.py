"""Completion rules, prerequisites, schedules, the next step, and time on task."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from diplolearn.extensions import db as database
from diplolearn.models import (
    EnrolmentState,
    Lesson,
    LessonProgress,
    LessonRevision,
    ModuleSchedule,
    utcnow,
)
from diplolearn.services import progress
from diplolearn.services.assessment import quizzes
from diplolearn.services.catalogue import outline
from diplolearn.services.cohorts import organisations
from diplolearn.services.errors import ModuleLocked
from tests.factories import make_learner, make_published_course, quiz_answers

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def learner_in(published, **kwargs):
    return make_learner(published.cohort, **kwargs)[1]


def done(enrolment, lesson_key, now=None):
    standing = progress.course_progress(enrolment, now)
    return progress.mark_lesson_done(enrolment, standing, standing.lesson(lesson_key), now)


def take_quiz(enrolment, quiz_key, right=True):
    quiz = progress.course_progress(enrolment).quiz(quiz_key)
    attempt = quizzes.start_attempt(enrolment, quiz, "en")
    return quizzes.submit(attempt, quiz_answers(attempt, right))


def lesson_revision(published, key):
    """Set completion rules before anyone reads the version: published versions never change."""
    return database.session.scalar(
        sa.select(LessonRevision)
        .join(Lesson)
        .where(Lesson.key == key, LessonRevision.course_version_id == published.version.id)
    )


def module(enrolment, key, now=None):
    return next(m for m in progress.course_progress(enrolment, now).modules if m.node.key == key)


def test_a_module_is_complete_when_its_required_lessons_are_done_and_its_quiz_passed(db):
    enrolment = learner_in(make_published_course(modules=1, lessons_per_module=2))
    assert (module(enrolment, "m1").status, module(enrolment, "m1").percent) == ("open", 0)
    done(enrolment, "m1-l1")
    assert (module(enrolment, "m1").status, module(enrolment, "m1").percent) == ("in_progress", 33)
    done(enrolment, "m1-l2")
    assert not module(enrolment, "m1").complete  # the quiz is still to pass
    take_quiz(enrolment, "m1-quiz", right=False)
    assert not module(enrolment, "m1").complete
    take_quiz(enrolment, "m1-quiz", right=True)
    assert (module(enrolment, "m1").status, module(enrolment, "m1").percent) == ("complete", 100)


def test_optional_lessons_and_quizzes_do_not_hold_a_module_back(db):
    published = make_published_course(modules=1, lessons_per_module=2)
    lesson_revision(published, "m1-l2").required = False
    published.quiz_revision("m1-quiz").required = False
    enrolment = learner_in(published)
    done(enrolment, "m1-l1")
    assert module(enrolment, "m1").complete and module(enrolment, "m1").percent == 100


def test_the_course_is_complete_when_its_required_modules_are_and_the_enrolment_moves_on(db):
    published = make_published_course(modules=2, lessons_per_module=1, with_quiz=False)
    published.module_revision("m2").required = False
    enrolment = learner_in(published)
    after = done(enrolment, "m1-l1")
    assert after.complete and after.percent == 100
    assert not after.modules[1].complete  # the optional module was not needed
    assert enrolment.state == EnrolmentState.COMPLETED and enrolment.completed_at is not None


def test_an_invited_learner_who_completes_the_course_passes_through_active(db):
    published = make_published_course(modules=1, lessons_per_module=1, with_quiz=False)
    enrolment = learner_in(published, state=EnrolmentState.INVITED)
    done(enrolment, "m1-l1")
    assert enrolment.state == EnrolmentState.COMPLETED and enrolment.activated_at is not None


def test_a_module_opens_only_when_its_prerequisites_are_complete(db):
    published = make_published_course(modules=3, lessons_per_module=1, with_quiz=False)
    published.module_revision("m2").prerequisites = ["m1"]
    published.module_revision("m3").prerequisites = ["m1", "m2"]
    enrolment = learner_in(published)
    standing = progress.course_progress(enrolment)
    m1, m2, m3 = standing.modules
    assert (m1.status, m2.status, m3.status) == ("open", "locked", "locked")
    assert [m.key for m in m2.waiting_for] == ["m1"]
    assert [m.key for m in m3.waiting_for] == ["m1", "m2"]
    with pytest.raises(ModuleLocked):
        progress.mark_lesson_done(enrolment, standing, standing.lesson("m2-l1"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress)) == 0
    done(enrolment, "m1-l1")
    assert module(enrolment, "m2").is_open
    assert [m.key for m in module(enrolment, "m3").waiting_for] == ["m2"]
    done(enrolment, "m2-l1")
    assert module(enrolment, "m3").is_open


def test_a_prerequisite_cycle_never_opens(db):
    published = make_published_course(modules=2, lessons_per_module=1, with_quiz=False)
    published.module_revision("m1").prerequisites = ["m2"]
    published.module_revision("m2").prerequisites = ["m1"]
    standing = progress.course_progress(learner_in(published))
    assert [m.status for m in standing.modules] == ["locked", "locked"]


def test_a_scheduled_module_stays_closed_until_its_opening_time(db):
    published = make_published_course(modules=2, lessons_per_module=1, with_quiz=False)
    enrolment = learner_in(published)
    opens = NOW + dt.timedelta(days=1)
    db.session.add(
        ModuleSchedule(
            cohort_id=published.cohort.id,
            opens_at=opens,
            module_id=published.module_revision("m2").module_id,
        )
    )
    db.session.flush()
    closed = module(enrolment, "m2", now=NOW)
    assert closed.status == "locked" and closed.opens_at == opens and not closed.waiting_for
    assert module(enrolment, "m2", now=opens).is_open


def test_the_next_step_is_the_first_required_item_not_done_in_an_open_module(db):
    published = make_published_course(modules=2, lessons_per_module=2)
    published.module_revision("m2").prerequisites = ["m1"]
    lesson_revision(published, "m1-l1").required = False
    enrolment = learner_in(published)
    assert progress.course_progress(enrolment).next_step.node.key == "m1-l2"
    done(enrolment, "m1-l2")
    assert progress.course_progress(enrolment).next_step.node.key == "m1-quiz"
    take_quiz(enrolment, "m1-quiz")
    assert progress.course_progress(enrolment).next_step.node.key == "m2-l1"


def test_percent_counts_the_required_items_of_required_modules(db):
    enrolment = learner_in(make_published_course(modules=3, lessons_per_module=2))
    done(enrolment, "m1-l1")
    # 3 modules x (2 lessons + 1 quiz) = 9 required items, 1 done.
    assert progress.course_progress(enrolment).percent == 11


def _attempt(percent, passed, pass_mark=60):
    return SimpleNamespace(
        score=Decimal(percent), max_score=Decimal(100), passed=passed, pass_mark=Decimal(pass_mark)
    )


@pytest.mark.parametrize(
    "method,percents,passed",
    [
        ("highest", [40, 80, 30], True),
        ("highest", [40, 50], False),
        ("last", [80, 40], False),
        ("last", [40, 80], True),
        ("first", [40, 80], False),
        ("average", [100, 40], True),  # mean 70 >= 60
        ("average", [30, 70], False),  # mean 50 < 60
    ],
)
def test_a_quiz_is_passed_by_its_grading_method(method, percents, passed):
    graded = [_attempt(p, p >= 60) for p in percents]
    assert progress.quiz_outcome(graded, method)[1] is passed


def test_progress_of_many_enrolments_costs_the_same_queries_as_one(db, count_queries):
    published = [make_published_course(modules=n, lessons_per_module=n) for n in (1, 2, 5)]
    user, first = make_learner(published[0].cohort)
    others = [organisations.enrol(user, p.cohort, sponsor=None) for p in published[1:]]
    db.session.flush()
    counts = []
    for enrolments in ([first], [first, *others], [first, *others]):
        if len(counts) < 2:
            outline.cache.clear()  # the first two read the outlines, the last finds them cached
        with count_queries() as counter:
            progress.progress_for(enrolments)
        counts.append(counter.count)
    # The versions' stamps, 4 outline queries when not cached, and the learners' lessons,
    # attempts and module schedules.
    assert counts == [8, 8, 4], counts


def test_a_published_outline_is_read_once_and_checked_each_time(db, count_queries):
    published = make_published_course()
    enrolment = learner_in(published)
    outline.cache.clear()
    first = progress.course_progress(enrolment).outline
    assert progress.course_progress(enrolment).outline is first
    # A version that is not the published row it was (here: archived) is read again.
    published.version.move_to("archived")
    database.session.flush()
    assert progress.course_progress(enrolment).outline is not first


# --- time on task ----------------------------------------------------------------------------


def _credit(enrolment, lesson_key, previous, now):
    """What a lesson page view does (with the clock it read when the request began)."""
    standing = progress.course_progress(enrolment)
    seconds = progress.record_lesson_activity(
        enrolment.id,
        standing.lesson(lesson_key).node.lesson_id,
        standing.outline.version_id,
        previous,
        now,
    )
    database.session.expire(enrolment, ["last_activity_at"])
    return seconds


def _time_spent(db, enrolment, lesson_key):
    standing = progress.course_progress(enrolment)
    return standing.lesson(lesson_key).time_spent_seconds


def test_a_lesson_view_adds_the_time_since_the_previous_activity(db):
    enrolment = learner_in(make_published_course())
    assert _credit(enrolment, "m1-l1", None, NOW) == 0  # the first activity credits nothing
    assert _credit(enrolment, "m1-l1", NOW, NOW + dt.timedelta(minutes=3)) == 180
    assert _time_spent(db, enrolment, "m1-l1") == 180
    db.session.refresh(enrolment)
    assert enrolment.last_activity_at == NOW + dt.timedelta(minutes=3)


def test_idle_gaps_are_capped_at_five_minutes(db):
    enrolment = learner_in(make_published_course())
    _credit(enrolment, "m1-l1", None, NOW)
    assert _credit(enrolment, "m1-l1", NOW, NOW + dt.timedelta(hours=2)) == 300
    assert _time_spent(db, enrolment, "m1-l1") == 300


def test_a_gap_is_credited_once_even_when_two_requests_claim_it(db):
    enrolment = learner_in(make_published_course())
    _credit(enrolment, "m1-l1", None, NOW)
    later = NOW + dt.timedelta(seconds=50)
    # Two requests that both read the clock at NOW: only the first claims the gap.
    assert _credit(enrolment, "m1-l1", NOW, later) == 50
    assert _credit(enrolment, "m1-l1", NOW, later + dt.timedelta(seconds=1)) == 0
    assert _time_spent(db, enrolment, "m1-l1") == 50


def test_quiz_activity_moves_the_clock_without_crediting_a_lesson(db):
    enrolment = learner_in(make_published_course())
    _credit(enrolment, "m1-l1", None, NOW)
    quizzes.start_attempt(
        enrolment,
        progress.course_progress(enrolment).quiz("m1-quiz"),
        "en",
        now=NOW + dt.timedelta(minutes=4),
    )
    db.session.refresh(enrolment)
    assert (
        _credit(enrolment, "m1-l2", enrolment.last_activity_at, NOW + dt.timedelta(minutes=5)) == 60
    )
    assert _time_spent(db, enrolment, "m1-l1") == 0


def test_marking_done_credits_time_and_keeps_the_first_completion(db):
    enrolment = learner_in(make_published_course())
    _credit(enrolment, "m1-l1", None, NOW)
    done(enrolment, "m1-l1", now=NOW + dt.timedelta(minutes=2))
    first = progress.course_progress(enrolment).lesson("m1-l1").completed_at
    done(enrolment, "m1-l1", now=NOW + dt.timedelta(minutes=3))
    lesson = progress.course_progress(enrolment).lesson("m1-l1")
    assert lesson.completed_at == first == NOW + dt.timedelta(minutes=2)
    assert lesson.time_spent_seconds == 180
    assert utcnow() > first
