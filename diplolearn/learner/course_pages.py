"""A course's reference list (with its source map) and glossary, as pages of the course
(linked from lessons)."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user

from diplolearn.learner import bp
from diplolearn.learner.pages import Reader
from diplolearn.learner.views import load_progress
from diplolearn.security.permissions import login_required
from diplolearn.services.catalogue.source_map import source_map


def _course_page(enrolment_id: int, template: str, attribute: str, **context):
    enrolment, progress = load_progress(enrolment_id)
    if progress is None:
        abort(404)
    entries = getattr(progress.outline, attribute)
    return render_template(
        template,
        enrolment=enrolment,
        entries=entries,
        read=Reader(enrolment.cohort.course),
        viewer=current_user,
        **{name: make(progress.outline) for name, make in context.items()},
    )


@bp.get("/<int:enrolment_id>/references")
@login_required
def show_references(enrolment_id: int):
    return _course_page(enrolment_id, "learner/references.html", "bibliography", sources=source_map)


@bp.get("/<int:enrolment_id>/glossary")
@login_required
def show_glossary(enrolment_id: int):
    return _course_page(enrolment_id, "learner/glossary.html", "glossary")
