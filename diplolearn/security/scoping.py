"""Tenant scoping: which people, enrolments and records a viewer may see.

Views never load a person and then check; they load *through* the scope
(``get_person_or_404``), so a coordinator's query cannot forget the ministry. Out-of-scope ids
answer 404, exactly like ids that do not exist, so nobody learns who is registered elsewhere.

Who sees whom:
- administrator: everyone;
- coordinator of a ministry: its current staff, and anyone whose enrolment it sponsored (a
  person who moved on stays visible for those enrolments);
- lead instructor of a cohort: everyone enrolled in it;
- tutor of a group: the learners of that group;
- everyone: themselves.

A learner's own records load through the owner too: ``own_enrolment_or_404`` selects the
enrolment ``WHERE id = :id AND user_id = :me``, so someone else's enrolment is a 404, exactly
like one that does not exist.

Certificates: a holder loads their own (``own_certificate_or_404``); a coordinator sees those
of the enrolments their ministry sponsored (``sponsored_certificates``); administrators and
the lead instructors of a cohort manage (revoke, reissue) those of its enrolments
(``managed_certificates``).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import joinedload

from diplolearn.extensions import db
from diplolearn.models import (
    Announcement,
    Certificate,
    CertificateStatus,
    Cohort,
    Enrolment,
    Ministry,
    Role,
    StaffMembership,
    TutorGroup,
    User,
)


@dataclass(frozen=True)
class Scope:
    user_id: int
    is_administrator: bool
    ministry_ids: frozenset[int]
    course_ids: frozenset[int]
    cohort_ids: frozenset[int]
    tutor_group_ids: frozenset[int]

    @classmethod
    def of(cls, user: User) -> Scope:
        def ids(role: Role, column: str) -> frozenset[int]:
            return frozenset(getattr(g, column) for g in user.grants if g.role == role)

        return cls(
            user_id=user.id,
            is_administrator=user.has_role(Role.ADMINISTRATOR),
            ministry_ids=ids(Role.COORDINATOR, "ministry_id"),
            course_ids=ids(Role.INSTRUCTOR, "course_id"),
            cohort_ids=ids(Role.LEAD_INSTRUCTOR, "cohort_id"),
            tutor_group_ids=ids(Role.TUTOR, "tutor_group_id"),
        )

    def visible_user_ids(self) -> sa.Select | None:
        """A subquery of the user ids this scope may see; None means everyone."""
        if self.is_administrator:
            return None
        parts: list[sa.Select] = [sa.select(sa.literal(self.user_id))]
        if self.ministry_ids:
            parts.append(sa.select(StaffMembership.user_id).where(
                StaffMembership.ministry_id.in_(self.ministry_ids),
                StaffMembership.ended_at.is_(None)))
            parts.append(sa.select(Enrolment.user_id).where(
                Enrolment.sponsor_ministry_id.in_(self.ministry_ids)))
        if self.cohort_ids:
            parts.append(sa.select(Enrolment.user_id).where(
                Enrolment.cohort_id.in_(self.cohort_ids)))
        if self.tutor_group_ids:
            parts.append(sa.select(Enrolment.user_id).where(
                Enrolment.tutor_group_id.in_(self.tutor_group_ids)))
        return sa.union(*parts)


def people_query(viewer: User) -> sa.Select:
    """Select the people ``viewer`` may see, ordered by name."""
    query = sa.select(User).order_by(User.sort_key, User.id)
    visible = Scope.of(viewer).visible_user_ids()
    if visible is not None:
        query = query.where(User.id.in_(visible))
    return query


def get_person_or_404(viewer: User, user_id: int) -> User:
    person = db.session.scalar(people_query(viewer).where(User.id == user_id))
    if person is None:
        abort(404)
    return person


def own_enrolment_or_404(user: User, enrolment_id: int) -> Enrolment:
    """The user's own enrolment with its cohort and course, in one query; 404 otherwise."""
    enrolment = db.session.scalar(
        sa.select(Enrolment)
        .where(Enrolment.id == enrolment_id, Enrolment.user_id == user.id)
        .options(joinedload(Enrolment.cohort).joinedload(Cohort.course)))
    if enrolment is None:
        abort(404)
    return enrolment


def own_certificate_or_404(user: User, certificate_id: int) -> Certificate:
    """The user's own valid certificate (revoked and replaced ones are not downloadable)."""
    certificate = db.session.scalar(
        sa.select(Certificate)
        .where(Certificate.id == certificate_id, Certificate.user_id == user.id,
               Certificate.status == CertificateStatus.ISSUED)
        .options(joinedload(Certificate.course), joinedload(Certificate.course_version)))
    if certificate is None:
        abort(404)
    return certificate


def coordinated_ministries(viewer: User) -> list[Ministry]:
    ids = Scope.of(viewer).ministry_ids
    return list(db.session.scalars(
        sa.select(Ministry).where(Ministry.id.in_(ids)).order_by(Ministry.code))) if ids else []


