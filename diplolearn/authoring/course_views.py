"""The course editor (``/author/courses/<id>``): the list of courses, a course's draft outline
and versions, opening, discarding and publishing the draft, its title, copies, co-authors, and
moving cohorts between published versions."""

from __future__ import annotations

from flask import abort, flash, render_template
from flask_babel import gettext as _
from flask_login import current_user

from diplolearn.authoring import bp
from diplolearn.authoring.common import authors_only, course_page, on_get, text_of
from diplolearn.authoring.forms import (
    CoauthorForm,
    ConfirmForm,
    CopyForm,
    MoveCohortForm,
    MoveForm,
    titles_form,
)
from diplolearn.models import CourseVersion, CourseVersionState
from diplolearn.security.scoping import (
    authored_course_or_404,
    course_cohort_or_404,
    course_cohorts,
    may_author,
    readable_course_or_404,
    readable_courses,
)
from diplolearn.services.authoring import (
    PublishRefused,
    drafting,
    lessons,
    outline,
    owners,
    publishing,
)
from diplolearn.unit_of_work import unit_of_work


@bp.get("/")
@authors_only
def index():
    courses = readable_courses(current_user)
    mine = [c for c in courses if may_author(current_user, c.id)]
    others = [c for c in courses if not may_author(current_user, c.id)]
    return render_template("authoring/index.html", mine=mine, others=others, text_of=text_of)


def _outline(version: CourseVersion | None):
    return drafting.spec_of(version) if version is not None else None


@bp.get("/courses/<int:course_id>")
@authors_only
def show_course(course_id: int):
    course = readable_course_or_404(current_user, course_id)
    author = may_author(current_user, course.id)
    draft = drafting.draft_of(course) if author else None
    published = drafting.latest_published(course)
    versions = publishing.released_versions(course)
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
        owners=owners.owners(course),
        coauthors=owners.coauthors(course),
        is_owner=owners.is_owner(current_user, course) or current_user.is_administrator,
        flags=lessons.translation_flags(course) if author else {},
        text_of=text_of,
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
            drafting.open_draft(course, current_user)
        if work.refused:
            return course_page(course)
        flash(_("The draft is open: edits stay in it until you publish."), "success")
    return course_page(course)


@bp.route("/courses/<int:course_id>/draft/discard", methods=["GET", "POST"])
@authors_only
def discard_draft(course_id: int):
    course = authored_course_or_404(current_user, course_id)
    draft = drafting.draft_of(course) or abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        with unit_of_work(quiet=True) as work:
            drafting.discard_draft(draft, current_user)
        if work.refused:  # never expected here: answered as an unexpected error, as before
            raise work.error
        flash(_("The draft was discarded."), "success")
        return course_page(course)
    return render_template(
        "authoring/confirm.html",
        course=course,
        form=form,
        question=_("Discard the draft and every change in it?"),
        detail=_("Published versions and learners' records are not affected."),
        text_of=text_of,
    )


@bp.route("/courses/<int:course_id>/publish", methods=["GET", "POST"])
@authors_only
def publish(course_id: int):
    course = authored_course_or_404(current_user, course_id)
    draft = drafting.draft_of(course) or abort(404)
    form = ConfirmForm()
    problems = []
    if form.validate_on_submit():
        with unit_of_work(quiet=True) as work:
            version = publishing.publish(draft, current_user)
        if work.refused:
            if not isinstance(work.error, PublishRefused):
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
            return course_page(course, "cohorts")
    return render_template(
        "authoring/publish.html", course=course, form=form, problems=problems, text_of=text_of
    ), 409 if problems else 200


@bp.route("/courses/<int:course_id>/title", methods=["GET", "POST"])
@authors_only
def edit_course(course_id: int):
    course = authored_course_or_404(current_user, course_id)
    languages = drafting.lesson_languages(course)
    draft = drafting.draft_of(course) or abort(404)
    form = titles_form(languages, data=on_get({f"title_{k}": v for k, v in course.title.items()}))
    status = 422 if form.errors else 200
    if form.validate_on_submit():
        with unit_of_work(status=422) as work:
            outline.edit_course_title(draft, form.titles(), current_user)
        if work.refused:
            course, status = authored_course_or_404(current_user, course_id), work.status
        else:
            flash(_("The course title is saved."), "success")
            return course_page(course)
    return render_template(
        "authoring/titles.html",
        course=course,
        form=form,
        heading=_("Course title"),
        languages=languages,
        text_of=text_of,
    ), 422 if form.errors else status


@bp.post("/courses/<int:course_id>/copy")
@authors_only
def copy_course(course_id: int):
    course = readable_course_or_404(current_user, course_id)
    form = CopyForm()
    if not form.validate_on_submit():
        flash(_("Give the copy an id."), "error")
        return course_page(course)
    with unit_of_work() as work:
        copy = owners.copy_course(course, form.new_key.data, current_user)
    if work.refused:
        return course_page(course)
    flash(_("The copy is made; you are its owner."), "success")
    return course_page(copy)


@bp.post("/courses/<int:course_id>/coauthors")
@authors_only
def add_coauthor(course_id: int):
    course = authored_course_or_404(current_user, course_id)
    if not (owners.is_owner(current_user, course) or current_user.is_administrator):
        abort(403)
    form = CoauthorForm()
    if form.validate_on_submit():
        with unit_of_work() as work:
            owners.add_coauthor(course, form.email.data, current_user, as_owner=form.as_owner.data)
        if work.refused:
            return course_page(course, "authors")
        flash(_("The co-author is added."), "success")
    else:
        flash(_("Enter the email address of an account."), "error")
    return course_page(course, "authors")


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
        version = publishing.version_by_id(form.version.data)
        with unit_of_work() as work:
            publishing.move_cohort(cohort, version, current_user)
        if work.refused:
            return course_page(course, "cohorts")
        flash(
            _(
                "The cohort now follows version %(number)d; its learners' progress came along.",
                number=version.number,
            ),
            "success",
        )
    else:
        flash(_("Choose a published version."), "error")
    return course_page(course, "cohorts")
