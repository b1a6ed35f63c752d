"""The next step: what a learner can do now in one course, or what they are waiting for.

``next_step`` walks the open required modules in course order and returns the first thing the
learner can *do* (``kind`` ``act``): read a lesson and mark it done, take or resume a quiz,
hand in (or hand in again) written work, take part in the module's discussion, or, for an
item that no longer takes work (closed quiz, no attempt left, written work past its cut-off,
or returned without a pass and without a new version allowed), ask for more time. Only when
nothing can be done does it say what the learner waits for (``kind`` ``wait``): a grade, a
decision on their request, the next module's release, a place, the course's publication. A
completed course is ``done``. So the step never leads to a closed page without an action.

Links and labels are built for the current request (``url_for``, the viewer's language and
time zone). ``next_steps`` does the same for many enrolments in a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _

from diplolearn.i18n import format_datetime
from diplolearn.models import AttemptState, Enrolment, EnrolmentState, SubmissionState, utcnow
from diplolearn.services.deadlines.dates import Context, load_contexts
from diplolearn.services.progress import AssignmentState, LessonState, ModuleState, QuizState

# What the learner does (``act``), waits for (``wait``) or has done (``done``).
ACT_ACTIONS = ("read", "quiz", "resume_quiz", "hand_in", "resubmit", "discuss", "ask_extension")
WAIT_ACTIONS = ("grade", "decision", "release", "place", "publication", "inactive", "nothing")


@dataclass(frozen=True)
class NextStep:
    """``kind``: ``act``, ``wait`` or ``done``. ``action``: one of ACT_ACTIONS / WAIT_ACTIONS /
    ``complete``. ``label``: translated text for the link (act) or the sentence (wait, done).
    ``url``: the page holding the action (act); for a wait, the page to look at (the item,
    or the outline), or None. ``title``/``item_kind``/``item_key``/``module_number``: the item
    concerned (``title`` a translated dict; None for the course as a whole). ``when``: the due
    date of the action, or the instant awaited (a release)."""

    kind: str
    action: str
    label: str
    url: str | None = None
    title: dict | None = None
    item_kind: str | None = None
    item_key: str | None = None
    module_number: int | None = None
    when: dt.datetime | None = None

    @property
    def actionable(self) -> bool:
        return self.kind == "act"


def request_url(enrolment_id: int, kind: str, key: str) -> str:
    return url_for(
        "learner.new_extension_request", enrolment_id=enrolment_id, item_kind=kind, item_key=key
    )


def _item_url(enrolment_id: int, node) -> str:
    endpoint, arg = {
        "lesson": ("learner.show_lesson", "lesson_key"),
        "quiz": ("learner.show_quiz", "quiz_key"),
        "assignment": ("learner.show_assignment", "assignment_key"),
    }[node.kind]
    return url_for(endpoint, enrolment_id=enrolment_id, **{arg: node.key})


def _step(kind, action, label, context, module, item=None, url=None, when=None) -> NextStep:
    node = item.node if item is not None else None
    if url is None and node is not None:
        url = _item_url(context.enrolment.id, node)
    return NextStep(
        kind,
        action,
        label,
        url,
        node.title if node is not None else module.node.title,
        node.kind if node is not None else "module",
        node.key if node is not None else module.node.key,
        module.node.number,
        when,
    )


def _ask_or_wait(context: Context, module: ModuleState, item) -> NextStep:
    kind, key = item.node.kind, item.node.key
    if context.pending(kind, key) is not None:
        return _step(
            "wait", "decision", _("Waiting for a decision on your request for more time"),
            context, module, item,
        )  # fmt: skip
    return _step(
        "act", "ask_extension", _("Ask for more time"), context, module, item,
        url=request_url(context.enrolment.id, kind, key),
    )  # fmt: skip


def _quiz_step(context: Context, module: ModuleState, quiz: QuizState) -> NextStep:
    now = context.now
    if quiz.in_progress is not None:
        return _step("act", "resume_quiz", _("Continue your quiz attempt"), context, module, quiz)
    withheld = any(a.state == AttemptState.GRADED and a.grade_withheld for a in quiz.attempts)
    if quiz.awaiting_grading is not None or withheld:
        return _step("wait", "grade", _("Waiting for your grade"), context, module, quiz)
    policy = context.quiz_policy(quiz)
    if policy.opens_at is not None and now < policy.opens_at:
        label = _("The quiz opens on %(date)s", date=format_datetime(policy.opens_at))
        return _step("wait", "release", label, context, module, quiz, when=policy.opens_at)
    if policy.is_closed(now) or policy.left(quiz.used) == 0:
        return _ask_or_wait(context, module, quiz)
    return _step("act", "quiz", _("Take the quiz"), context, module, quiz, when=policy.closes_at)


def _assignment_step(context: Context, module: ModuleState, state: AssignmentState) -> NextStep:
    latest = state.latest
    if latest is not None and latest.state == SubmissionState.SUBMITTED:
        return _step("wait", "grade", _("Waiting for your grade"), context, module, state)
    closing = context.assignment_cutoff(state)
    closed = closing is not None and context.now >= closing
    if latest is not None and latest.state == SubmissionState.RETURNED:
        if latest.resubmission_allowed and not closed:
            return _step("act", "resubmit", _("Hand in a new version"), context, module, state)
        return _ask_or_wait(context, module, state)
    if closed:
        return _ask_or_wait(context, module, state)
    due = context.assignment_due(state)
    return _step(
        "act", "hand_in", _("Write and hand in your work"), context, module, state, when=due
    )


def step_of(context: Context) -> NextStep:
    """The next step of one enrolment's context (no query)."""
    progress, enrolment = context.progress, context.enrolment
    if enrolment.state == EnrolmentState.COMPLETED or progress.complete:
        return NextStep("done", "complete", _("You have completed this course."))
    if enrolment.state in (EnrolmentState.WITHDRAWN, EnrolmentState.DEFERRED):
        return NextStep("wait", "inactive", _("Your enrolment in this course is not under way."))
    waits: list[NextStep] = []
    for module in progress.modules:
        if not module.is_open or not module.required or module.complete:
            continue
        for item in module.required_items:
            if item.done or item.excused:
                continue
            if isinstance(item, LessonState):
                step = _step(
                    "act", "read", _("Read the lesson and mark it done"), context, module, item
                )
            elif isinstance(item, QuizState):
                step = _quiz_step(context, module, item)
            else:
                step = _assignment_step(context, module, item)
            if step.actionable:
                return step
            waits.append(step)
        if not module.discussion_done:
            url = (
                url_for(
                    "learner.show_prompt", enrolment_id=enrolment.id, module_key=module.node.key
                )
                if module.node.discussion
                else url_for("learner.show_outline", enrolment_id=enrolment.id)
            )
            return _step(
                "act", "discuss", _("Take part in the discussion"), context, module, url=url
            )
    if waits:
        return waits[0]
    following = progress.next_opening
    outline = url_for("learner.show_outline", enrolment_id=enrolment.id)
    if following is not None and following.opens_at is not None:
        label = _(
            "Module %(number)d opens on %(date)s",
            number=following.node.number,
            date=format_datetime(following.opens_at),
        )
        return _step(
            "wait", "release", label, context, following, url=outline, when=following.opens_at
        )
    return NextStep("wait", "nothing", _("Nothing to do for now."), outline)


def next_steps(
    enrolments: list[Enrolment], progresses: dict | None = None, now: dt.datetime | None = None
) -> dict[int, NextStep]:
    """The next step of each enrolment, by id, in a fixed number of queries (``progresses``
    from ``progress_for`` saves reading progress again). The cohorts must be loaded."""
    now = now or utcnow()
    contexts = load_contexts(enrolments, progresses, now)
    steps = {}
    for enrolment in enrolments:
        context = contexts[enrolment.id]
        if enrolment.state == EnrolmentState.WAITLISTED:
            steps[enrolment.id] = NextStep(
                "wait", "place", _("You are on the waiting list for this cohort.")
            )
        elif context is None:
            steps[enrolment.id] = NextStep(
                "wait", "publication", _("This course has no published content yet.")
            )
        else:
            steps[enrolment.id] = step_of(context)
    return steps


def next_step(enrolment: Enrolment, progress=None, now: dt.datetime | None = None) -> NextStep:
    """What the learner can do now in this enrolment's course, or what they wait for."""
    progresses = {enrolment.id: progress} if progress is not None else None
    return next_steps([enrolment], progresses, now)[enrolment.id]
