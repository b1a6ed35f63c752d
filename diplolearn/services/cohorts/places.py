"""A cohort's places: capacity, ministries' seats, the waiting list, enrolment, nomination,
substitution, withdrawal, and moves between tutor groups.

Places. A cohort may have a ``capacity``; a ministry may have ``SeatAllotment.seats`` in it.
Enrolments in a ``SEAT_HOLDING`` state (invited, active, deferred, completed) hold a place and
count against both: against the capacity always, against their sponsoring ministry's seats when
that ministry has an allotment. Seats are reserved for their ministry: anyone else (no sponsor,
or a ministry without seats) only gets the places left when every allotment is set aside.
Nobody ever exceeds the capacity or a ministry's seats, even when enrolments race: every
change of places first locks the cohort row (``SELECT ... FOR UPDATE`` on PostgreSQL; on
SQLite a writing request holds the database's write lock from its first statement, see
``diplolearn/__init__.py``), then counts and writes in the same transaction.

Who asks for a place:
- an instructor (lead instructor of the cohort, instructor of the course, administrator)
  enrols any active account by its exact email; the person's current ministry sponsors it;
- a ministry's coordinator nominates the ministry's current staff into its seats. A
  ministry without an allotment in a cohort cannot nominate there at all.
When there is no place — the cohort is full, or the sponsoring ministry's seats are taken —
the person goes on the waiting list (state ``waitlisted``) instead of being refused: the
coordinator sees the position, and the first place that comes free is offered at once.
Places come free by withdrawal, by a larger capacity or by more seats; each time, the waiting
list is walked in order (``waitlisted_at``) and every enrolment that now fits is promoted to
``invited`` and told by mail. An enrolment that does not fit (its ministry's seats are still
taken) keeps its place in the queue and does not block those behind it.

Substitution: before the cohort starts, a coordinator may replace a nominee by another of
their staff. The nominee's enrolment is withdrawn (kept, with its history), the substitute's
enrolment takes over its place (or its position on the waiting list) and its tutor group, and
points back at it (``replaces_enrolment_id``).

Tutor groups have a size limit, checked under the same lock. Every change of group, including
the first, is a ``TutorGroupMove`` row, so a learner's history across groups is kept; their
progress belongs to the enrolment, which never changes.

Functions flush and never commit; each validates everything before writing anything.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from diplolearn.extensions import db
from diplolearn.i18n import pick_text
from diplolearn.models import (
    Cohort,
    Enrolment,
    EnrolmentState,
    Ministry,
    SeatAllotment,
    StaffMembership,
    TutorGroup,
    TutorGroupMove,
    User,
    utcnow,
)
from diplolearn.models.states import SEAT_HOLDING
from diplolearn.services import audit
from diplolearn.services.cohorts import (
    AlreadyEnrolled,
    CohortRefused,
    CohortStarted,
    NoSuchAccount,
    TutorGroupFull,
)
from diplolearn.services.errors import NotAllowed
from diplolearn.services.outbox import public_url, queue_mail

# --- places --------------------------------------------------------------------------------------


def lock_cohort(cohort_id: int) -> Cohort:
    """The cohort row, locked until the transaction ends: every change of places goes first
    through here, so two enrolments cannot both take the last place."""
    return db.session.scalars(
        sa.select(Cohort)
        .where(Cohort.id == cohort_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def places_taken(cohort_id: int) -> dict[int | None, int]:
    """Places held in the cohort, by sponsoring ministry id (None: no sponsor)."""
    rows = db.session.execute(
        sa.select(Enrolment.sponsor_ministry_id, sa.func.count())
        .where(Enrolment.cohort_id == cohort_id, Enrolment.state.in_(SEAT_HOLDING))
        .group_by(Enrolment.sponsor_ministry_id)
    )
    return dict(rows.all())


def allotments(cohort_id: int) -> dict[int, int]:
    """Seats allotted in the cohort, by ministry id."""
    return dict(
        db.session.execute(
            sa.select(SeatAllotment.ministry_id, SeatAllotment.seats).where(
                SeatAllotment.cohort_id == cohort_id
            )
        ).all()
    )


class _Places:
    """The places of one locked cohort, counted once and kept up to date while promoting."""

    def __init__(self, cohort: Cohort):
        self.cohort = cohort
        self.taken = places_taken(cohort.id)
        self.seats = allotments(cohort.id)

    @property
    def total(self) -> int:
        return sum(self.taken.values())

    @property
    def open_taken(self) -> int:
        """Places held outside any ministry's seats (no sponsor, or one without seats)."""
        return sum(n for m, n in self.taken.items() if m not in self.seats)

    def fits(self, sponsor_id: int | None) -> bool:
        capacity = self.cohort.capacity
        if capacity is not None and self.total >= capacity:
            return False
        if sponsor_id in self.seats:
            return self.taken.get(sponsor_id, 0) < self.seats[sponsor_id]
        # Seats are reserved: others only get the places no ministry has been allotted.
        return capacity is None or self.open_taken + sum(self.seats.values()) < capacity

    def take(self, sponsor_id: int | None) -> None:
        self.taken[sponsor_id] = self.taken.get(sponsor_id, 0) + 1


