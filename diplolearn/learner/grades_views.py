"""The learner's grades page (issue 14): every quiz, written assignment and module of a course
with its score, status, lateness and a link to its feedback, and how completion and the course
result are worked out. The tutor's copy of the same page is teach/grades_views.py."""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l

from diplolearn.learner import GRADING_METHOD, MODULE_STATUS, bp
from diplolearn.learner.pages import Reader
from diplolearn.learner.views import load_progress
from diplolearn.security.permissions import login_required
from diplolearn.services.progress.grades import grades_of

QUIZ_GRADE_STATUS = {
    "passed": _l("Passed"),
    "not_passed": _l("Not passed yet"),
    "awaiting_grading": _l("Waiting for grading"),
    "in_progress": _l("Attempt in progress"),
    "withheld": _l("Graded, not released yet"),
    "excused": _l("Excused: the module completes without it"),
    "not_started": _l("Not started"),
}
ASSIGNMENT_GRADE_STATUS = {
    "returned": _l("Graded and returned"),
    "submitted": _l("Handed in, waiting for grading"),
    "draft": _l("Draft, not handed in"),
    "excused": _l("Excused: the module completes without it"),
    "not_started": _l("Not started"),
}


def labels() -> dict:
    """The words the grades page (learner/grades.html) needs, whichever blueprint renders it."""
    return {
        "module_status": MODULE_STATUS,
        "grading_method": GRADING_METHOD,
        "quiz_grade_status": QUIZ_GRADE_STATUS,
        "assignment_grade_status": ASSIGNMENT_GRADE_STATUS,
    }


@bp.get("/<int:enrolment_id>/grades")
@login_required
def show_grades(enrolment_id: int):
    enrolment, progress = load_progress(enrolment_id)
    return render_template(
        "learner/grades.html",
        enrolment=enrolment,
        grades=grades_of(progress) if progress is not None else None,
        read=Reader(enrolment.cohort.course),
        staff=False,
        **labels(),
    )
