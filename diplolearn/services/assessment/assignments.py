"""Written assignments: drafts, uploads, submission with due dates and lateness, grading
against the rubric, return to the learner and resubmission (models/assignments.py).

Every write validates everything first and then writes, so a refused request leaves nothing
behind: no submission row changed and no file stored. Functions flush and never commit.

Files (.docx or PDF, recognised by their content) are checked and stored by
services.assessment.submission_files, and served back only as downloads, to their owner and to those who
may grade them.

Words are counted the same way on the server (this module; the count that is kept) and in the
page's script (static/assignment.js; a live hint only): runs of letters and digits, joined by
apostrophes or hyphens, after dropping combining marks (Arabic short vowels and shadda are not
word breaks) and link targets.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from diplolearn.extensions import db
from diplolearn.models import (
    AssignmentDeadline,
    AssignmentRevision,
    Enrolment,
    RubricCriterion,
    Submission,
    SubmissionScore,
    SubmissionState,
    User,
    utcnow,
)
from diplolearn.services import audit, notifications, outbox
from diplolearn.services.assessment import (
    AlreadySubmitted,
    ChangedMeanwhile,
    CommentTooLong,
    EmptySubmission,
    FormatNotAccepted,
    NotGradable,
    RubricIncomplete,
    SubmissionClosed,
    TextTooLong,
    TooFewWords,
    TooManyWords,
    UnknownCriterion,
)
from diplolearn.services.assessment.submission_files import Upload, storage_path, store
from diplolearn.services.progress import (
    AssignmentState,
    Progress,
    ensure_open,
    ensure_studying,
    note_activity,
    update_completion,
)

MAX_BODY_CHARS = 100_000
MAX_COMMENT_CHARS = 20_000

_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_TAG = re.compile(r"<[^>]*>")


# --- words --------------------------------------------------------------------------------------


def count_words(markdown: str) -> int:
    text = unicodedata.normalize("NFC", markdown or "")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn" and ch != "\u0640")
    text = _TAG.sub(" ", _LINK_TARGET.sub("]", text))
    return len(_WORD.findall(text))


# --- due dates ---------------------------------------------------------------------------------


def due_date(
    enrolment: Enrolment, progress: Progress, state: AssignmentState
) -> dt.datetime | None:
    """When the learner's work is due (see models/assignments.py for the order of rules; a
    learner's own due-date extension for the module comes first of all)."""
    module = progress.module_of(state)
    if module.due_extended:
        return module.due_at
    own = db.session.scalar(
        sa.select(AssignmentDeadline.due_at).where(
            AssignmentDeadline.cohort_id == enrolment.cohort_id,
            AssignmentDeadline.assignment_id == state.node.assignment_id,
        )
    )
    if own is not None:
        return own
    if state.node.due_days is not None:
        # Counted from the module's opening in the cohort's schedule; a self-paced cohort has
        # none, so there the offset gives no due date.
        schedule = progress.records[2].get(module.node.module_id) if progress.records else None
        if getattr(schedule, "opens_at", None) is not None:
            return schedule.opens_at + dt.timedelta(days=state.node.due_days)
    return module.due_at


def closes_at(
    enrolment: Enrolment, due: dt.datetime | None, state: AssignmentState
) -> dt.datetime | None:
    """After this, no work is accepted: the cut-off of the cohort's late rules for this
    assignment, else its own late days after the due date, never after the cohort's end nor
    before the learner's own due date (services.deadlines.cutoff, issue 14)."""
    from diplolearn.services.deadlines.dates import cutoff, late_rule_for

    return cutoff(
        due,
        late_days=state.node.late_days,
        rule=late_rule_for(enrolment.cohort_id, state.node.key),
        cohort_ends_at=enrolment.cohort.ends_at,
    )


def set_cohort_deadline(
    cohort_id: int, assignment_id: int, due_at: dt.datetime, by: User
) -> AssignmentDeadline:
    deadline = db.session.scalar(
        sa.select(AssignmentDeadline).where(
            AssignmentDeadline.cohort_id == cohort_id,
            AssignmentDeadline.assignment_id == assignment_id,
        )
    )
    if deadline is None:
        deadline = AssignmentDeadline(
            cohort_id=cohort_id, assignment_id=assignment_id, due_at=due_at
        )
        db.session.add(deadline)
    deadline.due_at = due_at
    db.session.flush()
    audit.record(
        by, "assignment.deadline", target=deadline, cohort_id=cohort_id, due_at=due_at.isoformat()
    )
    return deadline


# --- the learner's side ------------------------------------------------------------------------


def submissions_of(enrolment_id: int, assignment_id: int) -> list[Submission]:
    """The learner's submissions to one assignment, oldest first, with their grades."""
    return list(
        db.session.scalars(
            sa.select(Submission)
            .where(
                Submission.enrolment_id == enrolment_id, Submission.assignment_id == assignment_id
            )
            .options(selectinload(Submission.scores))
            .order_by(Submission.number)
        )
    )


