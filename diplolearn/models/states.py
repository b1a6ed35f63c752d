"""Every state machine of the data model, documented in one place.

Each machine lists its states and the transitions allowed between them; models move through
``Machine.advance`` so a forbidden move raises ``InvalidTransition`` instead of being saved.

Enrolment (one person in one cohort):

    invited ──► active ──► completed
       │          │  ▲
       │          ▼  │
       │       deferred
       ▼          │
    withdrawn ◄───┘ (from invited, active or deferred)
    withdrawn ──► invited   (invited again into the same cohort)
    waitlisted ──► invited  (a place came free: promoted, first come first served)
    waitlisted ──► withdrawn;  withdrawn ──► waitlisted  (nominated again when it is full)

    invited    the person has been enrolled but has not yet started (or not yet set a password)
    active     following the cohort
    deferred   paused at the learner's or ministry's request; may resume
    completed  met the completion rules; terminal (a certificate may hang off it)
    withdrawn  left the cohort; records stay, visible to the sponsoring ministry
    waitlisted asked for a place when the cohort (or the sponsoring ministry's seats) was full;
               holds no place. ``Enrolment.waitlisted_at`` orders the queue (earliest first)
               within the cohort; a withdrawal promotes the first one that then fits

    Places: invited, active, deferred and completed enrolments hold a place (``SEAT_HOLDING``)
    and count against the cohort's capacity and their sponsoring ministry's seats.

Quiz attempt (pins the quiz revision, questions drawn, pass mark and language at start):

    in_progress ──► submitted ──► graded
         │                          ▲
         ├────────► expired ────────┘
         └────────► abandoned

    in_progress  answers are being saved as the learner goes
    submitted    the learner submitted before the deadline; waits for grading (automatic
                 grading moves it on at once, written answers wait for a person)
    expired      the deadline passed before a submission; answers saved in time are kept and
                 graded, later ones are not (the job command finalises these)
    graded       has a score; regrading changes the score, not the state
    abandoned    voided (the enrolment was withdrawn, or an instructor discarded it); never graded

Written assignment submission (pins the assignment revision, so its rubric; see
assignments.py):

    draft ──► submitted ──► returned
                               │ (the grader allowed a resubmission)
                               └──► a new draft, numbered one more, of the same assignment

    draft      written or uploaded, saved as the learner goes; only the learner sees it
    submitted  handed in (marked late when after its due date); waits for a grader
    returned   graded against the rubric with comments; the learner sees the result.
               Regrading changes the score, not the state. Resubmission is a new row: the
               returned one stays as it was.

Outbox message:

    pending ──► sending ──► sent
       ▲           │
       └───────────┤ (transient failure, attempts left)
                   └──► failed (attempts exhausted)

Course version:

    draft ──► published ──► archived

Certificate (one current certificate per enrolment; see certificates.py):

    issued ──► revoked
       │
       └────► superseded   (reissued: a new certificate replaces it)

    issued      valid: the public verification page says so
    revoked     withdrawn by an administrator or the cohort's lead instructor, with a reason;
                terminal — verification answers "revoked" with the date
    superseded  replaced by a reissued certificate (after a name correction, say), which
                points back at it; terminal — verification says it is no longer valid
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class InvalidTransition(Exception):
    """A state change that the machine does not allow."""

    def __init__(self, machine: str, current: str, target: str):
        super().__init__(f"{machine}: cannot move from {current!r} to {target!r}")
        self.machine, self.current, self.target = machine, current, target


class EnrolmentState(enum.StrEnum):
    INVITED = "invited"
    ACTIVE = "active"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"
    DEFERRED = "deferred"
    WAITLISTED = "waitlisted"


class AttemptState(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    GRADED = "graded"
    EXPIRED = "expired"
    ABANDONED = "abandoned"


class SubmissionState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"


class OutboxState(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class CourseVersionState(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class CertificateStatus(enum.StrEnum):
    ISSUED = "issued"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"


@dataclass(frozen=True)
class Machine:
    name: str
    transitions: dict[str, frozenset[str]]

    def allows(self, current: str, target: str) -> bool:
        return target in self.transitions.get(current, frozenset())

    def advance(self, current: str, target: str) -> str:
        if not self.allows(current, target):
            raise InvalidTransition(self.name, str(current), str(target))
        return target


def _m(name: str, pairs: dict) -> Machine:
    return Machine(name, {str(k): frozenset(str(t) for t in v) for k, v in pairs.items()})


E, A, O, C = EnrolmentState, AttemptState, OutboxState, CourseVersionState  # noqa: E741
Z = CertificateStatus

ENROLMENT = _m(
    "enrolment",
    {
        E.INVITED: {E.ACTIVE, E.WITHDRAWN},
        E.ACTIVE: {E.COMPLETED, E.WITHDRAWN, E.DEFERRED},
        E.DEFERRED: {E.ACTIVE, E.WITHDRAWN},
        E.WITHDRAWN: {E.INVITED, E.WAITLISTED},
        E.COMPLETED: set(),
        E.WAITLISTED: {E.INVITED, E.WITHDRAWN},
    },
)

# The enrolment states that hold a place in a cohort (capacity and ministry seats).
SEAT_HOLDING = frozenset({E.INVITED, E.ACTIVE, E.DEFERRED, E.COMPLETED})

ATTEMPT = _m(
    "quiz attempt",
    {
        A.IN_PROGRESS: {A.SUBMITTED, A.EXPIRED, A.ABANDONED},
        A.SUBMITTED: {A.GRADED},
        A.EXPIRED: {A.GRADED},
        A.GRADED: set(),
        A.ABANDONED: set(),
    },
)

SUBMISSION = _m(
    "submission",
    {
        SubmissionState.DRAFT: {SubmissionState.SUBMITTED},
        SubmissionState.SUBMITTED: {SubmissionState.RETURNED},
        SubmissionState.RETURNED: set(),
    },
)

OUTBOX = _m(
    "outbox message",
    {
        O.PENDING: {O.SENDING},
        O.SENDING: {O.SENT, O.PENDING, O.FAILED},
        O.SENT: set(),
        O.FAILED: {O.PENDING},
    },
)

COURSE_VERSION = _m(
    "course version",
    {
        C.DRAFT: {C.PUBLISHED},
        C.PUBLISHED: {C.ARCHIVED},
        C.ARCHIVED: set(),
    },
)

CERTIFICATE = _m(
    "certificate",
    {
        Z.ISSUED: {Z.REVOKED, Z.SUPERSEDED},
        Z.REVOKED: set(),
        Z.SUPERSEDED: set(),
    },
)
