"""What the authoring pages share: the role gate (``authors_only``), ``save_draft_edit`` (an
edit of the draft as one unit of work, answering a colleague's concurrent edit with 409),
``on_get`` (prefill a form only when showing it), ``course_page`` (back to the course editor),
``preview`` (a lesson's paragraphs as learners see them) and ``text_of``."""

from __future__ import annotations

from flask import flash, redirect, request, url_for

from diplolearn.courses.links import resolve_course_links
from diplolearn.models import Role
from diplolearn.security.permissions import role_required
from diplolearn.security.sanitize import render_markdown
from diplolearn.services.authoring import StaleEdit, drafting, lessons
from diplolearn.templating import text_of
from diplolearn.unit_of_work import say_refused, unit_of_work

__all__ = ["authors_only", "course_page", "on_get", "preview", "save_draft_edit", "text_of"]

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


def preview(texts: dict[str, tuple[str, str]]) -> dict[str, list[tuple]]:
    """Each language's paragraphs rendered as the learner's lesson page renders them (same
    link resolution, same Markdown renderer and bleach cleaner)."""
    rendered = {}
    for language, (_title, body) in texts.items():
        paragraphs, _problems = lessons.parse_body(drafting.clean_text(body), language)
        rendered[language] = [
            (p.anchor, render_markdown(resolve_course_links(p.text))) for p in paragraphs
        ]
    return rendered
