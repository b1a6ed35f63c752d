"""Authoring pages for a module's quiz, question bank and assignment (issue 7 part 2): quiz
settings and policy, questions of every kind, draws from bank categories, the assignment's
prompt and rubric, and a preview that lets the instructor take the draft's quiz as a learner
would without recording anything. Rules live in services/authoring/quiz_authoring.py."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from diplolearn import i18n
from diplolearn import questions as question_types
from diplolearn.authoring import bp
from diplolearn.authoring.forms import ConfirmForm, MoveForm
from diplolearn.authoring.quiz_forms import (
    assignment_data,
    assignment_form,
    category_form,
    draws_form,
    kind_names,
    preview_form,
    question_data,
    question_form,
    quiz_data,
    quiz_form,
    row_count,
)
from diplolearn.authoring.views import _text_of, authors_only, save_draft_edit
from diplolearn.courses.spec import QUESTION_KINDS
from diplolearn.questions import Option
from diplolearn.security.sanitize import render_markdown
from diplolearn.security.scoping import authored_course_or_404, may_author, readable_course_or_404
from diplolearn.services.authoring import authoring
from diplolearn.services.authoring import quiz_authoring as service
from diplolearn.services.errors import DomainError
from diplolearn.unit_of_work import unit_of_work


def _draft(course_id: int):
    course = authored_course_or_404(current_user, course_id)
    draft = authoring.draft_of(course) or abort(404)
    return course, draft


def _module_page(course, module_key: str):
    return redirect(
        url_for("authoring.show_assessment", course_id=course.id, module_key=module_key)
    )


def _module_of_question(spec, key: str) -> str | None:
    for module in spec.modules:
        if module.quiz and any(q.id == key for q in module.quiz.questions):
            return module.id
        if any(q.id == key for c in module.bank for q in c.questions):
            return module.id
    return None


def _submit(form, save, success: str, done, render):
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
    draft = authoring.draft_of(course) if author else None
    version = draft or authoring.latest_published(course)
    spec = authoring.spec_of(version) if version is not None else None
    module = authoring.find_module(spec, module_key) if spec is not None else None
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
        text_of=_text_of,
    )


# --- quizzes -------------------------------------------------------------------------------


@bp.route("/courses/<int:course_id>/modules/<module_key>/quiz/new", methods=["GET", "POST"])
@authors_only
def new_quiz(course_id: int, module_key: str):
    course, draft = _draft(course_id)
    module = authoring.find_module(authoring.spec_of(draft), module_key) or abort(404)
    if module.quiz is not None:
        return redirect(url_for("authoring.edit_quiz", course_id=course.id, key=module.quiz.id))
    languages = authoring.lesson_languages(course)
    form = quiz_form(languages, with_key=True)
    if request.method == "GET":
        form.token.data = service.quiz_token(None)

    def render(current, status):
        return render_template(
            "authoring/quiz_settings.html",
            course=course,
            form=form,
            languages=languages,
            module=module,
            heading=_("New quiz"),
            current=current,
            text_of=_text_of,
        ), status

    return _submit(
        form,
        lambda: service.save_quiz(
            draft, module_key, form.values(), form.token.data, current_user, new_key=form.key.data
        ),
        _("The quiz is added to the draft; give it questions."),
        lambda: _module_page(course, module_key),
        render,
    )


@bp.route("/courses/<int:course_id>/quizzes/<key>/edit", methods=["GET", "POST"])
@authors_only
def edit_quiz(course_id: int, key: str):
    course, draft = _draft(course_id)
    module, quiz = service.find_quiz(authoring.spec_of(draft), key)
    if quiz is None:
        abort(404)
    languages = authoring.lesson_languages(course)
    form = quiz_form(
        languages,
        data=quiz_data(service.quiz_form_of(quiz), service.quiz_token(quiz))
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
            text_of=_text_of,
        ), status

    return _submit(
        form,
        lambda: service.save_quiz(draft, module.id, form.values(), form.token.data, current_user),
        _("The quiz settings are saved to the draft."),
        lambda: _module_page(course, module.id),
        render,
    )


@bp.route("/courses/<int:course_id>/quizzes/<key>/draws", methods=["GET", "POST"])
@authors_only
def edit_draws(course_id: int, key: str):
    course, draft = _draft(course_id)
    spec = authoring.spec_of(draft)
    module, quiz = service.find_quiz(spec, key)
    if quiz is None:
        abort(404)
    categories = [
        (c.id, f"{_text_of(c.title)} ({c.id}, {len(c.questions)})") for c in spec.categories()
    ]
    more = request.method == "POST" and "more" in request.form
    rows = row_count(
        request.form if request.method == "POST" else None, "rows_shown", len(quiz.draws) + 2, more
    )
    data = None
    if request.method == "GET":
        data = {"token": service.draws_token(quiz), "rows_shown": str(rows)}
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
            text_of=_text_of,
        ), status

    return _submit(
        form,
        lambda: service.save_draws(draft, key, form.values(), form.token.data, current_user),
        _("The draws are saved to the draft."),
        lambda: _module_page(course, module.id),
        render,
    )


# --- questions ---------------------------------------------------------------------------


def _question_page(
    course,
    draft,
    where: str,
    container_key: str | None,
    key: str | None,
    kind: str,
    module_key: str,
    initial: service.QuestionForm | None = None,
    token: str = "",
):
    languages = authoring.lesson_languages(course)
    posted = request.method == "POST"
    more = posted and "more" in request.form
    default = max(4, len(initial.rows) + 2) if initial else (6 if kind == "matching" else 4)
    rows = row_count(request.form if posted else None, "rows_shown", default, more)
    data = None
    if not posted:
        data = question_data(initial, token) if initial else {"token": ""}
        data["rows_shown"] = str(rows)
    form = question_form(kind, languages, rows, with_key=key is None, data=data)
    form.rows_shown.data = str(rows)

    def save():
        if key is None:
            service.add_question(
                draft, where, container_key, form.key.data, form.values(), current_user
            )
        else:
            service.edit_question(draft, key, form.values(), form.token.data, current_user)

    def render(current, status):
        return render_template(
            "authoring/question.html",
            course=course,
            form=form,
            languages=languages,
            kind=kind,
            kind_name=kind_names()[kind],
            rows=rows,
            key=key,
            module_key=module_key,
            current=current,
            row_kinds=service.ROW_KINDS,
            choice_kinds=service.CHOICE_KINDS,
            text_of=_text_of,
        ), status

    return _submit(
        form,
        save,
        _("The question is saved to the draft."),
        lambda: _module_page(course, module_key),
        render,
    )


@bp.route(
    "/courses/<int:course_id>/quizzes/<quiz_key>/questions/new/<kind>", methods=["GET", "POST"]
)
@authors_only
def new_quiz_question(course_id: int, quiz_key: str, kind: str):
    course, draft = _draft(course_id)
    module, quiz = service.find_quiz(authoring.spec_of(draft), quiz_key)
    if quiz is None or kind not in QUESTION_KINDS:
        abort(404)
    return _question_page(course, draft, "quiz", quiz_key, None, kind, module.id)


@bp.route(
    "/courses/<int:course_id>/bank/<category_key>/questions/new/<kind>", methods=["GET", "POST"]
)
@authors_only
def new_bank_question(course_id: int, category_key: str, kind: str):
    course, draft = _draft(course_id)
    module, category = service.find_category(authoring.spec_of(draft), category_key)
    if category is None or kind not in QUESTION_KINDS:
        abort(404)
    return _question_page(course, draft, "bank", category_key, None, kind, module.id)


@bp.route("/courses/<int:course_id>/questions/<key>/edit", methods=["GET", "POST"])
@authors_only
def edit_question(course_id: int, key: str):
    course, draft = _draft(course_id)
    spec = authoring.spec_of(draft)
    _container, question = service.find_question(spec, key)
    if question is None:
        abort(404)
    return _question_page(
        course,
        draft,
        "",
        None,
        key,
        question.kind,
        _module_of_question(spec, key),
        service.form_of(question),
        service.question_token(question),
    )


@bp.post("/courses/<int:course_id>/questions/<key>/move")
@authors_only
def move_question(course_id: int, key: str):
    course, draft = _draft(course_id)
    module_key = _module_of_question(authoring.spec_of(draft), key) or abort(404)
    form = MoveForm()
    if form.validate_on_submit() and form.target() is not None:
        with unit_of_work():
            service.move_question(draft, key, form.target(), current_user)
    return _module_page(course, module_key)


@bp.route("/courses/<int:course_id>/questions/<key>/retire", methods=["GET", "POST"])
@authors_only
def retire_question(course_id: int, key: str):
    course, draft = _draft(course_id)
    module_key = _module_of_question(authoring.spec_of(draft), key) or abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        with unit_of_work() as work:
            service.retire_question(draft, key, current_user)
        if work.done:
            flash(
                _(
                    "The question is taken out of the draft. When you publish, it is retired: "
                    "attempts that answered it keep it."
                ),
                "success",
            )
        return _module_page(course, module_key)
    return render_template(
        "authoring/confirm.html",
        course=course,
        form=form,
        question=_("Retire the question %(key)s?", key=key),
        detail=_("Attempts that answered it keep it; it is retired, never deleted."),
        text_of=_text_of,
    )


# --- bank categories -----------------------------------------------------------------------


@bp.route("/courses/<int:course_id>/modules/<module_key>/bank/new", methods=["GET", "POST"])
@authors_only
def new_category(course_id: int, module_key: str):
    course, draft = _draft(course_id)
    authoring.find_module(authoring.spec_of(draft), module_key) or abort(404)
    languages = authoring.lesson_languages(course)
    form = category_form(languages, with_key=True)

    def render(current, status):
        return render_template(
            "authoring/quiz_category.html",
            course=course,
            form=form,
            languages=languages,
            heading=_("New bank category"),
            current=current,
            text_of=_text_of,
        ), status

    return _submit(
        form,
        lambda: service.save_category(
            draft, module_key, None, form.titles(), "", current_user, new_key=form.key.data
        ),
        _("The category is added to the module's bank; give it questions."),
        lambda: _module_page(course, module_key),
        render,
    )


@bp.route("/courses/<int:course_id>/bank/<key>/edit", methods=["GET", "POST"])
@authors_only
def edit_category(course_id: int, key: str):
    course, draft = _draft(course_id)
    module, category = service.find_category(authoring.spec_of(draft), key)
    if category is None:
        abort(404)
    languages = authoring.lesson_languages(course)
    data = {
        "token": service.category_token(category),
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
            text_of=_text_of,
        ), status

    return _submit(
        form,
        lambda: service.save_category(
            draft, module.id, key, form.titles(), form.token.data, current_user
        ),
        _("The category is saved."),
        lambda: _module_page(course, module.id),
        render,
    )


# --- assignments ---------------------------------------------------------------------------


@bp.route("/courses/<int:course_id>/modules/<module_key>/assignment", methods=["GET", "POST"])
@authors_only
def edit_assignment(course_id: int, module_key: str):
    course, draft = _draft(course_id)
    module = authoring.find_module(authoring.spec_of(draft), module_key) or abort(404)
    assignment = module.assignment
    languages = authoring.lesson_languages(course)
    posted = request.method == "POST"
    more = posted and "more" in request.form
    initial = service.assignment_form_of(assignment) if assignment else None
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
            assignment_data(initial, service.assignment_token(assignment))
            if initial
            else {"token": service.assignment_token(None)}
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
            text_of=_text_of,
        ), status

    return _submit(
        form,
        lambda: service.save_assignment(
            draft,
            module_key,
            form.values(),
            form.token.data,
            current_user,
            new_key=form.key.data if assignment is None else None,
        ),
        _("The assignment is saved to the draft."),
        lambda: _module_page(course, module_key),
        render,
    )


# --- preview -------------------------------------------------------------------------------


def _reader():
    order = [i18n.current_language(), "en", "ar", "fr"]
    return lambda texts: i18n.pick_text(texts or {}, order)


@bp.route("/courses/<int:course_id>/quizzes/<key>/preview", methods=["GET", "POST"])
@authors_only
def preview_quiz(course_id: int, key: str):
    """Take the draft's quiz as a learner would; posting grades it in memory and records
    nothing (no attempt, no response, no progress)."""
    course, draft = _draft(course_id)
    revision = service.draft_quiz_revision(draft, key) or abort(404)
    read = _reader()
    posted = request.method == "POST"
    seed = request.form.get("seed", "") if posted else service.new_seed()
    if not (seed.isalnum() and seed.isascii() and len(seed) <= 32):
        seed, posted = service.new_seed(), False  # start again with a fresh draw
        bad_seed = True
    else:
        bad_seed = False
    try:
        items = service.preview_draw(revision, seed)
    except DomainError as error:  # a draw asks for more questions than its category holds
        flash(error.message, "error")
        return _module_page(course, _module_key_of_quiz(draft, key))
    views, fields = [], {}
    for item in items:
        question = item.question
        kind = question_types.get(question.kind)
        by_key = {choice.key: choice for choice in question.choices}
        options = []
        for choice_key in item.order:
            text, lang = read(by_key[choice_key].text)
            options.append(
                Option(item.tokens[choice_key], kind.option_text(choice_key, text), lang)
            )
        prompt, lang = read(question.prompt)
        fields[item.name] = kind.build_field(prompt, options, None, item.tokens, question=question)
        views.append(
            {
                "number": item.position,
                "name": item.name,
                "points": question.points,
                "prompt": render_markdown(prompt),
                "lang": lang,
                "layout": kind.layout,
            }
        )
    form = preview_form(fields)
    form.seed.data = seed
    results = earned = possible = None
    status = 422 if bad_seed else 200
    if posted:
        if form.validate_on_submit():
            try:
                results, earned, possible = service.preview_grade(revision, items, request.form)
            except DomainError as error:
                flash(error.message, "error")
                status = 409
        else:
            status = 422
    reviews = []
    for result in results or []:
        question = result.item.question
        kind = question_types.get(question.kind)
        reviews.append(
            {
                "number": result.item.position,
                "points": question.points,
                "score": result.score,
                "fraction": result.fraction,
                "manual": kind.manual,
                "layout": kind.layout,
                "prompt": render_markdown(read(question.prompt)[0]),
                "feedback": read(question.feedback)[0],
                "choices": kind.review(question, result.answer, result.item.order, read, True),
            }
        )
    percent = (earned * 100 / possible) if possible else None
    return render_template(
        "authoring/quiz_preview.html",
        course=course,
        revision=revision,
        key=key,
        module_key=_module_key_of_quiz(draft, key),
        form=form,
        questions=views,
        reviews=reviews,
        earned=earned,
        possible=possible,
        percent=percent,
        passed=percent is not None and percent >= revision.pass_mark,
        read=read,
        text_of=_text_of,
        markup=Markup,
    ), status


def _module_key_of_quiz(draft, key: str) -> str:
    module, _quiz = service.find_quiz(authoring.spec_of(draft), key)
    return module.id if module else ""
