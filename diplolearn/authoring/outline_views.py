"""Editing the draft's outline: new and renamed modules, reordering and retiring modules and
lessons, the side-by-side lesson editor with its preview, translation flags, and a published
lesson as learners read it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup

from diplolearn.authoring import bp
from diplolearn.authoring.common import (
    authors_only,
    course_page,
    on_get,
    preview,
    save_draft_edit,
    text_of,
)
from diplolearn.authoring.forms import ConfirmForm, MoveForm, lesson_form, titles_form
from diplolearn.security.scoping import authored_course_or_404, may_author, readable_course_or_404
from diplolearn.services.authoring import drafting, lessons, outline, publishing
from diplolearn.templating import bdi
from diplolearn.unit_of_work import unit_of_work


@bp.route("/courses/<int:course_id>/modules/new", methods=["GET", "POST"])
@authors_only
def new_module(course_id: int):
    course = authored_course_or_404(current_user, course_id)
    draft = drafting.draft_of(course) or abort(404)
    languages = drafting.lesson_languages(course)
    form = titles_form(languages, with_key=True)
    status = 200
    if form.validate_on_submit():
        with unit_of_work(status=422) as work:
            outline.create_module(draft, form.key.data, form.titles(), current_user)
        if work.refused:
            course, status = authored_course_or_404(current_user, course_id), work.status
        else:
            flash(_("The module is added at the end of the draft; give it lessons."), "success")
            return course_page(course, f"module-{form.key.data.strip()}")
    elif form.errors:
        status = 422
    return render_template(
        "authoring/titles.html",
        course=course,
        form=form,
        heading=_("New module"),
        languages=languages,
        text_of=text_of,
    ), status


@bp.route("/courses/<int:course_id>/modules/<key>/edit", methods=["GET", "POST"])
@authors_only
def edit_module(course_id: int, key: str):
    course = authored_course_or_404(current_user, course_id)
    draft = drafting.draft_of(course) or abort(404)
    module = drafting.find_module(drafting.spec_of(draft), key) or abort(404)
    languages = drafting.lesson_languages(course)
    form = titles_form(
        languages,
        needs_token=True,
        data=on_get(
            {
                "token": drafting.token_of(module.title),
                **{f"title_{k}": v for k, v in module.title.items()},
            }
        ),
    )
    status, current = 200, None
    if form.validate_on_submit():
        saved, status, current = save_draft_edit(
            form,
            lambda: outline.edit_module(draft, key, form.titles(), form.token.data, current_user),
        )
        if saved:
            flash(_("The module is saved."), "success")
            return course_page(course, f"module-{key}")
        course = authored_course_or_404(current_user, course_id)
    elif form.errors:
        status = 422
    return render_template(
        "authoring/titles.html",
        course=course,
        form=form,
        heading=_("Module “%(title)s”", title=text_of(module.title)),
        languages=languages,
        current=current,
        text_of=text_of,
    ), status


def _move(course_id: int, kind: str, key: str):
    course = authored_course_or_404(current_user, course_id)
    draft = drafting.draft_of(course) or abort(404)
    form = MoveForm()
    if form.validate_on_submit() and form.target() is not None:
        with unit_of_work() as work:
            outline.move(draft, kind, key, form.target(), current_user)
        if work.refused:
            return course_page(course)
    return course_page(course, f"{kind}-{key}")


@bp.post("/courses/<int:course_id>/modules/<key>/move")
@authors_only
def move_module(course_id: int, key: str):
    return _move(course_id, "module", key)


@bp.post("/courses/<int:course_id>/lessons/<key>/move")
@authors_only
def move_lesson(course_id: int, key: str):
    return _move(course_id, "lesson", key)


def _retire(course_id: int, kind: str, key: str):
    course = authored_course_or_404(current_user, course_id)
    draft = drafting.draft_of(course) or abort(404)
    spec = drafting.spec_of(draft)
    found = (
        drafting.find_module(spec, key) if kind == "module" else drafting.find_lesson(spec, key)[1]
    )
    if found is None:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        with unit_of_work() as work:
            outline.retire(draft, kind, key, current_user)
        if work.refused:
            return course_page(course)
        flash(
            _(
                "Taken out of the draft. When you publish, it is retired: learners' records "
                "stay, and cohorts on earlier versions still see it."
            ),
            "success",
        )
        return course_page(course)
    records = outline.learner_records(course, kind, key)
    # The title sits in a <bdi> (bdi() escapes it); the sentence is ours, trusted as the
    # templates trust translations.
    question = Markup(
        _("Retire the module “%(title)s” and everything in it?", title=bdi(text_of(found.title)))
        if kind == "module"
        else _(
            "Retire the lesson “%(title)s”?",
            title=bdi(text_of({lang: text.title for lang, text in found.texts.items()})),
        )
    )
    detail = (
        ngettext(
            "Learners have %(num)d record on it; it is kept, and the item is "
            "retired, never deleted.",
            "Learners have %(num)d records on it; they are kept, and the item is "
            "retired, never deleted.",
            records,
        )
        if records
        else _("No learner has a record on it yet.")
    )
    return render_template(
        "authoring/confirm.html",
        course=course,
        form=form,
        question=question,
        detail=detail,
        text_of=text_of,
    )


@bp.route("/courses/<int:course_id>/modules/<key>/retire", methods=["GET", "POST"])
@authors_only
def retire_module(course_id: int, key: str):
    return _retire(course_id, "module", key)


@bp.route("/courses/<int:course_id>/lessons/<key>/retire", methods=["GET", "POST"])
@authors_only
def retire_lesson(course_id: int, key: str):
    return _retire(course_id, "lesson", key)


@bp.route("/courses/<int:course_id>/modules/<module_key>/lessons/new/text", methods=["GET", "POST"])
@authors_only
def new_lesson_text(course_id: int, module_key: str):
    """A new lesson written as whole texts (the paragraph editor: editor_views ``new_lesson``)."""
    course = authored_course_or_404(current_user, course_id)
    draft = drafting.draft_of(course) or abort(404)
    drafting.find_module(drafting.spec_of(draft), module_key) or abort(404)
    languages = drafting.lesson_languages(course)
    form = lesson_form(languages, with_key=True)
    status, rendered = 200, None
    if form.validate_on_submit():
        if form.preview.data:
            rendered = preview(form.texts())
        else:
            with unit_of_work(status=422) as work:
                lessons.create_lesson(draft, module_key, form.key.data, form.texts(), current_user)
            if work.refused:
                course, status = authored_course_or_404(current_user, course_id), work.status
            else:
                flash(_("The lesson is added to the draft."), "success")
                return course_page(course, f"lesson-{form.key.data.strip()}")
    elif form.errors:
        status = 422
    return render_template(
        "authoring/lesson.html",
        course=course,
        form=form,
        languages=languages,
        rendered=rendered,
        current=None,
        key=None,
        module_key=module_key,
        flags=[],
        text_of=text_of,
    ), status


@bp.route("/courses/<int:course_id>/lessons/<key>/edit", methods=["GET", "POST"])
@authors_only
def edit_lesson(course_id: int, key: str):
    course = authored_course_or_404(current_user, course_id)
    draft = drafting.draft_of(course) or abort(404)
    _module, lesson = drafting.find_lesson(drafting.spec_of(draft), key)
    if lesson is None:
        abort(404)
    languages = drafting.lesson_languages(course, lesson)
    texts = lessons.lesson_texts(lesson)
    data = {"token": drafting.token_of(texts)}
    for lang, (title, body) in texts.items():
        data[f"title_{lang}"], data[f"body_{lang}"] = title, body
    form = lesson_form(languages, data=on_get(data))
    status, rendered, current = 200, None, None
    if form.validate_on_submit():
        if form.preview.data:
            rendered = preview(form.texts())
        else:
            saved, status, current = save_draft_edit(
                form,
                lambda: lessons.edit_lesson(
                    draft, key, form.texts(), form.token.data, current_user
                ),
            )
            if saved:
                flash(
                    _(
                        "The lesson is saved to the draft. Its other languages are marked as "
                        "needing an update."
                    ),
                    "success",
                )
                return redirect(url_for("authoring.edit_lesson", course_id=course.id, key=key))
            course = authored_course_or_404(current_user, course_id)
    elif form.errors:
        status = 422
    flags = lessons.translation_flags(course).get(key, [])
    return render_template(
        "authoring/lesson.html",
        course=course,
        form=form,
        languages=languages,
        rendered=rendered,
        current=current,
        key=key,
        heading=text_of({lang: title for lang, (title, _body) in texts.items()}),
        flags=flags,
        confirm=ConfirmForm(),
        text_of=text_of,
    ), status


@bp.post("/courses/<int:course_id>/lessons/<key>/translations/<language>/clear")
@authors_only
def clear_flag(course_id: int, key: str, language: str):
    course = authored_course_or_404(current_user, course_id)
    if ConfirmForm().validate_on_submit():
        with unit_of_work() as work:
            lessons.clear_translation_flag(course, key, language, current_user)
        if work.done:
            flash(_("The translation is marked as up to date."), "success")
    return redirect(
        request.referrer
        if request.referrer and request.referrer.startswith(request.host_url)
        else url_for("authoring.show_course", course_id=course.id)
    )


@bp.get("/courses/<int:course_id>/lessons/<key>")
@authors_only
def show_lesson(course_id: int, key: str):
    """A published lesson as learners read it, for every reader of the course."""
    course = readable_course_or_404(current_user, course_id)
    version = drafting.latest_published(course) or abort(404)
    _module, lesson = drafting.find_lesson(drafting.spec_of(version), key)
    if lesson is None:
        abort(404)
    rendered = preview(lessons.lesson_texts(lesson))
    revision = publishing.lesson_revision(version, key)
    return render_template(
        "authoring/show_lesson.html",
        course=course,
        lesson=lesson,
        lesson_title={lang: text.title for lang, text in lesson.texts.items()},
        version=version,
        revision=revision,
        rendered=rendered,
        author=may_author(current_user, course.id),
        text_of=text_of,
    )