def waiting_list(cohort_id: int) -> list[Enrolment]:
    return list(
        db.session.scalars(
            sa.select(Enrolment)
            .where(Enrolment.cohort_id == cohort_id, Enrolment.state == EnrolmentState.WAITLISTED)
            .order_by(Enrolment.waitlisted_at, Enrolment.id)
        )
    )


def waiting_positions(enrolments) -> dict[int, int]:
    """Each waitlisted enrolment's place in its cohort's queue (1 = next), by enrolment id, in
    one query whatever the number of cohorts (none when no enrolment is waitlisted). The queue
    is walked in this order when places come free; a sponsor's full seats may skip one."""
    waiting = {e.id for e in enrolments if e.state == EnrolmentState.WAITLISTED}
    if not waiting:
        return {}
    cohort_ids = {e.cohort_id for e in enrolments if e.id in waiting}
    positions, counted = {}, {}
    for row in db.session.execute(
        sa.select(Enrolment.id, Enrolment.cohort_id)
        .where(Enrolment.cohort_id.in_(cohort_ids), Enrolment.state == EnrolmentState.WAITLISTED)
        .order_by(Enrolment.cohort_id, Enrolment.waitlisted_at, Enrolment.id)
    ):
        counted[row.cohort_id] = counted.get(row.cohort_id, 0) + 1
        if row.id in waiting:
            positions[row.id] = counted[row.cohort_id]
    return positions


def fill_from_waiting_list(cohort: Cohort, *, by: User | None) -> list[Enrolment]:
    """Promote, in order, every waiting enrolment that now fits. The cohort must be locked."""
    places = _Places(cohort)
    promoted = []
    for enrolment in waiting_list(cohort.id):
        if not places.fits(enrolment.sponsor_ministry_id):
            continue
        enrolment.move_to(EnrolmentState.INVITED)
        places.take(enrolment.sponsor_ministry_id)
        promoted.append(enrolment)
        audit.record(
            by,
            "enrolment.promote",
            subject=enrolment.user,
            target=enrolment,
            ministry_id=enrolment.sponsor_ministry_id,
            cohort_id=cohort.id,
        )
        _tell(enrolment, "promoted")
    db.session.flush()
    return promoted


def _tell(enrolment: Enrolment, what: str) -> None:
    """Mail the learner about their place: ``enrolled``, ``waitlisted`` or ``promoted``."""
    cohort, user = enrolment.cohort, enrolment.user
    order = [
        user.reading_language or "",
        user.interface_language or "",
        *cohort.course.languages,
        "en",
    ]
    queue_mail(
        "cohort_place",
        user,
        what=what,
        cohort_name=pick_text(cohort.name, order)[0],
        course_title=pick_text(cohort.course.title, order)[0],
        starts_at=cohort.starts_at,
        cohort_timezone=cohort.timezone,
        url=public_url("main.home"),
    )