def rubric(revision_id: int) -> AssignmentRevision:
    """An assignment revision with its criteria and their levels, in two queries."""
    return db.session.scalar(
        sa.select(AssignmentRevision)
        .where(AssignmentRevision.id == revision_id)
        .options(selectinload(AssignmentRevision.criteria).selectinload(RubricCriterion.levels))
    )


def may_edit(latest: Submission | None) -> bool:
    return (
        latest is None
        or latest.state == SubmissionState.DRAFT
        or (latest.state == SubmissionState.RETURNED and latest.resubmission_allowed)
    )


def save(
    enrolment: Enrolment,
    progress: Progress,
    state: AssignmentState,
    *,
    body: str,
    upload: Upload | None = None,
    remove_file: bool = False,
    submit: bool = False,
    now: dt.datetime | None = None,
) -> Submission:
    """Save the learner's draft, and hand it in when ``submit``. Everything is checked before
    anything is written: a refusal raises and changes nothing."""
    now = now or utcnow()
    body = unicodedata.normalize("NFC", (body or "").replace("\r\n", "\n"))
    formats = state.node.formats
    if len(body) > MAX_BODY_CHARS:
        raise TextTooLong()
    if (body.strip() and "text" not in formats) or (upload is not None and "file" not in formats):
        raise FormatNotAccepted()
    ensure_studying(enrolment)
    ensure_open(progress, state)
    due = due_date(enrolment, progress, state)
    closing = closes_at(enrolment, due, state)
    if closing is not None and now >= closing:
        raise SubmissionClosed()
    existing = submissions_of(enrolment.id, state.node.assignment_id)
    latest = existing[-1] if existing else None
    if not may_edit(latest):
        raise AlreadySubmitted()
    # What the draft will hold once saved.
    carried = latest if latest is not None else None
    has_file = upload is not None or (
        not remove_file and carried is not None and carried.file_sha256 is not None
    )
    words = count_words(body)
    if submit:
        if not body.strip() and not has_file:
            raise EmptySubmission()
        if body.strip() and not has_file:
            if state.node.max_words and words > state.node.max_words:
                raise TooManyWords(words, state.node.max_words)
            if state.node.min_words and words < state.node.min_words:
                raise TooFewWords(words, state.node.min_words)
    # Checked: now write.
    if latest is None or latest.state != SubmissionState.DRAFT:
        draft = Submission(
            enrolment_id=enrolment.id,
            assignment_id=state.node.assignment_id,
            assignment_revision_id=state.node.revision_id,
            number=(latest.number + 1) if latest else 1,
            created_at=now,
            state=SubmissionState.DRAFT,
        )
        if latest is not None:  # a resubmission starts from the returned file
            draft.file_sha256, draft.file_name = latest.file_sha256, latest.file_name
            draft.file_kind, draft.file_size = latest.file_kind, latest.file_size
        db.session.add(draft)
    else:
        draft = latest
    draft.body, draft.word_count, draft.saved_at = body, words, now
    if upload is not None:
        draft.file_sha256, draft.file_name = store(upload), upload.name
        draft.file_kind, draft.file_size = upload.kind, len(upload.data)
    elif remove_file:
        draft.file_sha256 = draft.file_name = draft.file_kind = draft.file_size = None
    if submit:
        draft.due_at = due
        draft.is_late = due is not None and now > due
        draft.move_to(SubmissionState.SUBMITTED, when=now)
    db.session.flush()
    note_activity(enrolment.id, now)
    progress_note = "assignment.submit" if submit else None
    if progress_note:
        audit.record(
            enrolment.user,
            progress_note,
            target=draft,
            assignment=state.node.key,
            number=draft.number,
            late=draft.is_late,
        )
        update_completion([enrolment.id], now)
    return draft


def save_answer(
    enrolment: Enrolment, progress: Progress, state: AssignmentState, **fields
) -> Submission:
    """``save``, for the learner's page: when another request created the same numbered
    submission first (a unique clash on flush), ``ChangedMeanwhile``."""
    try:
        return save(enrolment, progress, state, **fields)
    except IntegrityError:
        raise ChangedMeanwhile() from None


# --- grading -----------------------------------------------------------------------------------


def queue(submissions: sa.Select, state: str = SubmissionState.SUBMITTED) -> sa.Select:
    """A grader's queue from their scoped submissions: oldest handed in first."""
    from sqlalchemy.orm import joinedload

    return (
        submissions.where(Submission.state == state)
        .options(
            joinedload(Submission.enrolment).joinedload(Enrolment.user),
            joinedload(Submission.enrolment).joinedload(Enrolment.cohort),
            joinedload(Submission.assignment_revision),
        )
        .order_by(Submission.submitted_at, Submission.id)
    )