def coordinated_ministry_or_404(viewer: User, ministry_id: int) -> Ministry:
    ministry = db.session.scalar(sa.select(Ministry).where(
        Ministry.id == ministry_id, Ministry.id.in_(Scope.of(viewer).ministry_ids)))
    if ministry is None:
        abort(404)
    return ministry


def sponsored_certificates(viewer: User, ministry_ids=None) -> sa.Select:
    """Certificates of enrolments sponsored by the ministries the viewer coordinates (or by
    those of ``ministry_ids`` among them)."""
    allowed = Scope.of(viewer).ministry_ids
    if ministry_ids is not None:
        allowed = allowed & frozenset(ministry_ids)
    return (sa.select(Certificate)
            .join(Enrolment, Enrolment.id == Certificate.enrolment_id)
            .where(Enrolment.sponsor_ministry_id.in_(allowed)))


def managed_certificates(viewer: User) -> sa.Select:
    """Certificates the viewer may revoke or reissue: every one for an administrator, those
    of the cohorts they lead for a lead instructor."""
    query = sa.select(Certificate).join(Enrolment, Enrolment.id == Certificate.enrolment_id)
    scope = Scope.of(viewer)
    if not scope.is_administrator:
        query = query.where(Enrolment.cohort_id.in_(scope.cohort_ids))
    return query


def managed_certificate_or_404(viewer: User, certificate_id: int) -> Certificate:
    certificate = db.session.scalar(managed_certificates(viewer).where(
        Certificate.id == certificate_id).options(
        joinedload(Certificate.holder), joinedload(Certificate.course),
        joinedload(Certificate.enrolment)))
    if certificate is None:
        abort(404)
    return certificate


# --- following a cohort's run: lead instructors (and administrators) and tutors --------------
# A lead instructor of a cohort and an administrator follow all of it; a tutor follows the
# learners of the groups they tutor and nobody else. Coordinators do not use these pages.

def leads_cohort(viewer: User, cohort: Cohort) -> bool:
    """Whether the viewer manages the cohort: an administrator, an instructor of its course or
    one of its lead instructors. Tutors follow their groups only."""
    scope = Scope.of(viewer)
    return (scope.is_administrator or cohort.course_id in scope.course_ids
            or cohort.id in scope.cohort_ids)


def tracked_cohort_or_404(viewer: User, cohort_id: int) -> Cohort:
    """A cohort the viewer manages, or in which they tutor a group; 404 otherwise."""
    return taught_cohort_or_404(viewer, cohort_id).cohort


def tracked_groups(viewer: User, cohort: Cohort) -> list[TutorGroup]:
    """The cohort's tutor groups the viewer follows: all when they lead it, else theirs."""
    query = sa.select(TutorGroup).where(TutorGroup.cohort_id == cohort.id).order_by(
        TutorGroup.key)
    if not leads_cohort(viewer, cohort):
        query = query.where(TutorGroup.id.in_(Scope.of(viewer).tutor_group_ids))
    return list(db.session.scalars(query))


def tracked_enrolments(viewer: User, cohort: Cohort) -> sa.Select:
    """Select the cohort's enrolments the viewer follows."""
    query = sa.select(Enrolment).where(Enrolment.cohort_id == cohort.id)
    if not leads_cohort(viewer, cohort):
        query = query.where(Enrolment.tutor_group_id.in_(Scope.of(viewer).tutor_group_ids))
    return query


def tracked_enrolment_or_404(viewer: User, cohort: Cohort, enrolment_id: int) -> Enrolment:
    """One enrolment of the cohort that the viewer follows, with its person; 404 otherwise."""
    enrolment = db.session.scalar(tracked_enrolments(viewer, cohort).where(
        Enrolment.id == enrolment_id).options(
        joinedload(Enrolment.user), joinedload(Enrolment.tutor_group),
        joinedload(Enrolment.sponsor_ministry)))
    if enrolment is None:
        abort(404)
    return enrolment


def tracked_extension_or_404(viewer: User, cohort: Cohort, enrolment_id: int,
                             extension_id: int):
    """A due-date extension of one enrolment the viewer follows in the cohort; 404 otherwise."""
    from diplolearn.models import DueDateExtension

    followed = tracked_enrolments(viewer, cohort).where(Enrolment.id == enrolment_id)
    extension = db.session.scalar(sa.select(DueDateExtension).where(
        DueDateExtension.id == extension_id,
        DueDateExtension.enrolment_id.in_(followed.with_only_columns(Enrolment.id)
                                          .scalar_subquery())))
    if extension is None:
        abort(404)
    return extension


def tracked_announcements(viewer: User, cohort: Cohort) -> sa.Select:
    """The cohort's announcements the viewer may read: all when they lead it; for a tutor,
    those to the whole cohort and to their groups. Newest first."""
    query = (sa.select(Announcement).where(Announcement.cohort_id == cohort.id)
             .options(joinedload(Announcement.author), joinedload(Announcement.tutor_group))
             .order_by(Announcement.created_at.desc(), Announcement.id.desc()))
    if not leads_cohort(viewer, cohort):
        query = query.where(sa.or_(
            Announcement.tutor_group_id.is_(None),
            Announcement.tutor_group_id.in_(Scope.of(viewer).tutor_group_ids)))
    return query


