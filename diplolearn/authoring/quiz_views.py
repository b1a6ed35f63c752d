"""Authoring pages for a module's assessment (issue 7 part 2): the overview of its quiz, bank
and assignment, the quiz's settings and policy, its draws from bank categories, the bank
categories, and the assignment's prompt and rubric. Questions are edited in question_views.py,
the quiz tried in preview_views.py; the rules live in services/authoring/ (quiz_authoring,
assignment_authoring). ``draft_or_404``, ``module_page`` and ``submit_form`` serve all three."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from diplolearn.authoring import bp
from diplolearn.authoring.common import authors_only, save_draft_edit, text_of
from diplolearn.authoring.forms import MoveForm
from diplolearn.authoring.question_forms import kind_names
from diplolearn.authoring.quiz_forms import (
    assignment_data,
    assignment_form,
    category_form,
    draws_form,
    quiz_data,
    quiz_form,
    row_count,
)
from diplolearn.security.scoping import authored_course_or_404, may_author, readable_course_or_404
from diplolearn.services.authoring import assessment_items as items
from diplolearn.services.authoring import assignment_authoring, drafting, quiz_authoring


def draft_or_404(course_id: int):
    """The course the viewer authors and its open draft (404 without one)."""
    course = authored_course_or_404(current_user, course_id)
    draft = drafting.draft_of(course) or abort(404)
    return course, draft


def module_page(course, module_key: str):
    """Back to the module's assessment page."""
    return redirect(
        url_for("authoring.show_assessment", course_id=course.id, module_key=module_key)
    )


def submit_form(form, save, success: str, done, render):
    """Run ``save`` for a valid posted form as one unit of work (``save_draft_edit``) and go to
    ``done()`` on success; on a stale token or bad input, show the form again (409 or 422)."""
    status, current = 200, None
    if request.method == "POST":
        if getattr(form, "more", None) is not None and form.more.data:
            return render(None, 200)
        if form.validate_on_submit():
            saved, status, current = save_draft_edit(form, save)
            if saved:
                flash(success, "success")
                return done()
        else:
            status = 422
    return render(current, status)


# --- the module's assessment page ----------------------------------------------------------


@bp.get("/courses/<int:course_id>/modules/<module_key>/assessment")
@authors_only
def show_assessment(course_id: int, module_key: str):
    course = readable_course_or_404(current_user, course_id)
    author = may_author(current_user, course.id)
    draft = drafting.draft_of(course) if author else None
    version = draft or drafting.latest_published(course)
    spec = drafting.spec_of(version) if version is not None else None
    module = drafting.find_module(spec, module_key) if spec is not None else None
    if module is None:
        abort(404)
    return render_template(
        "authoring/quiz.html",
        course=course,
        module=module,
        draft=draft,
        author=author,
        kinds=kind_names(),
        move_form=MoveForm(),
        text_of=text_of,
    )


# --- quizzes -------------------------------------------------------------------------------


@bp.route("/courses/<int:course_id>/modules/<module_key>/quiz/new", methods=["GET", "POST"])
@authors_only
def new_quiz(course_id: int, module_key: str):
    course, draft = draft_or_404(course_id)
    module = drafting.find_module(drafting.spec_of(draft), module_key) or abort(404)
    if module.quiz is not None:
        return redirect(url_for("authoring.edit_quiz", course_id=course.id, key=module.quiz.id))
    languages = drafting.lesson_languages(course)
    form = quiz_form(languages, with_key=True)
    if request.method == "GET":
        form.token.data = items.quiz_token(None)

    def render(current, status):
        return render_template(
            "authoring/quiz_settings.html",
            course=course,
            form=form,
            languages=languages,
            module=module,
            heading=_("New quiz"),
            current=current,
            text_of=text_of,
        ), status

    return submit_form(
        form,
        lambda: quiz_authoring.save_quiz(
            draft, module_key, form.values(), form.token.data, current_user, new_key=form.key.data
        ),
        _("The quiz is added to the draft; give it questions."),
        lambda: module_page(course, module_key),
        render,
    )


@bp.route("/courses/<int:course_id>/quizzes/<key>/edit", methods=["GET", "POST"])
@authors_only
def edit_quiz(course_id: int, key: str):
    course, draft = draft_or_404(course_id)
    module, quiz = items.find_quiz(drafting.spec_of(draft), key)
    if quiz is None:
        abort(404)
    languages = drafting.lesson_languages(course)
    form = quiz_form(
        languages,
        data=quiz_data(quiz_authoring.quiz_input_of(quiz), items.quiz_token(quiz))
        if request.method == "GET"
        else None,
    )

    def render(current, status):
        return render_template(
            "authoring/quiz_settings.html",
            course=course,
            form=form,
            languages=languages,
            module=module,
            heading=_("Quiz %(key)s", key=key),
            current=current,
            text_of=text_of,
        ), status

    return submit_form(
        form,
        lambda: quiz_authoring.save_quiz(
            draft, module.id, form.values(), form.token.data, current_user
        ),
        _("The quiz settings are saved to the draft."),
        lambda: module_page(course, module.id),
        render,
    )


