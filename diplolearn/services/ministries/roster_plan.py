"""Planning a staff roster: what confirming a coordinator's CSV file would do, row by row
(``plan_roster``, giving a ``RosterPlan`` of ``PlanItem``s, each with its ``Action``).

``plan_roster`` reads the file (services.ministries.roster_csv), matches every row against the
database in a fixed number of bulk queries (never one per row) and says, row by row, what
confirming would do: create a person, let an existing account join the ministry, update, leave
unchanged, or (in sync mode only) end the membership of a current member the file no longer
lists. Any problem blocks the whole file.

Matching: the staff id, when the row has one and the ministry knows it, is the key (so an email
change updates the account's email, when that is safe); otherwise the email. A person who is on
another ministry's staff is a problem worded without naming that ministry.

Re-importing the same file changes nothing: every row is then ``unchanged``. The preferred
language is applied to new people, and to those who have not accepted their invitation yet; a
person who signed in chooses their own. An empty staff id or Arabic name keeps the known one;
position and posting are the file's to describe (an empty cell clears them).
"""

from __future__ import annotations

import enum
import hashlib
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from diplolearn.extensions import db
from diplolearn.models import Ministry, RoleGrant, StaffMembership, User
from diplolearn.services.ministries.roster_csv import ParsedRoster, Problem, Row, read_roster

CHUNK = 500  # ids or emails per IN (...) list


class Action(enum.StrEnum):
    CREATE = "create"  # a new account, on the ministry's staff, invited
    JOIN = "join"  # an existing account without a ministry joins this one
    UPDATE = "update"  # a current member whose details change
    UNCHANGED = "unchanged"
    DEACTIVATE = "deactivate"  # sync mode: a current member missing from the file


ACTION_LABELS = {
    Action.CREATE: _l("New people"),
    Action.JOIN: _l("Existing accounts joining your ministry"),
    Action.UPDATE: _l("Changes"),
    Action.UNCHANGED: _l("Unchanged"),
    Action.DEACTIVATE: _l("Leaving your ministry's staff"),
}
FIELD_LABELS = {
    "email": _l("email"),
    "name_ar": _l("name in Arabic script"),
    "name_latin": _l("name in Latin script"),
    "language": _l("language"),
    "position": _l("position"),
    "posting": _l("posting"),
    "staff_id": _l("staff id"),
}


@dataclass
class PlanItem:
    action: Action
    row: Row | None = None
    user: User | None = None
    membership: StaffMembership | None = None
    changes: tuple[str, ...] = ()
    user_id: int | None = None  # set for new people once their account exists

    def __post_init__(self):
        if self.user is not None:
            self.user_id = self.user.id

    @property
    def line(self) -> int | None:
        return self.row.line if self.row else None

    @property
    def email(self) -> str:
        return self.row.email if self.row else self.user.email

    @property
    def name(self) -> str:
        if self.row:
            return self.row.name_latin or self.row.name_ar
        return self.user.display_name


