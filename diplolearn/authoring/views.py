"""Authoring pages: the course editor (draft outline, reorder, retire, publish, cohorts'
versions, copies, co-authors), the side-by-side lesson editor with its preview, corrections and
change history. Views stay thin: services/authoring/authoring.py holds the rules."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from diplolearn import i18n
from diplolearn.authoring import bp
from diplolearn.authoring.forms import (
    CoauthorForm,
    ConfirmForm,
    CopyForm,
    MoveCohortForm,
    MoveForm,
    correction_form,
    lesson_form,
    titles_form,
)
from diplolearn.courses.links import resolve_course_links
from diplolearn.models import CourseVersion, CourseVersionState, Role
from diplolearn.security.permissions import role_required
from diplolearn.security.sanitize import render_markdown
from diplolearn.security.scoping import (
    authored_course_or_404,
    course_cohort_or_404,
    course_cohorts,
    may_author,
    readable_course_or_404,
    readable_courses,
)
from diplolearn.services.authoring import authoring as service
from diplolearn.services.authoring import authoring_settings
from diplolearn.unit_of_work import say_refused, unit_of_work

authors_only = role_required(Role.ADMINISTRATOR, Role.INSTRUCTOR)


@bp.context_processor
def _labels():
    return {
        "action_names": {
            "edit": _("Edited"),
            "create": _("Created"),
            "retire": _("Retired"),
            "move": _("Moved"),
            "correction": _("Correction"),
            "translation_cleared": _("Translation marked as up to date"),
        }
    }


def _text_of(mapping: dict) -> str:
    return i18n.pick_text(mapping or {}, [i18n.current_language(), "en", "ar", "fr"])[0]


def save_draft_edit(form, save) -> tuple[bool, int, object]:
    """Run ``save`` (an edit of the draft carrying ``form.token``) as one unit of work. A stale
    token shows what the colleague saved (409; the form's token moves on to theirs); refused
    input says why (422). Returns (saved, status, the colleague's version or None)."""
    with unit_of_work(status=422, quiet=True) as work:
        save()
    if isinstance(work.error, service.StaleEdit):
        flash(work.error.message, "error")
        form.token.data = work.error.token
        return False, 409, work.error.current
    if work.refused:
        say_refused(work.error)
        return False, work.status, None
    return True, 200, None


def _on_get(data: dict) -> dict | None:
    """Prefill a form when showing it; a posted form holds exactly what was posted."""
    return data if request.method == "GET" else None


def _course_page(course, anchor: str | None = None):
    return redirect(url_for("authoring.show_course", course_id=course.id, _anchor=anchor))


def preview(texts: dict[str, tuple[str, str]]) -> dict[str, list[tuple]]:
    """Each language's paragraphs rendered as the learner's lesson page renders them (same
    link resolution, same Markdown renderer and bleach cleaner)."""
    rendered = {}
    for language, (_title, body) in texts.items():
        paragraphs, _problems = service.parse_body(service._clean(body), language)
        rendered[language] = [
            (p.anchor, render_markdown(resolve_course_links(p.text))) for p in paragraphs
        ]
    return rendered


@bp.get("/")
@authors_only
def index():
    courses = readable_courses(current_user)
    mine = [c for c in courses if may_author(current_user, c.id)]
    others = [c for c in courses if not may_author(current_user, c.id)]
    return render_template("authoring/index.html", mine=mine, others=others, text_of=_text_of)


def _outline(version: CourseVersion | None):
    return service.spec_of(version) if version is not None else None


@bp.get("/courses/<int:course_id>")
@authors_only
def show_course(course_id: int):
    course = readable_course_or_404(current_user, course_id)
    author = may_author(current_user, course.id)
    draft = service.draft_of(course) if author else None
    published = service.latest_published(course)
    versions = service.released_versions(course)
    cohorts = course_cohorts(current_user, course.id) if author else []
    cohort_forms = {}
    for cohort in cohorts:
        form = MoveCohortForm(
            prefix=f"cohort{cohort.id}", data={"version": cohort.course_version_id}
        )
        form.version.choices = [
            (v.id, _("Version %(number)d", number=v.number))
            for v in versions
            if v.state == CourseVersionState.PUBLISHED
        ]
        cohort_forms[cohort.id] = form
    return render_template(
        "authoring/course.html",
        course=course,
        author=author,
        draft=draft,
        published=published,
        spec=_outline(draft or published),
        versions=versions,
        cohorts=cohorts,
        cohort_forms=cohort_forms,
        owners=service.owners(course),
        coauthors=authoring_settings.coauthors(course),
        is_owner=service.is_owner(current_user, course) or current_user.is_administrator,
        flags=service.translation_flags(course) if author else {},
        text_of=_text_of,
        confirm=ConfirmForm(),
        move_form=MoveForm(),
        copy_form=CopyForm(),
        coauthor_form=CoauthorForm(),
        lesson_titles=lambda lesson: {lang: t.title for lang, t in lesson.texts.items()},
    )


@bp.post("/courses/<int:course_id>/draft")
@authors_only
def open_draft(course_id: int):
    course = authored_course_or_404(current_user, course_id)
    if ConfirmForm().validate_on_submit():
        with unit_of_work() as work:
            service.open_draft(course, current_user)
        if work.refused:
            return _course_page(course)
        flash(_("The draft is open: edits stay in it until you publish."), "success")
    return _course_page(course)


@bp.route("/courses/<int:course_id>/draft/discard", methods=["GET", "POST"])
@authors_only
def discard_draft(course_id: int):
    course = authored_course_or_404(current_user, course_id)
    draft = service.draft_of(course) or abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        with unit_of_work(quiet=True) as work:
            service.discard_draft(draft, current_user)
        if work.refused:  # never expected here: answered as an unexpected error, as before
            raise work.error
        flash(_("The draft was discarded."), "success")
        return _course_page(course)
    return render_template(
        "authoring/confirm.html",
        course=course,
        form=form,
        question=_("Discard the draft and every change in it?"),
        detail=_("Published versions and learners' records are not affected."),
        text_of=_text_of,
    )


@bp.route("/courses/<int:course_id>/publish", methods=["GET", "POST"])
@authors_only
def publish(course_id: int):
    course = authored_course_or_404(current_user, course_id)
    draft = service.draft_of(course) or abort(404)
    form = ConfirmForm()
    problems = []
    if form.validate_on_submit():
        with unit_of_work(quiet=True) as work:
            version = service.publish(draft, current_user)
        if work.refused:
            if not isinstance(work.error, service.PublishRefused):
                raise work.error  # answered as an unexpected error, as before
            problems = work.error.problems
        else:
            flash(
                _(
                    "Version %(number)d is published. Cohorts keep their version until you "
                    "move them.",
                    number=version.number,
                ),
                "success",
            )
            return _course_page(course, "cohorts")
    return render_template(
        "authoring/publish.html", course=course, form=form, problems=problems, text_of=_text_of
    ), 409 if problems else 200


@bp.route("/courses/<int:course_id>/title", methods=["GET", "POST"])
@authors_only
def edit_course(course_id: int):
    course = authored_course_or_404(current_user, course_id)
    languages = service.lesson_languages(course)
    draft = service.draft_of(course) or abort(404)
    form = titles_form(languages, data=_on_get({f"title_{k}": v for k, v in course.title.items()}))
    status = 422 if form.errors else 200
    if form.validate_on_submit():
        with unit_of_work(status=422) as work:
            service.edit_course_title(draft, form.titles(), current_user)
        if work.refused:
            course, status = authored_course_or_404(current_user, course_id), work.status
        else:
            flash(_("The course title is saved."), "success")
            return _course_page(course)
    return render_template(
        "authoring/titles.html",
        course=course,
        form=form,
        heading=_("Course title"),
        languages=languages,
        text_of=_text_of,
    ), 422 if form.errors else status


@bp.post("/courses/<int:course_id>/copy")
@authors_only
def copy_course(course_id: int):
    course = readable_course_or_404(current_user, course_id)
    form = CopyForm()
    if not form.validate_on_submit():
        flash(_("Give the copy an id."), "error")
        return _course_page(course)
    with unit_of_work() as work:
        copy = service.copy_course(course, form.new_key.data, current_user)
    if work.refused:
        return _course_page(course)
    flash(_("The copy is made; you are its owner."), "success")
    return _course_page(copy)


@bp.post("/courses/<int:course_id>/coauthors")
@authors_only
def add_coauthor(course_id: int):
    course = authored_course_or_404(current_user, course_id)
    if not (service.is_owner(current_user, course) or current_user.is_administrator):
        abort(403)
    form = CoauthorForm()
    if form.validate_on_submit():
        with unit_of_work() as work:
            service.add_coauthor(course, form.email.data, current_user, as_owner=form.as_owner.data)
        if work.refused:
            return _course_page(course, "authors")
        flash(_("The co-author is added."), "success")
    else:
        flash(_("Enter the email address of an account."), "error")
    return _course_page(course, "authors")


@bp.post("/courses/<int:course_id>/cohorts/<int:cohort_id>/version")
@authors_only
def move_cohort(course_id: int, cohort_id: int):
    course = authored_course_or_404(current_user, course_id)
    cohort = course_cohort_or_404(course.id, cohort_id)
    form = MoveCohortForm(prefix=f"cohort{cohort.id}")
    form.version.choices = [
        (v.id, str(v.number)) for v in course.versions if v.state == CourseVersionState.PUBLISHED
    ]
    if form.validate_on_submit():
        version = service.version_by_id(form.version.data)
        with unit_of_work() as work:
            service.move_cohort(cohort, version, current_user)
        if work.refused:
            return _course_page(course, "cohorts")
        flash(
            _(
                "The cohort now follows version %(number)d; its learners' progress came along.",
                number=version.number,
            ),
            "success",
        )
    else:
        flash(_("Choose a published version."), "error")
    return _course_page(course, "cohorts")


# --- modules ---------------------------------------------------------------------------------


@bp.route("/courses/<int:course_id>/modules/new", methods=["GET", "POST"])
@authors_only
def new_module(course_id: int):
    course = authored_course_or_404(current_user, course_id)
    draft = service.draft_of(course) or abort(404)
    languages = service.lesson_languages(course)
    form = titles_form(languages, with_key=True)
    status = 200
    if form.validate_on_submit():
        with unit_of_work(status=422) as work:
            service.create_module(draft, form.key.data, form.titles(), current_user)
        if work.refused:
            course, status = authored_course_or_404(current_user, course_id), work.status
        else:
            flash(_("The module is added at the end of the draft; give it lessons."), "success")
            return _course_page(course, f"module-{form.key.data.strip()}")
    elif form.errors:
        status = 422
    return render_template(
        "authoring/titles.html",
        course=course,
        form=form,
        heading=_("New module"),
        languages=languages,
        text_of=_text_of,
    ), status


@bp.route("/courses/<int:course_id>/modules/<key>/edit", methods=["GET", "POST"])
@authors_only
def edit_module(course_id: int, key: str):
    course = authored_course_or_404(current_user, course_id)
    draft = service.draft_of(course) or abort(404)
    module = service.find_module(service.spec_of(draft), key) or abort(404)
    languages = service.lesson_languages(course)
    form = titles_form(
        languages,
        needs_token=True,
        data=_on_get(
            {
                "token": service.token_of(module.title),
                **{f"title_{k}": v for k, v in module.title.items()},
            }
        ),
    )
    status, current = 200, None
    if form.validate_on_submit():
        saved, status, current = save_draft_edit(
            form,
            lambda: service.edit_module(draft, key, form.titles(), form.token.data, current_user),
        )
        if saved:
            flash(_("The module is saved."), "success")
            return _course_page(course, f"module-{key}")
        course = authored_course_or_404(current_user, course_id)
    elif form.errors:
        status = 422
    return render_template(
        "authoring/titles.html",
        course=course,
        form=form,
        heading=_("Module %(key)s", key=key),
        languages=languages,
        current=current,
        text_of=_text_of,
    ), status


def _move(course_id: int, kind: str, key: str):
    course = authored_course_or_404(current_user, course_id)
    draft = service.draft_of(course) or abort(404)
    form = MoveForm()
    if form.validate_on_submit() and form.target() is not None:
        with unit_of_work() as work:
            service.move(draft, kind, key, form.target(), current_user)
        if work.refused:
            return _course_page(course)
    return _course_page(course, f"{kind}-{key}")


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
    draft = service.draft_of(course) or abort(404)
    spec = service.spec_of(draft)
    found = (
        service.find_module(spec, key) if kind == "module" else service.find_lesson(spec, key)[1]
    )
    if found is None:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        with unit_of_work() as work:
            service.retire(draft, kind, key, current_user)
        if work.refused:
            return _course_page(course)
        flash(
            _(
                "Taken out of the draft. When you publish, it is retired: learners' records "
                "stay, and cohorts on earlier versions still see it."
            ),
            "success",
        )
        return _course_page(course)
    records = service.learner_records(course, kind, key)
    question = (
        _("Retire the module %(key)s and everything in it?", key=key)
        if kind == "module"
        else _("Retire the lesson %(key)s?", key=key)
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
        text_of=_text_of,
    )


@bp.route("/courses/<int:course_id>/modules/<key>/retire", methods=["GET", "POST"])
@authors_only
def retire_module(course_id: int, key: str):
    return _retire(course_id, "module", key)


@bp.route("/courses/<int:course_id>/lessons/<key>/retire", methods=["GET", "POST"])
@authors_only
def retire_lesson(course_id: int, key: str):
    return _retire(course_id, "lesson", key)


# --- lessons ---------------------------------------------------------------------------------


@bp.route("/courses/<int:course_id>/modules/<module_key>/lessons/new", methods=["GET", "POST"])
@authors_only
def new_lesson(course_id: int, module_key: str):
    course = authored_course_or_404(current_user, course_id)
    draft = service.draft_of(course) or abort(404)
    service.find_module(service.spec_of(draft), module_key) or abort(404)
    languages = service.lesson_languages(course)
    form = lesson_form(languages, with_key=True)
    status, rendered = 200, None
    if form.validate_on_submit():
        if form.preview.data:
            rendered = preview(form.texts())
        else:
            with unit_of_work(status=422) as work:
                service.create_lesson(draft, module_key, form.key.data, form.texts(), current_user)
            if work.refused:
                course, status = authored_course_or_404(current_user, course_id), work.status
            else:
                flash(_("The lesson is added to the draft."), "success")
                return _course_page(course, f"lesson-{form.key.data.strip()}")
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
        flags=[],
        text_of=_text_of,
    ), status


@bp.route("/courses/<int:course_id>/lessons/<key>/edit", methods=["GET", "POST"])
@authors_only
def edit_lesson(course_id: int, key: str):
    course = authored_course_or_404(current_user, course_id)
    draft = service.draft_of(course) or abort(404)
    _module, lesson = service.find_lesson(service.spec_of(draft), key)
    if lesson is None:
        abort(404)
    languages = service.lesson_languages(course, lesson)
    texts = service.lesson_texts(lesson)
    data = {"token": service.token_of(texts)}
    for lang, (title, body) in texts.items():
        data[f"title_{lang}"], data[f"body_{lang}"] = title, body
    form = lesson_form(languages, data=_on_get(data))
    status, rendered, current = 200, None, None
    if form.validate_on_submit():
        if form.preview.data:
            rendered = preview(form.texts())
        else:
            saved, status, current = save_draft_edit(
                form,
                lambda: service.edit_lesson(
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
    flags = service.translation_flags(course).get(key, [])
    return render_template(
        "authoring/lesson.html",
        course=course,
        form=form,
        languages=languages,
        rendered=rendered,
        current=current,
        key=key,
        flags=flags,
        confirm=ConfirmForm(),
        text_of=_text_of,
    ), status


@bp.post("/courses/<int:course_id>/lessons/<key>/translations/<language>/clear")
@authors_only
def clear_flag(course_id: int, key: str, language: str):
    course = authored_course_or_404(current_user, course_id)
    if ConfirmForm().validate_on_submit():
        with unit_of_work() as work:
            service.clear_translation_flag(course, key, language, current_user)
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
    version = service.latest_published(course) or abort(404)
    _module, lesson = service.find_lesson(service.spec_of(version), key)
    if lesson is None:
        abort(404)
    rendered = preview(service.lesson_texts(lesson))
    revision = service.lesson_revision(version, key)
    return render_template(
        "authoring/show_lesson.html",
        course=course,
        lesson=lesson,
        version=version,
        revision=revision,
        rendered=rendered,
        author=may_author(current_user, course.id),
        text_of=_text_of,
    )


@bp.route(
    "/courses/<int:course_id>/versions/<int:number>/lessons/<key>/correct/<language>",
    methods=["GET", "POST"],
)
@authors_only
def correct_lesson(course_id: int, number: int, key: str, language: str):
    course = authored_course_or_404(current_user, course_id)
    version = service.published_version(course, number) or abort(404)
    _module, lesson = service.find_lesson(service.spec_of(version), key)
    if lesson is None or language not in lesson.texts:
        abort(404)
    revision = service.lesson_revision(version, key)
    form = correction_form(language, data=_on_get({"body": service.lesson_body(lesson, language)}))
    status, rendered = 200, None
    if form.validate_on_submit():
        if form.preview.data:
            rendered = preview({language: ("", form.body.data)})
        else:
            with unit_of_work(status=422) as work:
                changed = service.correct(revision, language, form.body.data, current_user)
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
        number=number,
        language=language,
        rendered=rendered,
        text_of=_text_of,
    ), status


@bp.get(
    "/courses/<int:course_id>/history/"
    "<any(lesson, module, question, course, quiz, assignment):kind>/<key>"
)
@authors_only
def show_history(course_id: int, kind: str, key: str):
    course = authored_course_or_404(current_user, course_id)
    changes = service.history(course, kind, key)
    return render_template(
        "authoring/history.html",
        course=course,
        kind=kind,
        key=key,
        changes=changes,
        text_of=_text_of,
    )


@bp.get("/courses/<int:course_id>/changes/<int:change_id>")
@authors_only
def show_change(course_id: int, change_id: int):
    course = authored_course_or_404(current_user, course_id)
    change = service.content_change(course, change_id) or abort(404)
    return render_template("authoring/change.html", course=course, change=change, text_of=_text_of)