@bp.route("/courses/<int:course_id>/quizzes/<key>/draws", methods=["GET", "POST"])
@authors_only
def edit_draws(course_id: int, key: str):
    course, draft = draft_or_404(course_id)
    spec = drafting.spec_of(draft)
    module, quiz = items.find_quiz(spec, key)
    if quiz is None:
        abort(404)
    categories = [
        (c.id, f"{text_of(c.title)} ({c.id}, {len(c.questions)})") for c in spec.categories()
    ]
    more = request.method == "POST" and "more" in request.form
    rows = row_count(
        request.form if request.method == "POST" else None, "rows_shown", len(quiz.draws) + 2, more
    )
    data = None
    if request.method == "GET":
        data = {"token": items.draws_token(quiz), "rows_shown": str(rows)}
        for i, draw in enumerate(quiz.draws):
            data.update(
                {
                    f"d{i}_category": draw.category,
                    f"d{i}_count": str(draw.count),
                    f"d{i}_position": str(draw.position + 1),
                }
            )
    form = draws_form(categories, rows, data=data)
    form.rows_shown.data = str(rows)

    def render(current, status):
        return render_template(
            "authoring/quiz_draws.html",
            course=course,
            form=form,
            module=module,
            quiz=quiz,
            rows=rows,
            current=current,
            text_of=text_of,
        ), status

    return submit_form(
        form,
        lambda: quiz_authoring.save_draws(draft, key, form.values(), form.token.data, current_user),
        _("The draws are saved to the draft."),
        lambda: module_page(course, module.id),
        render,
    )


# --- bank categories -----------------------------------------------------------------------


@bp.route("/courses/<int:course_id>/modules/<module_key>/bank/new", methods=["GET", "POST"])
@authors_only
def new_category(course_id: int, module_key: str):
    course, draft = draft_or_404(course_id)
    drafting.find_module(drafting.spec_of(draft), module_key) or abort(404)
    languages = drafting.lesson_languages(course)
    form = category_form(languages, with_key=True)

    def render(current, status):
        return render_template(
            "authoring/quiz_category.html",
            course=course,
            form=form,
            languages=languages,
            heading=_("New bank category"),
            current=current,
            text_of=text_of,
        ), status

    return submit_form(
        form,
        lambda: quiz_authoring.save_category(
            draft, module_key, None, form.titles(), "", current_user, new_key=form.key.data
        ),
        _("The category is added to the module's bank; give it questions."),
        lambda: module_page(course, module_key),
        render,
    )


@bp.route("/courses/<int:course_id>/bank/<key>/edit", methods=["GET", "POST"])
@authors_only
def edit_category(course_id: int, key: str):
    course, draft = draft_or_404(course_id)
    module, category = items.find_category(drafting.spec_of(draft), key)
    if category is None:
        abort(404)
    languages = drafting.lesson_languages(course)
    data = {
        "token": items.category_token(category),
        **{f"title_{lang}": t for lang, t in category.title.items()},
    }
    form = category_form(languages, data=data if request.method == "GET" else None)

    def render(current, status):
        return render_template(
            "authoring/quiz_category.html",
            course=course,
            form=form,
            languages=languages,
            heading=_("Bank category %(key)s", key=key),
            current=current,
            text_of=text_of,
        ), status

    return submit_form(
        form,
        lambda: quiz_authoring.save_category(
            draft, module.id, key, form.titles(), form.token.data, current_user
        ),
        _("The category is saved."),
        lambda: module_page(course, module.id),
        render,
    )


# --- assignments ---------------------------------------------------------------------------


@bp.route("/courses/<int:course_id>/modules/<module_key>/assignment", methods=["GET", "POST"])
@authors_only
def edit_assignment(course_id: int, module_key: str):
    course, draft = draft_or_404(course_id)
    module = drafting.find_module(drafting.spec_of(draft), module_key) or abort(404)
    assignment = module.assignment
    languages = drafting.lesson_languages(course)
    posted = request.method == "POST"
    more = posted and "more" in request.form
    initial = assignment_authoring.assignment_input_of(assignment) if assignment else None
    criteria = row_count(
        request.form if posted else None,
        "criteria_shown",
        (len(initial.criteria) + 1) if initial else 2,
        more,
        step=1,
    )
    levels = row_count(
        request.form if posted else None,
        "levels_shown",
        max([len(c.levels) for c in initial.criteria] + [3]) if initial else 3,
        more,
        step=1,
    )
    data = None
    if not posted:
        data = (
            assignment_data(initial, items.assignment_token(assignment))
            if initial
            else {"token": items.assignment_token(None)}
        )
    form = assignment_form(languages, criteria, levels, with_key=assignment is None, data=data)
    form.criteria_shown.data, form.levels_shown.data = str(criteria), str(levels)

    def render(current, status):
        return render_template(
            "authoring/assignment.html",
            course=course,
            form=form,
            languages=languages,
            module=module,
            assignment=assignment,
            criteria=criteria,
            levels=levels,
            current=current,
            text_of=text_of,
        ), status

    return submit_form(
        form,
        lambda: assignment_authoring.save_assignment(
            draft,
            module_key,
            form.values(),
            form.token.data,
            current_user,
            new_key=form.key.data if assignment is None else None,
        ),
        _("The assignment is saved to the draft."),
        lambda: module_page(course, module_key),
        render,
    )
