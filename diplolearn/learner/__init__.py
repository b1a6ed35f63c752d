"""The learner's path: course outline, lessons, quizzes, results.

Every view loads the enrolment through its owner (``own_enrolment_or_404``) and computes the
learner's progress in a fixed number of queries (services.progress).
"""

from urllib.parse import quote

from flask import Blueprint, url_for
from flask_babel import lazy_gettext as _l

bp = Blueprint("learner", __name__)

MODULE_STATUS = {
    "locked": _l("Locked"),
    "open": _l("Not started"),
    "in_progress": _l("In progress"),
    "complete": _l("Complete"),
}
ATTEMPT_STATE = {
    "in_progress": _l("In progress"),
    "submitted": _l("Waiting for grading"),
    "graded": _l("Graded"),
    "expired": _l("Time ran out"),
    "abandoned": _l("Voided"),
}
GRADING_METHOD = {
    "highest": _l("Your best attempt counts."),
    "last": _l("Your last attempt counts."),
    "first": _l("Your first attempt counts."),
    "average": _l("The average of your attempts counts."),
}


class StepLinks:
    """Links to the lessons and quizzes of one enrolment, built from two prefixes: an outline
    of a thousand lessons needs a thousand links, and ``url_for`` is slow at that."""

    def __init__(self, enrolment_id: int):
        lesson = url_for("learner.show_lesson", enrolment_id=enrolment_id, lesson_key="-")
        quiz = url_for("learner.show_quiz", enrolment_id=enrolment_id, quiz_key="-")
        assignment = url_for(
            "learner.show_assignment", enrolment_id=enrolment_id, assignment_key="-"
        )
        self.prefixes = {"lesson": lesson[:-1], "quiz": quiz[:-1], "assignment": assignment[:-1]}

    def __call__(self, item) -> str:
        node = getattr(item, "node", item)
        return self.prefixes[node.kind] + quote(node.key, safe="")


@bp.app_template_global()
def step_url(enrolment_id: int, item) -> str:
    """The page of a lesson or quiz (progress states or outline nodes) of an enrolment."""
    return StepLinks(enrolment_id)(item)


@bp.context_processor
def _labels():
    from diplolearn.services.progress import attempt_percent

    return {
        "module_status": MODULE_STATUS,
        "attempt_state": ATTEMPT_STATE,
        "grading_method": GRADING_METHOD,
        "attempt_percent": attempt_percent,
        "step_links": StepLinks,
    }


from diplolearn.learner import (  # noqa: E402,F401
    assignment_views,
    course_pages,
    discussion_views,
    extension_views,
    grades_views,
    quiz_views,
    review_views,
    views,
)
