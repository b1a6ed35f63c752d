"""The preview of a draft's quiz: the instructor takes it as a learner would — the same draw,
the same fields built by each question's type — and sees it graded, without anything being
recorded (services/authoring/quiz_preview.py)."""

from __future__ import annotations

from flask import abort, flash, render_template, request
from markupsafe import Markup

from diplolearn import i18n
from diplolearn import questions as question_types
from diplolearn.authoring import bp
from diplolearn.authoring.common import authors_only, text_of
from diplolearn.authoring.quiz_forms import preview_form
from diplolearn.authoring.quiz_views import draft_or_404, module_page
from diplolearn.questions import Option
from diplolearn.security.sanitize import render_markdown
from diplolearn.services.authoring import assessment_items as items
from diplolearn.services.authoring import drafting, quiz_preview
from diplolearn.services.errors import DomainError


def _reader():
    order = [i18n.current_language(), "en", "ar", "fr"]
    return lambda texts: i18n.pick_text(texts or {}, order)


@bp.route("/courses/<int:course_id>/quizzes/<key>/preview", methods=["GET", "POST"])
@authors_only
def preview_quiz(course_id: int, key: str):
    """Take the draft's quiz as a learner would; posting grades it in memory and records
    nothing (no attempt, no response, no progress)."""
    course, draft = draft_or_404(course_id)
    revision = quiz_preview.draft_quiz_revision(draft, key) or abort(404)
    read = _reader()
    posted = request.method == "POST"
    seed = request.form.get("seed", "") if posted else quiz_preview.new_seed()
    if not (seed.isalnum() and seed.isascii() and len(seed) <= 32):
        seed, posted = quiz_preview.new_seed(), False  # start again with a fresh draw
        bad_seed = True
    else:
        bad_seed = False
    try:
        items = quiz_preview.preview_draw(revision, seed)
    except DomainError as error:  # a draw asks for more questions than its category holds
        flash(error.message, "error")
        return module_page(course, _module_key_of_quiz(draft, key))
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
                results, earned, possible = quiz_preview.preview_grade(
                    revision, items, request.form
                )
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
        text_of=text_of,
        markup=Markup,
    ), status


def _module_key_of_quiz(draft, key: str) -> str:
    module, _quiz = items.find_quiz(drafting.spec_of(draft), key)
    return module.id if module else ""