def announcements_for(learner: User) -> sa.Select:
    """Announcements to the cohorts the user is enrolled in, to the whole cohort or to their
    own group, newest first, with authors (one query)."""
    return (sa.select(Announcement)
            .join(Enrolment, sa.and_(
                Enrolment.cohort_id == Announcement.cohort_id,
                Enrolment.user_id == learner.id,
                sa.or_(Announcement.tutor_group_id.is_(None),
                       Announcement.tutor_group_id == Enrolment.tutor_group_id)))
            .options(joinedload(Announcement.author), joinedload(Announcement.cohort))
            .order_by(Announcement.created_at.desc(), Announcement.id.desc()))


# --- written assignments ------------------------------------------------------------------------
# A learner loads their own submissions through their enrolment. Graders see submitted and
# returned work (never drafts) of the learners they teach: an administrator everyone's; an
# instructor of the course, its learners in every cohort; a cohort's lead instructor, that
# cohort's; a tutor, their group's. Coordinators hold no grading scope: they never see the text.

def _grading_filter(viewer: User, course_id: int):
    """The WHERE clause (on Enrolment and Cohort) of what ``viewer`` may grade in the course;
    None when nothing."""
    scope = Scope.of(viewer)
    if scope.is_administrator or course_id in scope.course_ids:
        return Cohort.course_id == course_id
    parts = []
    if scope.cohort_ids:
        parts.append(Enrolment.cohort_id.in_(scope.cohort_ids))
    if scope.tutor_group_ids:
        parts.append(Enrolment.tutor_group_id.in_(scope.tutor_group_ids))
    return sa.and_(Cohort.course_id == course_id, sa.or_(*parts)) if parts else None


def grading_course_or_404(viewer: User, course_id: int):
    """The course, when the viewer grades some of its learners; 404 otherwise."""
    from diplolearn.models import Course, TutorGroup

    scope = Scope.of(viewer)
    query = sa.select(Course).where(Course.id == course_id)
    if not (scope.is_administrator or course_id in scope.course_ids):
        query = query.where(sa.or_(
            Course.id.in_(sa.select(Cohort.course_id).where(Cohort.id.in_(scope.cohort_ids))),
            Course.id.in_(sa.select(Cohort.course_id).join(TutorGroup).where(
                TutorGroup.id.in_(scope.tutor_group_ids)))))
    course = db.session.scalar(query)
    if course is None:
        abort(404)
    return course


def gradable_submissions(viewer: User, course_id: int) -> sa.Select:
    """Submitted and returned submissions the viewer may read and grade in the course (with
    their enrolment and cohort joined); an empty select when none."""
    from diplolearn.models import Submission, SubmissionState

    where = _grading_filter(viewer, course_id)
    query = (sa.select(Submission)
             .join(Enrolment, Enrolment.id == Submission.enrolment_id)
             .join(Cohort, Cohort.id == Enrolment.cohort_id)
             .where(Submission.state != SubmissionState.DRAFT))
    return query.where(where if where is not None else sa.false())


def gradable_submission_or_404(viewer: User, course_id: int, submission_id: int):
    from diplolearn.models import Submission

    submission = db.session.scalar(gradable_submissions(viewer, course_id).where(
        Submission.id == submission_id).options(
        joinedload(Submission.enrolment).joinedload(Enrolment.user)))
    if submission is None:
        abort(404)
    return submission


def own_submission_or_404(user: User, enrolment_id: int, submission_id: int):
    """One of the user's own submissions in their enrolment; 404 for anyone else's."""
    from diplolearn.models import Submission

    submission = db.session.scalar(
        sa.select(Submission).join(Enrolment, Enrolment.id == Submission.enrolment_id)
        .where(Submission.id == submission_id, Submission.enrolment_id == enrolment_id,
               Enrolment.user_id == user.id))
    if submission is None:
        abort(404)
    return submission


# --- a ministry's reports: the enrolments it sponsored ---------------------------------------
# A ministry's reports cover the seats it paid for (``Enrolment.sponsor_ministry_id``): a
# person who moved to another ministry stays in the sponsor's reports for those enrolments and
# never appears in another ministry's. Only the ministry's coordinators read them.

def sponsored_enrolments(viewer: User, ministry_id: int, *columns) -> sa.Select:
    """Select ``columns`` (the Enrolment entity by default) of the enrolments ``ministry_id``
    sponsored, when the viewer coordinates it; nothing otherwise."""
    return (sa.select(*(columns or (Enrolment,))).select_from(Enrolment)
            .where(Enrolment.sponsor_ministry_id == ministry_id,
                   Enrolment.sponsor_ministry_id.in_(Scope.of(viewer).ministry_ids)))