@dataclass
class RosterPlan:
    parsed: ParsedRoster
    sync: bool
    items: list[PlanItem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    result: dict[str, int] = field(default_factory=dict)  # what applying it did

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(item.action for item in self.items)
        return {action.value: counted.get(action, 0) for action in Action}

    def of(self, action: Action) -> list[PlanItem]:
        return [item for item in self.items if item.action == action]

    @property
    def digest(self) -> str:
        """A fingerprint of what confirming would do, to notice a database changed since."""
        h = hashlib.sha256()
        for item in self.items:
            h.update(
                f"{item.action}|{item.line}|{getattr(item.user, 'id', '')}|"
                f"{','.join(item.changes)}\n".encode()
            )
        return h.hexdigest()


def chunks(values: list, size: int = CHUNK):
    """``values`` in slices of at most ``size``, one per IN (...) list."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _normalised_language(user: User) -> str:
    return user.interface_language or ""


def plan_roster(ministry: Ministry, data: bytes, *, sync: bool = False) -> RosterPlan:
    parsed = read_roster(data)
    plan = RosterPlan(parsed=parsed, sync=sync, problems=list(parsed.problems))
    if not parsed.columns:
        plan.problems.sort(key=lambda p: p.sort_key)
        return plan
    rows = [row for row in parsed.rows if row.valid]

    # 1. The ministry's current members, with their accounts (one query).
    current: dict[int, StaffMembership] = {}
    users: dict[int, User] = {}  # holds the accounts (the session's identity map is weak)
    for membership, user in db.session.execute(
        sa.select(StaffMembership, User)
        .join(User, User.id == StaffMembership.user_id)
        .where(StaffMembership.ministry_id == ministry.id, StaffMembership.ended_at.is_(None))
    ):
        current[user.id] = membership
        users[user.id] = user
    current_by_staff_id = {m.staff_id: m for m in current.values() if m.staff_id}

    # 2. Former members of this ministry known by a staff id the file gives (rare: one query).
    wanted_ids = sorted({r.staff_id for r in rows if r.staff_id} - set(current_by_staff_id))
    former_by_staff_id: dict[str, int] = {}
    for chunk in chunks(wanted_ids):
        for staff_id, user_id in db.session.execute(
            sa.select(StaffMembership.staff_id, StaffMembership.user_id)
            .where(
                StaffMembership.ministry_id == ministry.id,
                StaffMembership.ended_at.is_not(None),
                StaffMembership.staff_id.in_(chunk),
            )
            .order_by(StaffMembership.started_at)
        ):
            former_by_staff_id[staff_id] = user_id

    # 3. Accounts by email, and the former members above, that are not current members.
    by_email = {u.email: u for u in users.values()}
    emails = sorted({r.email for r in rows} - set(by_email))
    for chunk in chunks(emails):
        for user in db.session.scalars(sa.select(User).where(sa.func.lower(User.email).in_(chunk))):
            users[user.id] = user
            by_email[user.email] = user
    missing = sorted(set(former_by_staff_id.values()) - set(users))
    for chunk in chunks(missing):
        for user in db.session.scalars(sa.select(User).where(User.id.in_(chunk))):
            users[user.id] = user
            by_email[user.email] = user

    # 4. Of those outside the ministry: who is on another ministry's staff, who holds a role.
    outsiders = sorted(set(users) - set(current))
    elsewhere: set[int] = set()
    for chunk in chunks(outsiders):
        elsewhere.update(
            db.session.scalars(
                sa.select(StaffMembership.user_id).where(
                    StaffMembership.user_id.in_(chunk), StaffMembership.ended_at.is_(None)
                )
            )
        )
    with_roles: set[int] = set()
    for chunk in chunks(sorted(users)):
        with_roles.update(
            db.session.scalars(sa.select(RoleGrant.user_id).where(RoleGrant.user_id.in_(chunk)))
        )

    # 5. Row by row, without a query.
    claimed: dict[int, int] = {}  # user id -> line that matched them
    for row in rows:
        item = _plan_row(
            row,
            parsed,
            plan,
            current,
            current_by_staff_id,
            former_by_staff_id,
            by_email,
            users,
            elsewhere,
            with_roles,
            claimed,
        )
        if item is not None:
            plan.items.append(item)
    # Removals are listed only for a file without problems: a member whose line has a typo
    # must not show as leaving.
    if sync and not plan.problems:
        matched = set(claimed)
        for user_id, membership in sorted(
            current.items(), key=lambda kv: (users[kv[0]].sort_key, kv[0])
        ):
            if user_id not in matched:
                plan.items.append(
                    PlanItem(Action.DEACTIVATE, user=users[user_id], membership=membership)
                )
    plan.problems.sort(key=lambda p: p.sort_key)
    return plan


def _plan_row(
    row,
    parsed,
    plan,
    current,
    current_by_staff_id,
    former_by_staff_id,
    by_email,
    users,
    elsewhere,
    with_roles,
    claimed,
) -> PlanItem | None:
    def problem(column: str, message) -> None:
        index = parsed.columns[column]
        plan.problems.append(Problem(message, row.line, index + 1, parsed.headers[index]))

    owner = by_email.get(row.email)
    user = None
    if row.staff_id and row.staff_id in current_by_staff_id:
        user = users[current_by_staff_id[row.staff_id].user_id]
    elif row.staff_id and row.staff_id in former_by_staff_id:
        user = users[former_by_staff_id[row.staff_id]]
    if user is not None and owner is not None and owner.id != user.id:
        problem(
            "email",
            _l(
                "Another account already uses this email address, so it cannot "
                "become the address of the person with this staff ID."
            ),
        )
        return None
    user = user or owner
    if user is None:
        return PlanItem(Action.CREATE, row=row)
    if user.id in claimed:
        problem("email", _l("This is the same person as on line %(line)s.", line=claimed[user.id]))
        return None
    claimed[user.id] = row.line
    membership = current.get(user.id)
    if membership is None and user.id in elsewhere:
        problem(
            "email",
            _l(
                "This person is already registered on DiploLearn with another "
                "organisation, so they cannot be added here. If they now work for "
                "your ministry, ask the platform's administrators to move them."
            ),
        )
        return None
    if (
        membership is not None
        and row.staff_id
        and membership.staff_id
        and membership.staff_id != row.staff_id
    ):
        problem(
            "staff_id",
            _l(
                "This email address belongs to a member of your staff with "
                "another staff id (%(staff_id)s). A staff id cannot be changed "
                "by a roster: edit the person instead.",
                staff_id=membership.staff_id,
            ),
        )
        return None
    changes = []
    if user.email != row.email:
        if user.id in with_roles:
            problem(
                "email",
                _l(
                    "This person holds a role on DiploLearn (such as coordinator "
                    "or instructor), so only the platform's administrators can "
                    "change their email address."
                ),
            )
            return None
        changes.append("email")
    for name in ("name_ar", "name_latin"):
        if getattr(user, name) != getattr(row, name) and (getattr(row, name) or name != "name_ar"):
            changes.append(name)
    if not user.has_password and _normalised_language(user) != row.language:
        changes.append("language")
    if membership is None:
        return PlanItem(Action.JOIN, row=row, user=user, changes=tuple(changes))
    if row.staff_id and membership.staff_id != row.staff_id:
        changes.append("staff_id")
    for name in ("position", "posting"):
        if (getattr(membership, name) or "") != getattr(row, name):
            changes.append(name)
    action = Action.UPDATE if changes else Action.UNCHANGED
    return PlanItem(action, row=row, user=user, membership=membership, changes=tuple(changes))
