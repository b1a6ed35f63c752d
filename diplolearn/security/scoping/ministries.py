"""A coordinator's own ministry: its staff, former staff, rosters, reports and seats.

Each function takes the ministry id from the URL and intersects it with the viewer's
coordinator grants inside the query, so a view that forgot ``coordinated_ministry_or_404``
would still find nothing of another ministry.

Reports cover the seats the ministry paid for (``Enrolment.sponsor_ministry_id``): a person
who moved to another ministry stays in the sponsor's reports for those enrolments and never
appears in another ministry's. Seats in cohorts: a coordinator sees the cohorts in which their
ministry has seats, and only the enrolments it sponsors there (never who else is enrolled);
they nominate their current staff.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from diplolearn.extensions import db
from diplolearn.models import (
    Cohort,
    Enrolment,
    Ministry,
    Role,
    RoleGrant,
    RosterUpload,
    SeatAllotment,
    StaffMembership,
    User,
)
from diplolearn.names import person_order, sorted_by_name
from diplolearn.security.scoping.base import one_or_404, row_or_404, scope_of
from diplolearn.security.scoping.people import name_matches


def coordinated_ministries(viewer: User) -> list[Ministry]:
    ids = scope_of(viewer).ministry_ids
    # A coordinator's few ministries, by the name shown (a name per language: sorted here).
    return (
        sorted_by_name(db.session.scalars(sa.select(Ministry).where(Ministry.id.in_(ids))))
        if ids
        else []
    )


def _ministry_ids_of(viewer: User) -> frozenset[int] | None:
    """The ministries the viewer's registers cover: None (all) for an administrator, else the
    ones they coordinate."""
    scope = scope_of(viewer)
    return None if scope.is_administrator else scope.ministry_ids


def all_ministries(viewer: User, *, active_only: bool = False) -> list[Ministry]:
    """Every ministry (only the active ones with ``active_only``) by the name shown, for an
    administrator; the ones they coordinate for anyone else. A register of ministries is
    short, and names are per language: sorted after loading."""
    query = sa.select(Ministry)
    if active_only:
        query = query.where(Ministry.is_active.is_(True))
    ids = _ministry_ids_of(viewer)
    if ids is not None:
        query = query.where(Ministry.id.in_(ids))
    return sorted_by_name(db.session.scalars(query))


def ministry_or_404(viewer: User, ministry_id: int) -> Ministry:
    """Any ministry for an administrator, one they coordinate for anyone else; 404 otherwise."""
    query = sa.select(Ministry).where(Ministry.id == ministry_id)
    ids = _ministry_ids_of(viewer)
    if ids is not None:
        query = query.where(Ministry.id.in_(ids))
    return one_or_404(query)


def staff_counts(viewer: User, ministry_ids=None) -> dict[int, int]:
    """{ministry id: number of its current staff} over the ministries the viewer may see (an
    administrator all, a coordinator theirs), limited to ``ministry_ids`` when given; one
    query, none when there is nothing to count."""
    query = (
        sa.select(StaffMembership.ministry_id, sa.func.count())
        .where(StaffMembership.ended_at.is_(None))
        .group_by(StaffMembership.ministry_id)
    )
    visible = _ministry_ids_of(viewer)
    wanted = None if ministry_ids is None else set(ministry_ids)
    ids = visible if wanted is None else (wanted if visible is None else wanted & visible)
    if ids is not None:
        if not ids:
            return {}
        query = query.where(StaffMembership.ministry_id.in_(ids))
    return dict(db.session.execute(query).all())


def coordinators_by_ministry(viewer: User) -> dict[int, list[User]]:
    """{ministry id: its coordinators} over the viewer's ministries (grants, then people)."""
    query = (
        sa.select(RoleGrant)
        .where(RoleGrant.role == Role.COORDINATOR)
        .options(selectinload(RoleGrant.user))
    )
    ids = _ministry_ids_of(viewer)
    if ids is not None:
        query = query.where(RoleGrant.ministry_id.in_(ids))
    coordinators: dict[int, list[User]] = {}
    for grant in db.session.scalars(query):
        coordinators.setdefault(grant.ministry_id, []).append(grant.user)
    return coordinators


def ministry_coordinators(viewer: User, ministry_id: int) -> list[User]:
    """The coordinators of one of the viewer's ministries, by name; [] for any other."""
    ids = _ministry_ids_of(viewer)
    query = (
        sa.select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.COORDINATOR, RoleGrant.ministry_id == ministry_id)
        .order_by(User.sort_key)
    )
    if ids is not None:
        query = query.where(RoleGrant.ministry_id.in_(ids))
    return list(db.session.scalars(query))


