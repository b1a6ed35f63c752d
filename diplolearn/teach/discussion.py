"""A cohort's discussion for its staff: the inbox of unanswered questions (oldest first) and a
thread's page, where a tutor or lead replies (marking the tutor's answer), resolves, hides or
edits a post with a reason (both audited).

The cohort loads through ``taught_cohort_or_404`` (tutors: their groups only) and every post
through ``staff_discussion`` of that access: another group's post, another cohort's, or a
learner's private note answers 404. Coordinators never reach these pages (role gate).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from diplolearn.learner.discussion_forms import (
    KIND_LABELS,
    EditForm,
    HideForm,
    ReplyForm,
    ResolveForm,
    SessionPostForm,
    session_form,
)
from diplolearn.models import Annotation
from diplolearn.security.scoping import (
    discussion_annotation_or_404,
    session_groups,
    session_or_404,
    staff_discussion,
    staff_prompt_counts,
    staff_session_list,
    staff_sessions,
    staff_unanswered_questions,
    taught_cohort_or_404,
)
from diplolearn.services.discussion import moderation, places, posting, reading, text_sessions
from diplolearn.teach import bp
from diplolearn.teach.views import teachers_only
from diplolearn.unit_of_work import unit_of_work


def _post(access, annotation_id: int) -> Annotation:
    return discussion_annotation_or_404(staff_discussion(access), annotation_id)


def _may_moderate(access, post: Annotation) -> bool:
    """Leads moderate the whole cohort; a tutor, the posts of the groups they tutor."""
    return access.manages or post.tutor_group_id in (access.group_ids or ())


def _thread_url(cohort_id: int, post: Annotation) -> str:
    return url_for(
        "teach.show_thread",
        cohort_id=cohort_id,
        annotation_id=post.parent_id or post.id,
        _anchor=f"post-{post.id}",
    )


def _prompt_modules(access):
    """(module key, revision, visible posts) of the cohort's modules with a discussion prompt,
    in course order: two queries."""
    revisions = reading.prompt_revisions(access.cohort.course_version_id)
    counts = staff_prompt_counts(access) if revisions else {}
    return [(key, rev, counts.get(rev.module_id, 0)) for key, rev in revisions]


@bp.get("/cohorts/<int:cohort_id>/discussion")
@teachers_only
def show_inbox(cohort_id: int):
    access = taught_cohort_or_404(current_user, cohort_id)
    rows = staff_unanswered_questions(access)
    return render_template(
        "teach/discussion.html",
        access=access,
        cohort=access.cohort,
        rows=rows,
        places=places.places(a for a, _ in rows),
        tab="discussion",
        kinds=KIND_LABELS,
        prompts=_prompt_modules(access),
    )


@bp.get("/cohorts/<int:cohort_id>/discussion/modules/<module_key>")
@teachers_only
def show_module_discussion(cohort_id: int, module_key: str):
    """A module's pinned prompt and the contributions of the groups the viewer follows."""
    access = taught_cohort_or_404(current_user, cohort_id)
    found = next(((rev, n) for key, rev, n in _prompt_modules(access) if key == module_key), None)
    if found is None:
        abort(404)
    revision = found[0]
    threads = reading.threads(
        staff_discussion(access),
        Annotation.module_id == revision.module_id,
        Annotation.paragraph_id.is_(None),
    )
    return render_template(
        "teach/thread.html",
        access=access,
        cohort=access.cohort,
        threads=threads,
        root=None,
        module_key=module_key,
        module_title=revision.title,
        lesson_key=None,
        prompt=revision.discussion.get("prompt") or {},
        tab="discussion",
        kinds=KIND_LABELS,
        reply_form=ReplyForm(),
        resolve_form=ResolveForm(),
        hide_form=HideForm(),
        edit_form=EditForm(),
        may_moderate=lambda p: _may_moderate(access, p),
        lang=None,
    )


