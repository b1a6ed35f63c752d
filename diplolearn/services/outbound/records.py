"""The facts of learning, queued as xAPI statements for the stores that should hear of them.

Each function is called by the service that records the fact, in its transaction: enrolling
(``enrolled``), marking a lesson done (``lesson_read``), grading a quiz attempt
(``quiz_graded``: answered, completed, passed or failed), completion being re-checked
(``progress_reached``: every module complete, the course complete) and a certificate being
issued (``certificate_earned``). Stores are the site's and those of the learner's sponsoring
ministry (queue.store_destinations); with none, a fact costs one small query and queues
nothing. Statement ids are stable (statements.fact_id), so a fact seen twice is sent once.
"""

from __future__ import annotations

import datetime as dt

from diplolearn.models import utcnow
from diplolearn.services.outbound import statements as xapi
from diplolearn.services.outbound.queue import enqueue, store_destinations


def _queue(enrolment, facts: list[tuple[str, str, object]]) -> int:
    """Queue ``(event, statement id, make(statement_id, actor) -> statement)`` facts of one
    enrolment for every store that hears of it."""
    destinations = store_destinations(enrolment.sponsor_ministry_id)
    if not destinations or not facts:
        return 0
    user = enrolment.user
    actors = {share: xapi.actor(user, share) for share in {d.share_email for d in destinations}}
    return enqueue(
        [
            (destination, event, statement_id, make(statement_id, actors[destination.share_email]))
            for destination in destinations
            for event, statement_id, make in facts
        ]
    )


def _statement(enrolment, course: dict, verb: str, object_: dict, when: dt.datetime, **extra):
    """How to write one fact's statement once its id and the store's actor are known."""

    def make(statement_id: str, actor: dict) -> dict:
        return xapi.build(
            statement_id=statement_id,
            verb=verb,
            actor_=actor,
            object_=object_,
            when=when,
            enrolment_id=enrolment.id,
            course=course,
            **extra,
        )

    return make


def _course(enrolment) -> tuple[str, dict]:
    course = enrolment.cohort.course
    return course.key, xapi.activity("course", course.key, name=course.title)


def enrolled(enrolment, now: dt.datetime | None = None) -> int:
    """The learner registered for the course (their enrolment was made)."""
    _key, course = _course(enrolment)
    make = _statement(
        enrolment, course, "registered", course, now or enrolment.created_at or utcnow()
    )
    return _queue(enrolment, [("registered", xapi.fact_id("registered", enrolment.id), make)])


def lesson_read(enrolment, lesson_node, now: dt.datetime) -> int:
    """The learner read a lesson to the end (marked it done)."""
    key, course = _course(enrolment)
    module = lesson_node.module
    lesson = xapi.activity("lesson", key, module.key, lesson_node.key, name=lesson_node.title)
    parent = xapi.activity("module", key, module.key, name=module.title)
    make = _statement(enrolment, course, "read", lesson, now, parent=parent)
    return _queue(enrolment, [("read", xapi.fact_id("read", enrolment.id, lesson_node.key), make)])


def quiz_graded(attempt, responses: dict, now: dt.datetime) -> int:
    """A quiz attempt was graded: each question answered, then the quiz completed and passed
    or failed, with its score. ``responses``: attempt question id -> Response."""
    enrolment = attempt.enrolment
    key, course = _course(enrolment)
    revision = attempt.quiz_revision
    quiz_key = revision.quiz.key
    quiz = xapi.activity("quiz", key, quiz_key, name=revision.title)
    language = attempt.language
    facts = []
    for aq in attempt.questions:
        response = responses.get(aq.id)
        if response is None:
            continue
        question = aq.question_revision
        item = xapi.activity("question", key, quiz_key, question.question.key, name=question.prompt)
        result = {"score": xapi.score(response.score, question.points)}
        if response.score is not None and question.points:
            result["success"] = response.score >= question.points
        make = _statement(
            enrolment,
            course,
            "answered",
            item,
            response.saved_at or now,
            parent=quiz,
            result=result,
            language=language,
        )
        facts.append(("answered", xapi.fact_id("answered", attempt.id, aq.id), make))
    result = {
        "score": xapi.score(attempt.score, attempt.max_score),
        "success": bool(attempt.passed),
        "completion": True,
    }
    when = attempt.graded_at or now
    outcome = "passed" if attempt.passed else "failed"
    for verb, fact in (("completed", "completed-quiz"), (outcome, outcome)):
        make = _statement(enrolment, course, verb, quiz, when, result=result, language=language)
        facts.append((verb, xapi.fact_id(fact, attempt.id), make))
    return _queue(enrolment, facts)


def progress_reached(enrolment, progress, now: dt.datetime | None = None) -> int:
    """Every module the learner has completed, and the course once it is complete (each told
    once: the ids are stable, so a module seen complete again queues nothing)."""
    if progress is None:
        return 0
    now = now or utcnow()
    key, course = _course(enrolment)
    done = {"completion": True}
    facts = []
    for module in progress.modules:
        if module.complete:
            activity = xapi.activity("module", key, module.node.key, name=module.node.title)
            make = _statement(enrolment, course, "completed", activity, now, result=done)
            fact = xapi.fact_id("completed-module", enrolment.id, module.node.key)
            facts.append(("completed", fact, make))
    if progress.complete:
        when = enrolment.completed_at or now
        make = _statement(enrolment, course, "completed", course, when, result=done)
        facts.append(("completed", xapi.fact_id("completed-course", enrolment.id), make))
    return _queue(enrolment, facts)


def certificate_earned(certificate) -> int:
    """The learner earned the course's certificate."""
    from diplolearn.services.certificates.certificates import verification_url

    enrolment = certificate.enrolment
    key, course = _course(enrolment)
    badge = xapi.activity("certificate", key, name=certificate.course_title)
    badge["definition"]["extensions"] = {
        f"{xapi.home_page()}/xapi/extensions/verification": verification_url(certificate)
    }
    make = _statement(enrolment, course, "earned", badge, certificate.issued_at)
    return _queue(enrolment, [("earned", xapi.fact_id("earned", certificate.code), make)])