def coordinated_ministry_or_404(viewer: User, ministry_id: int) -> Ministry:
    return one_or_404(
        sa.select(Ministry).where(
            Ministry.id == ministry_id, Ministry.id.in_(scope_of(viewer).ministry_ids)
        )
    )


def _coordinated(viewer: User, ministry_id: int) -> sa.ColumnElement[bool]:
    return sa.true() if ministry_id in scope_of(viewer).ministry_ids else sa.false()


# --- staff, former staff and rosters ---------------------------------------------------------


def ministry_member_ids(viewer: User, ministry_id: int) -> sa.Select:
    """Ids of the people the ministry's coordinator may see *as that ministry*: its current
    staff, and anyone with an enrolment it sponsored (who may have moved on since)."""
    coordinated = _coordinated(viewer, ministry_id)
    return sa.union(
        sa.select(StaffMembership.user_id).where(
            coordinated,
            StaffMembership.ministry_id == ministry_id,
            StaffMembership.ended_at.is_(None),
        ),
        sa.select(Enrolment.user_id).where(
            coordinated, Enrolment.sponsor_ministry_id == ministry_id
        ),
    )


def ministry_staff_query(viewer: User, ministry_id: int) -> sa.Select:
    """The ministry's current memberships (with their people, joined for ordering and search)."""
    return (
        sa.select(StaffMembership)
        .join(User, User.id == StaffMembership.user_id)
        .where(
            _coordinated(viewer, ministry_id),
            StaffMembership.ministry_id == ministry_id,
            StaffMembership.ended_at.is_(None),
        )
        .options(joinedload(StaffMembership.user))
        .order_by(*person_order(), User.id)
    )


def ministry_former_people_query(viewer: User, ministry_id: int) -> sa.Select:
    """People who are no longer (or never were) on the ministry's staff but have an enrolment
    it sponsored: their record of those enrolments stays the ministry's to follow."""
    current = sa.select(StaffMembership.user_id).where(
        StaffMembership.ministry_id == ministry_id, StaffMembership.ended_at.is_(None)
    )
    sponsored = sa.select(Enrolment.user_id).where(
        _coordinated(viewer, ministry_id), Enrolment.sponsor_ministry_id == ministry_id
    )
    return (
        sa.select(User)
        .where(User.id.in_(sponsored), User.id.not_in(current))
        .order_by(*person_order(), User.id)
    )


def ministry_people(
    viewer: User, ministry_id: int, *, former: bool = False, search: str = ""
) -> sa.Select:
    """Select (to paginate) the ministry's current staff memberships, or with ``former`` the
    people it follows who are no longer on its staff; ``search`` narrows both to people whose
    email or Latin name contains it (any case), or whose Arabic name does."""
    query = (
        ministry_former_people_query(viewer, ministry_id)
        if former
        else ministry_staff_query(viewer, ministry_id)
    )
    return query.where(name_matches(search)) if search else query


def ministry_staff(viewer: User, ministry_id: int) -> list[StaffMembership]:
    """The ministry's current memberships with their people (``ministry_staff_query``)."""
    return list(db.session.scalars(ministry_staff_query(viewer, ministry_id)).unique())


def ministry_person_or_404(viewer: User, ministry_id: int, user_id: int) -> User:
    return one_or_404(
        sa.select(User).where(
            User.id == user_id, User.id.in_(ministry_member_ids(viewer, ministry_id))
        )
    )


def ministry_memberships(viewer: User, ministry_id: int, user_id: int) -> list[StaffMembership]:
    """A person's memberships of this ministry only, newest first (never another ministry's)."""
    return list(
        db.session.scalars(
            sa.select(StaffMembership)
            .where(
                _coordinated(viewer, ministry_id),
                StaffMembership.ministry_id == ministry_id,
                StaffMembership.user_id == user_id,
            )
            .order_by(StaffMembership.started_at.desc(), StaffMembership.id.desc())
        )
    )


def current_membership_or_404(viewer: User, ministry_id: int, user_id: int) -> StaffMembership:
    """The person's current membership of this ministry; 404 for former staff and others."""
    return one_or_404(
        sa.select(StaffMembership)
        .where(
            _coordinated(viewer, ministry_id),
            StaffMembership.ministry_id == ministry_id,
            StaffMembership.user_id == user_id,
            StaffMembership.ended_at.is_(None),
        )
        .options(joinedload(StaffMembership.user))
    )


