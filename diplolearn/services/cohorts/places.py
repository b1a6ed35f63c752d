"""A cohort's places: its capacity, the ministries' seats (``set_seats``), the places taken
(``Places``), and the waiting list that fills places as they come free.

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

Enrolment, nomination, substitution and withdrawal are in enrolments.py, moves between tutor
groups in tutor_groups.py. Functions flush and never commit; each validates everything before
writing anything.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from diplolearn.extensions import db
from diplolearn.i18n import pick_text
from diplolearn.models import Cohort, Enrolment, EnrolmentState, Ministry, SeatAllotment, User
from diplolearn.models.states import SEAT_HOLDING
from diplolearn.services import audit
from diplolearn.services.cohorts import CohortRefused
from diplolearn.services.outbox import public_url, queue_mail


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


class Places:
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
    places = Places(cohort)
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
        tell_learner(enrolment, "promoted")
    db.session.flush()
    return promoted


def tell_learner(enrolment: Enrolment, what: str) -> None:
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
    places = Places(cohort)
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


def waiting_position(enrolment: Enrolment, queue: list[Enrolment]) -> int | None:
    ids = [e.id for e in queue]
    return ids.index(enrolment.id) + 1 if enrolment.id in ids else None
