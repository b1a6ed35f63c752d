"""What the authoring pages share: the role gate (``authors_only``), ``save_draft_edit`` (an
edit of the draft as one unit of work, answering a colleague's concurrent edit with 409),
``on_get`` (prefill a form only when showing it), ``course_page`` (back to the course editor),
``preview`` (a lesson's paragraphs as learners see them) and ``text_of``."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from diplolearn.courses.bidi import isolate_runs
from diplolearn.courses.links import resolve_course_links
from diplolearn.models import Role
from diplolearn.security.permissions import role_required
from diplolearn.security.sanitize import render_markdown
from diplolearn.services.authoring import StaleEdit, drafting, lessons
from diplolearn.templating import text_of
from diplolearn.unit_of_work import say_refused, unit_of_work

__all__ = [
    "authors_only",
    "course_page",
    "item_title",
    "on_get",
    "preview",
    "question_name",
    "render_paragraph",
    "save_draft_edit",
    "text_of",
]

authors_only = role_required(Role.ADMINISTRATOR, Role.INSTRUCTOR)


def save_draft_edit(form, save) -> tuple[bool, int, object]:
    """Run ``save`` (an edit of the draft carrying ``form.token``) as one unit of work. A stale
    token shows what the colleague saved (409; the form's token moves on to theirs); refused
    input says why (422). Returns (saved, status, the colleague's version or None)."""
    with unit_of_work(status=422, quiet=True) as work:
        save()
    if isinstance(work.error, StaleEdit):
        flash(work.error.message, "error")
        form.token.data = work.error.token
        return False, 409, work.error.current
    if work.refused:
        say_refused(work.error)
        return False, work.status, None
    return True, 200, None


def on_get(data: dict) -> dict | None:
    """Prefill a form when showing it; a posted form holds exactly what was posted."""
    return data if request.method == "GET" else None


def course_page(course, anchor: str | None = None):
    return redirect(url_for("authoring.show_course", course_id=course.id, _anchor=anchor))


def render_paragraph(text: str, language: str):
    """A paragraph as the learner's lesson page renders it (same link resolution, same
    Markdown renderer and bleach cleaner), with the run isolation saving will apply."""
    return render_markdown(resolve_course_links(isolate_runs(text, language)))


def preview(texts: dict[str, tuple[str, str]]) -> dict[str, list[tuple]]:
    """Each language's paragraphs rendered as the learner's lesson page renders them."""
    rendered = {}
    for language, (_title, body) in texts.items():
        paragraphs, _problems = lessons.parse_body(drafting.clean_text(body), language)
        rendered[language] = [(p.anchor, render_paragraph(p.text, language)) for p in paragraphs]
    return rendered


def question_name(number: int | None, prompt: dict) -> str:
    """A question as the pages name it: its number and the first words of its prompt."""
    start = lessons.first_words(text_of(prompt), 10)
    if number is None:
        return _("Bank question “%(start)s”", start=start)
    return _("Question %(number)d, “%(start)s”", number=number, start=start)


def item_title(course, kind: str, key: str) -> str | None:
    """The name of an item of the course (its title; a question's number and first words) in
    the draft, else the latest published version; None when neither has it (retired). The
    pages under /author/ name items this way and keep ids for their technical details."""
    if kind == "course":
        return text_of(course.title)
    version = drafting.draft_of(course) or drafting.latest_published(course)
    if version is None:
        return None
    spec = drafting.spec_of(version)
    if kind == "module":
        module = drafting.find_module(spec, key)
        return text_of(module.title) if module else None
    if kind == "lesson":
        lesson = drafting.find_lesson(spec, key)[1]
        return text_of({lang: t.title for lang, t in lesson.texts.items()}) if lesson else None
    if kind == "quiz":
        quiz = next((q for q in spec.quizzes() if q.id == key), None)
        return text_of(quiz.title) if quiz else None
    if kind == "assignment":
        found = next(
            (m.assignment for m in spec.modules if m.assignment and m.assignment.id == key), None
        )
        return text_of(found.title) if found else None
    for quiz in spec.quizzes():
        for number, question in enumerate(quiz.questions, start=1):
            if question.id == key:
                return question_name(number, question.prompt)
    for category in spec.categories():
        for question in category.questions:
            if question.id == key:
                return question_name(None, question.prompt)
    return None
