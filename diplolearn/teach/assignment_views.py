"""Grading written assignments, for the staff who teach a course: its instructors (every
cohort), a cohort's lead instructors and tutors (their group's learners). The queue lists
handed-in work oldest first; a submission is graded against the rubric it pinned, with
comments, and returned to the learner, who may be allowed a new version. Every lookup goes
through security.scoping: work the viewer does not grade is a 404, and coordinators, who hold
no grading scope, never see a submission's text."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from diplolearn.learner.assignment_views import send_submission_file
from diplolearn.learner.pages import Reader
from diplolearn.models import Role, SubmissionState
from diplolearn.pagination import paginate
from diplolearn.security.permissions import role_required
from diplolearn.security.sanitize import render_markdown, render_post
from diplolearn.security.scoping import (
    gradable_submission_or_404,
    gradable_submissions,
    grading_course_or_404,
)
from diplolearn.services.assessment import assignments as service
from diplolearn.teach import bp
from diplolearn.teach import grading_flow_views as flow
from diplolearn.teach.assignment_forms import chosen_levels, criterion_comments, make_grade_form
from diplolearn.unit_of_work import unit_of_work

graders_only = role_required(Role.ADMINISTRATOR, Role.INSTRUCTOR, Role.LEAD_INSTRUCTOR, Role.TUTOR)


def _queue(course_id: int, state: str, template_state: str):
    course = grading_course_or_404(current_user, course_id)
    page = paginate(service.queue(gradable_submissions(current_user, course.id), state))
    return render_template(
        "teach/assignments/queue.html",
        course=course,
        page=page,
        showing=template_state,
        read=Reader(course),
    )


@bp.get("/courses/<int:course_id>/assignments")
@graders_only
def show_assignment_queue(course_id: int):
    return _queue(course_id, SubmissionState.SUBMITTED, "waiting")


@bp.get("/courses/<int:course_id>/assignments/returned")
@graders_only
def show_returned_assignments(course_id: int):
    return _queue(course_id, SubmissionState.RETURNED, "returned")


def _grading_page(course_id, submission, form=None, error=None, status=200):
    course = grading_course_or_404(current_user, course_id)
    revision = service.rubric(submission.assignment_revision_id)
    read = Reader(course)
    form = form or make_grade_form(revision, read, submission=submission)
    return render_template(
        "teach/assignments/grade.html",
        course=course,
        submission=submission,
        revision=revision,
        learner=submission.enrolment.user,
        form=form,
        error=error,
        read=read,
        body=render_post(submission.body) if submission.body else None,  # a person's text
        prompt=render_markdown(read(revision.prompt)[0]),
        **flow.queue_context(course.id, submission),
    ), status


@bp.get("/courses/<int:course_id>/assignments/submissions/<int:submission_id>")
@graders_only
def show_submission(course_id: int, submission_id: int):
    submission = gradable_submission_or_404(current_user, course_id, submission_id)
    return _grading_page(course_id, submission)


@bp.post("/courses/<int:course_id>/assignments/submissions/<int:submission_id>")
@graders_only
def grade_submission(course_id: int, submission_id: int):
    submission = gradable_submission_or_404(current_user, course_id, submission_id)
    revision = service.rubric(submission.assignment_revision_id)
    course = grading_course_or_404(current_user, course_id)
    form = make_grade_form(revision, Reader(course), formdata=request.form)
    comments = criterion_comments(form, revision)
    comments.update(flow.foreign_criteria(request.form, revision))
    with unit_of_work(status=400, quiet=True) as work:
        service.grade(
            submission,
            current_user,
            chosen_levels(form, revision),
            form.comments.data or "",
            bool(form.allow_resubmission.data),
            criterion_comments=comments,
        )
    if work.refused:
        submission = gradable_submission_or_404(current_user, course_id, submission_id)
        return _grading_page(
            course_id, submission, form=form, error=work.error.message, status=work.status
        )
    flash(_("The submission is graded and returned to the learner."), "success")
    if form.save_next.data:  # issue 20: straight on to the next one waiting
        following = flow.next_ungraded_url(course_id, submission)
        if following:
            return redirect(following)
        flash(_("No other submission waits for your grading."), "info")
    return redirect(url_for("teach.show_assignment_queue", course_id=course_id))


@bp.get("/courses/<int:course_id>/assignments/submissions/<int:submission_id>/file")
@graders_only
def download_submission_file(course_id: int, submission_id: int):
    submission = gradable_submission_or_404(current_user, course_id, submission_id)
    return send_submission_file(submission)
