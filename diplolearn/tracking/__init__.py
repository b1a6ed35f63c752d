"""Following a cohort's run, for its lead instructors (and administrators) and its tutors: the
progress grid, learners at risk, one learner's record with due-date extensions, and
announcements. Pages live under ``/teach/cohorts/<id>/``, beside the cohort's settings.

Every cohort and learner loads through security.scoping (``tracked_*``): a tutor sees the
learners of their own groups and gets 404 for anyone else, exactly as for ids that do not
exist; coordinators do not use these pages (403)."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("tracking", __name__)

# Status as text and a symbol, never colour alone.
CELL_STATUS = {
    "not_started": (_l("Not started"), "○"),
    "in_progress": (_l("In progress"), "◐"),
    "done": (_l("Done"), "✓"),
    "overdue": (_l("Overdue"), "!"),
}


@bp.context_processor
def _labels():
    from diplolearn.learner import ATTEMPT_STATE
    from diplolearn.services.progress import attempt_percent

    return {
        "cell_status": CELL_STATUS,
        "attempt_state": ATTEMPT_STATE,
        "attempt_percent": attempt_percent,
    }


from diplolearn.tracking import views  # noqa: E402,F401
