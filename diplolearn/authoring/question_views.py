"""Authoring pages for questions of every kind in a draft's quizzes and bank categories: new,
edit, move and retire. The question's form is built from its type (question_forms.py); the
rules live in services/authoring/question_authoring.py."""

from __future__ import annotations

from flask import abort, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from diplolearn import questions
from diplolearn.authoring import bp
from diplolearn.authoring.common import authors_only, item_title, text_of
from diplolearn.authoring.forms import ConfirmForm, MoveForm
from diplolearn.authoring.question_forms import kind_names, question_data, question_form
from diplolearn.authoring.quiz_forms import row_count
from diplolearn.authoring.quiz_views import draft_or_404, module_page, submit_form
from diplolearn.services.authoring import assessment_items as items
from diplolearn.services.authoring import drafting, question_authoring
from diplolearn.unit_of_work import unit_of_work


def _module_of_question(spec, key: str) -> str | None:
    """The module whose quiz or bank holds the question ``key``."""
    for module in spec.modules:
        if module.quiz and any(q.id == key for q in module.quiz.questions):
            return module.id
        if any(q.id == key for c in module.bank for q in c.questions):
            return module.id
    return None


def _question_page(
    course,
    draft,
    where: str,
    container_key: str | None,
    key: str | None,
    kind: str,
    module_key: str,
    initial: question_authoring.QuestionInput | None = None,
    token: str = "",
):
    languages = drafting.lesson_languages(course)
    posted = request.method == "POST"
    more = posted and "more" in request.form
    editor = questions.get(kind).rows
    default = max(4, len(initial.rows) + 2) if initial else (editor.start if editor else 4)
    rows = row_count(request.form if posted else None, "rows_shown", default, more)
    data = None
    if not posted:
        data = question_data(initial, token) if initial else {"token": ""}
        data["rows_shown"] = str(rows)
    form = question_form(kind, languages, rows, with_key=key is None, data=data)
    form.rows_shown.data = str(rows)

    def save():
        if key is None:
            question_authoring.add_question(
                draft, where, container_key, form.key.data, form.values(), current_user
            )
        else:
            question_authoring.edit_question(
                draft, key, form.values(), form.token.data, current_user
            )

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
            name=item_title(course, "question", key) if key else None,
            module_title=item_title(course, "module", module_key),
            module_key=module_key,
            current=current,
            text_of=text_of,
        ), status

    return submit_form(
        form,
        save,
        _("The question is saved to the draft."),
        lambda: module_page(course, module_key),
        render,
    )


@bp.route(
    "/courses/<int:course_id>/quizzes/<quiz_key>/questions/new/<kind>", methods=["GET", "POST"]
)
@authors_only
def new_quiz_question(course_id: int, quiz_key: str, kind: str):
    course, draft = draft_or_404(course_id)
    module, quiz = items.find_quiz(drafting.spec_of(draft), quiz_key)
    if quiz is None or kind not in questions.REGISTRY:
        abort(404)
    return _question_page(course, draft, "quiz", quiz_key, None, kind, module.id)


@bp.route(
    "/courses/<int:course_id>/bank/<category_key>/questions/new/<kind>", methods=["GET", "POST"]
)
@authors_only
def new_bank_question(course_id: int, category_key: str, kind: str):
    course, draft = draft_or_404(course_id)
    module, category = items.find_category(drafting.spec_of(draft), category_key)
    if category is None or kind not in questions.REGISTRY:
        abort(404)
    return _question_page(course, draft, "bank", category_key, None, kind, module.id)


@bp.route("/courses/<int:course_id>/questions/<key>/edit", methods=["GET", "POST"])
@authors_only
def edit_question(course_id: int, key: str):
    course, draft = draft_or_404(course_id)
    spec = drafting.spec_of(draft)
    _container, question = items.find_question(spec, key)
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
        question_authoring.question_input_of(question),
        items.question_token(question),
    )


@bp.post("/courses/<int:course_id>/questions/<key>/move")
@authors_only
def move_question(course_id: int, key: str):
    course, draft = draft_or_404(course_id)
    module_key = _module_of_question(drafting.spec_of(draft), key) or abort(404)
    form = MoveForm()
    if form.validate_on_submit() and form.target() is not None:
        with unit_of_work():
            question_authoring.move_question(draft, key, form.target(), current_user)
    return module_page(course, module_key)


@bp.route("/courses/<int:course_id>/questions/<key>/retire", methods=["GET", "POST"])
@authors_only
def retire_question(course_id: int, key: str):
    course, draft = draft_or_404(course_id)
    module_key = _module_of_question(drafting.spec_of(draft), key) or abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        with unit_of_work() as work:
            question_authoring.retire_question(draft, key, current_user)
        if work.done:
            flash(
                _(
                    "The question is taken out of the draft. When you publish, it is retired: "
                    "attempts that answered it keep it."
                ),
                "success",
            )
        return module_page(course, module_key)
    return render_template(
        "authoring/confirm.html",
        course=course,
        form=form,
        question=_("Retire the question %(key)s?", key=key),
        detail=_("Attempts that answered it keep it; it is retired, never deleted."),
        text_of=text_of,
    )
