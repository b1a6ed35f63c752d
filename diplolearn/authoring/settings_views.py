"""Authoring pages for a module's settings (with its lessons' required flag and minutes),
removing an author from a course, and retiring a whole course. The rules live in
services/authoring/module_settings.py and services/authoring/owners.py."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from diplolearn.authoring import bp
from diplolearn.authoring.common import authors_only, course_page, on_get, save_draft_edit, text_of
from diplolearn.authoring.forms import ConfirmForm
from diplolearn.authoring.settings_forms import module_settings_form
from diplolearn.security.scoping import authored_course_or_404, course_author_or_404
from diplolearn.services.authoring import drafting, owners
from diplolearn.services.authoring import module_settings as settings_service
from diplolearn.unit_of_work import unit_of_work


def _owner_or_administrator(course) -> None:
    if not (current_user.is_administrator or owners.is_owner(current_user, course)):
        abort(403)


def _form_data(module) -> dict:
    settings = settings_service.module_settings(module)
    data = {
        "token": settings_service.settings_token(module),
        "required": settings["required"],
        "week": settings["week"],
        "estimated_minutes": settings["estimated_minutes"],
        "prerequisites": settings["prerequisites"],
    }
    for lang, items in settings["objectives"].items():
        data[f"objectives_{lang}"] = "\n".join(items)
    for lang, text in settings["discussion"].items():
        data[f"discussion_{lang}"] = text
    for i, lesson in enumerate(settings["lessons"]):
        data[f"lesson_required_{i}"] = lesson["required"]
        data[f"lesson_minutes_{i}"] = lesson["estimated_minutes"]
    return data


@bp.route("/courses/<int:course_id>/modules/<key>/settings", methods=["GET", "POST"])
@authors_only
def module_settings(course_id: int, key: str):
    course = authored_course_or_404(current_user, course_id)
    draft = drafting.draft_of(course) or abort(404)
    spec = drafting.spec_of(draft)
    module = drafting.find_module(spec, key) or abort(404)
    languages = drafting.lesson_languages(course)
    others = [(m.id, f"{text_of(m.title)} ({m.id})") for m in spec.modules if m.id != key]
    lessons = [
        (lesson.id, text_of({lang: t.title for lang, t in lesson.texts.items()}) or lesson.id)
        for lesson in module.lessons
    ]
    form = module_settings_form(languages, others, lessons, data=on_get(_form_data(module)))
    status, current = 200, None
    if form.validate_on_submit():

        def save():
            settings_service.edit_module_settings(
                draft, key, form.settings(), form.token.data, current_user
            )

        saved, status, current = save_draft_edit(form, save)
        if saved:
            flash(_("The module's settings are saved to the draft."), "success")
            return course_page(course, f"module-{key}")
        current = current.get("") if current else None
        course = authored_course_or_404(current_user, course_id)
    elif form.errors:
        status = 422
    return render_template(
        "authoring/module_settings.html",
        course=course,
        form=form,
        key=key,
        title=text_of(module.title),
        languages=languages,
        lessons=list(range(len(lessons))),
        current=current,
        text_of=text_of,
    ), status


@bp.post("/courses/<int:course_id>/authors/<int:user_id>/remove")
@authors_only
def remove_author(course_id: int, user_id: int):
    course = authored_course_or_404(current_user, course_id)
    _owner_or_administrator(course)
    person = course_author_or_404(course.id, user_id)
    if ConfirmForm().validate_on_submit():
        with unit_of_work() as work:
            owners.remove_author(course, person, current_user)
        if work.refused:
            return course_page(course, "authors")
        flash(_("%(name)s no longer edits this course.", name=person.display_name), "success")
        if not (current_user.is_administrator or owners.is_author(course, current_user)):
            return redirect(url_for("main.home"))  # they may no longer reach /author
    return course_page(course, "authors")


@bp.route("/courses/<int:course_id>/retire", methods=["GET", "POST"])
@authors_only
def retire_course(course_id: int):
    course = authored_course_or_404(current_user, course_id)
    _owner_or_administrator(course)
    form = ConfirmForm()
    running = owners.running_cohorts(course)
    if form.validate_on_submit():
        with unit_of_work() as work:
            owners.retire_course(
                course, current_user, cohort_name=lambda c: text_of(c.name) or c.key
            )
        if work.refused:
            return course_page(course)
        flash(
            _("The course is retired. Its records, certificates and their verification stay."),
            "success",
        )
        return redirect(url_for("authoring.index"))
    if running:
        detail = _(
            "It cannot be retired while cohorts run on it: %(cohorts)s.",
            cohorts=", ".join(text_of(c.name) or c.key for c in running),
        )
    else:
        detail = _(
            "It leaves the teaching and authoring lists. Learners' records, "
            "certificates and their verification stay."
        )
    return render_template(
        "authoring/confirm.html",
        course=course,
        form=form,
        question=_("Retire the course %(title)s?", title=text_of(course.title)),
        detail=detail,
        text_of=text_of,
    ), 409 if running else 200
