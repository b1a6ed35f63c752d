"""The course outline and the lesson pages: reading, marking done, time on task."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from diplolearn import page_cache
from diplolearn.courses.links import resolve_course_links
from diplolearn.i18n import format_datetime
from diplolearn.learner import bp, step_url
from diplolearn.learner.forms import MarkDoneForm
from diplolearn.learner.pages import Reader
from diplolearn.models import utcnow
from diplolearn.security.permissions import login_required
from diplolearn.security.sanitize import render_markdown
from diplolearn.security.scoping import learner_discussion, own_enrolment_or_404
from diplolearn.services import progress as progress_service
from diplolearn.services.cohorts import places
from diplolearn.services.discussion import reading
from diplolearn.services.errors import DomainError, ModuleLocked, NotStudying
from diplolearn.unit_of_work import unit_of_work


def load_progress(enrolment_id: int):
    """The signed-in learner's enrolment and progress (as stored: services/progress/summary.py,
    one query); 404 for anyone else's."""
    enrolment = own_enrolment_or_404(current_user, enrolment_id)
    return enrolment, progress_service.stored_progress(enrolment)


def locked_reason(module) -> str:
    if module.waiting_for:
        numbers = [m.number for m in module.waiting_for]
        return ngettext(
            "Complete Module %(numbers)s first.",
            "Complete Modules %(numbers)s first.",
            len(numbers),
            numbers=", ".join(str(n) for n in numbers),
        )
    if module.opens_at is not None:
        return _("Opens on %(date)s.", date=format_datetime(module.opens_at))
    return _("This module is not open yet.")


def refusal(enrolment, progress, error: DomainError, item=None, status: int = 403):
    """A clear page saying why the learner cannot do this here (locked, paused, ...)."""
    module = progress.module_of(item) if progress is not None and item is not None else None
    reason = locked_reason(module) if isinstance(error, ModuleLocked) and module else None
    return render_template(
        "learner/refused.html",
        enrolment=enrolment,
        module=module,
        message=error.message,
        reason=reason,
        read=Reader(enrolment.cohort.course),
    ), status


@bp.app_template_global()
def module_locked_reason(module) -> str:
    return locked_reason(module)


@bp.get("/<int:enrolment_id>")
@login_required
@page_cache.personal_page()
def show_outline(enrolment_id: int):
    enrolment, progress = load_progress(enrolment_id)
    if progress is not None:
        page_cache.valid_until(progress.next_change(utcnow()))
    return render_template(
        "learner/outline.html",
        enrolment=enrolment,
        progress=progress,
        waiting=places.waiting_positions([enrolment]),
        read=Reader(enrolment.cohort.course),
    )


def open_lesson(enrolment, progress, lesson_key: str):
    """The lesson of the enrolment's progress (404 when there is none), refused with
    ``NotStudying`` or ``ModuleLocked`` when the learner may not read it now."""
    lesson = progress.lesson(lesson_key) if progress is not None else None
    if lesson is None:
        abort(404)
    progress_service.ensure_studying(enrolment)
    progress_service.ensure_open(progress, lesson)
    return lesson


@bp.get("/<int:enrolment_id>/lessons/<lesson_key>")
@login_required
@page_cache.personal_page()
def show_lesson(enrolment_id: int, lesson_key: str):
    enrolment, progress = load_progress(enrolment_id)
    if progress is not None:
        page_cache.valid_until(progress.next_change(utcnow()))
    try:
        lesson = open_lesson(enrolment, progress, lesson_key)
    except (ModuleLocked, NotStudying) as error:
        return refusal(enrolment, progress, error, progress.lesson(lesson_key))
    read = Reader(enrolment.cohort.course)
    # A published lesson's text never changes: it is rendered once per reading order.
    paragraphs = progress.outline.remember(
        ("paragraphs", lesson.node.revision_id, tuple(read.order)),
        lambda: render_paragraphs(lesson.node.revision_id, read),
    )
    previous, following = progress.neighbours(lesson)
    # The discussion beside the text: visible posts per paragraph anchor, in one query.
    counts = reading.paragraph_counts(learner_discussion(enrolment), lesson.node.lesson_id)
    current = {key for key, _lang, _html in paragraphs}
    # The page view writes nothing: time on task and the enrolment's first activity come from
    # the page's heartbeat (static/lesson.js, sent on load too) or the learner's next POST.
    return render_template(
        "learner/lesson.html",
        enrolment=enrolment,
        progress=progress,
        lesson=lesson,
        module=progress.module_of(lesson),
        paragraphs=paragraphs,
        previous=previous,
        untranslated=any(lang != read.order[0] for _key, lang, _html in paragraphs),
        following=following,
        form=MarkDoneForm(),
        read=read,
        counts=counts,
        retired_posts=sum(n for key, n in counts.items() if key not in current),
    )


def render_paragraphs(lesson_revision_id: int, read: Reader) -> list[tuple]:
    """(anchor, language, sanitised HTML) of each paragraph, in the reader's language."""
    from diplolearn.services.catalogue import images, outline

    texts = [
        (key, *read(body), course_id)
        for key, body, course_id in outline.lesson_paragraphs(lesson_revision_id)
    ]
    # Images in the text: one query for all of them (services/catalogue/images.py).
    shown = images.images_for(texts[0][3], [text for _k, text, _l, _c in texts]) if texts else {}
    return [
        (key, lang, render_markdown(images.embed_images(resolve_course_links(text), shown, lang)))
        for key, text, lang, _course in texts
    ]


@bp.post("/<int:enrolment_id>/lessons/<lesson_key>/done")
@login_required
def complete_lesson(enrolment_id: int, lesson_key: str):
    enrolment, progress = load_progress(enrolment_id)
    lesson = progress.lesson(lesson_key) if progress is not None else None
    if lesson is None:
        abort(404)
    with unit_of_work(quiet=True) as work:  # refused only as ModuleLocked or NotStudying
        after = progress_service.mark_lesson_done(enrolment, progress, lesson)
    if work.refused:
        return refusal(enrolment, progress, work.error, lesson)
    if after.complete:
        flash(_("You have met every requirement of this course. Congratulations!"), "success")
    else:
        flash(_("Lesson marked as done."), "success")
    following = after.neighbours(after.lesson(lesson_key))[1]
    if following is not None and after.module_of(following).is_open:
        return redirect(step_url(enrolment.id, following))
    return redirect(url_for("learner.show_outline", enrolment_id=enrolment.id))


@bp.post("/<int:enrolment_id>/lessons/<lesson_key>/activity")
@login_required
def record_activity(enrolment_id: int, lesson_key: str):
    """The lesson page's heartbeat (static/lesson.js), sent when the page opens and each minute
    while it is visible: time on task, and an invited enrolment's first activity."""
    enrolment, progress = load_progress(enrolment_id)
    try:
        lesson = open_lesson(enrolment, progress, lesson_key)
    except (ModuleLocked, NotStudying):
        abort(403)
    with unit_of_work():
        progress_service.record_lesson_activity(
            enrolment.id,
            lesson.node.lesson_id,
            progress.outline.version_id,
            enrolment.last_activity_at,
            utcnow(),
            viewed=lesson.viewed,
        )  # activates an invited enrolment too (services/progress/record.py)
    return "", 204