def sponsored_cohort_or_404(viewer: User, ministry_id: int, cohort_id: int) -> Cohort:
    """A cohort in which the coordinated ministry sponsored at least one enrolment; 404
    otherwise (another ministry's cohorts are not its business)."""
    cohort = db.session.scalar(
        sa.select(Cohort).where(Cohort.id == cohort_id, Cohort.id.in_(
            sponsored_enrolments(viewer, ministry_id, Enrolment.cohort_id)))
        .options(joinedload(Cohort.course)))
    if cohort is None:
        abort(404)
    return cohort


# --- postings ---------------------------------------------------------------------------------
# Where a diplomat is posted is sensitive: only the person, the coordinators of the ministry
# the membership is with, and administrators see it. Tutors and instructors never do.

def memberships_with_visible_posting(viewer: User, user_id: int) -> sa.Select:
    """Select the person's staff memberships whose posting (and staff id) the viewer may see,
    newest first, with their ministry."""
    scope = Scope.of(viewer)
    query = (sa.select(StaffMembership).where(StaffMembership.user_id == user_id)
             .options(joinedload(StaffMembership.ministry))
             .order_by(StaffMembership.started_at.desc(), StaffMembership.id.desc()))
    if not scope.is_administrator and user_id != scope.user_id:
        query = query.where(StaffMembership.ministry_id.in_(scope.ministry_ids))
    return query


def own_current_membership(user: User) -> StaffMembership | None:
    """The person's own current staff membership (ministry, staff ID, position, posting), for
    their account page; None when they belong to no ministry now."""
    return db.session.scalar(memberships_with_visible_posting(user, user.id)
                             .where(StaffMembership.ended_at.is_(None)))


# --- a coordinator's own ministry: staff, former staff, rosters ------------------------------
# Each function takes the ministry id from the URL and intersects it with the viewer's
# coordinator grants inside the query, so a view that forgot coordinated_ministry_or_404 would
# still find nothing of another ministry.

def _coordinated(viewer: User, ministry_id: int) -> sa.ColumnElement[bool]:
    return sa.true() if ministry_id in Scope.of(viewer).ministry_ids else sa.false()


def ministry_member_ids(viewer: User, ministry_id: int) -> sa.Select:
    """Ids of the people the ministry's coordinator may see *as that ministry*: its current
    staff, and anyone with an enrolment it sponsored (who may have moved on since)."""
    coordinated = _coordinated(viewer, ministry_id)
    return sa.union(
        sa.select(StaffMembership.user_id).where(
            coordinated, StaffMembership.ministry_id == ministry_id,
            StaffMembership.ended_at.is_(None)),
        sa.select(Enrolment.user_id).where(
            coordinated, Enrolment.sponsor_ministry_id == ministry_id))


def ministry_staff_query(viewer: User, ministry_id: int) -> sa.Select:
    """The ministry's current memberships (with their people, joined for ordering and search)."""
    return (sa.select(StaffMembership)
            .join(User, User.id == StaffMembership.user_id)
            .where(_coordinated(viewer, ministry_id),
                   StaffMembership.ministry_id == ministry_id,
                   StaffMembership.ended_at.is_(None))
            .options(joinedload(StaffMembership.user))
            .order_by(User.sort_key, User.id))


def ministry_former_people_query(viewer: User, ministry_id: int) -> sa.Select:
    """People who are no longer (or never were) on the ministry's staff but have an enrolment
    it sponsored: their record of those enrolments stays the ministry's to follow."""
    current = sa.select(StaffMembership.user_id).where(
        StaffMembership.ministry_id == ministry_id, StaffMembership.ended_at.is_(None))
    sponsored = sa.select(Enrolment.user_id).where(
        _coordinated(viewer, ministry_id), Enrolment.sponsor_ministry_id == ministry_id)
    return (sa.select(User).where(User.id.in_(sponsored), User.id.not_in(current))
            .order_by(User.sort_key, User.id))


def ministry_person_or_404(viewer: User, ministry_id: int, user_id: int) -> User:
    person = db.session.scalar(sa.select(User).where(
        User.id == user_id, User.id.in_(ministry_member_ids(viewer, ministry_id))))
    if person is None:
        abort(404)
    return person


def ministry_memberships(viewer: User, ministry_id: int, user_id: int) -> list[StaffMembership]:
    """A person's memberships of this ministry only, newest first (never another ministry's)."""
    return list(db.session.scalars(
        sa.select(StaffMembership).where(
            _coordinated(viewer, ministry_id), StaffMembership.ministry_id == ministry_id,
            StaffMembership.user_id == user_id)
        .order_by(StaffMembership.started_at.desc(), StaffMembership.id.desc())))


def current_membership_or_404(viewer: User, ministry_id: int, user_id: int) -> StaffMembership:
    """The person's current membership of this ministry; 404 for former staff and others."""
    membership = db.session.scalar(
        sa.select(StaffMembership).where(
            _coordinated(viewer, ministry_id), StaffMembership.ministry_id == ministry_id,
            StaffMembership.user_id == user_id, StaffMembership.ended_at.is_(None))
        .options(joinedload(StaffMembership.user)))
    if membership is None:
        abort(404)
    return membership


