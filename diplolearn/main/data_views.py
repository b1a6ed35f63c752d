"""Personal data (``/account/data``): a person sees what DiploLearn holds about them and
downloads all of it as JSON; every download is in the audit log. ``personal_data_download`` is
the one JSON response, also used by the administrator's download for a person
(admin/privacy_views.py)."""

from __future__ import annotations

import json

from flask import Response, abort, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from diplolearn.main import bp
from diplolearn.main.forms import DownloadForm
from diplolearn.security.permissions import login_required
from diplolearn.security.scoping import visible_memberships
from diplolearn.services.accounts import personal_data
from diplolearn.unit_of_work import unit_of_work

PRIVATE = {"Cache-Control": "private, no-store"}

RECORD_LABELS = {
    "staff_membership": _l("Ministry memberships (with postings)"),
    "role_grant": _l("Roles"),
    "user_token": _l("Invitation and password links"),
    "enrolment": _l("Enrolments"),
    "lesson_progress": _l("Lessons read, with time on task"),
    "quiz_attempt": _l("Quiz attempts"),
    "attempt_question": _l("Questions drawn in attempts"),
    "response": _l("Answers"),
    "submission": _l("Written assignments"),
    "submission_score": _l("Rubric grades"),
    "certificate": _l("Certificates"),
    "outbox_message": _l("Mails sent to you"),
}


def personal_data_download(person, data: dict) -> Response:
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
    name = f"diplolearn-personal-data-{person.id}.json"
    return Response(
        body,
        mimetype="application/json",
        headers={**PRIVATE, "Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/account/data")
@login_required
def show_my_data():
    data = personal_data.collect(current_user)
    memberships = visible_memberships(current_user, current_user.id)
    kinds = [(RECORD_LABELS.get(name, name), len(rows)) for name, rows in data["records"].items()]
    return render_template(
        "main/my_data.html",
        form=DownloadForm(),
        kinds=kinds,
        audit_entries=len(data["audit_trail"]),
        memberships=memberships,
    )


@bp.post("/account/data/download")
@login_required
def download_my_data():
    if not DownloadForm().validate_on_submit():
        abort(400)
    data = personal_data.collect(current_user)
    with unit_of_work():
        personal_data.record_download(current_user, by=current_user, tables=len(data["records"]))
    return personal_data_download(current_user, data)
