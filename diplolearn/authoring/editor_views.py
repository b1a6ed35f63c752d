"""The paragraph editor of a lesson (issue 15 item 7): each paragraph its own box with a text
area per language, moved, added and removed with buttons that re-render the page with the
change applied and nothing saved until "Save"; the preview beside it; the whole-text form
(outline_views ``edit_lesson``) one click away. Both save through the same service."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from diplolearn.authoring import bp
from diplolearn.authoring.common import (
    authors_only,
    course_page,
    render_paragraph,
    save_draft_edit,
    text_of,
)
from diplolearn.authoring.editor_forms import ACTION, apply_action, form_data, paragraphs_form
from diplolearn.authoring.forms import ConfirmForm, lesson_form
from diplolearn.security.scoping import authored_course_or_404
from diplolearn.services.authoring import ContentInvalid, drafting, lessons
from diplolearn.services.authoring import paragraphs as by_paragraph
from diplolearn.unit_of_work import say_refused, unit_of_work

NOTICES = {
    "up": "moved",
    "down": "moved",
    "add": "added",
    "remove": "removed",
}


def _preview(form, languages: list[str]) -> list[dict]:
    """Per language, its title and rendered paragraphs (those written in it)."""
    titles, edited = form.titles(), form.edited()
    shown = []
    for language in languages:
        paragraphs = [
            (number, render_paragraph(p.texts[language], language))
            for number, p in enumerate(edited, start=1)
            if (p.texts.get(language) or "").strip()
        ]
        if paragraphs or titles.get(language, "").strip():
            shown.append(
                {"language": language, "title": titles[language], "paragraphs": paragraphs}
            )
    return shown


def _notice(action: str) -> str | None:
    verb = action.partition("-")[0]
    return {
        "moved": _("The paragraph is moved. Nothing is saved until you choose Save."),
        "added": _("A new paragraph is added. Nothing is saved until you choose Save."),
        "removed": _("The paragraph is removed. Nothing is saved until you choose Save."),
    }.get(NOTICES.get(verb, ""))


def _whole_text(course, key, form, languages, spec, module_key=None):
    """The editor's texts carried over to the whole-text form, unsaved (a new lesson's id
    too)."""
    edited = form.edited()
    by_paragraph.fresh_anchors(spec, key or (form.key.data or "").strip(), edited, languages)
    try:
        texts = by_paragraph.paragraph_texts(form.titles(), edited, languages)
    except ContentInvalid as error:
        say_refused(error)
        return None
    data = {"token": form.token.data}
    if key is None:
        data["key"] = form.key.data
    for lang, (title, body) in texts.items():
        data[f"title_{lang}"], data[f"body_{lang}"] = title, body
    raw = lesson_form(languages, with_key=key is None, formdata=None, data=data)
    return render_template(
        "authoring/lesson.html",
        course=course,
        form=raw,
        languages=languages,
        rendered=None,
        current=None,
        key=key,
        module_key=module_key,
        heading=text_of({lang: t for lang, t in form.titles().items() if t}),
        flags=[],
        confirm=ConfirmForm(),
        carried=True,
        text_of=text_of,
    )


def _rearrange(form, action: str, languages: list[str], fixed: set[str]):
    """Apply a move, add or remove button: a new form (the rest as posted), what to focus,
    and the notice that nothing is saved yet."""
    paragraphs, index, what = apply_action(action, form.edited(), fixed)
    key = form.key.data if hasattr(form, "key") else None
    new = paragraphs_form(
        languages,
        with_key=key is not None,
        formdata=None,
        data=form_data(form.titles(), paragraphs, languages, form.token.data, key),
    )
    return new, (index, what), _notice(action) if index is not None else None


@bp.route("/courses/<int:course_id>/lessons/<key>/paragraphs", methods=["GET", "POST"])
@authors_only
def edit_paragraphs(course_id: int, key: str):
    course = authored_course_or_404(current_user, course_id)
    draft = drafting.draft_of(course) or abort(404)
    spec = drafting.spec_of(draft)
    _module, lesson = drafting.find_lesson(spec, key)
    if lesson is None:
        abort(404)
    languages = drafting.lesson_languages(course, lesson)
    fixed = lessons.referenced_anchors(spec, key)
    texts = lessons.lesson_texts(lesson)
    saved_titles = {lang: title for lang, (title, _body) in texts.items()}
    status, current, focus, notice = 200, None, (None, None), None
    if request.method == "GET":
        form = paragraphs_form(
            languages,
            formdata=None,
            data=form_data(
                saved_titles,
                by_paragraph.lesson_paragraphs(lesson),
                languages,
                drafting.token_of(texts),
            ),
        )
    else:
        form = paragraphs_form(languages)
        action = request.form.get("action", "")
        if not form.validate_on_submit():
            status = 422
        elif action == "save":
            saved, status, current = save_draft_edit(
                form,
                lambda: by_paragraph.edit_lesson_paragraphs(
                    draft, key, form.titles(), form.edited(), form.token.data, current_user
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
                return redirect(url_for("authoring.edit_paragraphs", course_id=course.id, key=key))
            course = authored_course_or_404(current_user, course_id)
        elif action == "text":
            page = _whole_text(course, key, form, languages, spec)
            if page is not None:
                return page
            status = 422
        elif not ACTION.match(action):
            status = 200 if action == "preview" else 422
        else:
            form, focus, notice = _rearrange(form, action, languages, fixed)
    return render_template(
        "authoring/paragraphs.html",
        course=course,
        form=form,
        key=key,
        heading=text_of(saved_titles),
        languages=languages,
        fixed=fixed,
        focus=focus,
        notice=notice,
        current=current,
        preview=_preview(form, languages),
        flags=lessons.translation_flags(course).get(key, []),
        confirm=ConfirmForm(),
        text_of=text_of,
    ), status


@bp.route("/courses/<int:course_id>/modules/<module_key>/lessons/new", methods=["GET", "POST"])
@authors_only
def new_lesson(course_id: int, module_key: str):
    """A new lesson, written paragraph by paragraph (the whole-text form: ``new_lesson_text``)."""
    course = authored_course_or_404(current_user, course_id)
    draft = drafting.draft_of(course) or abort(404)
    drafting.find_module(drafting.spec_of(draft), module_key) or abort(404)
    languages = drafting.lesson_languages(course)
    status, focus, notice = 200, (None, None), None
    if request.method == "GET":
        form = paragraphs_form(
            languages,
            with_key=True,
            formdata=None,
            data=form_data({}, [by_paragraph.EditedParagraph()], languages, key=""),
        )
        focus = (None, None)
    else:
        form = paragraphs_form(languages, with_key=True)
        action = request.form.get("action", "")
        if not form.validate_on_submit():
            status = 422
        elif action == "save":
            with unit_of_work(status=422) as work:
                key = by_paragraph.create_lesson_paragraphs(
                    draft, module_key, form.key.data, form.titles(), form.edited(), current_user
                )
            if work.refused:
                course, status = authored_course_or_404(current_user, course_id), work.status
            else:
                flash(_("The lesson is added to the draft."), "success")
                return course_page(course, f"lesson-{key}")
        elif action == "text":
            spec = drafting.spec_of(draft)
            page = _whole_text(course, None, form, languages, spec, module_key)
            if page is not None:
                return page
            status = 422
        elif ACTION.match(action):
            form, focus, notice = _rearrange(form, action, languages, set())
        else:
            status = 200 if action == "preview" else 422
    return render_template(
        "authoring/paragraphs.html",
        course=course,
        form=form,
        key=None,
        module_key=module_key,
        heading=_("New lesson"),
        languages=languages,
        fixed=set(),
        focus=focus,
        notice=notice,
        current=None,
        preview=_preview(form, languages),
        flags=[],
        confirm=ConfirmForm(),
        text_of=text_of,
    ), status