def ministry_sponsored_enrolments(viewer: User, ministry_id: int, user_id: int) -> list[Enrolment]:
    """The person's enrolments this ministry sponsored, with cohort and course loaded."""
    return list(db.session.scalars(
        sa.select(Enrolment).where(
            _coordinated(viewer, ministry_id), Enrolment.sponsor_ministry_id == ministry_id,
            Enrolment.user_id == user_id)
        .options(joinedload(Enrolment.cohort).joinedload(Cohort.course))
        .order_by(Enrolment.created_at.desc(), Enrolment.id.desc())))


from diplolearn.models.rosters import RosterUpload  # noqa: E402


def roster_upload_or_404(viewer: User, ministry_id: int, upload_id: int) -> RosterUpload:
    """An upload of this ministry by this coordinator (a colleague's file is not theirs)."""
    upload = db.session.scalar(sa.select(RosterUpload).where(
        _coordinated(viewer, ministry_id), RosterUpload.id == upload_id,
        RosterUpload.ministry_id == ministry_id, RosterUpload.uploaded_by_id == viewer.id))
    if upload is None:
        abort(404)
    return upload


# --- quiz results, grades and attempt policies ------------------------------------------------
# Quiz attempts are graded by whoever grades the learner (``_grading_filter``): an
# administrator, an instructor of the course, a cohort's lead instructor, a group's tutor.
# Setting a quiz's policy overrides (dates, extra time or attempts) is for administrators,
# the course's instructors (any cohort of it) and a cohort's lead instructors (that cohort);
# regrading, which changes past attempts of every cohort, for administrators and the course's
# instructors only.

def graded_attempts(viewer: User, course_id: int, *columns) -> sa.Select:
    """Select ``columns`` (the QuizAttempt entity by default) of the course's quiz attempts
    whose learners the viewer grades, with Enrolment and Cohort joined; nothing otherwise."""
    from diplolearn.models import QuizAttempt

    where = _grading_filter(viewer, course_id)
    return (sa.select(*(columns or (QuizAttempt,))).select_from(QuizAttempt)
            .join(Enrolment, Enrolment.id == QuizAttempt.enrolment_id)
            .join(Cohort, Cohort.id == Enrolment.cohort_id)
            .where(where if where is not None else sa.false()))


def graded_attempt_or_404(viewer: User, course_id: int, quiz_id: int, attempt_id: int):
    from diplolearn.models import QuizAttempt

    attempt = db.session.scalar(graded_attempts(viewer, course_id).where(
        QuizAttempt.id == attempt_id, QuizAttempt.quiz_id == quiz_id)
        .options(joinedload(QuizAttempt.enrolment).joinedload(Enrolment.user)))
    if attempt is None:
        abort(404)
    return attempt


def course_quiz_or_404(viewer: User, course_id: int, quiz_key: str):
    """A quiz of a course whose learners the viewer grades; 404 otherwise."""
    from diplolearn.models import Quiz

    course = grading_course_or_404(viewer, course_id)
    quiz = db.session.scalar(sa.select(Quiz).where(Quiz.course_id == course.id,
                                                   Quiz.key == quiz_key))
    if quiz is None:
        abort(404)
    return course, quiz


def regrades_course(viewer: User, course_id: int) -> bool:
    scope = Scope.of(viewer)
    return scope.is_administrator or course_id in scope.course_ids


def policy_cohorts(viewer: User, course_id: int) -> sa.Select:
    """Select the course's cohorts whose quiz policies the viewer may override."""
    scope = Scope.of(viewer)
    query = sa.select(Cohort).where(Cohort.course_id == course_id)
    if not regrades_course(viewer, course_id):
        query = query.where(Cohort.id.in_(scope.cohort_ids))
    return query


def policy_cohort_or_404(viewer: User, course_id: int, cohort_id: int) -> Cohort:
    cohort = db.session.scalar(policy_cohorts(viewer, course_id).where(Cohort.id == cohort_id))
    if cohort is None:
        abort(404)
    return cohort


def policy_enrolment_or_404(viewer: User, course_id: int, enrolment_id: int) -> Enrolment:
    """A learner of a cohort whose quiz policies the viewer may override; 404 otherwise."""
    cohort_ids = policy_cohorts(viewer, course_id).with_only_columns(Cohort.id)
    enrolment = db.session.scalar(sa.select(Enrolment).where(
        Enrolment.id == enrolment_id, Enrolment.cohort_id.in_(cohort_ids))
        .options(joinedload(Enrolment.user)))
    if enrolment is None:
        abort(404)
    return enrolment


def policy_overrides(viewer: User, course_id: int, quiz_id: int) -> sa.Select:
    """Select the quiz's overrides (cohorts' and learners') the viewer may change."""
    from diplolearn.models import QuizPolicyOverride

    cohort_ids = policy_cohorts(viewer, course_id).with_only_columns(Cohort.id)
    return (sa.select(QuizPolicyOverride)
            .outerjoin(Enrolment, Enrolment.id == QuizPolicyOverride.enrolment_id)
            .where(QuizPolicyOverride.quiz_id == quiz_id,
                   sa.or_(QuizPolicyOverride.cohort_id.in_(cohort_ids),
                          Enrolment.cohort_id.in_(cohort_ids))))