@bp.get("/cohorts/<int:cohort_id>/discussion/<int:annotation_id>")
@teachers_only
def show_thread(cohort_id: int, annotation_id: int):
    access = taught_cohort_or_404(current_user, cohort_id)
    post = _post(access, annotation_id)
    if post.session_id is not None:
        return redirect(
            url_for(
                "teach.show_session",
                cohort_id=cohort_id,
                session_id=post.session_id,
                _anchor=f"post-{post.id}",
            )
        )
    root_id = post.parent_id or post.id
    threads = reading.thread(staff_discussion(access), root_id)
    root = threads[0].annotation
    where = reading.module_and_lesson_keys(root.module_id, root.lesson_id)
    return render_template(
        "teach/thread.html",
        access=access,
        cohort=access.cohort,
        threads=threads,
        root=root,
        module_key=where[0],
        lesson_key=where[1],
        place=places.places([root])[root.id],
        tab="discussion",
        kinds=KIND_LABELS,
        reply_form=ReplyForm(lang=root.lang),
        resolve_form=ResolveForm(),
        hide_form=HideForm(),
        edit_form=EditForm(),
        may_moderate=lambda p: _may_moderate(access, p),
        lang=root.lang,
    )


@bp.post("/cohorts/<int:cohort_id>/discussion/<int:annotation_id>/replies")
@teachers_only
def reply_in_thread(cohort_id: int, annotation_id: int):
    access = taught_cohort_or_404(current_user, cohort_id)
    target = _post(access, annotation_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        flash(_("The reply could not be read; please try again. Nothing was saved."), "error")
        return redirect(_thread_url(cohort_id, target))
    with unit_of_work() as work:
        post = posting.reply(
            current_user,
            target,
            body=form.body.data,
            lang=form.lang.data,
            cohort=access.cohort,
            tutor_answer=form.tutor_answer.data,
            staff=True,
        )
    if work.refused:
        return redirect(_thread_url(cohort_id, target))
    flash(_("Your reply is posted."), "success")
    return redirect(_thread_url(cohort_id, post))


@bp.post("/cohorts/<int:cohort_id>/discussion/<int:annotation_id>/resolve")
@teachers_only
def resolve_in_thread(cohort_id: int, annotation_id: int):
    access = taught_cohort_or_404(current_user, cohort_id)
    question = _post(access, annotation_id)
    form = ResolveForm()
    if form.validate_on_submit():
        with unit_of_work() as work:
            moderation.resolve(question, current_user, staff=True, reopen=form.reopen.data == "1")
        if work.refused:
            return redirect(_thread_url(cohort_id, question))
        flash(
            _("The question is open again.")
            if form.reopen.data == "1"
            else _("The question is marked resolved."),
            "success",
        )
    return redirect(_thread_url(cohort_id, question))


@bp.post("/cohorts/<int:cohort_id>/discussion/<int:annotation_id>/hide")
@teachers_only
def hide_post(cohort_id: int, annotation_id: int):
    access = taught_cohort_or_404(current_user, cohort_id)
    post = _post(access, annotation_id)
    if not _may_moderate(access, post):
        abort(403)
    form = HideForm()
    if form.validate_on_submit():
        with unit_of_work() as work:
            moderation.hide(post, current_user, form.reason.data)
        if work.refused:
            return redirect(_thread_url(cohort_id, post))
        flash(_("The post is hidden from learners."), "success")
    else:
        _say_what_is_missing(form)
    return redirect(_thread_url(cohort_id, post))


@bp.post("/cohorts/<int:cohort_id>/discussion/<int:annotation_id>/edit")
@teachers_only
def edit_post(cohort_id: int, annotation_id: int):
    access = taught_cohort_or_404(current_user, cohort_id)
    post = _post(access, annotation_id)
    if not _may_moderate(access, post):
        abort(403)
    form = EditForm()
    if form.validate_on_submit():
        with unit_of_work() as work:
            moderation.edit(post, current_user, form.body.data, form.reason.data)
        if work.refused:
            return redirect(_thread_url(cohort_id, post))
        flash(_("The post is changed; the audit log keeps the text before."), "success")
    else:
        _say_what_is_missing(form)
    return redirect(_thread_url(cohort_id, post))


def _say_what_is_missing(form) -> None:
    """A moderation form comes from a small inline form on the thread page: its problems are
    said there, after the redirect, field by field."""
    for field in form:
        for error in field.errors:
            flash(f"{field.label.text}: {error}", "error")


# --- weekly text sessions ----------------------------------------------------------------------


def _sessions_page(access, form=None, status=200):
    from diplolearn.models import utcnow

    groups = session_groups(access)
    form = form or session_form(groups, access.manages)
    sessions = staff_session_list(access)
    return render_template(
        "teach/sessions.html",
        access=access,
        cohort=access.cohort,
        form=form,
        sessions=sessions,
        now=utcnow(),
        tab="discussion",
        session_url=lambda s: url_for(
            "teach.show_session", cohort_id=access.cohort.id, session_id=s.id
        ),
    ), status


@bp.get("/cohorts/<int:cohort_id>/sessions")
@teachers_only
def list_sessions(cohort_id: int):
    return _sessions_page(taught_cohort_or_404(current_user, cohort_id))


@bp.post("/cohorts/<int:cohort_id>/sessions")
@teachers_only
def open_session(cohort_id: int):
    from diplolearn.security.scoping import cohort_group_or_404
    from diplolearn.services.cohorts.times import to_utc

    access = taught_cohort_or_404(current_user, cohort_id)
    form = session_form(session_groups(access), access.manages)
    if not form.validate_on_submit():
        return _sessions_page(access, form, 422)
    group = cohort_group_or_404(access, int(form.group.data)) if form.group.data else None
    with unit_of_work(status=422, quiet=True) as work:
        session = text_sessions.open_session(
            access.cohort,
            group,
            title=form.title.data,
            duration_minutes=form.duration.data,
            starts_at=to_utc(form.starts_at.data, current_user.timezone or "UTC"),
            by=current_user,
            may_open_cohort=access.manages,
        )
    if work.refused:
        form.title.errors = [*form.title.errors, work.error.message]
        return _sessions_page(taught_cohort_or_404(current_user, cohort_id), form, work.status)
    flash(_("The session is open; its group sees it on their course page."), "success")
    return redirect(url_for("teach.show_session", cohort_id=cohort_id, session_id=session.id))


def _session_page(access, session, form=None, status=200):
    from diplolearn.models import utcnow

    return render_template(
        "discussion/session.html",
        session=session,
        phase=session.phase(utcnow()),
        cohort=access.cohort,
        threads=reading.threads(staff_discussion(access), Annotation.session_id == session.id),
        form=form or SessionPostForm(lang=i18n_language()),
        kinds=KIND_LABELS,
        staff=True,
        post_url=url_for(
            "teach.post_in_session", cohort_id=access.cohort.id, session_id=session.id
        ),
        back_url=url_for("teach.list_sessions", cohort_id=access.cohort.id),
    ), status


def i18n_language() -> str:
    from diplolearn.i18n import current_language

    return current_language()


@bp.get("/cohorts/<int:cohort_id>/sessions/<int:session_id>")
@teachers_only
def show_session(cohort_id: int, session_id: int):
    access = taught_cohort_or_404(current_user, cohort_id)
    return _session_page(access, session_or_404(staff_sessions(access), session_id))


@bp.post("/cohorts/<int:cohort_id>/sessions/<int:session_id>")
@teachers_only
def post_in_session(cohort_id: int, session_id: int):
    access = taught_cohort_or_404(current_user, cohort_id)
    session = session_or_404(staff_sessions(access), session_id)
    form = SessionPostForm()
    if not form.validate_on_submit():
        return _session_page(access, session, form, 422)
    with unit_of_work(status=422, quiet=True) as work:
        post = text_sessions.post_in_session(
            current_user, session, access.cohort, body=form.body.data, lang=form.lang.data
        )
    if work.refused:
        form.body.errors = [*form.body.errors, work.error.message]
        return _session_page(access, session, form, work.status)
    return redirect(
        url_for(
            "teach.show_session",
            cohort_id=cohort_id,
            session_id=session.id,
            _anchor=f"post-{post.id}",
        )
    )
