"""A published version's corrections and the change history: correcting a lesson's text in a
published version (applied in place, recorded), an item's history, and one change."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import ngettext
from flask_login import current_user

from diplolearn.authoring import bp
from diplolearn.authoring.common import authors_only, item_title, on_get, preview, text_of
from diplolearn.authoring.forms import correction_form
from diplolearn.security.scoping import authored_course_or_404
from diplolearn.services.authoring import corrections, drafting, lessons, publishing
from diplolearn.unit_of_work import unit_of_work


@bp.route(
    "/courses/<int:course_id>/versions/<int:number>/lessons/<key>/correct/<language>",
    methods=["GET", "POST"],
)
@authors_only
def correct_lesson(course_id: int, number: int, key: str, language: str):
    course = authored_course_or_404(current_user, course_id)
    version = publishing.published_version(course, number) or abort(404)
    _module, lesson = drafting.find_lesson(drafting.spec_of(version), key)
    if lesson is None or language not in lesson.texts:
        abort(404)
    revision = publishing.lesson_revision(version, key)
    form = correction_form(language, data=on_get({"body": lessons.lesson_body(lesson, language)}))
    status, rendered = 200, None
    if form.validate_on_submit():
        if form.preview.data:
            rendered = preview({language: ("", form.body.data)})
        else:
            with unit_of_work(status=422) as work:
                changed = corrections.correct(revision, language, form.body.data, current_user)
            if work.refused:
                status = work.status
                course = authored_course_or_404(current_user, course_id)
            else:
                flash(
                    ngettext(
                        "The correction is applied to version %(version)d (%(num)d paragraph).",
                        "The correction is applied to version %(version)d (%(num)d paragraphs).",
                        changed,
                        version=number,
                    ),
                    "success",
                )
                return redirect(
                    url_for("authoring.show_history", course_id=course.id, kind="lesson", key=key)
                )
    elif form.errors:
        status = 422
    return render_template(
        "authoring/correct.html",
        course=course,
        form=form,
        key=key,
        title=lesson.texts[language].title,
        number=number,
        language=language,
        rendered=rendered,
        text_of=text_of,
    ), status


@bp.get(
    "/courses/<int:course_id>/history/"
    "<any(lesson, module, question, course, quiz, assignment):kind>/<key>"
)
@authors_only
def show_history(course_id: int, kind: str, key: str):
    course = authored_course_or_404(current_user, course_id)
    changes = corrections.history(course, kind, key)
    return render_template(
        "authoring/history.html",
        course=course,
        kind=kind,
        key=key,
        title=item_title(course, kind, key),
        changes=changes,
        text_of=text_of,
    )


@bp.get("/courses/<int:course_id>/changes/<int:change_id>")
@authors_only
def show_change(course_id: int, change_id: int):
    course = authored_course_or_404(current_user, course_id)
    change = corrections.content_change(course, change_id) or abort(404)
    return render_template(
        "authoring/change.html",
        course=course,
        change=change,
        title=item_title(course, change.item_kind, change.item_key),
        text_of=text_of,
    )