def policy_override_or_404(viewer: User, course_id: int, quiz_id: int, override_id: int):
    from diplolearn.models import QuizPolicyOverride

    override = db.session.scalar(policy_overrides(viewer, course_id, quiz_id).where(
        QuizPolicyOverride.id == override_id))
    if override is None:
        abort(404)
    return override


# --- teaching a cohort: setting it up, its places and its tutor groups ------------------------
# An administrator manages every cohort; an instructor of a course manages the course's
# cohorts; a lead instructor manages their cohort. A tutor reads the cohort's pages for their
# own groups only and changes nothing. The self-paced (default) cohort has no schedule, places
# or groups to manage: it is out of this scope for everyone.

@dataclass(frozen=True)
class CohortAccess:
    cohort: Cohort
    manages: bool
    group_ids: frozenset[int] | None  # the groups the viewer follows; None: every group


def taught_course_or_404(viewer: User, course_id: int):
    """A course the viewer teaches (instructor of it, or administrator); 404 otherwise."""
    from diplolearn.models import Course

    scope = Scope.of(viewer)
    query = sa.select(Course).where(Course.id == course_id, Course.retired_at.is_(None))
    if not scope.is_administrator:
        query = query.where(Course.id.in_(scope.course_ids))
    course = db.session.scalar(query)
    if course is None:
        abort(404)
    return course


def taught_courses(viewer: User) -> list:
    from diplolearn.models import Course

    scope = Scope.of(viewer)
    query = sa.select(Course).where(Course.retired_at.is_(None)).order_by(Course.key)
    if not scope.is_administrator:
        query = query.where(Course.id.in_(scope.course_ids))
    return list(db.session.scalars(query))


def _taught_cohort_filter(scope: Scope):
    if scope.is_administrator:
        return sa.true()
    return sa.or_(Cohort.course_id.in_(scope.course_ids), Cohort.id.in_(scope.cohort_ids),
                  Cohort.id.in_(sa.select(TutorGroup.cohort_id).where(
                      TutorGroup.id.in_(scope.tutor_group_ids))))


def taught_cohorts(viewer: User) -> sa.Select:
    """Select the cohorts the viewer manages or tutors in, with their course."""
    return (sa.select(Cohort).where(Cohort.is_default.is_(False),
                                    _taught_cohort_filter(Scope.of(viewer)))
            .options(joinedload(Cohort.course))
            .order_by(Cohort.starts_at.desc().nulls_last(), Cohort.id.desc()))


def taught_cohort_or_404(viewer: User, cohort_id: int) -> CohortAccess:
    """A cohort the viewer manages or tutors in, with what they may do there; 404 otherwise."""
    cohort = db.session.scalar(taught_cohorts(viewer).where(Cohort.id == cohort_id))
    if cohort is None:
        abort(404)
    if leads_cohort(viewer, cohort):
        return CohortAccess(cohort, True, None)
    scope = Scope.of(viewer)
    groups = frozenset(db.session.scalars(sa.select(TutorGroup.id).where(
        TutorGroup.cohort_id == cohort.id, TutorGroup.id.in_(scope.tutor_group_ids))))
    return CohortAccess(cohort, False, groups)


def managed_cohort_or_404(viewer: User, cohort_id: int) -> CohortAccess:
    """A cohort the viewer manages: 404 outside their scope, 403 for its tutors (who see it
    but change nothing)."""
    access = taught_cohort_or_404(viewer, cohort_id)
    if not access.manages:
        abort(403)
    return access


def cohort_groups(access: CohortAccess) -> sa.Select:
    query = (sa.select(TutorGroup).where(TutorGroup.cohort_id == access.cohort.id)
             .order_by(TutorGroup.name, TutorGroup.id))
    if access.group_ids is not None:
        query = query.where(TutorGroup.id.in_(access.group_ids))
    return query


def cohort_group_or_404(access: CohortAccess, group_id: int) -> TutorGroup:
    group = db.session.scalar(cohort_groups(access).where(TutorGroup.id == group_id))
    if group is None:
        abort(404)
    return group


def cohort_enrolments(access: CohortAccess) -> sa.Select:
    """Select the cohort's enrolments the viewer may see, with person, group and sponsor."""
    query = (sa.select(Enrolment).join(User, User.id == Enrolment.user_id)
             .where(Enrolment.cohort_id == access.cohort.id)
             .options(joinedload(Enrolment.user), joinedload(Enrolment.tutor_group),
                      joinedload(Enrolment.sponsor_ministry))
             .order_by(User.sort_key, Enrolment.id))
    if access.group_ids is not None:
        query = query.where(Enrolment.tutor_group_id.in_(access.group_ids))
    return query


def cohort_enrolment_or_404(access: CohortAccess, enrolment_id: int) -> Enrolment:
    enrolment = db.session.scalar(cohort_enrolments(access).where(Enrolment.id == enrolment_id))
    if enrolment is None:
        abort(404)
    return enrolment


