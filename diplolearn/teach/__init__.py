"""Teaching (``/teach``): what instructors, lead instructors and tutors run, as one blueprint.

- ``views``, ``people``, ``discussion``: a course's cohorts. An instructor of a course creates
  its cohorts and becomes their lead instructor; the cohort's pages set its dates, capacity,
  module schedule and completion rules, its tutor groups and tutors, its enrolments and waiting
  list, the seats of each ministry, and its discussion. Tutors see the pages for their own
  groups and change nothing.
- ``tracking_views``: following a cohort's run (``/teach/cohorts/<id>/``): the progress grid,
  learners at risk, one learner's record with due-date extensions, and announcements, for its
  lead instructors (and administrators) and its tutors (their groups' learners).
- ``results_views``, ``regrade_views``: quiz results under ``/teach/courses/<id>/``: per quiz
  the summary, score distribution and per-question statistics, each question version's
  responses, the attempts with their grades (override with a reason, release of withheld
  grades), the queue of essays waiting for a person's grade; regrading against a corrected
  question version and the quiz's policy overrides per cohort and per learner.
- ``assignment_views``: grading written assignments: the queue (oldest first) and a submission
  graded against the rubric it pinned, returned to the learner.
- ``file_views``: a course's files: download the canonical export, upload a folder as a zip
  (checked, then imported all or nothing on confirmation), upload and describe lesson images.

Every lookup goes through security.scoping (``taught_cohort_or_404``, ``tracked_*``,
``graded_attempts``, ``gradable_submission_or_404`` and friends): whatever the viewer does not
teach is a 404, exactly as for ids that do not exist; coordinators do not use these pages
(403). The rules live in services/ (cohorts, assessment, catalogue).
"""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("teach", __name__)

# Status as text and a symbol, never colour alone.
CELL_STATUS = {
    "not_started": (_l("Not started"), "○"),
    "in_progress": (_l("In progress"), "◐"),
    "done": (_l("Done"), "✓"),
    "overdue": (_l("Overdue"), "!"),
}
REVEAL_LABELS = {
    "immediately": _l("As soon as the attempt is submitted"),
    "after_attempt": _l("Once the learner has passed or has no attempt left"),
    "after_close": _l("Once the quiz has closed"),
    "never": _l("Never"),
}


def enrolment_states() -> dict[str, str]:
    """The enrolment states' labels in the page's language, translated once for a page that
    lists a thousand enrolments."""
    from diplolearn.templating import ENROLMENT_STATE_LABELS

    return {state: str(label) for state, label in ENROLMENT_STATE_LABELS.items()}


def url_by_id(endpoint: str, key: str, **values):
    """id -> the URL of ``endpoint`` with ``key`` set to the id, the route built once for a
    page that links a thousand rows (url_for per row cost more than the rows)."""
    from flask import url_for

    marker = 918273645546372819  # an id no table reaches, replaced by the row's
    head, tail = url_for(endpoint, **values, **{key: marker}).split(str(marker))
    return lambda id_: f"{head}{id_}{tail}"


@bp.context_processor
def _labels():
    from diplolearn.learner import ATTEMPT_STATE, GRADING_METHOD
    from diplolearn.services.progress import attempt_percent

    return {
        "cell_status": CELL_STATUS,
        "reveal_label": lambda value: REVEAL_LABELS.get(value, value),
        "attempt_state": ATTEMPT_STATE,
        "grading_method": GRADING_METHOD,
        "attempt_percent": attempt_percent,
    }


from diplolearn.teach import (  # noqa: E402,F401
    assignment_views,
    discussion,
    extension_views,
    file_views,
    grades_views,
    grading_flow_views,
    people,
    regrade_views,
    results_views,
    token_views,
    tracking_views,
    views,
)
