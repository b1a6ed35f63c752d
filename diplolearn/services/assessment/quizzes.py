"""Quiz attempts: start, save as you go, submit once, grade, expire.

- Starting pins what the attempt is judged by: the quiz revision, pass mark, language, deadline
  (services/assessment/quiz_policy.py: the earlier of start + time limit + extra minutes and the close
  time, computed once) and the questions drawn, each with the order its choices are shown in
  (both shuffled per attempt when the quiz says so), as ``AttemptQuestion`` rows. The quiz's
  ``max_attempts`` is respected, and an attempt still in progress is resumed instead; while an
  attempt awaits a person's grading (an essay) no other starts (``AwaitingGrading``): its grade
  may pass the quiz, and the next try should follow the grader's comment.
- The browser sees choices only as opaque per-attempt tokens (``choice_token``: an HMAC of the
  secret key, attempt, question revision and choice key, truncated), mapped back here; neither
  values nor order reveal the key, and correct answers and feedback are never in the page
  before submission. Anything posted that the attempt's form could not have sent — an unknown
  token, a question not in the attempt — is refused whole (``TamperedAnswer``).
- Saving and submitting first *take* the attempt with a conditional UPDATE (``... WHERE
  state = 'in_progress' AND the deadline has not passed``) and check the row count, so a
  finished attempt changes nothing; submitting moves it to ``submitted`` that way, so a double
  click, a replay or two tabs count once on SQLite and PostgreSQL alike. Grading follows at once.
- Answers after the deadline do not count: a save or submit past it expires the attempt at its
  deadline and grades the answers saved before; ``jobs.expire_attempts`` does the same for
  attempts nobody comes back to.
- Essays are graded by a person: an attempt with an essay answered stays ``submitted`` (or
  ``expired``) without a score — awaiting grading (``is_awaiting_grading``,
  ``awaiting_grading_query``) — until ``grade_essay`` has graded each one; the attempt is then
  graded in full, the person's points kept as given.
- Issue 20: saving also stores the learner's flags ("come back to this question", one box per
  drawn question; a flag naming another attempt's question is refused whole,
  ``QuestionNotInAttempt``); the review page's final submission is ``submit(attempt, None)``,
  which submits the answers as saved.
- Issue 16: the page's autosave is the busiest write. It reads only what saving needs
  (``attempt_to_save``: one query of a few columns, not the attempt's whole graph), checks the
  form before the write turn (``read_posted``: no database), and in its turn only writes
  (``store_posted``): the claim, one upsert of the answers, the flags that changed, the
  activity clock. It changes no progress, so the stored progress is not refreshed.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import random
from decimal import Decimal
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload, load_only, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.datastructures import MultiDict

from diplolearn import questions
from diplolearn.extensions import db
from diplolearn.models import (
    AttemptQuestion,
    AttemptState,
    Enrolment,
    Lesson,
    Paragraph,
    QuestionRevision,
    QuizAttempt,
    Response,
    utcnow,
)
from diplolearn.services import page_versions
from diplolearn.services.assessment import (
    AttemptFinished,
    AwaitingGrading,
    InvalidEssayGrade,
    NoAttemptsLeft,
    QuestionNotInAttempt,
    TamperedAnswer,
    TimeUp,
    question_banks,
    quiz_policy,
)
from diplolearn.services.outbound import records as learning_records
from diplolearn.services.progress import QuizState, note_activity, start_studying

TOKEN_LENGTH = 16
_AWAITING = (AttemptState.SUBMITTED, AttemptState.EXPIRED)  # without a grade yet
FIELD_PREFIX = "q_"
FLAG_PREFIX = "flag_"  # the "come back to this question" box of each drawn question
_random = random.SystemRandom()


def choice_token(attempt_id: int, question_revision_id: int, choice_key: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    message = f"diplolearn.choice:{attempt_id}:{question_revision_id}:{choice_key}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:TOKEN_LENGTH]


def tokens_for(attempt_id: int, aq: AttemptQuestion) -> dict[str, str]:
    """Choice key -> token, for one drawn question of an attempt."""
    return {key: choice_token(attempt_id, aq.question_revision_id, key) for key in aq.choice_order}


def field_name(aq: AttemptQuestion) -> str:
    return f"{FIELD_PREFIX}{aq.id}"


def flag_name(aq: AttemptQuestion) -> str:
    return f"{FLAG_PREFIX}{aq.id}"


def load_attempt(attempt_id: int, enrolment_id: int) -> QuizAttempt | None:
    """The attempt with everything its pages need, scoped to the enrolment, in three queries
    whatever the number of questions: the attempt with its quiz revision, its questions each
    with its revision and saved answer (one-to-one: joined), and the choices."""
    return db.session.scalar(_LOAD_ATTEMPT, {"attempt": attempt_id, "enrolment": enrolment_id})


_LOAD_ATTEMPT = (
    sa.select(QuizAttempt)
    .where(
        QuizAttempt.id == sa.bindparam("attempt"),
        QuizAttempt.enrolment_id == sa.bindparam("enrolment"),
    )
    .options(
        joinedload(QuizAttempt.quiz_revision),
        selectinload(QuizAttempt.questions).options(
            joinedload(AttemptQuestion.response),
            joinedload(AttemptQuestion.question_revision).selectinload(QuestionRevision.choices),
        ),
    )
    .execution_options(populate_existing=True)
)


# --- starting --------------------------------------------------------------------------------


def start_attempt(
    enrolment: Enrolment, quiz: QuizState, language: str, now: dt.datetime | None = None
) -> QuizAttempt:
    """Resume the attempt in progress, or start the next one (NoAttemptsLeft at the limit)."""
    now = now or utcnow()
    # Taking the enrolment row first makes a learner's concurrent starts queue up here, so the
    # attempts read below are the latest ones on every database.
    db.session.execute(
        sa.update(Enrolment)
        .where(Enrolment.id == enrolment.id)
        .values(last_activity_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(enrolment, ["last_activity_at"])
    start_studying(enrolment.id, now)  # the clock has moved with the row taken above
    rows = db.session.execute(
        sa.select(QuizAttempt.id, QuizAttempt.number, QuizAttempt.state, QuizAttempt.deadline_at)
        .where(QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.quiz_id == quiz.node.quiz_id)
        .order_by(QuizAttempt.number)
    ).all()
    awaiting = any(row.state in _AWAITING for row in rows)
    for row in rows:
        if row.state != AttemptState.IN_PROGRESS:
            continue
        if row.deadline_at is None or now < row.deadline_at:
            return load_attempt(row.id, enrolment.id)
        expired = expire_and_grade(row.id, now)
        awaiting = awaiting or (expired is not None and is_awaiting_grading(expired))
    if awaiting:  # an essay waits for a person: its grade may settle the quiz
        raise AwaitingGrading()
    used = sum(1 for row in rows if row.state != AttemptState.ABANDONED)
    policy = quiz_policy.policy_for(enrolment, quiz.node)  # with cohort and learner overrides
    if policy.max_attempts is not None and used >= policy.max_attempts:
        raise NoAttemptsLeft()
    policy.check_window(now)
    revision = question_banks.load_quiz_revision(quiz.node.revision_id)
    # Fixed questions and random draws, each with its choice order (QuizNotReady if one
    # cannot be shown or graded): pinned below for the whole attempt.
    drawn = question_banks.draw(revision, _random)
    attempt = QuizAttempt(
        enrolment_id=enrolment.id,
        quiz_id=quiz.node.quiz_id,
        quiz_revision_id=revision.id,
        number=max((row.number for row in rows), default=0) + 1,
        language=language,
        pass_mark=revision.pass_mark,
        started_at=now,
        state=AttemptState.IN_PROGRESS,
        deadline_at=policy.deadline(now),
    )
    for position, (question, order) in enumerate(drawn, 1):
        attempt.questions.append(
            AttemptQuestion(position=position, question_revision_id=question.id, choice_order=order)
        )
    db.session.add(attempt)
    db.session.flush()
    return attempt


# --- saving and submitting -------------------------------------------------------------------


class SavedQuestion(NamedTuple):
    """A drawn question as the answer save needs it (``attempt_to_save``)."""

    id: int
    question_revision_id: int
    choice_order: list
    flagged: bool
    answered: bool  # it has a response row
    question_revision: QuestionRevision  # only ``kind`` and ``settings`` loaded


class AttemptToSave(NamedTuple):
    """What saving answers reads of an attempt, instead of the whole ``QuizAttempt`` graph."""

    id: int
    enrolment_id: int
    state: str
    questions: list[SavedQuestion]
    enrolment: Enrolment  # only what the save reads: its owner, cohort and state


class Posted(NamedTuple):
    """A posted attempt form, read and checked (``read_posted``): answers by drawn question
    id, and the drawn questions flagged."""

    answers: dict[int, dict]
    flagged: set[int]


def attempt_to_save(attempt_id: int, enrolment_id: int, user_id: int) -> AttemptToSave | None:
    """The attempt, through its learner's own enrolment (scoped: ``user_id`` must own it), with
    what saving needs, in one query: the enrolment's state, each drawn question's choice order,
    flag, whether it has an answer row yet, and its revision's kind and settings (what
    ``QuestionType.parse`` reads; anything else loads when read). None when that person's
    enrolment has no such attempt (someone else's is a 404, like one that does not exist)."""
    rows = db.session.execute(
        _ATTEMPT_TO_SAVE, {"attempt": attempt_id, "enrolment": enrolment_id, "user": user_id}
    ).all()
    if not rows:
        return None
    drawn = [SavedQuestion(*row[2:8]) for row in rows if row[2] is not None]
    return AttemptToSave(attempt_id, enrolment_id, rows[0][1], drawn, rows[0][8])


_ATTEMPT_TO_SAVE = (
    sa.select(
        QuizAttempt.id,
        QuizAttempt.state,
        AttemptQuestion.id,
        AttemptQuestion.question_revision_id,
        AttemptQuestion.choice_order,
        AttemptQuestion.flagged,
        Response.id.is_not(None),
        QuestionRevision,
        Enrolment,
    )
    .select_from(QuizAttempt)
    .join(Enrolment, Enrolment.id == QuizAttempt.enrolment_id)
    .outerjoin(AttemptQuestion, AttemptQuestion.attempt_id == QuizAttempt.id)
    .outerjoin(QuestionRevision, QuestionRevision.id == AttemptQuestion.question_revision_id)
    .outerjoin(Response, Response.attempt_question_id == AttemptQuestion.id)
    .where(
        QuizAttempt.id == sa.bindparam("attempt"),
        QuizAttempt.enrolment_id == sa.bindparam("enrolment"),
        Enrolment.user_id == sa.bindparam("user"),
    )
    .order_by(AttemptQuestion.position)
    .options(
        load_only(QuestionRevision.kind, QuestionRevision.settings),
        load_only(Enrolment.user_id, Enrolment.cohort_id, Enrolment.state),
    )
)


@functools.lru_cache(maxsize=2048)
def _keys_by_token(secret: str, attempt_id: int, revision_id: int, order: tuple) -> dict:
    """Token -> choice key of one drawn question (fixed for the attempt, so kept: the answer
    save reads every question's tokens on each autosave). Callers must not change it."""
    del secret  # a part of the key only: choice_token reads the app's
    return {choice_token(attempt_id, revision_id, key): key for key in order}


def read_answers(attempt: QuizAttempt | AttemptToSave, formdata) -> dict[int, dict]:
    """The answers posted for each drawn question, as stored answers (choice keys).

    Raises TamperedAnswer, recording nothing, for a field of a question not in this attempt or
    a value its form never offered. ``formdata`` is a MultiDict (request.form) or a mapping of
    field name to a value or a list of values."""
    if not hasattr(formdata, "getlist"):
        formdata = MultiDict({k: v if isinstance(v, list) else [v] for k, v in formdata.items()})
    drawn = {field_name(aq): aq for aq in attempt.questions}
    if any(name.startswith(FIELD_PREFIX) and name not in drawn for name in formdata):
        raise TamperedAnswer()
    secret = current_app.config["SECRET_KEY"]
    answers = {}
    for name, aq in drawn.items():
        keys_by_token = _keys_by_token(
            secret, attempt.id, aq.question_revision_id, tuple(aq.choice_order)
        )
        try:
            answers[aq.id] = questions.get(aq.question_revision.kind).parse(
                formdata.getlist(name), keys_by_token, question=aq.question_revision
            )
        except questions.InvalidAnswer:
            raise TamperedAnswer() from None
    return answers


def read_flags(attempt: QuizAttempt | AttemptToSave, formdata) -> set[int]:
    """The drawn questions the learner flagged in the posted form (an unticked box posts
    nothing). Raises QuestionNotInAttempt for a flag naming a question of another attempt."""
    drawn = {flag_name(aq): aq.id for aq in attempt.questions}
    posted = [name for name in formdata if name.startswith(FLAG_PREFIX)]
    if any(name not in drawn for name in posted):
        raise QuestionNotInAttempt()
    return {drawn[name] for name in posted}


def read_posted(attempt: QuizAttempt | AttemptToSave, formdata) -> Posted:
    """Read and check a posted attempt form (no database: done before the write turn).
    Raises TamperedAnswer or QuestionNotInAttempt for what the form could not have sent."""
    return Posted(read_answers(attempt, formdata), read_flags(attempt, formdata))


def _answered(aq: AttemptQuestion | SavedQuestion) -> bool:
    return aq.answered if isinstance(aq, SavedQuestion) else aq.response is not None


def _pages(attempt: QuizAttempt | AttemptToSave) -> list:
    """Whose pages an attempt's writes change (services/page_versions.py): its learner's,
    found through the enrolment the request loaded, with no read of the rows written."""
    return [("enrolment", attempt.enrolment_id)]


def _scopes(attempt: QuizAttempt | AttemptToSave) -> dict:
    return {"page_scopes": _pages(attempt)}


def _store_flags(attempt: QuizAttempt | AttemptToSave, flagged: set[int]) -> None:
    """One statement for the flags that changed (none when none did)."""
    changed = [aq for aq in attempt.questions if aq.flagged != (aq.id in flagged)]
    if not changed:
        return
    db.session.execute(
        sa.update(AttemptQuestion)
        .where(AttemptQuestion.id.in_([aq.id for aq in changed]))
        .values(flagged=AttemptQuestion.id.in_(flagged) if flagged else sa.false())
        .execution_options(synchronize_session=False, **_scopes(attempt))
    )
    for aq in changed:
        if isinstance(aq, AttemptQuestion):
            set_committed_value(aq, "flagged", aq.id in flagged)


# Built once (statements are costly to build; the answer save runs them on every autosave).
_IN_PROGRESS_AND_IN_TIME = (
    sa.update(QuizAttempt)
    .where(
        QuizAttempt.id == sa.bindparam("attempt_id"),
        QuizAttempt.state == AttemptState.IN_PROGRESS,
        sa.or_(QuizAttempt.deadline_at.is_(None), QuizAttempt.deadline_at > sa.bindparam("now")),
    )
    .execution_options(synchronize_session=False)
)
_CLAIM = _IN_PROGRESS_AND_IN_TIME.values(state=QuizAttempt.state)  # changes nothing: a check


def _take(
    attempt: QuizAttempt | AttemptToSave, now: dt.datetime, target: AttemptState | None = None
) -> None:
    """Claim an attempt still in progress and in time, or explain why it cannot be changed."""
    parameters = {"attempt_id": attempt.id, "now": now}
    if target is None:  # the answer save's claim, which sets nothing
        result = page_versions.execute_noted(db.session(), _CLAIM, parameters, _pages(attempt))
    else:
        result = db.session.execute(
            _IN_PROGRESS_AND_IN_TIME.values(state=target, submitted_at=now),
            parameters,
            execution_options=_scopes(attempt),
        )
    taken = result.rowcount == 1
    if taken:
        if target is not None:
            set_committed_value(attempt, "state", target.value)
            set_committed_value(attempt, "submitted_at", now)
        return
    if expire_and_grade(attempt.id, now) is not None:
        raise TimeUp()
    raise AttemptFinished()


@functools.cache
def _upsert_responses(dialect: str):
    """INSERT ... ON CONFLICT (the question's one response) DO UPDATE, for this dialect."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = Response.__table__
    stmt = insert(table)
    changed = sa.cast(table.c.answer, sa.Text) != sa.cast(stmt.excluded.answer, sa.Text)
    return stmt.on_conflict_do_update(
        index_elements=["attempt_question_id"],
        set_={
            "answer": stmt.excluded.answer,
            "saved_at": sa.case((changed, stmt.excluded.saved_at), else_=table.c.saved_at),
        },
    )


def _store(
    attempt: QuizAttempt | AttemptToSave, answers: dict[int, dict], now: dt.datetime
) -> None:
    """Write the posted answers in one statement (an upsert on the question's one response):
    no read under the write lock. ``saved_at`` moves only for an answer that changed."""
    rows = [
        {"attempt_question_id": aq.id, "answer": answers[aq.id], "saved_at": now}
        for aq in attempt.questions
        if aq.id in answers and (_answered(aq) or any(answers[aq.id].values()))
    ]  # an unanswered question needs no row
    if not rows:
        return
    # One executemany on the session's connection, without the ORM's bulk-insert bookkeeping,
    # which this statement does not need.
    page_versions.execute_noted(
        db.session(),
        _upsert_responses(db.session.get_bind().dialect.name),
        rows,
        _pages(attempt),
    )
    written = {row["attempt_question_id"] for row in rows}
    for aq in attempt.questions:  # read again when next used (grading reads them)
        if aq.id in written and isinstance(aq, AttemptQuestion):
            if aq.response is not None:
                db.session.expire(aq.response)
            db.session.expire(aq, ["response"])


def save_answers(
    attempt: QuizAttempt | AttemptToSave, formdata, now: dt.datetime | None = None
) -> None:
    """Save the posted answers and flags of an attempt in progress and in time."""
    store_posted(attempt, read_posted(attempt, formdata), now)


def store_posted(
    attempt: QuizAttempt | AttemptToSave, posted: Posted, now: dt.datetime | None = None
) -> None:
    """The writes of a save, read beforehand (``read_posted``): take the attempt, upsert the
    answers, the flags that changed, the activity clock; nothing read under the write lock.
    Which questions have an answer row and their flags were read before it: only the
    learner's own tabs change them, and a save writes what its form changed."""
    now = now or utcnow()
    _take(attempt, now)
    _store(attempt, posted.answers, now)
    _store_flags(attempt, posted.flagged)
    note_activity(attempt.enrolment_id, now)


def submit(attempt: QuizAttempt, formdata, now: dt.datetime | None = None) -> QuizAttempt:
    """Save the posted answers and submit, once: in_progress -> submitted -> graded.
    ``formdata`` None submits the answers saved so far as they are (the review page's final
    submission, issue 20)."""
    now = now or utcnow()
    answers = read_answers(attempt, formdata) if formdata is not None else None
    _take(attempt, now, AttemptState.SUBMITTED)
    if answers is not None:
        _store(attempt, answers, now)
    note_activity(attempt.enrolment_id, now)
    return grade(attempt, now)


def expire_and_grade(attempt_id: int, now: dt.datetime) -> QuizAttempt | None:
    """Expire an attempt whose deadline has passed and grade what was saved in time; None when
    it was not (or no longer) in progress past its deadline."""
    expired = (
        db.session.execute(
            sa.update(QuizAttempt)
            .where(
                QuizAttempt.id == attempt_id,
                QuizAttempt.state == AttemptState.IN_PROGRESS,
                QuizAttempt.deadline_at <= now,
            )
            .values(state=AttemptState.EXPIRED, submitted_at=QuizAttempt.deadline_at)
            # Its learner's pages, found at commit: no read before this write (on SQLite a
            # job's read-then-write transaction fails at once if a writer came between).
            .execution_options(synchronize_session=False, page_scopes=[("attempt", attempt_id)])
        ).rowcount
        == 1
    )
    if not expired:
        return None
    enrolment_id = db.session.scalar(
        sa.select(QuizAttempt.enrolment_id).where(QuizAttempt.id == attempt_id)
    )
    return grade(load_attempt(attempt_id, enrolment_id), now)


# --- grading ---------------------------------------------------------------------------------


def grade(attempt: QuizAttempt, now: dt.datetime | None = None) -> QuizAttempt:
    """Score a submitted or expired attempt from its saved answers and move it to graded.
    Answers saved after the deadline never count."""
    now = now or utcnow()
    responses = {
        r.attempt_question_id: r
        for r in db.session.scalars(
            sa.select(Response).where(
                Response.attempt_question_id.in_([aq.id for aq in attempt.questions])
            )
        )
    }
    score = max_score = Decimal(0)
    pending = False
    partial_credit = attempt.quiz_revision.partial_credit
    for aq in attempt.questions:
        question, response = aq.question_revision, responses.get(aq.id)
        max_score += Decimal(question.points)
        in_time = response is not None and (
            attempt.deadline_at is None or response.saved_at <= attempt.deadline_at
        )
        kind = questions.get(question.kind)
        if kind.manual and in_time and response.graded_by_id is not None:
            score += response.score  # graded by a person (grade_essay): kept as given
            continue
        fraction = kind.grade(
            question, response.answer if in_time else None, partial_credit=partial_credit
        )
        if fraction is None:  # an essay waiting for a person
            pending = True
            response.score = None
            continue
        earned = (Decimal(question.points) * fraction).quantize(Decimal("0.01"))
        if response is not None:
            response.score = earned
        score += earned
    if pending:
        # Awaiting grading: the attempt stays submitted (or expired), without a score, until
        # grade_essay has graded every essay; then this grades it in full.
        attempt.score, attempt.max_score, attempt.passed = None, max_score, None
        db.session.flush()
        return attempt
    attempt.score, attempt.max_score = score, max_score
    attempt.passed = not max_score or score * 100 / max_score >= attempt.pass_mark
    attempt.grade_withheld = bool(attempt.quiz_revision.grade_release_required)
    attempt.move_to(AttemptState.GRADED, when=now)
    db.session.flush()
    learning_records.quiz_graded(attempt, responses, now)
    return attempt


# --- grading by a person ---------------------------------------------------------------------


def is_awaiting_grading(attempt: QuizAttempt) -> bool:
    """Submitted (or expired) and not yet graded: an essay waits for a person."""
    return (
        attempt.state in (AttemptState.SUBMITTED, AttemptState.EXPIRED)
        and attempt.graded_at is None
    )


def awaiting_grading_query(quiz_revision_ids=None):
    """The attempts whose essays wait for a person, oldest first, as a query the grading
    queue narrows to its scope (security.scoping) before running it."""
    query = sa.select(QuizAttempt).where(
        QuizAttempt.state.in_([AttemptState.SUBMITTED, AttemptState.EXPIRED]),
        QuizAttempt.graded_at.is_(None),
    )
    if quiz_revision_ids is not None:
        query = query.where(QuizAttempt.quiz_revision_id.in_(list(quiz_revision_ids)))
    return query.order_by(QuizAttempt.submitted_at, QuizAttempt.id)


def grade_essay(
    response: Response, points, grader, comment: str | None = None, now: dt.datetime | None = None
) -> QuizAttempt:
    """Record a person's grade for an essay answer: ``points`` from 0 to the question's points,
    with an optional comment for the learner (None keeps an earlier one). When no essay of the
    attempt waits any longer, the attempt is graded in full (and leaves 'awaiting grading');
    a later change to an essay's grade moves the attempt's total. Raises InvalidEssayGrade, writing
    nothing, for an answer that is not an essay, an attempt still in progress, or points out of
    range; the caller checks that ``grader`` may grade this learner (security.scoping) and
    records the audit event."""
    now = now or utcnow()
    aq = response.attempt_question
    attempt, question = aq.attempt, aq.question_revision
    if not questions.get(question.kind).manual:
        raise InvalidEssayGrade(_l("Only essay answers are graded by hand."))
    if attempt.state == AttemptState.IN_PROGRESS:
        raise InvalidEssayGrade(_l("This attempt has not been submitted yet."))
    try:
        points = Decimal(str(points)).quantize(Decimal("0.01"))
    except ArithmeticError:
        raise InvalidEssayGrade(_l("Give the points as a number.")) from None
    if not Decimal(0) <= points <= Decimal(question.points):
        raise InvalidEssayGrade(
            _l("Give from 0 to %(points)s points.", points=Decimal(question.points).normalize())
        )
    earlier = response.score if response.graded_by_id is not None else None
    response.score, response.graded_by_id = points, grader.id
    if comment is not None:  # None keeps the comment given before; "" removes it
        response.feedback = comment.strip() or None
    db.session.flush()
    if is_awaiting_grading(attempt):
        grade(load_attempt(attempt.id, attempt.enrolment_id), now)
    elif attempt.state == AttemptState.GRADED and earlier is not None and earlier != points:
        # A second look at an essay already counted: the total follows.
        attempt.score = Decimal(attempt.score) - earlier + points
        attempt.passed = (
            not attempt.max_score or attempt.score * 100 / attempt.max_score >= attempt.pass_mark
        )
        db.session.flush()
    return attempt


# --- the review step and the result page (issue 20) ------------------------------------------


def cited_paragraphs(attempt: QuizAttempt) -> dict[int, tuple[str, str]]:
    """Question revision id -> (lesson key, paragraph anchor) of the paragraph each question of
    the attempt refers to (its ``refers_to``), for the feedback's link: one query."""
    ids = [aq.question_revision_id for aq in attempt.questions]
    rows = db.session.execute(
        sa.select(QuestionRevision.id, Lesson.key, Paragraph.key)
        .join(Paragraph, Paragraph.id == QuestionRevision.paragraph_id)
        .join(Lesson, Lesson.id == Paragraph.lesson_id)
        .where(QuestionRevision.id.in_(ids))
    ).all()
    return {row[0]: (row[1], row[2]) for row in rows}
