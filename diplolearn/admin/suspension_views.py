"""An administrator suspends or reactivates anyone's account (auth/suspension_pages.py)."""

from __future__ import annotations

from flask import url_for
from flask_login import current_user

from diplolearn.admin import bp
from diplolearn.auth.suspension_pages import reactivate, suspend_page
from diplolearn.security.permissions import administrator_required
from diplolearn.security.scoping import get_person_or_404


@bp.route("/people/<int:user_id>/suspend", methods=["GET", "POST"])
@administrator_required
def suspend_person(user_id: int):
    person = get_person_or_404(current_user, user_id)
    return suspend_page(
        person,
        action_url=url_for("admin.suspend_person", user_id=person.id),
        back_url=url_for("admin.show_person", user_id=person.id),
    )


@bp.post("/people/<int:user_id>/reactivate")
@administrator_required
def reactivate_person(user_id: int):
    person = get_person_or_404(current_user, user_id)
    return reactivate(person, back_url=url_for("admin.show_person", user_id=person.id))