def grade(
    submission: Submission,
    grader: User,
    levels: dict[int, int],
    comments: str,
    allow_resubmission: bool,
    now: dt.datetime | None = None,
    criterion_comments: dict[int, str] | None = None,
) -> Submission:
    """Grade a handed-in submission against the rubric it pinned: ``levels`` maps each
    criterion id to the chosen level id, ``criterion_comments`` a criterion id to the
    grader's comment on it (issue 20). Returns it to the learner (mail through the
    outbox), audited; regrading a returned one changes the grade, not the state."""
    now = now or utcnow()
    if submission.state not in (SubmissionState.SUBMITTED, SubmissionState.RETURNED):
        raise NotGradable()
    comments = unicodedata.normalize("NFC", (comments or "").replace("\r\n", "\n")).strip()
    if len(comments) > MAX_COMMENT_CHARS:
        raise CommentTooLong()
    revision = rubric(submission.assignment_revision_id)
    criterion_comments = {
        cid: unicodedata.normalize("NFC", (text or "").replace("\r\n", "\n")).strip()
        for cid, text in (criterion_comments or {}).items()
    }
    known = {criterion.id for criterion in revision.criteria}
    if not (set(levels) | set(criterion_comments)) <= known:
        raise UnknownCriterion()
    if any(len(text) > MAX_COMMENT_CHARS for text in criterion_comments.values()):
        raise CommentTooLong()
    chosen = []
    for criterion in revision.criteria:
        level = next((lv for lv in criterion.levels if lv.id == levels.get(criterion.id)), None)
        if level is None:
            raise RubricIncomplete()
        chosen.append((criterion, level))
    score = sum(level.points for _, level in chosen)
    maximum = sum(criterion.points for criterion, _ in chosen)
    regrade = submission.state == SubmissionState.RETURNED
    submission.scores.clear()
    db.session.flush()
    submission.scores.extend(
        SubmissionScore(
            criterion_id=criterion.id,
            level_id=level.id,
            points=level.points,
            comment=criterion_comments.get(criterion.id) or None,
        )
        for criterion, level in chosen
    )
    submission.score, submission.max_score = Decimal(score), Decimal(maximum)
    submission.passed = maximum == 0 or Decimal(score) * 100 >= revision.pass_mark * maximum
    submission.comments = comments
    submission.resubmission_allowed = bool(allow_resubmission)
    submission.graded_by_id = grader.id
    if regrade:
        submission.returned_at = now
    else:
        submission.move_to(SubmissionState.RETURNED, when=now)
    db.session.flush()
    enrolment = submission.enrolment
    audit.record(
        grader,
        "assignment.regrade" if regrade else "assignment.grade",
        subject=enrolment.user,
        target=submission,
        score=str(score),
        max_score=str(maximum),
        resubmission_allowed=bool(allow_resubmission),
    )
    url = outbox.public_url(
        "learner.show_assignment",
        enrolment_id=enrolment.id,
        assignment_key=revision.assignment.key,
    )
    notifications.notify(  # issue 20: in the app, and by mail as the learner prefers
        enrolment.user,
        notifications.Kind.WORK_RETURNED,
        link=url,
        title=revision.title,
        url=url,
        resubmission=bool(allow_resubmission),
    )
    update_completion([enrolment.id], now)
    return submission


# --- erasure -----------------------------------------------------------------------------------


def erase_texts_of(user_id: int) -> int:
    """Blank what a person wrote and uploaded for assignments, and the comments on it (for
    the erasure of a person: services.accounts.personal_data). Grades, dates and lateness stay, so
    results still add up; a stored file is deleted once no other submission names it. Returns
    the number of submissions changed."""
    mine = (
        sa.select(Submission.id)
        .join(Enrolment, Enrolment.id == Submission.enrolment_id)
        .where(Enrolment.user_id == user_id)
    )
    digests = set(
        db.session.scalars(
            sa.select(Submission.file_sha256).where(
                Submission.id.in_(mine), Submission.file_sha256.is_not(None)
            )
        )
    )
    changed = db.session.execute(
        sa.update(Submission)
        .where(Submission.id.in_(mine))
        .values(
            body="", comments="", file_sha256=None, file_name=None, file_kind=None, file_size=None
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.execute(  # the graders' comments per criterion go with the text (issue 20)
        sa.update(SubmissionScore)
        .where(SubmissionScore.submission_id.in_(mine))
        .values(comment=None)
        .execution_options(synchronize_session=False)
    )
    still_used = (
        set(
            db.session.scalars(
                sa.select(Submission.file_sha256).where(Submission.file_sha256.in_(digests))
            )
        )
        if digests
        else set()
    )
    for digest in digests - still_used:
        storage_path(digest).unlink(missing_ok=True)
    return changed