def account_by_email(viewer: User, email: str) -> User | None:
    """The active account with exactly this email, for someone who manages a cohort (to enrol
    a person or make them a tutor); None otherwise. Nobody browses accounts this way: the
    email must be known in full."""
    from diplolearn.models.accounts import normalise_email

    scope = Scope.of(viewer)
    if not (scope.is_administrator or scope.course_ids or scope.cohort_ids):
        return None
    return db.session.scalar(sa.select(User).where(
        sa.func.lower(User.email) == normalise_email(email),
        User.is_active_account.is_(True), User.erased_at.is_(None)))


# --- a coordinator's seats in cohorts -------------------------------------------------------------
# A coordinator sees the cohorts in which their ministry has seats, and only the enrolments
# it sponsors there (never who else is enrolled); they nominate their current staff.

def nomination_cohorts(viewer: User, ministry_id: int) -> sa.Select:
    """Select the cohorts where the coordinated ministry has seats, with the allotment."""
    from diplolearn.models import SeatAllotment

    return (sa.select(Cohort, SeatAllotment)
            .join(SeatAllotment, SeatAllotment.cohort_id == Cohort.id)
            .where(_coordinated(viewer, ministry_id), SeatAllotment.ministry_id == ministry_id,
                   Cohort.is_default.is_(False))
            .options(joinedload(Cohort.course))
            .order_by(Cohort.starts_at.desc().nulls_last(), Cohort.id.desc()))


def nomination_cohort_or_404(viewer: User, ministry_id: int, cohort_id: int):
    """(cohort, its allotment to the ministry); 404 where the ministry has no seats."""
    row = db.session.execute(nomination_cohorts(viewer, ministry_id).where(
        Cohort.id == cohort_id)).first()
    if row is None:
        abort(404)
    return tuple(row)


def nominated_enrolments(viewer: User, ministry_id: int, cohort_id: int | None) -> sa.Select:
    """Select the enrolments the coordinated ministry sponsors in the cohort (in every cohort
    when ``cohort_id`` is None), with people."""
    query = (sa.select(Enrolment).join(User, User.id == Enrolment.user_id)
             .where(_coordinated(viewer, ministry_id),
                    Enrolment.sponsor_ministry_id == ministry_id)
             .options(joinedload(Enrolment.user))
             .order_by(User.sort_key, Enrolment.id))
    return query if cohort_id is None else query.where(Enrolment.cohort_id == cohort_id)


def nominated_enrolment_or_404(viewer: User, ministry_id: int, cohort_id: int,
                               enrolment_id: int) -> Enrolment:
    enrolment = db.session.scalar(nominated_enrolments(viewer, ministry_id, cohort_id).where(
        Enrolment.id == enrolment_id))
    if enrolment is None:
        abort(404)
    return enrolment


# --- discussion on the text ------------------------------------------------------------------
# An annotation is read by: its author, always; the members of the tutor group it was posted
# in (the group at posting time, ``audience`` "group"); everyone in the cohort for a thread
# opened to the whole cohort (``audience`` "cohort"); the group's tutors; and those who manage
# the cohort (``leads_cohort``). A private note is its author's alone. Coordinators hold no
# discussion scope at all: no filter below ever names a ministry. Every row carries its
# thread's audience, so these filters answer for roots and replies alike.

def learner_discussion(enrolment: Enrolment):
    """The WHERE clause (on Annotation) of what a learner reads through their enrolment."""
    from diplolearn.models import Annotation

    shared = [Annotation.audience == "cohort"]
    if enrolment.tutor_group_id is not None:
        shared.append(sa.and_(Annotation.audience == "group",
                              Annotation.tutor_group_id == enrolment.tutor_group_id))
    return sa.and_(Annotation.cohort_id == enrolment.cohort_id,
                   sa.or_(Annotation.author_id == enrolment.user_id, *shared))


def staff_discussion(access: CohortAccess):
    """The WHERE clause (on Annotation) of what a cohort's staff read: never private notes;
    a tutor, the groups they tutor and the whole-cohort threads."""
    from diplolearn.models import Annotation

    clause = sa.and_(Annotation.cohort_id == access.cohort.id,
                     Annotation.audience != "private")
    if access.group_ids is not None:
        clause = sa.and_(clause, sa.or_(
            Annotation.audience == "cohort",
            sa.and_(Annotation.audience == "group",
                    Annotation.tutor_group_id.in_(access.group_ids))))
    return clause


def discussion_annotation_or_404(where, annotation_id: int):
    """One annotation inside a discussion filter (``learner_discussion``/``staff_discussion``),
    with its author; 404 for anything else, exactly as for an id that does not exist."""
    from diplolearn.models import Annotation

    annotation = db.session.scalar(sa.select(Annotation).where(
        Annotation.id == annotation_id, where).options(joinedload(Annotation.author)))
    if annotation is None:
        abort(404)
    return annotation


# --- authoring (authoring/): a course's owners and co-authors edit it; every instructor ----
# (anyone holding INSTRUCTOR on some course) reads and copies any course; administrators edit.

