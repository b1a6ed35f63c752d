"""Written assignment pages: the prompt and rubric, the learner's draft (Markdown with a word
count, or a .docx/PDF upload), submitting (marked late after the due date), the returned grade
with comments, and a new version when the grader allows it. Submissions load through the
learner's own enrolment: anyone else's is a 404."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from diplolearn.learner import bp
from diplolearn.learner.forms import AnswerForm
from diplolearn.learner.pages import Reader
from diplolearn.learner.views import load_progress, refusal
from diplolearn.models import SubmissionState, utcnow
from diplolearn.security.permissions import login_required
from diplolearn.security.sanitize import render_markdown
from diplolearn.security.scoping import (
    own_enrolment_or_404,
    own_latest_extension_request,
    own_submission_or_404,
)
from diplolearn.services.assessment import AlreadySubmitted, ChangedMeanwhile, SubmissionClosed
from diplolearn.services.assessment import assignments as service
from diplolearn.services.assessment import submission_files as files
from diplolearn.services.errors import ModuleLocked, NotStudying
from diplolearn.services.storage import serve_stored
from diplolearn.unit_of_work import unit_of_work


def _assignment_or_404(progress, assignment_key: str):
    state = progress.assignment(assignment_key) if progress is not None else None
    if state is None:
        abort(404)
    return state


def _page(enrolment, progress, state, form=None, error=None, status=200):
    revision = service.rubric(state.node.revision_id)
    history = service.submissions_of(enrolment.id, state.node.assignment_id)
    latest = history[-1] if history else None
    due = service.due_date(enrolment, progress, state)
    closing = service.closes_at(enrolment, due, state)
    now = utcnow()
    editable = service.may_edit(latest) and (closing is None or now < closing)
    draft = latest if latest is not None and latest.state == SubmissionState.DRAFT else None
    if form is None:
        start = draft or (latest if editable and latest is not None else None)
        form = AnswerForm(formdata=None, data={"body": start.body if start else ""})
    # Each returned submission shows the rubric levels chosen; those pin their own revision.
    rubrics = {revision.id: revision}
    for submission in history:
        if submission.assignment_revision_id not in rubrics:
            rubrics[submission.assignment_revision_id] = service.rubric(
                submission.assignment_revision_id
            )
    read = Reader(enrolment.cohort.course)
    return render_template(
        "learner/assignment.html",
        enrolment=enrolment,
        progress=progress,
        assignment=state,
        module=progress.module_of(state),
        revision=revision,
        rubrics=rubrics,
        history=history,
        latest=latest,
        draft=draft,
        due=due,
        closing=closing,
        now=now,
        editable=editable,
        form=form,
        error=error,
        read=read,
        prompt=render_markdown(read(revision.prompt)[0]),
        render_markdown=render_markdown,
        word_count=service.count_words(form.body.data or ""),
        # Issue 14: the learner's last request for more time, and how soon "soon due" is.
        extension=own_latest_extension_request(enrolment, "assignment", state.node.key),
        soon=dt.timedelta(days=3),
    ), status


@bp.get("/<int:enrolment_id>/assignments/<assignment_key>")
@login_required
def show_assignment(enrolment_id: int, assignment_key: str):
    enrolment, progress = load_progress(enrolment_id)
    state = _assignment_or_404(progress, assignment_key)
    if not progress.module_of(state).is_open:
        return refusal(enrolment, progress, ModuleLocked(), state)
    return _page(enrolment, progress, state)


@bp.post("/<int:enrolment_id>/assignments/<assignment_key>")
@login_required
def save_assignment(enrolment_id: int, assignment_key: str):
    enrolment, progress = load_progress(enrolment_id)
    state = _assignment_or_404(progress, assignment_key)
    form = AnswerForm()
    submitting = bool(form.submit.data)
    with unit_of_work(quiet=True) as work:
        upload = None
        stream = request.files.get(form.upload.name)
        if stream is not None and stream.filename:
            data = stream.stream.read(files.max_file_bytes() + 1)
            upload = files.check_upload(stream.filename, data)
        submission = service.save_answer(  # ChangedMeanwhile when another request won a race
            enrolment,
            progress,
            state,
            body=form.body.data or "",
            upload=upload,
            remove_file=bool(form.remove_file.data),
            submit=submitting,
            now=utcnow(),
        )
    error = work.error
    if isinstance(error, (ModuleLocked, NotStudying)):
        return refusal(enrolment, progress, error, state)
    if error is not None:
        status = (
            409
            if isinstance(
                error,
                (AlreadySubmitted, SubmissionClosed, ChangedMeanwhile),
            )
            else 400
        )
        return _page(enrolment, progress, state, form=form, error=error.message, status=status)
    if submission.state == SubmissionState.SUBMITTED:
        flash(
            _("Your work is submitted late: it will still be graded, marked as late.")
            if submission.is_late
            else _("Your work is submitted. Your grader will return it with a grade and comments."),
            "success",
        )
    else:
        flash(_("Your draft is saved. Only you can see it until you submit it."), "success")
    return redirect(
        url_for("learner.show_assignment", enrolment_id=enrolment.id, assignment_key=state.node.key)
    )


@bp.get("/<int:enrolment_id>/submissions/<int:submission_id>/file")
@login_required
def download_own_file(enrolment_id: int, submission_id: int):
    enrolment = own_enrolment_or_404(current_user, enrolment_id)
    submission = own_submission_or_404(current_user, enrolment.id, submission_id)
    return send_submission_file(submission)


def send_submission_file(submission):
    """The submitted file as a download (never shown inline), or 404 when there is none."""
    if submission.file_sha256 is None:
        abort(404)
    path = files.storage_path(submission.file_sha256)
    if not path.is_file():
        abort(404)
    response = serve_stored(
        path, files.MIME_TYPES[submission.file_kind], download_name=submission.file_name
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