def ministry_sponsored_enrolments(viewer: User, ministry_id: int, user_id: int) -> list[Enrolment]:
    """The person's enrolments this ministry sponsored, with cohort and course loaded."""
    return list(
        db.session.scalars(
            sa.select(Enrolment)
            .where(
                _coordinated(viewer, ministry_id),
                Enrolment.sponsor_ministry_id == ministry_id,
                Enrolment.user_id == user_id,
            )
            .options(joinedload(Enrolment.cohort).joinedload(Cohort.course))
            .order_by(Enrolment.created_at.desc(), Enrolment.id.desc())
        )
    )


def roster_upload_or_404(viewer: User, ministry_id: int, upload_id: int) -> RosterUpload:
    """An upload of this ministry by this coordinator (a colleague's file is not theirs)."""
    return one_or_404(
        sa.select(RosterUpload).where(
            _coordinated(viewer, ministry_id),
            RosterUpload.id == upload_id,
            RosterUpload.ministry_id == ministry_id,
            RosterUpload.uploaded_by_id == viewer.id,
        )
    )


# --- reports: the enrolments the ministry sponsored --------------------------------------------


def sponsored_enrolments(viewer: User, ministry_id: int, *columns) -> sa.Select:
    """Select ``columns`` (the Enrolment entity by default) of the enrolments ``ministry_id``
    sponsored, when the viewer coordinates it; nothing otherwise."""
    return (
        sa.select(*(columns or (Enrolment,)))
        .select_from(Enrolment)
        .where(
            Enrolment.sponsor_ministry_id == ministry_id,
            Enrolment.sponsor_ministry_id.in_(scope_of(viewer).ministry_ids),
        )
    )


def sponsored_cohort_or_404(viewer: User, ministry_id: int, cohort_id: int) -> Cohort:
    """A cohort in which the coordinated ministry sponsored at least one enrolment; 404
    otherwise (another ministry's cohorts are not its business)."""
    return one_or_404(
        sa.select(Cohort)
        .where(
            Cohort.id == cohort_id,
            Cohort.id.in_(sponsored_enrolments(viewer, ministry_id, Enrolment.cohort_id)),
        )
        .options(joinedload(Cohort.course))
    )


# --- seats in cohorts and nominations ----------------------------------------------------------


def nomination_cohorts(viewer: User, ministry_id: int) -> sa.Select:
    """Select the cohorts where the coordinated ministry has seats, with the allotment."""
    return (
        sa.select(Cohort, SeatAllotment)
        .join(SeatAllotment, SeatAllotment.cohort_id == Cohort.id)
        .where(
            _coordinated(viewer, ministry_id),
            SeatAllotment.ministry_id == ministry_id,
            Cohort.is_default.is_(False),
        )
        .options(joinedload(Cohort.course))
        .order_by(Cohort.starts_at.desc().nulls_last(), Cohort.id.desc())
    )


def nomination_cohort_rows(viewer: User, ministry_id: int) -> list:
    """Rows (cohort, allotment) of the cohorts where the coordinated ministry has seats."""
    return db.session.execute(nomination_cohorts(viewer, ministry_id)).all()


def nomination_cohort_or_404(viewer: User, ministry_id: int, cohort_id: int):
    """(cohort, its allotment to the ministry); 404 where the ministry has no seats."""
    return row_or_404(nomination_cohorts(viewer, ministry_id).where(Cohort.id == cohort_id))


def nominated_enrolments(viewer: User, ministry_id: int, cohort_id: int | None) -> sa.Select:
    """Select the enrolments the coordinated ministry sponsors in the cohort (in every cohort
    when ``cohort_id`` is None), with people."""
    query = (
        sa.select(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .where(_coordinated(viewer, ministry_id), Enrolment.sponsor_ministry_id == ministry_id)
        .options(joinedload(Enrolment.user))
        .order_by(User.sort_key, Enrolment.id)
    )
    return query if cohort_id is None else query.where(Enrolment.cohort_id == cohort_id)


def nominated_list(viewer: User, ministry_id: int, cohort_id: int) -> list[Enrolment]:
    """The enrolments the coordinated ministry sponsors in the cohort, with people."""
    return list(
        db.session.scalars(nominated_enrolments(viewer, ministry_id, cohort_id)).unique().all()
    )


def nominated_in_cohorts(viewer: User, ministry_id: int, cohort_ids) -> list[Enrolment]:
    """The enrolments the coordinated ministry sponsors in any of the given cohorts."""
    return list(
        db.session.scalars(
            nominated_enrolments(viewer, ministry_id, None).where(
                Enrolment.cohort_id.in_(list(cohort_ids))
            )
        )
    )


def nominated_enrolment_or_404(
    viewer: User, ministry_id: int, cohort_id: int, enrolment_id: int
) -> Enrolment:
    return one_or_404(
        nominated_enrolments(viewer, ministry_id, cohort_id).where(Enrolment.id == enrolment_id)
    )