def set_seats(cohort: Cohort, ministry: Ministry, seats: int, *, by: User) -> SeatAllotment:
    if seats < 0:
        raise CohortRefused(_("The number of seats cannot be negative."))
    cohort = lock_cohort(cohort.id)
    places = _Places(cohort)
    held = places.taken.get(ministry.id, 0)
    if seats < held:
        raise CohortRefused(
            _(
                "This ministry already holds %(count)d places: it cannot have "
                "fewer seats. Withdraw someone first.",
                count=held,
            )
        )
    others = sum(n for m, n in places.seats.items() if m != ministry.id)
    # Places already held outside any ministry's seats stay theirs (this ministry's own
    # places, held before it had seats, move into its seats).
    outside = places.open_taken - (held if ministry.id not in places.seats else 0)
    if cohort.capacity is not None and others + seats + outside > cohort.capacity:
        raise CohortRefused(
            _(
                "The ministries' seats would add up to %(seats)d, and %(outside)d "
                "places are held outside them: more than the cohort's capacity "
                "of %(capacity)d.",
                seats=others + seats,
                outside=outside,
                capacity=cohort.capacity,
            )
        )
    allotment = db.session.scalar(
        sa.select(SeatAllotment).where(
            SeatAllotment.cohort_id == cohort.id, SeatAllotment.ministry_id == ministry.id
        )
    )
    before = allotment.seats if allotment else None
    if allotment is None:
        allotment = SeatAllotment(cohort_id=cohort.id, ministry_id=ministry.id, seats=seats)
        db.session.add(allotment)
    allotment.seats = seats
    db.session.flush()
    audit.record(
        by, "cohort.seats", target=cohort, ministry_id=ministry.id, before=before, seats=seats
    )
    fill_from_waiting_list(cohort, by=by)
    return allotment


# --- enrolments --------------------------------------------------------------------------------


def current_ministry_id(user: User) -> int | None:
    return db.session.scalar(
        sa.select(StaffMembership.ministry_id).where(
            StaffMembership.user_id == user.id, StaffMembership.ended_at.is_(None)
        )
    )


def nominations_open(cohort: Cohort, now: dt.datetime | None = None) -> bool:
    """Whether people may still join the cohort (or its waiting list): until it ends."""
    now = now or utcnow()
    return not cohort.is_default and (cohort.ends_at is None or cohort.ends_at > now)


def substitution_open(cohort: Cohort, now: dt.datetime | None = None) -> bool:
    """Whether a nominee may still be replaced: until the cohort starts."""
    now = now or utcnow()
    return nominations_open(cohort, now) and (cohort.starts_at is None or cohort.starts_at > now)


def _ensure_open(cohort: Cohort) -> None:
    if cohort.is_default:
        raise CohortRefused(_("The self-paced cohort has no places to manage."))
    if cohort.ends_at is not None and cohort.ends_at <= utcnow():
        raise CohortRefused(_("This cohort has ended: nobody can join it any more."))


