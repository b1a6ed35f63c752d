"""Teaching a cohort (``/teach``): what instructors, lead instructors and tutors run.

An instructor of a course creates its cohorts and becomes their lead instructor; the cohort's
pages set its dates, capacity, module schedule and completion rules, its tutor groups and
tutors, its enrolments and waiting list, and the seats of each ministry. Tutors see the pages
for their own groups and change nothing. Every lookup goes through security.scoping
(``taught_cohort_or_404`` and friends); the rules live in services/cohorts/cohorts.py.

Coordinators' nominations into their ministry's seats are in ``nominations.py``, a blueprint
of its own under ``/ministry/<id>/cohorts``.
"""

from flask import Blueprint

bp = Blueprint("teach", __name__)

from diplolearn.teach import discussion, people, views  # noqa: E402,F401
