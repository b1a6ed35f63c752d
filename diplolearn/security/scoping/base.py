"""The scope itself: what a viewer's role grants reach, and the one door out of every loader.

- ``Scope``: the ids a user's grants reach (ministries coordinated, courses taught, cohorts
  led, tutor groups tutored), and ``visible_user_ids``, the people those reach.
- ``scope_of(user)``: that Scope, computed once per request and kept in ``flask.g``;
  ``current_scope`` is the signed-in user's (None for an anonymous visitor or outside a
  request). Every loader of this package asks ``scope_of``, never ``Scope.of``.
- ``one_or_404`` / ``row_or_404``: how every ``..._or_404`` loader ends. Whatever the viewer
  may not see answers 404, exactly like an id that does not exist.

Why the cache cannot go stale: grants change within one request (a service grants a role and
a loader runs next; a test grants a role, then requests as that person, in the same app
context). So a cached Scope is kept together with the *fingerprint* of the grants it was
computed from: each grant's role and scope ids, read from the user's loaded ``grants``
collection. ``scope_of`` compares the fingerprint on every call and computes afresh when it
differs. ``Scope.of`` is a function of the user's id and exactly those values, so a cached
Scope is served only when recomputing it would give an equal one. A grant added, revoked (even
one added and another revoked, which leaves the count unchanged), edited in place, or the
collection expired and reloaded: each changes the fingerprint or is read afresh. (Keying by the
collection's identity and length would miss the first and third, and Python may reuse the id
of an expired list.) The check is one pass over grants already in memory, where ``Scope.of``
makes five and builds four sets; it reads the same attributes, so it issues no query that
``Scope.of`` would not have issued.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import abort, g, has_request_context
from flask_login import current_user
from werkzeug.local import LocalProxy

from diplolearn.extensions import db
from diplolearn.models import Enrolment, Role, StaffMembership, User


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
        """Compute the user's scope from their grants now (uncached: see ``scope_of``)."""

        def ids(role: Role, column: str) -> frozenset[int]:
            return frozenset(getattr(grant, column) for grant in user.grants if grant.role == role)

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
            parts.append(
                sa.select(StaffMembership.user_id).where(
                    StaffMembership.ministry_id.in_(self.ministry_ids),
                    StaffMembership.ended_at.is_(None),
                )
            )
            parts.append(
                sa.select(Enrolment.user_id).where(
                    Enrolment.sponsor_ministry_id.in_(self.ministry_ids)
                )
            )
        if self.cohort_ids:
            parts.append(
                sa.select(Enrolment.user_id).where(Enrolment.cohort_id.in_(self.cohort_ids))
            )
        if self.tutor_group_ids:
            parts.append(
                sa.select(Enrolment.user_id).where(
                    Enrolment.tutor_group_id.in_(self.tutor_group_ids)
                )
            )
        return sa.union(*parts)


# --- the viewer's scope, once per request -------------------------------------------------------

_CACHE = "_diplolearn_scopes"  # on flask.g: {user id: (grants fingerprint, Scope)}


def _grants_fingerprint(user: User) -> tuple:
    """Everything ``Scope.of`` reads of the user's grants: (role, scope ids) of each one."""
    return tuple(
        (grant.role, grant.ministry_id, grant.course_id, grant.cohort_id, grant.tutor_group_id)
        for grant in user.grants
    )


def scope_of(user: User) -> Scope:
    """The user's Scope: inside a request, computed once and kept in ``flask.g`` under the
    user's id, served again while their grants are unchanged (module docstring); outside a
    request, or for a user not yet flushed, computed afresh."""
    if not has_request_context() or user.id is None:
        return Scope.of(user)
    fingerprint = _grants_fingerprint(user)
    cache: dict[int, tuple[tuple, Scope]] = g.setdefault(_CACHE, {})
    cached = cache.get(user.id)
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    scope = Scope.of(user)
    cache[user.id] = (fingerprint, scope)
    return scope


def _signed_in_scope() -> Scope | None:
    if not has_request_context():
        return None
    user = current_user._get_current_object()
    if user is None or not user.is_authenticated:
        return None
    return scope_of(user)


# The signed-in user's scope, like flask_login's current_user (None when nobody is signed in).
current_scope: Scope = LocalProxy(_signed_in_scope)  # type: ignore[assignment]


# --- the one door out of every loader -------------------------------------------------------------


def one_or_404(query: sa.Select) -> Any:
    """The first column of the query's first row (loaders select one entity by its id), or
    abort with 404: out of scope and not existing answer alike."""
    found = db.session.scalar(query)
    if found is None:
        abort(404)
    return found


def row_or_404(query: sa.Select) -> tuple:
    """The query's first row as a tuple (a loader selecting several entities), or 404."""
    row = db.session.execute(query).first()
    if row is None:
        abort(404)
    return tuple(row)