def _place(
    cohort: Cohort,
    user: User,
    sponsor_id: int | None,
    *,
    by: User,
    action: str,
    tutor_group: TutorGroup | None = None,
    waitlisted_at: dt.datetime | None = None,
    replaces: Enrolment | None = None,
    take_place: bool | None = None,
) -> Enrolment:
    """Give ``user`` a place in the locked ``cohort``, or a place on its waiting list.
    ``take_place`` forces the outcome (a substitute takes over a nominee's place)."""
    existing = db.session.scalar(
        sa.select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.cohort_id == cohort.id)
    )
    if existing is not None and existing.state != EnrolmentState.WITHDRAWN:
        raise AlreadyEnrolled()
    if tutor_group is not None:
        _check_group_room(tutor_group)
    fits = _Places(cohort).fits(sponsor_id) if take_place is None else take_place
    target = EnrolmentState.INVITED if fits else EnrolmentState.WAITLISTED
    if existing is None:
        enrolment = Enrolment(
            user_id=user.id,
            cohort_id=cohort.id,
            sponsor_ministry_id=sponsor_id,
            state=target,
            waitlisted_at=None,
        )
        if target == EnrolmentState.WAITLISTED:
            enrolment.waitlisted_at = waitlisted_at or utcnow()
        db.session.add(enrolment)
        db.session.flush()
    else:
        enrolment = existing
        enrolment.sponsor_ministry_id = sponsor_id
        enrolment.move_to(target)
        if waitlisted_at is not None and target == EnrolmentState.WAITLISTED:
            enrolment.waitlisted_at = waitlisted_at
    if replaces is not None:
        enrolment.replaces_enrolment_id = replaces.id
    db.session.flush()
    if tutor_group is not None and enrolment.tutor_group_id != tutor_group.id:
        _record_move(enrolment, tutor_group, by)
    audit.record(
        by,
        action,
        subject=user,
        target=enrolment,
        ministry_id=sponsor_id,
        cohort_id=cohort.id,
        state=enrolment.state,
        replaces=replaces.id if replaces is not None else None,
    )
    _tell(enrolment, "enrolled" if fits else "waitlisted")
    return enrolment


def enrol_by_instructor(
    cohort: Cohort, user: User, *, by: User, tutor_group: TutorGroup | None = None
) -> Enrolment:
    """Enrol an existing active account; its current ministry sponsors the place. Without a
    free place (capacity, or the ministry's seats), the person joins the waiting list."""
    if not user.is_active:
        raise NoSuchAccount()
    if tutor_group is not None and tutor_group.cohort_id != cohort.id:
        raise NotAllowed()
    cohort = lock_cohort(cohort.id)
    _ensure_open(cohort)
    return _place(
        cohort,
        user,
        current_ministry_id(user),
        by=by,
        action="enrolment.create",
        tutor_group=tutor_group,
    )


def _ensure_current_staff(ministry: Ministry, user: User) -> None:
    if current_ministry_id(user) != ministry.id or not user.is_active:
        raise NotAllowed()


def nominate(cohort: Cohort, ministry: Ministry, user: User, *, by: User) -> Enrolment:
    """A coordinator's nomination of one of the ministry's current staff into its seats;
    beyond them, the nominee joins the waiting list."""
    _ensure_current_staff(ministry, user)
    cohort = lock_cohort(cohort.id)
    _ensure_open(cohort)
    if ministry.id not in allotments(cohort.id):
        raise CohortRefused(_("Your ministry has no seats in this cohort."))
    return _place(cohort, user, ministry.id, by=by, action="enrolment.nominate")


def substitute(enrolment: Enrolment, user: User, *, by: User) -> Enrolment:
    """Before the cohort starts, replace a nominee by another of the sponsoring ministry's
    current staff: the substitute takes over the nominee's place (or position on the waiting
    list) and tutor group; the nominee's enrolment is withdrawn and kept."""
    ministry = db.session.get(Ministry, enrolment.sponsor_ministry_id)
    if ministry is None:
        raise NotAllowed()
    _ensure_current_staff(ministry, user)
    cohort = lock_cohort(enrolment.cohort_id)
    _ensure_open(cohort)
    if cohort.starts_at is not None and cohort.starts_at <= utcnow():
        raise CohortStarted()
    db.session.refresh(enrolment)
    if enrolment.state not in (EnrolmentState.INVITED, EnrolmentState.WAITLISTED):
        raise CohortRefused(_("Only a nominee who has not started can be replaced."))
    if user.id == enrolment.user_id:
        raise AlreadyEnrolled()
    holds_place = enrolment.state == EnrolmentState.INVITED
    waitlisted_at, group = enrolment.waitlisted_at, enrolment.tutor_group
    enrolment.move_to(EnrolmentState.WITHDRAWN)
    audit.record(
        by,
        "enrolment.withdraw",
        subject=enrolment.user,
        target=enrolment,
        ministry_id=ministry.id,
        cohort_id=cohort.id,
        reason="substituted",
    )
    db.session.flush()
    return _place(
        cohort,
        user,
        ministry.id,
        by=by,
        action="enrolment.substitute",
        tutor_group=group,
        waitlisted_at=waitlisted_at,
        replaces=enrolment,
        take_place=holds_place,
    )


