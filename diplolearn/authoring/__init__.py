"""Authoring for instructors (``/author``): editing courses, modules and lessons on a draft,
publishing versions, moving cohorts between versions, corrections, history and copies.

- ``course_views``: the course editor (draft, publishing, title, copies, co-authors, cohorts'
  versions); ``outline_views``: modules and lessons of the draft; ``history_views``:
  corrections of published versions and the change history; ``settings_views``: a module's
  settings, removing an author, retiring a course; ``quiz_views``, ``question_views`` and
  ``preview_views``: quizzes, questions and their banks, assignments, and the quiz's preview.
  ``common`` holds what they share.

A course's owners and co-authors (its INSTRUCTOR grant) and administrators edit it; every
other instructor reads and copies it; nobody else reaches these pages (403). Lookups go
through security.scoping (``authored_course_or_404``, ``readable_course_or_404``); the rules
live in services/authoring/.
"""

from flask import Blueprint
from flask_babel import gettext as _

bp = Blueprint("authoring", __name__)


@bp.context_processor
def _labels():
    from diplolearn.authoring.common import question_name

    return {
        "question_name": question_name,
        "action_names": {
            "edit": _("Edited"),
            "create": _("Created"),
            "retire": _("Retired"),
            "move": _("Moved"),
            "correction": _("Correction"),
            "translation_cleared": _("Translation marked as up to date"),
        },
    }


from diplolearn.authoring import (  # noqa: E402,F401
    course_views,
    editor_views,
    history_views,
    outline_views,
    preview_views,
    question_views,
    quiz_views,
    settings_views,
)
