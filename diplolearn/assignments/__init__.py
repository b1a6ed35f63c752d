"""Grading written assignments, for the staff who teach a course: its instructors (every
cohort), a cohort's lead instructors and tutors (their group's learners). The queue lists
handed-in work oldest first; a submission is graded against the rubric it pinned, with
comments, and returned to the learner, who may be allowed a new version. Every lookup goes
through security.scoping: work the viewer does not grade is a 404, and coordinators, who hold
no grading scope, never see a submission's text."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("assignments", __name__)

SUBMISSION_STATE = {
    "draft": _l("Draft"),
    "submitted": _l("Waiting for grading"),
    "returned": _l("Returned"),
}


@bp.app_context_processor
def _labels():
    return {"submission_state": lambda state: SUBMISSION_STATE.get(state, state)}


from diplolearn.assignments import views  # noqa: E402,F401