def withdraw(enrolment: Enrolment, *, by: User) -> list[Enrolment]:
    """Withdraw an enrolment (or take it off the waiting list). A freed place goes at once to
    the first waiting enrolment that fits; returns those promoted."""
    cohort = lock_cohort(enrolment.cohort_id)
    db.session.refresh(enrolment)
    if enrolment.state in (EnrolmentState.COMPLETED, EnrolmentState.WITHDRAWN):
        raise CohortRefused(
            _("This enrolment is completed or already withdrawn, so it cannot be withdrawn.")
        )
    freed = enrolment.state in SEAT_HOLDING
    enrolment.move_to(EnrolmentState.WITHDRAWN)
    db.session.flush()
    audit.record(
        by,
        "enrolment.withdraw",
        subject=enrolment.user,
        target=enrolment,
        ministry_id=enrolment.sponsor_ministry_id,
        cohort_id=cohort.id,
    )
    return fill_from_waiting_list(cohort, by=by) if freed else []


def waiting_position(enrolment: Enrolment, queue: list[Enrolment]) -> int | None:
    ids = [e.id for e in queue]
    return ids.index(enrolment.id) + 1 if enrolment.id in ids else None


# --- tutor group membership --------------------------------------------------------------------


def _check_group_room(group: TutorGroup) -> None:
    members = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Enrolment)
        .where(
            Enrolment.tutor_group_id == group.id,
            Enrolment.state.in_([*SEAT_HOLDING, EnrolmentState.WAITLISTED]),
        )
    )
    if members >= group.capacity:
        raise TutorGroupFull()


def _record_move(enrolment: Enrolment, group: TutorGroup | None, by: User | None) -> None:
    db.session.add(
        TutorGroupMove(
            enrolment_id=enrolment.id,
            from_group_id=enrolment.tutor_group_id,
            to_group_id=group.id if group else None,
            moved_by_id=by.id if by else None,
        )
    )
    enrolment.tutor_group_id = group.id if group else None
    db.session.flush()


def move_to_group(enrolment: Enrolment, group: TutorGroup | None, *, by: User) -> None:
    """Move a learner to another tutor group of their cohort (or out of every group); the
    enrolment and its records stay as they are, and the move is kept in the history."""
    if group is not None and group.cohort_id != enrolment.cohort_id:
        raise NotAllowed()
    lock_cohort(enrolment.cohort_id)  # group sizes, like places, are checked under the lock
    if enrolment.tutor_group_id == (group.id if group else None):
        return
    if group is not None:
        _check_group_room(group)
    before = enrolment.tutor_group_id
    _record_move(enrolment, group, by)
    audit.record(
        by,
        "enrolment.move_group",
        subject=enrolment.user,
        target=enrolment,
        ministry_id=enrolment.sponsor_ministry_id,
        from_group=before,
        to_group=group.id if group else None,
    )


def group_history(enrolment_ids) -> dict[int, list[TutorGroupMove]]:
    history: dict[int, list[TutorGroupMove]] = {}
    if not enrolment_ids:
        return history
    for move in db.session.scalars(
        sa.select(TutorGroupMove)
        .where(TutorGroupMove.enrolment_id.in_(enrolment_ids))
        .options(
            joinedload(TutorGroupMove.from_group),
            joinedload(TutorGroupMove.to_group),
            joinedload(TutorGroupMove.moved_by),
        )
        .order_by(TutorGroupMove.moved_at, TutorGroupMove.id)
    ):
        history.setdefault(move.enrolment_id, []).append(move)
    return history
