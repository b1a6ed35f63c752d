"""A coordinator suspends or reactivates the account of someone on their ministry's current
staff (auth/suspension_pages.py); anyone else answers 404."""

from __future__ import annotations

from flask import url_for
from flask_login import current_user

from diplolearn.auth.suspension_pages import reactivate, suspend_page
from diplolearn.ministry import bp
from diplolearn.models import Role
from diplolearn.security.permissions import role_required
from diplolearn.security.scoping import coordinated_ministry_or_404, current_membership_or_404

coordinator_required = role_required(Role.COORDINATOR)


def _staff_member(ministry_id: int, user_id: int):
    ministry = coordinated_ministry_or_404(current_user, ministry_id)
    membership = current_membership_or_404(current_user, ministry.id, user_id)
    back = url_for("ministry.show_person", ministry_id=ministry.id, user_id=user_id)
    return ministry, membership.user, back


@bp.route("/<int:ministry_id>/people/<int:user_id>/suspend", methods=["GET", "POST"])
@coordinator_required
def suspend_person(ministry_id: int, user_id: int):
    ministry, person, back = _staff_member(ministry_id, user_id)
    return suspend_page(
        person,
        action_url=url_for("ministry.suspend_person", ministry_id=ministry.id, user_id=person.id),
        back_url=back,
        ministry_id=ministry.id,
    )


@bp.post("/<int:ministry_id>/people/<int:user_id>/reactivate")
@coordinator_required
def reactivate_person(ministry_id: int, user_id: int):
    ministry, person, back = _staff_member(ministry_id, user_id)
    return reactivate(person, back_url=back, ministry_id=ministry.id)