def may_author(viewer: User, course_id: int) -> bool:
    scope = Scope.of(viewer)
    return scope.is_administrator or course_id in scope.course_ids


def authored_course_or_404(viewer: User, course_id: int):
    """A course the viewer edits (owner or co-author, or administrator). 404 when the viewer
    may not even read it; 403 for an instructor who reads it but does not author it."""
    course = readable_course_or_404(viewer, course_id)
    if not may_author(viewer, course.id):
        abort(403)
    return course


def readable_course_or_404(viewer: User, course_id: int):
    """A course the viewer may read and copy in the authoring area: any course for an
    instructor of some course or an administrator; 404 otherwise."""
    from diplolearn.models import Course

    scope = Scope.of(viewer)
    if not (scope.is_administrator or scope.course_ids):
        abort(404)
    course = db.session.scalar(sa.select(Course).where(Course.id == course_id,
                                                       Course.retired_at.is_(None)))
    if course is None:
        abort(404)
    return course


def readable_courses(viewer: User) -> list:
    from diplolearn.models import Course

    scope = Scope.of(viewer)
    if not (scope.is_administrator or scope.course_ids):
        return []
    return list(db.session.scalars(sa.select(Course).where(Course.retired_at.is_(None))
                                   .order_by(Course.key)))


def course_cohort_or_404(course_id: int, cohort_id: int) -> Cohort:
    """A cohort of the given (already scoped) course; 404 for any other id."""
    cohort = db.session.scalar(sa.select(Cohort).where(Cohort.id == cohort_id,
                                                       Cohort.course_id == course_id))
    if cohort is None:
        abort(404)
    return cohort


def course_author_or_404(course_id: int, user_id: int) -> User:
    """An owner or co-author (INSTRUCTOR grant) of the given (already scoped) course; 404 for
    anyone else."""
    from diplolearn.models import CourseOwner, RoleGrant

    user = db.session.scalar(sa.select(User).where(User.id == user_id, sa.or_(
        User.id.in_(sa.select(CourseOwner.user_id).where(CourseOwner.course_id == course_id)),
        User.id.in_(sa.select(RoleGrant.user_id).where(
            RoleGrant.role == Role.INSTRUCTOR.value, RoleGrant.course_id == course_id)))))
    if user is None:
        abort(404)
    return user


def course_upload_or_404(viewer: User, course_id: int, upload_id: int):
    """A course-folder zip the viewer uploaded to a course they teach and has not been
    imported yet; 404 for anyone else's, another course's, or one already applied."""
    from diplolearn.models import CourseUpload

    course = taught_course_or_404(viewer, course_id)
    upload = db.session.scalar(sa.select(CourseUpload).where(
        CourseUpload.id == upload_id, CourseUpload.course_id == course.id,
        CourseUpload.uploaded_by_id == viewer.id, CourseUpload.applied_at.is_(None)))
    if upload is None:
        abort(404)
    return course, upload


def lesson_image_or_404(viewer: User, course_id: int, image_id: int):
    """An image of a course the viewer teaches; 404 otherwise."""
    from diplolearn.models import LessonImage

    course = taught_course_or_404(viewer, course_id)
    image = db.session.scalar(sa.select(LessonImage).where(
        LessonImage.id == image_id, LessonImage.course_id == course.id))
    if image is None:
        abort(404)
    return course, image


def learner_sessions(enrolment: Enrolment) -> sa.Select:
    """Weekly text sessions a learner takes part in: their group's and the whole cohort's,
    soonest first."""
    from diplolearn.models import DiscussionSession

    shared = [DiscussionSession.tutor_group_id.is_(None)]
    if enrolment.tutor_group_id is not None:
        shared.append(DiscussionSession.tutor_group_id == enrolment.tutor_group_id)
    return (sa.select(DiscussionSession)
            .where(DiscussionSession.cohort_id == enrolment.cohort_id, sa.or_(*shared))
            .options(joinedload(DiscussionSession.tutor_group))
            .order_by(DiscussionSession.starts_at.desc(), DiscussionSession.id.desc()))


def staff_sessions(access: CohortAccess) -> sa.Select:
    """A cohort's weekly sessions its staff follow: a tutor, their groups' and the whole
    cohort's; those who manage it, all."""
    from diplolearn.models import DiscussionSession

    query = (sa.select(DiscussionSession)
             .where(DiscussionSession.cohort_id == access.cohort.id)
             .options(joinedload(DiscussionSession.tutor_group))
             .order_by(DiscussionSession.starts_at.desc(), DiscussionSession.id.desc()))
    if access.group_ids is not None:
        query = query.where(sa.or_(DiscussionSession.tutor_group_id.is_(None),
                                   DiscussionSession.tutor_group_id.in_(access.group_ids)))
    return query


def session_or_404(sessions: sa.Select, session_id: int):
    """One session of ``learner_sessions``/``staff_sessions``; 404 otherwise."""
    from diplolearn.models import DiscussionSession

    session = db.session.scalar(sessions.where(DiscussionSession.id == session_id))
    if session is None:
        abort(404)
    return session
