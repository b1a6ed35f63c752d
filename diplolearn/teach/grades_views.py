"""A learner's grades page as their tutor or the cohort's lead instructor sees it (issue 14):
the learner's own page (learner/grades_views.py), for each learner one follows; anyone else
gets 404."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from diplolearn.learner.grades_views import labels
from diplolearn.learner.pages import Reader
from diplolearn.models import Role
from diplolearn.security.permissions import role_required
from diplolearn.security.scoping import tracked_cohort_or_404, tracked_enrolment_or_404
from diplolearn.services import progress
from diplolearn.services.progress.grades import grades_of
from diplolearn.teach import bp

followers_only = role_required(Role.ADMINISTRATOR, Role.LEAD_INSTRUCTOR, Role.TUTOR)


@bp.get("/cohorts/<int:cohort_id>/learners/<int:enrolment_id>/grades")
@followers_only
def show_learner_grades(cohort_id: int, enrolment_id: int):
    cohort = tracked_cohort_or_404(current_user, cohort_id)
    enrolment = tracked_enrolment_or_404(current_user, cohort, enrolment_id)
    standing = progress.course_progress(enrolment)
    return render_template(
        "learner/grades.html",
        enrolment=enrolment,
        grades=grades_of(standing) if standing is not None else None,
        read=Reader(cohort.course),
        staff=True,
        **labels(),
    )
