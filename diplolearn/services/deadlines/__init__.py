"""Deadlines that bend (issue 14): no learner is ever stranded by a date.

- dates: every dated item of an enrolment (module releases and due dates, written assignments'
  due dates and cut-offs, quizzes' close times), worked out in a fixed number of queries for
  any number of enrolments; the late rules (``cutoff``) that decide until when late work is
  taken.
- steps: ``next_step``, what the learner can do now in one course, or what they wait for.
- requests: a learner's extension request, its grant (which writes ``DueDateExtension`` or
  the learner's ``QuizPolicyOverride.closes_at``) or refusal, extensions for a whole tutor
  group, excusals, and the cohort's late rules.
- catch_up: personal dates for someone joining a running cohort.

The rules. Written work is due at its due date (models/assignments.py); after it, work is
taken and marked late until the *cut-off*: the cohort's late rule for the assignment, else the
cohort's general late rule (``LateRule``), else the assignment's own ``late_days``, never later
than the cohort's end and never earlier than the learner's own due date. After the cut-off a
learner may ask for more time; a tutor of their group or a lead instructor grants it (a new
date) or refuses it (with a reason), or excuses the item, which then no longer holds up its
module (services.progress). A quiz closes at its close time (quiz policy overrides); the same
request reopens it for the learner, with one more attempt when they had none left.

This domain's errors are declared here, at its top. Functions flush and never commit.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from diplolearn.services.errors import DomainError


class RequestRefused(DomainError):
    """A request for more time that the rules refuse; the message says which rule."""


class ReasonNeeded(RequestRefused):
    message = _l("Say in a few words why you need more time, so that your tutor can decide.")


class AlreadyAsked(RequestRefused):
    message = _l(
        "You have already asked for more time on this item. Your tutor has not decided "
        "yet; you will be told by mail and on this page."
    )


class NothingToExtend(RequestRefused):
    message = _l("This item has no due date or close time, so there is no time to ask for.")


class AlreadyDone(RequestRefused):
    message = _l("This item is already done, so there is no need for more time.")


class NotUnderWay(RequestRefused):
    message = _l(
        "Your enrolment in this course is not under way (it is completed, withdrawn or "
        "waiting), so no request can be made."
    )


class UnknownItem(RequestRefused):
    message = _l("This course has no such item.")


class AlreadyDecided(DomainError):
    message = _l("This request has already been decided, so nothing was changed.")


class DateNotLater(DomainError):
    message = _l("The new date must be in the future and later than the current one.")


class RefusalReasonNeeded(DomainError):
    message = _l("Say why the request is refused: the learner reads it.")


class NotYourLearner(DomainError):
    message = _l(
        "Only the tutor of the learner's group or a lead instructor of the cohort can decide this."
    )


class AlreadyExcused(DomainError):
    message = _l("The learner is already excused from this item.")


class ExcusalReasonNeeded(DomainError):
    message = _l("Say why the learner is excused: it is kept in the record.")


class InvalidLateRule(DomainError):
    message = _l("The number of late days must be a whole number between 0 and 365.")


from diplolearn.services.deadlines.catch_up import (  # noqa: E402,F401
    CatchUpDate,
    apply_catch_up,
    catch_up_dates,
    cohort_running,
)
from diplolearn.services.deadlines.dates import (  # noqa: E402,F401
    DatedItem,
    ItemDates,
    cutoff,
    dated_items,
    dated_items_for,
    item_dates,
    item_titles,
    load_contexts,
)
from diplolearn.services.deadlines.excusals import (  # noqa: E402,F401
    apply_late_rule,
    excusable_items,
    excuse,
    late_rules_of,
    remove_late_rule,
    set_late_rule,
)
from diplolearn.services.deadlines.requests import (  # noqa: E402,F401
    extend_group,
    grant_request,
    may_decide,
    refuse_request,
    request_extension,
)
from diplolearn.services.deadlines.steps import NextStep, next_step, next_steps  # noqa: E402,F401
