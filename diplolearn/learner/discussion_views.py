"""Discussion on the text, for learners: a paragraph's threads and the form to add a question,
comment or reference; replies, resolving, the lesson's retired paragraphs, and each module's
pinned discussion prompt.

Everything loads through the learner's own enrolment (``own_enrolment_or_404``) and the
discussion filter of that enrolment (``scoping.learner_discussion``): a post of another group,
another cohort or someone's private note is a 404, like an id that does not exist. The pages
work without JavaScript; static/discussion.js only opens a paragraph's threads in place.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from diplolearn.learner import bp
from diplolearn.learner.discussion_forms import (
    KIND_LABELS,
    AnnotationForm,
    PromptForm,
    ReplyForm,
    ResolveForm,
    SessionPostForm,
    offer_mentions,
)
from diplolearn.learner.pages import Reader
from diplolearn.learner.views import load_progress, open_lesson, refusal
from diplolearn.models import Annotation
from diplolearn.security.permissions import login_required
from diplolearn.security.sanitize import render_markdown
from diplolearn.security.scoping import (
    discussion_annotation_or_404,
    learner_discussion,
    learner_session_list,
    learner_sessions,
    session_or_404,
)
from diplolearn.services.discussion import (
    moderation,
    notifications,
    posting,
    reading,
    text_sessions,
)
from diplolearn.services.discussion.places import first_words
from diplolearn.services.errors import ModuleLocked, NotStudying
from diplolearn.unit_of_work import unit_of_work


def _lesson_or_refusal(enrolment, progress, lesson_key):
    try:
        return open_lesson(enrolment, progress, lesson_key), None
    except (ModuleLocked, NotStudying) as error:
        return None, refusal(enrolment, progress, error, progress.lesson(lesson_key))


def _paragraph(lesson, paragraph_key: str):
    """(paragraph, its revision in the cohort's version or None when retired); 404 when the
    lesson never had this anchor."""
    row = reading.paragraph_with_revision(
        lesson.node.lesson_id, lesson.node.revision_id, paragraph_key
    )
    if row is None:
        abort(404)
    return row


def _paragraph_page(enrolment, progress, lesson, paragraph, revision, form=None, status=200):
    read = Reader(enrolment.cohort.course)
    text, lang = read(revision.body) if revision is not None else ("", read.order[0])
    where = learner_discussion(enrolment)
    people = notifications.group_people(enrolment.tutor_group_id)
    if form is None:
        form = AnnotationForm(lang=lang)
    offer_mentions(form, people, current_user.id)
    return render_template(
        "learner/paragraph.html",
        enrolment=enrolment,
        progress=progress,
        lesson=lesson,
        module=progress.module_of(lesson),
        paragraph=paragraph,
        retired=revision is None,
        html=render_markdown(text),
        lang=lang,
        # The paragraph as people name it (issue 15 item 5): its lesson's title and these words.
        paragraph_words=first_words(text),
        form=form,
        read=read,
        threads=reading.threads(where, Annotation.paragraph_id == paragraph.id),
        reply_form=ReplyForm(lang=lang),
        resolve_form=ResolveForm(),
        kinds=KIND_LABELS,
        grouped=enrolment.tutor_group_id is not None,
    ), status


@bp.get("/<int:enrolment_id>/lessons/<lesson_key>/paragraphs/<paragraph_key>")
@login_required
def show_paragraph(enrolment_id: int, lesson_key: str, paragraph_key: str):
    enrolment, progress = load_progress(enrolment_id)
    lesson, refused = _lesson_or_refusal(enrolment, progress, lesson_key)
    if refused:
        return refused
    paragraph, revision = _paragraph(lesson, paragraph_key)
    return _paragraph_page(enrolment, progress, lesson, paragraph, revision)


@bp.post("/<int:enrolment_id>/lessons/<lesson_key>/paragraphs/<paragraph_key>")
@login_required
def annotate_paragraph(enrolment_id: int, lesson_key: str, paragraph_key: str):
    enrolment, progress = load_progress(enrolment_id)
    lesson = progress.lesson(lesson_key) if progress is not None else None
    if lesson is None:
        abort(404)
    paragraph, revision = _paragraph(lesson, paragraph_key)
    form = AnnotationForm()
    offer_mentions(form, notifications.group_people(enrolment.tutor_group_id), current_user.id)
    if not form.validate_on_submit():
        return _paragraph_page(enrolment, progress, lesson, paragraph, revision, form, 422)
    with unit_of_work(quiet=True) as work:
        post = posting.annotate(
            enrolment,
            progress,
            lesson,
            paragraph_key,
            kind=form.kind.data,
            body=form.body.data,
            url=form.url.data,
            lang=form.lang.data,
            private=form.private.data,
            mention_ids=form.mentions.data or [],
        )
    if isinstance(work.error, (ModuleLocked, NotStudying)):
        return refusal(enrolment, progress, work.error, lesson)
    if work.refused:
        form.body.errors = [*form.body.errors, work.error.message]
        return _paragraph_page(enrolment, progress, lesson, paragraph, revision, form, 422)
    flash(
        _("Your note is saved; only you can see it.")
        if post.audience == "private"
        else _("Your post is shared with your tutor group.")
        if post.tutor_group_id
        else _("Your post is saved; the cohort's instructors can read it."),
        "success",
    )
    return redirect(
        url_for(
            "learner.show_paragraph",
            enrolment_id=enrolment.id,
            lesson_key=lesson_key,
            paragraph_key=paragraph_key,
            _anchor=f"post-{post.id}",
        )
    )


def thread_url(enrolment, post: Annotation, anchor: int | None = None) -> str:
    """The page that shows a post's thread: its paragraph's, or its module's prompt's."""
    anchor = f"post-{anchor or post.id}"
    if post.session_id is not None:
        return url_for(
            "learner.show_session",
            enrolment_id=enrolment.id,
            session_id=post.session_id,
            _anchor=anchor,
        )
    if post.paragraph_id is None:
        return url_for(
            "learner.show_prompt",
            enrolment_id=enrolment.id,
            module_key=reading.module_key(post.module_id),
            _anchor=anchor,
        )
    lesson_key, paragraph_key = reading.paragraph_keys(post.paragraph_id)
    return url_for(
        "learner.show_paragraph",
        enrolment_id=enrolment.id,
        lesson_key=lesson_key,
        paragraph_key=paragraph_key,
        _anchor=anchor,
    )


def _module_state(progress, post: Annotation):
    return (
        next((m for m in progress.modules if m.node.module_id == post.module_id), None)
        if progress is not None
        else None
    )


@bp.get("/<int:enrolment_id>/discussion/<int:annotation_id>")
@login_required
def show_post(enrolment_id: int, annotation_id: int):
    """A post's place in its thread (links in mails)."""
    enrolment = load_progress(enrolment_id)[0]
    post = discussion_annotation_or_404(learner_discussion(enrolment), annotation_id)
    return redirect(thread_url(enrolment, post))


@bp.post("/<int:enrolment_id>/discussion/<int:annotation_id>/replies")
@login_required
def reply_to_post(enrolment_id: int, annotation_id: int):
    enrolment, progress = load_progress(enrolment_id)
    target = discussion_annotation_or_404(learner_discussion(enrolment), annotation_id)
    form = ReplyForm()
    back = thread_url(enrolment, target)
    if not form.validate_on_submit():
        flash(_("The reply could not be read; please try again. Nothing was saved."), "error")
        return redirect(back)
    module = _module_state(progress, target)
    with unit_of_work() as work:
        from diplolearn.services import progress as progress_service

        progress_service.ensure_studying(enrolment)
        if module is None or not module.is_open:
            raise ModuleLocked()
        post = posting.reply(
            current_user,
            target,
            body=form.body.data,
            lang=form.lang.data,
            cohort=enrolment.cohort,
            tutor_answer=form.tutor_answer.data,
            learner_group_id=enrolment.tutor_group_id,
        )
    if work.refused:
        return redirect(back)
    flash(_("Your reply is posted."), "success")
    return redirect(thread_url(enrolment, post))


@bp.post("/<int:enrolment_id>/discussion/<int:annotation_id>/resolve")
@login_required
def resolve_question(enrolment_id: int, annotation_id: int):
    enrolment = load_progress(enrolment_id)[0]
    question = discussion_annotation_or_404(learner_discussion(enrolment), annotation_id)
    form = ResolveForm()
    if form.validate_on_submit():
        with unit_of_work() as work:
            moderation.resolve(question, current_user, staff=False, reopen=form.reopen.data == "1")
        if work.refused:
            return redirect(thread_url(enrolment, question))
        flash(
            _("The question is open again.")
            if form.reopen.data == "1"
            else _("The question is marked resolved."),
            "success",
        )
    return redirect(thread_url(enrolment, question))


@bp.get("/<int:enrolment_id>/lessons/<lesson_key>/retired")
@login_required
def list_retired(enrolment_id: int, lesson_key: str):
    """Threads on paragraphs this lesson's text no longer has: still readable."""
    enrolment, progress = load_progress(enrolment_id)
    lesson, refused = _lesson_or_refusal(enrolment, progress, lesson_key)
    if refused:
        return refused
    retired = reading.retired_paragraph_ids(lesson.node.lesson_id, lesson.node.revision_id)
    threads = reading.threads(learner_discussion(enrolment), Annotation.paragraph_id.in_(retired))
    return render_template(
        "learner/retired.html",
        enrolment=enrolment,
        lesson=lesson,
        module=progress.module_of(lesson),
        threads=threads,
        kinds=KIND_LABELS,
        read=Reader(enrolment.cohort.course),
    )


def _module_or_404(progress, module_key: str):
    module = (
        next((m for m in progress.modules if m.node.key == module_key), None)
        if progress is not None
        else None
    )
    if module is None or not module.node.discussion:
        abort(404)
    return module


def _prompt_page(enrolment, progress, module, form=None, status=200):
    read = Reader(enrolment.cohort.course)
    prompt, lang = read(module.node.discussion.get("prompt") or {})
    if form is None:
        form = PromptForm(lang=lang)
    offer_mentions(form, notifications.group_people(enrolment.tutor_group_id), current_user.id)
    threads = reading.threads(
        learner_discussion(enrolment),
        Annotation.module_id == module.node.module_id,
        Annotation.paragraph_id.is_(None),
    )
    return render_template(
        "learner/prompt.html",
        enrolment=enrolment,
        module=module,
        prompt=render_markdown(prompt),
        lang=lang,
        form=form,
        threads=threads,
        reply_form=ReplyForm(lang=lang),
        resolve_form=ResolveForm(),
        kinds=KIND_LABELS,
        read=read,
        grouped=enrolment.tutor_group_id is not None,
    ), status


@bp.get("/<int:enrolment_id>/modules/<module_key>/discussion")
@login_required
def show_prompt(enrolment_id: int, module_key: str):
    enrolment, progress = load_progress(enrolment_id)
    module = _module_or_404(progress, module_key)
    if not module.is_open:
        return refusal(
            enrolment, progress, ModuleLocked(), module.lessons[0] if module.lessons else None
        )
    return _prompt_page(enrolment, progress, module)


@bp.post("/<int:enrolment_id>/modules/<module_key>/discussion")
@login_required
def answer_prompt(enrolment_id: int, module_key: str):
    enrolment, progress = load_progress(enrolment_id)
    module = _module_or_404(progress, module_key)
    form = PromptForm()
    offer_mentions(form, notifications.group_people(enrolment.tutor_group_id), current_user.id)
    if not form.validate_on_submit():
        return _prompt_page(enrolment, progress, module, form, 422)
    with unit_of_work(quiet=True) as work:
        post = posting.answer_prompt(
            enrolment,
            progress,
            module_key,
            body=form.body.data,
            lang=form.lang.data,
            mention_ids=form.mentions.data or [],
        )
    if isinstance(work.error, (ModuleLocked, NotStudying)):
        return refusal(enrolment, progress, work.error)
    if work.refused:
        form.body.errors = [*form.body.errors, work.error.message]
        return _prompt_page(enrolment, progress, module, form, 422)
    flash(_("Your post is shared with your tutor group."), "success")
    return redirect(
        url_for(
            "learner.show_prompt",
            enrolment_id=enrolment.id,
            module_key=module_key,
            _anchor=f"post-{post.id}",
        )
    )


# --- weekly text sessions ----------------------------------------------------------------------


def _session_page(enrolment, session, form=None, status=200):
    from diplolearn.models import utcnow

    read = Reader(enrolment.cohort.course)
    lang = read.order[0]
    now = utcnow()
    return render_template(
        "discussion/session.html",
        session=session,
        phase=session.phase(now),
        cohort=enrolment.cohort,
        threads=reading.threads(learner_discussion(enrolment), Annotation.session_id == session.id),
        form=form or SessionPostForm(lang=lang),
        kinds=KIND_LABELS,
        post_url=url_for(
            "learner.post_in_session", enrolment_id=enrolment.id, session_id=session.id
        ),
        back_url=url_for("learner.list_sessions", enrolment_id=enrolment.id),
    ), status


@bp.get("/<int:enrolment_id>/sessions")
@login_required
def list_sessions(enrolment_id: int):
    from diplolearn.models import utcnow

    enrolment = load_progress(enrolment_id)[0]
    sessions = learner_session_list(enrolment)
    return render_template(
        "discussion/sessions.html",
        sessions=sessions,
        now=utcnow(),
        cohort=enrolment.cohort,
        enrolment=enrolment,
        session_url=lambda s: url_for(
            "learner.show_session", enrolment_id=enrolment.id, session_id=s.id
        ),
    )


@bp.get("/<int:enrolment_id>/sessions/<int:session_id>")
@login_required
def show_session(enrolment_id: int, session_id: int):
    enrolment = load_progress(enrolment_id)[0]
    session = session_or_404(learner_sessions(enrolment), session_id)
    return _session_page(enrolment, session)


@bp.post("/<int:enrolment_id>/sessions/<int:session_id>")
@login_required
def post_in_session(enrolment_id: int, session_id: int):
    from diplolearn.services import progress as progress_service

    enrolment = load_progress(enrolment_id)[0]
    session = session_or_404(learner_sessions(enrolment), session_id)
    form = SessionPostForm()
    if not form.validate_on_submit():
        return _session_page(enrolment, session, form, 422)
    with unit_of_work(quiet=True) as work:
        progress_service.ensure_studying(enrolment)
        post = text_sessions.post_in_session(
            current_user, session, enrolment.cohort, body=form.body.data, lang=form.lang.data
        )
    if work.refused:
        form.body.errors = [*form.body.errors, work.error.message]
        return _session_page(enrolment, session, form, 422)
    return redirect(
        url_for(
            "learner.show_session",
            enrolment_id=enrolment.id,
            session_id=session.id,
            _anchor=f"post-{post.id}",
        )
    )
