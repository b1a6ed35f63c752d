"""Quiz results for the people who teach a course, under ``/teach/courses/<course_id>/``:
per quiz the summary, score distribution and per-question statistics (services/assessment/results.py),
each question version's responses, the attempts with their grades (override with a reason,
release of withheld grades), regrading against a corrected question version
(services/assessment/regrading.py), the quiz's policy overrides per cohort and per learner
(services/assessment/quiz_policy.py), and the queue of essays waiting for a person's grade.

Who sees what goes through security.scoping: attempts through ``graded_attempts`` (an
administrator and the course's instructors see every cohort, a lead instructor their cohort, a
tutor their group's learners); overrides through ``policy_cohorts``; regrading is for
administrators and the course's instructors. Anything out of scope is a 404.
"""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("results", __name__)

REVEAL_LABELS = {
    "immediately": _l("As soon as the attempt is submitted"),
    "after_attempt": _l("Once the learner has passed or has no attempt left"),
    "after_close": _l("Once the quiz has closed"),
    "never": _l("Never"),
}


@bp.context_processor
def _labels():
    from diplolearn.learner import ATTEMPT_STATE, GRADING_METHOD

    return {
        "reveal_label": lambda value: REVEAL_LABELS.get(value, value),
        "attempt_state": ATTEMPT_STATE,
        "grading_method": GRADING_METHOD,
    }


from diplolearn.results import views  # noqa: E402,F401
