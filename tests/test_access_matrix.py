"""The role × URL matrix: who gets 200, 302, 403 or 404 on every route.

Every feature adds its routes here; ``test_matrix_covers_every_route`` fails until it does.
The world (``_build_world``) has two ministries, two cohorts of one course and two tutor groups:
``{ministry}`` is the coordinator's (A), ``{other_ministry}`` B's; ``{cohort}`` is led by the
instructor, with ``{group}`` (the tutor's, where the learner sits, sponsored by A) and
``{other_group}`` (B's staff, tutored by ``tutor_b``); nobody here leads ``{other_cohort}`` or
teaches ``{other_course}``. ``{other}`` is a person of ministry B; ``{self}`` the requesting
user. The learner's pages belong to the learner alone: ``{enrolment}``, ``{attempt}``,
``{submission}``, ``{annotation}`` are the learner's, the ``{other_...}`` ones another
learner's of the same cohort; everyone else gets 404 for them, as for pages that do not exist.
``{locked_lesson}`` and ``{locked_quiz}`` are in a module whose prerequisite the learner has not
completed. Besides the six roles of the table, the outsiders (B's coordinator, B's staff, the
other group's tutor) are checked on every row that names something of A's side (``A_SIDE``).
"""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

import pytest
from PIL import Image

from diplolearn.extensions import db as _db
from diplolearn.extensions import limiter
from diplolearn.models import EnrolmentState, ModuleSchedule, Role, utcnow
from diplolearn.security.signing import signing_key
from diplolearn.services import progress
from diplolearn.services.accounts import accounts
from diplolearn.services.assessment import assignments as assignment_service
from diplolearn.services.assessment import quizzes, submission_files
from diplolearn.services.authoring import corrections, drafting, outline, quiz_authoring
from diplolearn.services.catalogue import coursefiles
from diplolearn.services.catalogue import images as lesson_images
from diplolearn.services.certificates import certificates
from diplolearn.services.cohorts import cohorts, organisations, tracking
from diplolearn.services.discussion import posting, text_sessions
from diplolearn.services.ministries import rosters
from tests import access_rows
from tests.conftest import csrf_from, login
from tests.factories import (
    MINIMAL_PDF,
    make_assignment,
    make_course,
    make_learner,
    make_ministry,
    make_published_course,
    make_user,
)

ROLES = ["anonymous", "learner", "coordinator", "instructor", "tutor", "administrator"]

# path -> expected status for each role, in ROLES order.
MATRIX = {
    "/": (200, 200, 200, 200, 200, 200),
    "/healthz": (200, 200, 200, 200, 200, 200),
    # Prometheus metrics: only with the bearer token (tests/test_observability.py); no token is
    # configured here, so the endpoint does not exist for anyone.
    "/metrics": (404, 404, 404, 404, 404, 404),
    "/login": (200, 302, 302, 302, 302, 302),
    "/password/forgot": (200, 200, 200, 200, 200, 200),
    "/account": (302, 200, 200, 200, 200, 200),
    "/admin/": (302, 403, 403, 403, 403, 302),
    "/admin/people": (302, 403, 403, 403, 403, 200),
    "/admin/people/new": (302, 403, 403, 403, 403, 200),
    "/admin/people/{other}": (302, 403, 403, 403, 403, 200),
    "/admin/people/{self}": (302, 403, 403, 403, 403, 200),
    "/admin/people/987654": (302, 403, 403, 403, 403, 404),
    "/admin/people/not-a-number": (404, 404, 404, 404, 404, 404),
    "/admin/audit": (302, 403, 403, 403, 403, 200),
    "/invitation/unknown-token": (400, 400, 400, 400, 400, 400),
    "/password/reset/unknown": (400, 400, 400, 400, 400, 400),
    "/no/such/page": (404, 404, 404, 404, 404, 404),
    # The learner's path.
    "/learn/{enrolment}": (302, 200, 404, 404, 404, 404),
    "/learn/{other_enrolment}": (302, 404, 404, 404, 404, 404),
    "/learn/987654": (302, 404, 404, 404, 404, 404),
    "/learn/{enrolment}/lessons/{lesson}": (302, 200, 404, 404, 404, 404),
    "/learn/{enrolment}/lessons/{locked_lesson}": (302, 403, 404, 404, 404, 404),
    "/learn/{enrolment}/lessons/unknown": (302, 404, 404, 404, 404, 404),
    "/learn/{other_enrolment}/lessons/{lesson}": (302, 404, 404, 404, 404, 404),
    "/learn/{enrolment}/references": (302, 200, 404, 404, 404, 404),
    "/learn/{other_enrolment}/references": (302, 404, 404, 404, 404, 404),
    "/learn/{enrolment}/glossary": (302, 200, 404, 404, 404, 404),
    "/learn/{other_enrolment}/glossary": (302, 404, 404, 404, 404, 404),
    "/learn/{enrolment}/quizzes/{quiz}": (302, 200, 404, 404, 404, 404),
    "/learn/{enrolment}/quizzes/{locked_quiz}": (302, 403, 404, 404, 404, 404),
    "/learn/{enrolment}/quizzes/unknown": (302, 404, 404, 404, 404, 404),
    "/learn/{enrolment}/attempts/{attempt}": (302, 200, 404, 404, 404, 404),
    "/learn/{enrolment}/attempts/{other_attempt}": (302, 404, 404, 404, 404, 404),
    "/learn/{enrolment}/attempts/987654": (302, 404, 404, 404, 404, 404),
    "/learn/{enrolment}/attempts/{attempt}/result": (302, 302, 404, 404, 404, 404),
    "/learn/{enrolment}/attempts/{graded}/result": (302, 200, 404, 404, 404, 404),
    "/learn/{other_enrolment}/attempts/{other_attempt}/result": (302, 404, 404, 404, 404, 404),
    # Certificates. {certificate} is the learner's (sponsored by the coordinator's ministry,
    # in a cohort the instructor leads); {other_certificate} another learner's (another
    # ministry, a cohort nobody here leads); {ministry} the coordinator's, {other_ministry} not.
    "/certificates": (302, 200, 200, 200, 200, 200),
    "/certificates/{certificate}/certificate.pdf": (302, 200, 404, 404, 404, 404),
    "/certificates/{other_certificate}/certificate.pdf": (302, 404, 404, 404, 404, 404),
    "/certificates/987654/certificate.pdf": (302, 404, 404, 404, 404, 404),
    "/certificates/{certificate}/credential.jwt": (302, 200, 404, 404, 404, 404),
    "/certificates/{other_certificate}/credential.jwt": (302, 404, 404, 404, 404, 404),
    "/certificates/staff": (302, 403, 200, 403, 403, 403),
    "/certificates/staff/{ministry}/certificates.zip": (302, 403, 200, 403, 403, 403),
    "/certificates/staff/{other_ministry}/certificates.zip": (302, 403, 404, 403, 403, 403),
    "/certificates/staff/987654/certificates.zip": (302, 403, 404, 403, 403, 403),
    "/certificates/manage": (302, 403, 403, 200, 403, 200),
    "/certificates/manage/{certificate}": (302, 403, 403, 200, 403, 200),
    "/certificates/manage/{other_certificate}": (302, 403, 403, 404, 403, 200),
    "/certificates/manage/987654": (302, 403, 403, 404, 403, 404),
    # Public verification: no sign-in, the same answers for everyone.
    "/verify": (200, 200, 200, 200, 200, 200),
    "/verify/{code}": (200, 200, 200, 200, 200, 200),
    "/verify/unknown": (404, 404, 404, 404, 404, 404),
    "/verify/issuer": (200, 200, 200, 200, 200, 200),
    "/verify/issuer/keys.json": (200, 200, 200, 200, 200, 200),
    "/verify/issuer/keys/{kid}": (200, 200, 200, 200, 200, 200),
    "/verify/issuer/keys/unknown": (404, 404, 404, 404, 404, 404),
    # Ministries (administrators) and a coordinator's own ministry: its people and rosters.
    "/admin/ministries": (302, 403, 403, 403, 403, 200),
    "/admin/ministries/new": (302, 403, 403, 403, 403, 200),
    "/admin/ministries/{ministry}": (302, 403, 403, 403, 403, 200),
    "/admin/ministries/987654": (302, 403, 403, 403, 403, 404),
    "/ministry/": (302, 403, 200, 403, 403, 403),
    "/ministry/{ministry}/people": (302, 403, 200, 403, 403, 403),
    "/ministry/{other_ministry}/people": (302, 403, 404, 403, 403, 403),
    "/ministry/987654/people": (302, 403, 404, 403, 403, 403),
    "/ministry/{ministry}/people/new": (302, 403, 200, 403, 403, 403),
    "/ministry/{ministry}/people/{learner}": (302, 403, 200, 403, 403, 403),
    "/ministry/{ministry}/people/{other}": (302, 403, 404, 403, 403, 403),
    "/ministry/{other_ministry}/people/{learner}": (302, 403, 404, 403, 403, 403),
    "/ministry/{ministry}/people/987654": (302, 403, 404, 403, 403, 403),
    "/ministry/{ministry}/people/{learner}/edit": (302, 403, 200, 403, 403, 403),
    "/ministry/{ministry}/people/{other}/edit": (302, 403, 404, 403, 403, 403),
    "/ministry/{ministry}/roster": (302, 403, 200, 403, 403, 403),
    "/ministry/{other_ministry}/roster": (302, 403, 404, 403, 403, 403),
    "/ministry/{ministry}/roster/{roster_upload}": (302, 403, 200, 403, 403, 403),
    "/ministry/{other_ministry}/roster/{roster_upload}": (302, 403, 404, 403, 403, 403),
    "/ministry/{ministry}/roster/987654": (302, 403, 404, 403, 403, 403),
    # Teaching a cohort: instructors of the course and the cohort's lead instructors manage
    # it; its tutors read it (their group only); the self-paced cohort is not here.
    "/teach/": (302, 403, 403, 200, 200, 200),
    "/teach/courses/{course}/cohorts/new": (302, 403, 403, 200, 404, 200),
    "/teach/courses/{other_course}/cohorts/new": (302, 403, 403, 404, 404, 200),
    "/teach/courses/987654/cohorts/new": (302, 403, 403, 404, 404, 404),
    "/teach/cohorts/{cohort}": (302, 403, 403, 200, 200, 200),
    "/teach/cohorts/{other_cohort}": (302, 403, 403, 200, 404, 200),
    "/teach/cohorts/987654": (302, 403, 403, 404, 404, 404),
    "/teach/cohorts/{cohort}/schedule": (302, 403, 403, 200, 200, 200),
    "/teach/cohorts/{other_cohort}/schedule": (302, 403, 403, 200, 404, 200),
    "/teach/cohorts/{cohort}/rules": (302, 403, 403, 200, 200, 200),
    "/teach/cohorts/{other_cohort}/rules": (302, 403, 403, 200, 404, 200),
    "/teach/cohorts/{cohort}/groups": (302, 403, 403, 200, 200, 200),
    "/teach/cohorts/{other_cohort}/groups": (302, 403, 403, 200, 404, 200),
    "/teach/cohorts/{cohort}/enrolments": (302, 403, 403, 200, 200, 200),
    "/teach/cohorts/{other_cohort}/enrolments": (302, 403, 403, 200, 404, 200),
    "/teach/cohorts/{cohort}/seats": (302, 403, 403, 200, 403, 200),
    "/teach/cohorts/{other_cohort}/seats": (302, 403, 403, 200, 404, 200),
    # Following a cohort: the grid, learners at risk, one learner, announcements.
    "/teach/cohorts/{cohort}/grid": (302, 403, 403, 200, 200, 200),
    "/teach/cohorts/{cohort}/grid?group={other_group}": (302, 403, 403, 200, 422, 200),
    "/teach/cohorts/{other_cohort}/grid": (302, 403, 403, 200, 404, 200),
    "/teach/cohorts/987654/grid": (302, 403, 403, 404, 404, 404),
    "/teach/cohorts/{cohort}/at-risk": (302, 403, 403, 200, 200, 200),
    "/teach/cohorts/{other_cohort}/at-risk": (302, 403, 403, 200, 404, 200),
    "/teach/cohorts/{cohort}/announcements": (302, 403, 403, 200, 200, 200),
    "/teach/cohorts/{other_cohort}/announcements": (302, 403, 403, 200, 404, 200),
    "/teach/cohorts/{cohort}/learners/{enrolment}": (302, 403, 403, 200, 200, 200),
    "/teach/cohorts/{cohort}/learners/{other_enrolment}": (302, 403, 403, 200, 404, 200),
    "/teach/cohorts/{cohort}/learners/987654": (302, 403, 403, 404, 404, 404),
    "/teach/cohorts/{other_cohort}/learners/{enrolment}": (302, 403, 403, 404, 404, 404),
    # A coordinator's seats in cohorts (ministry A has seats in {cohort}).
    "/ministry/cohorts": (302, 403, 302, 403, 403, 403),
    "/ministry/{ministry}/cohorts": (302, 403, 200, 403, 403, 403),
    "/ministry/{other_ministry}/cohorts": (302, 403, 404, 403, 403, 403),
    "/ministry/987654/cohorts": (302, 403, 404, 403, 403, 403),
    "/ministry/{ministry}/cohorts/{cohort}": (302, 403, 200, 403, 403, 403),
    "/ministry/{ministry}/cohorts/{other_cohort}": (302, 403, 404, 403, 403, 403),
    "/ministry/{other_ministry}/cohorts/{cohort}": (302, 403, 404, 403, 403, 403),
    # Quiz results, regrading, overrides and the essay queue of a course.
    "/teach/courses/{course}/quizzes": (302, 403, 403, 200, 200, 200),
    "/teach/courses/{other_course}/quizzes": (302, 403, 403, 404, 404, 200),
    "/teach/courses/987654/quizzes": (302, 403, 403, 404, 404, 404),
    "/teach/courses/{course}/quizzes/{quiz}": (302, 403, 403, 200, 200, 200),
    "/teach/courses/{course}/quizzes/unknown": (302, 403, 403, 404, 404, 404),
    "/teach/courses/{other_course}/quizzes/{quiz}": (302, 403, 403, 404, 404, 404),
    "/teach/courses/{course}/quizzes/{quiz}/questions/987654": (302, 403, 403, 404, 404, 404),
    "/teach/courses/{course}/quizzes/{quiz}/attempts": (302, 403, 403, 200, 200, 200),
    "/teach/courses/{course}/quizzes/{quiz}/attempts/{graded}": (302, 403, 403, 200, 200, 200),
    "/teach/courses/{course}/quizzes/{quiz}/attempts/{other_attempt}": (
        302,
        403,
        403,
        404,
        404,
        404,
    ),
    "/teach/courses/{course}/quizzes/{quiz}/attempts/987654": (302, 403, 403, 404, 404, 404),
    "/teach/courses/{course}/quizzes/{quiz}/regrade": (302, 403, 403, 200, 403, 200),
    "/teach/courses/{course}/quizzes/{quiz}/overrides": (302, 403, 403, 200, 403, 200),
    "/teach/courses/{course}/grading": (302, 403, 403, 200, 200, 200),
    "/teach/courses/{other_course}/grading": (302, 403, 403, 404, 404, 200),
    # Ministry reports (coordinators) and personal data.
    "/ministry/reports": (302, 403, 302, 403, 403, 403),
    "/ministry/{ministry}/reports": (302, 403, 200, 403, 403, 403),
    "/ministry/{other_ministry}/reports": (302, 403, 404, 403, 403, 403),
    "/ministry/987654/reports": (302, 403, 404, 403, 403, 403),
    "/ministry/{ministry}/reports/cohorts/{cohort}": (302, 403, 200, 403, 403, 403),
    "/ministry/{ministry}/reports/cohorts/{other_cohort}": (302, 403, 404, 403, 403, 403),
    "/ministry/{other_ministry}/reports/cohorts/{cohort}": (302, 403, 404, 403, 403, 403),
    "/ministry/{ministry}/reports/cohorts/987654": (302, 403, 404, 403, 403, 403),
    "/ministry/{ministry}/reports/staff.csv": (302, 403, 200, 403, 403, 403),
    "/ministry/{other_ministry}/reports/staff.csv": (302, 403, 404, 403, 403, 403),
    "/account/data": (302, 200, 200, 200, 200, 200),
    "/admin/people/{other}/erase": (302, 403, 403, 403, 403, 200),
    "/admin/people/987654/erase": (302, 403, 403, 403, 403, 404),
    # Written assignments: the learner's own, and the graders' queue.
    "/learn/{enrolment}/assignments/{assignment}": (302, 200, 404, 404, 404, 404),
    "/learn/{enrolment}/assignments/unknown": (302, 404, 404, 404, 404, 404),
    "/learn/{other_enrolment}/assignments/{assignment}": (302, 404, 404, 404, 404, 404),
    "/learn/{enrolment}/submissions/{submission}/file": (302, 200, 404, 404, 404, 404),
    "/learn/{enrolment}/submissions/{other_submission}/file": (302, 404, 404, 404, 404, 404),
    "/learn/{other_enrolment}/submissions/{other_submission}/file": (302, 404, 404, 404, 404, 404),
    "/teach/courses/{course}/assignments": (302, 403, 403, 200, 200, 200),
    "/teach/courses/{course}/assignments/returned": (302, 403, 403, 200, 200, 200),
    "/teach/courses/{other_course}/assignments": (302, 403, 403, 404, 404, 200),
    "/teach/courses/987654/assignments": (302, 403, 403, 404, 404, 404),
    "/teach/courses/{course}/assignments/submissions/{submission}": (302, 403, 403, 200, 200, 200),
    "/teach/courses/{course}/assignments/submissions/{other_submission}": (
        302,
        403,
        403,
        200,
        404,
        200,
    ),
    "/teach/courses/{other_course}/assignments/submissions/{submission}": (
        302,
        403,
        403,
        404,
        404,
        404,
    ),
    "/teach/courses/{course}/assignments/submissions/987654": (302, 403, 403, 404, 404, 404),
    "/teach/courses/{course}/assignments/submissions/{submission}/file": (
        302,
        403,
        403,
        200,
        200,
        200,
    ),
    "/teach/courses/{course}/assignments/submissions/{other_submission}/file": (
        302,
        403,
        403,
        404,
        404,
        404,
    ),
    # Assignment due dates per cohort, and moving a person to another ministry.
    "/teach/cohorts/{cohort}/deadlines": (302, 403, 403, 200, 200, 200),
    "/teach/cohorts/{other_cohort}/deadlines": (302, 403, 403, 200, 404, 200),
    # Course files (download, zip upload) and lesson images; images are public.
    "/teach/courses/{course}/files": (302, 403, 403, 200, 403, 200),
    "/teach/courses/{other_course}/files": (302, 403, 403, 404, 403, 200),
    "/teach/courses/{course}/files/1.zip": (302, 403, 403, 200, 403, 200),
    "/teach/courses/{course}/files/987654.zip": (302, 403, 403, 404, 403, 404),
    "/teach/courses/{other_course}/files/1.zip": (302, 403, 403, 404, 403, 404),
    "/teach/courses/{course}/files/uploads/{course_upload}": (302, 403, 403, 200, 403, 404),
    "/teach/courses/{other_course}/files/uploads/{course_upload}": (302, 403, 403, 404, 403, 404),
    "/teach/courses/{course}/images": (302, 403, 403, 200, 403, 200),
    "/teach/courses/{other_course}/images": (302, 403, 403, 404, 403, 200),
    "/media/images/{image_file}": (200, 200, 200, 200, 200, 200),
    "/media/images/unknown": (404, 404, 404, 404, 404, 404),
    # Authoring: co-authors edit; other instructors read and copy (403 on edits).
    "/author/": (302, 403, 403, 200, 403, 200),
    "/author/courses/{course}": (302, 403, 403, 200, 403, 200),
    "/author/courses/{other_course}": (302, 403, 403, 200, 403, 200),
    "/author/courses/987654": (302, 403, 403, 404, 403, 404),
    "/author/courses/{course}/draft/discard": (302, 403, 403, 200, 403, 200),
    "/author/courses/{other_course}/draft/discard": (302, 403, 403, 403, 403, 404),
    "/author/courses/{course}/publish": (302, 403, 403, 200, 403, 200),
    "/author/courses/{other_course}/publish": (302, 403, 403, 403, 403, 404),
    "/author/courses/{course}/title": (302, 403, 403, 200, 403, 200),
    "/author/courses/{other_course}/title": (302, 403, 403, 403, 403, 404),
    "/author/courses/{course}/modules/new": (302, 403, 403, 200, 403, 200),
    "/author/courses/{other_course}/modules/new": (302, 403, 403, 403, 403, 404),
    "/author/courses/{course}/modules/{module}/edit": (302, 403, 403, 200, 403, 200),
    "/author/courses/{course}/modules/unknown/edit": (302, 403, 403, 404, 403, 404),
    "/author/courses/{course}/modules/{module}/retire": (302, 403, 403, 200, 403, 200),
    "/author/courses/{course}/modules/{module}/lessons/new": (302, 403, 403, 200, 403, 200),
    "/author/courses/{course}/lessons/{lesson}/edit": (302, 403, 403, 200, 403, 200),
    "/author/courses/{course}/lessons/unknown/edit": (302, 403, 403, 404, 403, 404),
    "/author/courses/{other_course}/lessons/{lesson}/edit": (302, 403, 403, 403, 403, 404),
    "/author/courses/{course}/lessons/{lesson}/retire": (302, 403, 403, 200, 403, 200),
    "/author/courses/{course}/lessons/{lesson}": (302, 403, 403, 200, 403, 200),
    "/author/courses/{course}/lessons/unknown": (302, 403, 403, 404, 403, 404),
    "/author/courses/{course}/versions/{version}/lessons/{lesson}/correct/{language}": (
        302,
        403,
        403,
        200,
        403,
        200,
    ),
    "/author/courses/{course}/versions/987654/lessons/{lesson}/correct/{language}": (
        302,
        403,
        403,
        404,
        403,
        404,
    ),
    "/author/courses/{other_course}/versions/{version}/lessons/{lesson}/correct/{language}": (
        302,
        403,
        403,
        403,
        403,
        404,
    ),
    "/author/courses/{course}/history/{lesson_kind}/{lesson}": (302, 403, 403, 200, 403, 200),
    "/author/courses/{course}/history/{module_kind}/{module}": (302, 403, 403, 200, 403, 200),
    "/author/courses/{other_course}/history/{lesson_kind}/{lesson}": (302, 403, 403, 403, 403, 200),
    "/author/courses/{course}/changes/{change}": (302, 403, 403, 200, 403, 200),
    "/author/courses/{other_course}/changes/{change}": (302, 403, 403, 403, 403, 404),
    "/author/courses/{course}/changes/987654": (302, 403, 403, 404, 403, 404),
    # Discussion on the text: the learner's own group; staff of the cohort, tutors their group.
    "/learn/{enrolment}/lessons/{lesson}/paragraphs/p1": (302, 200, 404, 404, 404, 404),
    "/learn/{enrolment}/lessons/{lesson}/paragraphs/unknown": (302, 404, 404, 404, 404, 404),
    "/learn/{enrolment}/lessons/{locked_lesson}/paragraphs/p1": (302, 403, 404, 404, 404, 404),
    "/learn/{other_enrolment}/lessons/{lesson}/paragraphs/p1": (302, 404, 404, 404, 404, 404),
    "/learn/{enrolment}/lessons/{lesson}/retired": (302, 200, 404, 404, 404, 404),
    "/learn/{other_enrolment}/lessons/{lesson}/retired": (302, 404, 404, 404, 404, 404),
    "/learn/{enrolment}/discussion/{annotation}": (302, 302, 404, 404, 404, 404),
    "/learn/{enrolment}/discussion/{other_annotation}": (302, 404, 404, 404, 404, 404),
    "/learn/{enrolment}/discussion/987654": (302, 404, 404, 404, 404, 404),
    "/learn/{enrolment}/modules/m1/discussion": (302, 200, 404, 404, 404, 404),
    "/learn/{enrolment}/modules/m3/discussion": (302, 404, 404, 404, 404, 404),
    "/learn/{enrolment}/modules/unknown/discussion": (302, 404, 404, 404, 404, 404),
    "/learn/{other_enrolment}/modules/m1/discussion": (302, 404, 404, 404, 404, 404),
    "/learn/{enrolment}/sessions": (302, 200, 404, 404, 404, 404),
    "/learn/{other_enrolment}/sessions": (302, 404, 404, 404, 404, 404),
    "/learn/{enrolment}/sessions/{session}": (302, 200, 404, 404, 404, 404),
    "/learn/{enrolment}/sessions/{other_session}": (302, 404, 404, 404, 404, 404),
    "/teach/cohorts/{cohort}/discussion": (302, 403, 403, 200, 200, 200),
    "/teach/cohorts/{other_cohort}/discussion": (302, 403, 403, 200, 404, 200),
    "/teach/cohorts/{cohort}/discussion/{annotation}": (302, 403, 403, 200, 200, 200),
    "/teach/cohorts/{cohort}/discussion/{other_annotation}": (302, 403, 403, 200, 404, 200),
    "/teach/cohorts/{cohort}/discussion/987654": (302, 403, 403, 404, 404, 404),
    "/teach/cohorts/{other_cohort}/discussion/{annotation}": (302, 403, 403, 404, 404, 404),
    "/teach/cohorts/{cohort}/discussion/modules/m1": (302, 403, 403, 200, 200, 200),
    "/teach/cohorts/{cohort}/discussion/modules/m3": (302, 403, 403, 404, 404, 404),
    "/teach/cohorts/{cohort}/discussion/modules/unknown": (302, 403, 403, 404, 404, 404),
    "/teach/cohorts/{cohort}/sessions": (302, 403, 403, 200, 200, 200),
    "/teach/cohorts/{other_cohort}/sessions": (302, 403, 403, 200, 404, 200),
    "/teach/cohorts/{cohort}/sessions/{session}": (302, 403, 403, 200, 200, 200),
    "/teach/cohorts/{cohort}/sessions/{other_session}": (302, 403, 403, 200, 404, 200),
    "/teach/cohorts/{other_cohort}/sessions/{session}": (302, 403, 403, 404, 404, 404),
    # Module settings, removing an author, retiring a course (owners and administrators).
    "/author/courses/{course}/modules/{module}/settings": (302, 403, 403, 200, 403, 200),
    "/author/courses/{course}/modules/unknown/settings": (302, 403, 403, 404, 403, 404),
    "/author/courses/{other_course}/modules/{module}/settings": (302, 403, 403, 403, 403, 404),
    "/author/courses/{course}/retire": (302, 403, 403, 403, 403, 409),
    "/author/courses/{other_course}/retire": (302, 403, 403, 403, 403, 200),
    "/author/courses/987654/retire": (302, 403, 403, 404, 403, 404),
    # Quiz, question-bank and assignment editors, and the preview that records nothing.
    "/author/courses/{course}/modules/{module}/assessment": (302, 403, 403, 200, 403, 200),
    "/author/courses/{course}/modules/unknown/assessment": (302, 403, 403, 404, 403, 404),
    "/author/courses/{course}/modules/{module}/quiz/new": (302, 403, 403, 302, 403, 302),
    "/author/courses/{other_course}/modules/{module}/quiz/new": (302, 403, 403, 403, 403, 404),
    "/author/courses/{course}/quizzes/{quiz}/edit": (302, 403, 403, 200, 403, 200),
    "/author/courses/{course}/quizzes/unknown/edit": (302, 403, 403, 404, 403, 404),
    "/author/courses/{other_course}/quizzes/{quiz}/edit": (302, 403, 403, 403, 403, 404),
    "/author/courses/{course}/quizzes/{quiz}/draws": (302, 403, 403, 200, 403, 200),
    "/author/courses/{course}/quizzes/{quiz}/questions/new/{question_kind}": (
        302,
        403,
        403,
        200,
        403,
        200,
    ),
    "/author/courses/{course}/quizzes/{quiz}/questions/new/unknown": (302, 403, 403, 404, 403, 404),
    "/author/courses/{course}/bank/{category}/questions/new/{question_kind}": (
        302,
        403,
        403,
        200,
        403,
        200,
    ),
    "/author/courses/{course}/questions/{question}/edit": (302, 403, 403, 200, 403, 200),
    "/author/courses/{course}/questions/unknown/edit": (302, 403, 403, 404, 403, 404),
    "/author/courses/{other_course}/questions/{question}/edit": (302, 403, 403, 403, 403, 404),
    "/author/courses/{course}/questions/{question}/retire": (302, 403, 403, 200, 403, 200),
    "/author/courses/{course}/modules/{module}/bank/new": (302, 403, 403, 200, 403, 200),
    "/author/courses/{course}/bank/{category}/edit": (302, 403, 403, 200, 403, 200),
    "/author/courses/{course}/bank/unknown/edit": (302, 403, 403, 404, 403, 404),
    "/author/courses/{course}/modules/{module}/assignment": (302, 403, 403, 200, 403, 200),
    "/author/courses/{other_course}/modules/{module}/assignment": (302, 403, 403, 403, 403, 404),
    "/author/courses/{course}/quizzes/{quiz}/preview": (302, 403, 403, 200, 403, 200),
    "/author/courses/{course}/quizzes/unknown/preview": (302, 403, 403, 404, 403, 404),
    "/author/courses/{other_course}/quizzes/{quiz}/preview": (302, 403, 403, 403, 403, 404),
}

# POSTs with a valid CSRF token and an empty form. Without a token every POST is a 400.
POST_MATRIX = {
    # Signing in, links and forgotten passwords: an empty form is refused (422) for the
    # anonymous visitor; a signed-in user is sent on from the login form; an unknown link is
    # a 400 for everyone.
    "/login": (422, 302, 302, 302, 302, 302),
    "/password/forgot": (422, 422, 422, 422, 422, 422),
    "/invitation/unknown-token": (400, 400, 400, 400, 400, 400),
    "/password/reset/unknown": (400, 400, 400, 400, 400, 400),
    "/logout": (302, 302, 302, 302, 302, 302),
    "/language": (302, 302, 302, 302, 302, 302),
    # An empty preferences form saves (the menus keep their current values, an unticked box
    # is "no") and sends the user back to their own account page.
    "/account": (302, 302, 302, 302, 302, 302),
    "/account/password": (302, 422, 422, 422, 422, 422),
    "/admin/people/new": (302, 403, 403, 403, 403, 422),
    "/admin/people/{other}/invitation": (302, 403, 403, 403, 403, 302),
    "/link/{invitation}/unknown/resend": (302, 302, 302, 302, 302, 302),
    "/learn/{enrolment}/lessons/{lesson}/done": (302, 302, 404, 404, 404, 404),
    "/learn/{enrolment}/lessons/{locked_lesson}/done": (302, 403, 404, 404, 404, 404),
    "/learn/{other_enrolment}/lessons/{lesson}/done": (302, 404, 404, 404, 404, 404),
    "/learn/{enrolment}/lessons/{lesson}/activity": (302, 204, 404, 404, 404, 404),
    "/learn/{enrolment}/lessons/{locked_lesson}/activity": (302, 403, 404, 404, 404, 404),
    "/learn/{enrolment}/quizzes/{quiz}/attempts": (302, 302, 404, 404, 404, 404),
    "/learn/{enrolment}/quizzes/{locked_quiz}/attempts": (302, 403, 404, 404, 404, 404),
    "/learn/{enrolment}/attempts/{attempt}/save": (302, 302, 404, 404, 404, 404),
    "/learn/{enrolment}/attempts/{attempt}/submit": (302, 302, 404, 404, 404, 404),
    "/learn/{enrolment}/attempts/{graded}/submit": (302, 409, 404, 404, 404, 404),
    "/learn/{enrolment}/attempts/{other_attempt}/save": (302, 404, 404, 404, 404, 404),
    "/learn/{other_enrolment}/attempts/{other_attempt}/submit": (302, 404, 404, 404, 404, 404),
    # An empty form: the reason is missing (422) for those who may revoke or reissue.
    "/certificates/manage/{certificate}/revoke": (302, 403, 403, 422, 403, 422),
    "/certificates/manage/{other_certificate}/revoke": (302, 403, 403, 404, 403, 422),
    "/certificates/manage/{certificate}/reissue": (302, 403, 403, 422, 403, 422),
    "/certificates/manage/{other_certificate}/reissue": (302, 403, 403, 404, 403, 422),
    # Ministries and rosters.
    "/admin/ministries/new": (302, 403, 403, 403, 403, 422),
    "/admin/ministries/{ministry}": (302, 403, 403, 403, 403, 422),
    "/ministry/{ministry}/people/new": (302, 403, 422, 403, 403, 403),
    "/ministry/{ministry}/people/{learner}/edit": (302, 403, 422, 403, 403, 403),
    "/ministry/{ministry}/people/{other}/edit": (302, 403, 404, 403, 403, 403),
    "/ministry/{ministry}/people/{learner}/end": (302, 403, 302, 403, 403, 403),
    "/ministry/{ministry}/people/{other}/end": (302, 403, 404, 403, 403, 403),
    "/ministry/{other_ministry}/people/{other}/end": (302, 403, 404, 403, 403, 403),
    "/ministry/{ministry}/roster": (302, 403, 422, 403, 403, 403),
    "/ministry/{ministry}/roster/{roster_upload}": (302, 403, 400, 403, 403, 403),
    "/ministry/{other_ministry}/roster/{roster_upload}": (302, 403, 404, 403, 403, 403),
    # Cohorts. The schedule and rules forms have no required field (blank = "no release
    # time" / "as the course says"), so an empty form saves.
    "/teach/courses/{course}/cohorts/new": (302, 403, 403, 422, 404, 422),
    "/teach/courses/{other_course}/cohorts/new": (302, 403, 403, 404, 404, 422),
    "/teach/cohorts/{cohort}": (302, 403, 403, 422, 403, 422),
    "/teach/cohorts/{other_cohort}": (302, 403, 403, 422, 404, 422),
    "/teach/cohorts/{cohort}/schedule": (302, 403, 403, 302, 403, 302),
    "/teach/cohorts/{other_cohort}/schedule": (302, 403, 403, 302, 404, 302),
    "/teach/cohorts/{cohort}/rules": (302, 403, 403, 302, 403, 302),
    "/teach/cohorts/{cohort}/enrolments": (302, 403, 403, 422, 403, 422),
    "/teach/cohorts/{other_cohort}/enrolments": (302, 403, 403, 422, 404, 422),
    "/teach/cohorts/{cohort}/enrolments/{other_enrolment}/withdraw": (302, 403, 403, 302, 403, 302),
    "/teach/cohorts/{other_cohort}/enrolments/{enrolment}/withdraw": (302, 403, 403, 404, 404, 404),
    "/teach/cohorts/{cohort}/seats": (302, 403, 403, 422, 403, 422),
    "/teach/cohorts/{cohort}/groups": (302, 403, 403, 422, 403, 422),
    "/teach/cohorts/{cohort}/groups/{group}/tutor": (302, 403, 403, 422, 403, 422),
    "/teach/cohorts/{other_cohort}/groups/{group}/tutor": (302, 403, 403, 404, 404, 404),
    "/teach/cohorts/{cohort}/groups/move": (302, 403, 403, 422, 403, 422),
    "/teach/cohorts/{cohort}/learners/{enrolment}/extensions": (302, 403, 403, 422, 422, 422),
    "/teach/cohorts/{cohort}/learners/{other_enrolment}/extensions": (302, 403, 403, 422, 404, 422),
    "/teach/cohorts/{other_cohort}/learners/{enrolment}/extensions": (302, 403, 403, 404, 404, 404),
    "/teach/cohorts/{cohort}/learners/{enrolment}/extensions/987654/withdraw": (
        302,
        403,
        403,
        404,
        404,
        404,
    ),
    "/teach/cohorts/{cohort}/learners/{enrolment}/extensions/{extension}/withdraw": (
        302,
        403,
        403,
        302,
        302,
        302,
    ),
    "/teach/cohorts/{cohort}/learners/{other_enrolment}/extensions/{extension}/withdraw": (
        302,
        403,
        403,
        404,
        404,
        404,
    ),
    "/teach/cohorts/{cohort}/announcements": (302, 403, 403, 422, 422, 422),
    "/teach/cohorts/{other_cohort}/announcements": (302, 403, 403, 422, 404, 422),
    "/ministry/{ministry}/cohorts/{cohort}/nominations": (302, 403, 422, 403, 403, 403),
    "/ministry/{other_ministry}/cohorts/{cohort}/nominations": (302, 403, 404, 403, 403, 403),
    "/ministry/{ministry}/cohorts/{cohort}/enrolments/{enrolment}/substitute": (
        302,
        403,
        422,
        403,
        403,
        403,
    ),
    "/ministry/{ministry}/cohorts/{cohort}/enrolments/{other_enrolment}/substitute": (
        302,
        403,
        404,
        403,
        403,
        403,
    ),
    "/ministry/{ministry}/cohorts/{cohort}/enrolments/{enrolment}/withdraw": (
        302,
        403,
        302,
        403,
        403,
        403,
    ),
    "/ministry/{ministry}/cohorts/{cohort}/enrolments/{other_enrolment}/withdraw": (
        302,
        403,
        404,
        403,
        403,
        403,
    ),
    # Quiz results: overrides of grades, release, regrading, policy overrides.
    "/teach/courses/{course}/quizzes/{quiz}/attempts/{graded}/override": (
        302,
        403,
        403,
        422,
        422,
        422,
    ),
    "/teach/courses/{course}/quizzes/{quiz}/attempts/{other_attempt}/override": (
        302,
        403,
        403,
        404,
        404,
        404,
    ),
    "/teach/courses/{course}/quizzes/{quiz}/attempts/{graded}/essays/987654": (
        302,
        403,
        403,
        404,
        404,
        404,
    ),
    "/teach/courses/{course}/quizzes/{quiz}/release": (302, 403, 403, 302, 302, 302),
    "/teach/courses/{other_course}/quizzes/{quiz}/release": (302, 403, 403, 404, 404, 404),
    "/teach/courses/{course}/quizzes/{quiz}/regrade": (302, 403, 403, 422, 403, 422),
    "/teach/courses/{course}/quizzes/{quiz}/overrides": (302, 403, 403, 422, 403, 422),
    "/teach/courses/{course}/quizzes/{quiz}/overrides/987654/remove": (
        302,
        403,
        403,
        404,
        403,
        404,
    ),
    # Personal data.
    "/account/data/download": (302, 200, 200, 200, 200, 200),
    "/admin/people/{other}/data": (302, 403, 403, 403, 403, 200),
    "/admin/people/987654/data": (302, 403, 403, 403, 403, 404),
    "/admin/people/{other}/erase": (302, 403, 403, 403, 403, 422),
    "/admin/people/{self}/erase": (302, 403, 403, 403, 403, 422),
    # Written assignments: the learner has handed in already (409); graders need a complete
    # rubric (400).
    "/learn/{enrolment}/assignments/{assignment}": (302, 409, 404, 404, 404, 404),
    "/learn/{other_enrolment}/assignments/{assignment}": (302, 404, 404, 404, 404, 404),
    "/teach/courses/{course}/assignments/submissions/{submission}": (302, 403, 403, 400, 400, 400),
    "/teach/courses/{course}/assignments/submissions/{other_submission}": (
        302,
        403,
        403,
        400,
        404,
        400,
    ),
    "/teach/courses/{other_course}/assignments/submissions/{submission}": (
        302,
        403,
        403,
        404,
        404,
        404,
    ),
    # Assignment due dates per cohort, and moving a person to another ministry.
    "/teach/cohorts/{cohort}/deadlines": (302, 403, 403, 302, 403, 302),
    "/teach/cohorts/{other_cohort}/deadlines": (302, 403, 403, 302, 404, 302),
    "/admin/people/{other}/ministry": (302, 403, 403, 403, 403, 422),
    "/admin/people/987654/ministry": (302, 403, 403, 403, 403, 404),
    # Course files (download, zip upload) and lesson images; images are public.
    "/teach/courses/{course}/files": (302, 403, 403, 422, 403, 422),
    "/teach/courses/{other_course}/files": (302, 403, 403, 404, 403, 422),
    "/teach/courses/{course}/files/uploads/{course_upload}": (302, 403, 403, 409, 403, 404),
    "/teach/courses/{other_course}/files/uploads/{course_upload}": (302, 403, 403, 404, 403, 404),
    "/teach/courses/{course}/images": (302, 403, 403, 422, 403, 422),
    "/teach/courses/{course}/images/{image}": (302, 403, 403, 422, 403, 422),
    "/teach/courses/{other_course}/images/{image}": (302, 403, 403, 404, 403, 404),
    # Authoring: co-authors edit; other instructors read and copy (403 on edits).
    "/author/courses/{course}/draft": (302, 403, 403, 302, 403, 302),
    "/author/courses/{other_course}/draft": (302, 403, 403, 403, 403, 302),
    "/author/courses/{course}/draft/discard": (302, 403, 403, 302, 403, 302),
    "/author/courses/{course}/publish": (302, 403, 403, 409, 403, 409),
    "/author/courses/{other_course}/publish": (302, 403, 403, 403, 403, 404),
    "/author/courses/{course}/title": (302, 403, 403, 422, 403, 422),
    "/author/courses/{course}/copy": (302, 403, 403, 302, 403, 302),
    "/author/courses/{other_course}/copy": (302, 403, 403, 302, 403, 302),
    "/author/courses/987654/copy": (302, 403, 403, 404, 403, 404),
    "/author/courses/{course}/coauthors": (302, 403, 403, 403, 403, 302),
    "/author/courses/{course}/cohorts/{cohort}/version": (302, 403, 403, 302, 403, 302),
    "/author/courses/{course}/cohorts/987654/version": (302, 403, 403, 404, 403, 404),
    "/author/courses/{other_course}/cohorts/{cohort}/version": (302, 403, 403, 403, 403, 404),
    "/author/courses/{course}/modules/new": (302, 403, 403, 422, 403, 422),
    "/author/courses/{course}/modules/{module}/edit": (302, 403, 403, 422, 403, 422),
    "/author/courses/{course}/modules/{module}/move": (302, 403, 403, 302, 403, 302),
    "/author/courses/{course}/modules/{module}/retire": (302, 403, 403, 302, 403, 302),
    "/author/courses/{course}/modules/{module}/lessons/new": (302, 403, 403, 422, 403, 422),
    "/author/courses/{course}/lessons/{lesson}/edit": (302, 403, 403, 422, 403, 422),
    "/author/courses/{other_course}/lessons/{lesson}/edit": (302, 403, 403, 403, 403, 404),
    "/author/courses/{course}/lessons/{lesson}/move": (302, 403, 403, 302, 403, 302),
    "/author/courses/{course}/lessons/{lesson}/retire": (302, 403, 403, 302, 403, 302),
    "/author/courses/{course}/lessons/{lesson}/translations/{other_language}/clear": (
        302,
        403,
        403,
        302,
        403,
        302,
    ),
    "/author/courses/{course}/versions/{version}/lessons/{lesson}/correct/{language}": (
        302,
        403,
        403,
        422,
        403,
        422,
    ),
    # Discussion on the text: the learner's own group; staff of the cohort, tutors their group.
    "/learn/{enrolment}/lessons/{lesson}/paragraphs/p1": (302, 422, 404, 404, 404, 404),
    "/learn/{enrolment}/lessons/{lesson}/paragraphs/unknown": (302, 404, 404, 404, 404, 404),
    "/learn/{other_enrolment}/lessons/{lesson}/paragraphs/p1": (302, 404, 404, 404, 404, 404),
    "/learn/{enrolment}/discussion/{annotation}/replies": (302, 302, 404, 404, 404, 404),
    "/learn/{enrolment}/discussion/{other_annotation}/replies": (302, 404, 404, 404, 404, 404),
    "/learn/{enrolment}/discussion/{annotation}/resolve": (302, 302, 404, 404, 404, 404),
    "/learn/{enrolment}/discussion/{other_annotation}/resolve": (302, 404, 404, 404, 404, 404),
    "/learn/{enrolment}/modules/m1/discussion": (302, 422, 404, 404, 404, 404),
    "/learn/{enrolment}/modules/unknown/discussion": (302, 404, 404, 404, 404, 404),
    "/learn/{enrolment}/sessions/{session}": (302, 422, 404, 404, 404, 404),
    "/learn/{enrolment}/sessions/{other_session}": (302, 404, 404, 404, 404, 404),
    "/teach/cohorts/{cohort}/discussion/{annotation}/replies": (302, 403, 403, 302, 302, 302),
    "/teach/cohorts/{cohort}/discussion/{other_annotation}/replies": (302, 403, 403, 302, 404, 302),
    "/teach/cohorts/{cohort}/discussion/{annotation}/resolve": (302, 403, 403, 302, 302, 302),
    "/teach/cohorts/{cohort}/discussion/{other_annotation}/resolve": (302, 403, 403, 302, 404, 302),
    "/teach/cohorts/{cohort}/discussion/{annotation}/hide": (302, 403, 403, 302, 302, 302),
    "/teach/cohorts/{cohort}/discussion/{other_annotation}/hide": (302, 403, 403, 302, 404, 302),
    "/teach/cohorts/{cohort}/discussion/{annotation}/edit": (302, 403, 403, 302, 302, 302),
    "/teach/cohorts/{cohort}/discussion/{other_annotation}/edit": (302, 403, 403, 302, 404, 302),
    "/teach/cohorts/{cohort}/sessions": (302, 403, 403, 422, 422, 422),
    "/teach/cohorts/{other_cohort}/sessions": (302, 403, 403, 422, 404, 422),
    "/teach/cohorts/{cohort}/sessions/{session}": (302, 403, 403, 422, 422, 422),
    "/teach/cohorts/{cohort}/sessions/{other_session}": (302, 403, 403, 422, 404, 422),
    # Module settings, removing an author, retiring a course (owners and administrators).
    "/author/courses/{course}/modules/{module}/settings": (302, 403, 403, 422, 403, 422),
    "/author/courses/{other_course}/modules/{module}/settings": (302, 403, 403, 403, 403, 404),
    "/author/courses/{course}/authors/{coauthor}/remove": (302, 403, 403, 403, 403, 302),
    "/author/courses/{course}/authors/{other}/remove": (302, 403, 403, 403, 403, 404),
    "/author/courses/{other_course}/authors/{coauthor}/remove": (302, 403, 403, 403, 403, 404),
    "/author/courses/{course}/retire": (302, 403, 403, 403, 403, 302),
    # Quiz, question-bank and assignment editors, and the preview that records nothing.
    "/author/courses/{course}/modules/{module}/quiz/new": (302, 403, 403, 302, 403, 302),
    "/author/courses/{course}/quizzes/{quiz}/edit": (302, 403, 403, 422, 403, 422),
    "/author/courses/{other_course}/quizzes/{quiz}/edit": (302, 403, 403, 403, 403, 404),
    "/author/courses/{course}/quizzes/{quiz}/draws": (302, 403, 403, 422, 403, 422),
    "/author/courses/{course}/quizzes/{quiz}/questions/new/{question_kind}": (
        302,
        403,
        403,
        422,
        403,
        422,
    ),
    "/author/courses/{course}/bank/{category}/questions/new/{question_kind}": (
        302,
        403,
        403,
        422,
        403,
        422,
    ),
    "/author/courses/{course}/questions/{question}/edit": (302, 403, 403, 422, 403, 422),
    "/author/courses/{course}/questions/{question}/move": (302, 403, 403, 302, 403, 302),
    "/author/courses/{course}/questions/{question}/retire": (302, 403, 403, 302, 403, 302),
    "/author/courses/{other_course}/questions/{question}/retire": (302, 403, 403, 403, 403, 404),
    "/author/courses/{course}/modules/{module}/bank/new": (302, 403, 403, 422, 403, 422),
    "/author/courses/{course}/bank/{category}/edit": (302, 403, 403, 422, 403, 422),
    "/author/courses/{course}/modules/{module}/assignment": (302, 403, 403, 422, 403, 422),
    "/author/courses/{course}/quizzes/{quiz}/preview": (302, 403, 403, 422, 403, 422),
}


for _name, _table in (("GET", MATRIX), ("POST", POST_MATRIX)):
    for _path, _statuses in access_rows.merged(_name).items():
        assert _path not in _table, f"{_path} is both in the core table and in access_rows"
        _table[_path] = _statuses


def _build_world(app, db):
    """Two ministries, two cohorts of one course (plus another course), two tutor groups.

    Ministry A's side: ``learner`` (in ``group``, sponsored by A), ``coordinator`` (of A),
    ``tutor`` (of ``group``). Ministry B's side, the outsiders: ``other`` / ``learner_b`` (staff
    of B, in ``other_group`` of the same cohort), ``coordinator_b``, ``tutor_b`` (of
    ``other_group``). ``instructor`` teaches the course and leads ``cohort``; nobody here leads
    ``other_cohort`` or teaches ``other_course``.
    """
    ministry_a, ministry_b = make_ministry("MFA-A"), make_ministry("MFA-B")
    published = make_published_course()
    published.module_revision("m2").prerequisites = ["m1"]
    published.module_revision("m1").discussion = {
        "id": "m1-discussion",
        "prompt": {"en": "Discuss the text.", "ar": "ناقشوا النص."},
    }
    make_assignment(published, "m1")
    course = published.course
    cohort = organisations.create_cohort(course, "run-1", {"en": "Run 1"}, timezone="UTC")
    cohort.course_version_id = published.version.id
    other_cohort = organisations.create_cohort(course, "run-2", {"en": "Run 2"}, timezone="UTC")
    other_cohort.course_version_id = published.version.id
    group = organisations.add_tutor_group(cohort, "g1", "Group 1")
    other_group = organisations.add_tutor_group(cohort, "g2", "Group 2")
    other_course = make_course()
    learner, enrolment = make_learner(
        cohort, ministry=ministry_a, group=group, email="learner@example.org"
    )
    other, other_enrolment = make_learner(
        cohort, ministry=ministry_b, group=other_group, email="other@example.org"
    )
    users = {
        "learner": learner,
        "learner_b": other,
        "coordinator": make_user("coordinator@example.org"),
        "coordinator_b": make_user("coordinator.b@example.org"),
        "instructor": make_user("instructor@example.org"),
        "tutor": make_user("tutor@example.org"),
        "tutor_b": make_user("tutor.b@example.org"),
        "administrator": make_user("admin@example.org"),
    }
    accounts.grant_role(users["coordinator"], Role.COORDINATOR, ministry_a.id)
    accounts.grant_role(users["coordinator_b"], Role.COORDINATOR, ministry_b.id)
    accounts.grant_role(users["instructor"], Role.INSTRUCTOR, course.id)
    accounts.grant_role(users["instructor"], Role.LEAD_INSTRUCTOR, cohort.id)
    accounts.grant_role(users["tutor"], Role.TUTOR, group.id)
    accounts.grant_role(users["tutor_b"], Role.TUTOR, other_group.id)
    accounts.grant_role(users["administrator"], Role.ADMINISTRATOR)
    cohorts.set_seats(cohort, ministry_a, 5, by=users["instructor"])
    roster_upload = rosters.store_upload(
        ministry_a, users["coordinator"], b"email,name_ar,name_latin,language,position,posting\r\n"
    )
    m1 = published.module_revision("m1")
    now = utcnow()
    db.session.add(
        ModuleSchedule(
            cohort_id=cohort.id,
            module_id=m1.module_id,
            opens_at=now - dt.timedelta(days=3),
            due_at=now - dt.timedelta(days=1),
        )
    )
    db.session.flush()
    extension = tracking.grant_extension(
        enrolment, m1.module_id, now + dt.timedelta(days=5), "Posted abroad", by=users["instructor"]
    )
    standing = progress.course_progress(enrolment)
    annotation = posting.annotate(
        enrolment, standing, standing.lesson("m1-l1"), "p1", kind="question", body="Why?", lang="en"
    )
    other_standing = progress.course_progress(other_enrolment)
    other_annotation = posting.annotate(
        other_enrolment,
        other_standing,
        other_standing.lesson("m1-l1"),
        "p1",
        kind="comment",
        body="Group 2 only.",
        lang="en",
    )
    session = text_sessions.open_session(
        cohort,
        group,
        title="Week 1",
        starts_at=now + dt.timedelta(days=1),
        duration_minutes=60,
        by=users["tutor"],
        may_open_cohort=False,
    )
    other_session = text_sessions.open_session(
        cohort,
        other_group,
        title="Week 1",
        starts_at=now + dt.timedelta(days=1),
        duration_minutes=60,
        by=users["tutor_b"],
        may_open_cohort=False,
    )
    # Certificates from an earlier run that the instructor led, and from the self-paced cohort.
    earlier = organisations.create_cohort(course, "run-0", {"en": "Run 0"}, timezone="UTC")
    accounts.grant_role(users["instructor"], Role.LEAD_INSTRUCTOR, earlier.id)
    done = organisations.enrol(learner, earlier, sponsor=ministry_a)
    other_done = organisations.enrol(other, published.cohort, sponsor=ministry_b)
    for finished in (done, other_done):
        finished.move_to(EnrolmentState.ACTIVE)
        finished.move_to(EnrolmentState.COMPLETED)
    certificate = certificates.issue_certificate(done)
    other_certificate = certificates.issue_certificate(other_done)
    db.session.commit()
    picture = io.BytesIO()
    Image.new("RGB", (600, 400), (30, 90, 160)).save(picture, "PNG")
    lesson_image = lesson_images.add_image(
        course, picture.getvalue(), {"ar": "صورة", "en": "Picture"}, users["instructor"]
    )
    course_upload = coursefiles.save_upload(
        course, "course.zip", coursefiles.export_zip(course, published.version), users["instructor"]
    )
    draft = drafting.open_draft(course, users["instructor"])
    module = drafting.find_module(drafting.spec_of(draft), "m1")
    outline.edit_module(
        draft,
        "m1",
        {**module.title, "en": "Module one, edited"},
        drafting.token_of(module.title),
        users["instructor"],
    )
    change = corrections.history(course, "module", "m1")[0]
    quiz_authoring.save_category(
        draft, "m1", None, {"ar": "بنك", "en": "Bank"}, "", users["instructor"], new_key="m1-bank"
    )
    db.session.commit()

    # Quiz attempts and written assignments handed in.
    def attempt_of(someone):
        quiz = progress.course_progress(someone).quiz("m1-quiz")
        return quizzes.start_attempt(someone, quiz, "en")

    graded = attempt_of(enrolment)
    quizzes.submit(graded, {})
    attempts = {
        "graded": graded.id,
        "attempt": attempt_of(enrolment).id,
        "other_attempt": attempt_of(other_enrolment).id,
    }

    def submit(someone, **kwargs):
        state = progress.course_progress(someone)
        return assignment_service.save(
            someone, state, state.assignment("m1-essay"), submit=True, **kwargs
        )

    submissions = {
        "submission": submit(
            enrolment, body="", upload=submission_files.check_upload("essay.pdf", MINIMAL_PDF)
        ).id,
        "other_submission": submit(other_enrolment, body="My answer").id,
    }
    db.session.commit()

    def person(user):
        return SimpleNamespace(id=user.id, email=user.email)

    return {
        "users": {role: person(user) for role, user in users.items()},
        "other": person(other),
        "ids": {
            **attempts,
            **submissions,
            "enrolment": enrolment.id,
            "other_enrolment": other_enrolment.id,
            "ministry": ministry_a.id,
            "other_ministry": ministry_b.id,
            "cohort": cohort.id,
            "other_cohort": other_cohort.id,
            "group": group.id,
            "other_group": other_group.id,
            "course": course.id,
            "other_course": other_course.id,
            "learner": learner.id,
            "roster_upload": roster_upload.id,
            "extension": extension.id,
            "course_upload": course_upload.id,
            "image": lesson_image.id,
            "image_file": lesson_image.sha256 + ".png",
            "change": change.id,
            "annotation": annotation.id,
            "other_annotation": other_annotation.id,
            "session": session.id,
            "other_session": other_session.id,
            "coauthor": users["instructor"].id,
            "category": "m1-bank",
            "question": "m1-q1",
            "question_kind": "essay",
        },
        "certificates": {
            "certificate": certificate.id,
            "code": certificate.code,
            "other_certificate": other_certificate.id,
            "kid": signing_key().kid,
        },
    }


@pytest.fixture(scope="module")
def shared_world(app, tmp_path_factory):
    """The world, built once per module and database: each case runs in a savepoint of the
    connection that holds it, rolled back afterwards (like the ``db`` fixture, one level up),
    so thousands of cases do not rebuild it."""
    with app.app_context():
        engines = _db.engines
        engine = engines[None]
        connection = engine.connect()
        outer = connection.begin()
        original_session = _db.session
        original_storage = app.config["STORAGE_ROOT"]
        app.config["STORAGE_ROOT"] = str(tmp_path_factory.mktemp("matrix-storage"))
        engines[None] = connection
        _db.session = _db._make_scoped_session({"join_transaction_mode": "create_savepoint"})
        try:
            built = _build_world(app, _db)
            access_rows.extend_world(app, _db, built)
            _db.session.remove()
            limiter.reset()
            built["cookies"] = {
                role: _signed_in_cookie(app, person.email)
                for role, person in built["users"].items()
            }
            _db.session.remove()
            yield built, connection
        finally:
            _db.session.remove()
            _db.session = original_session
            engines[None] = engine
            app.config["STORAGE_ROOT"] = original_storage
            outer.rollback()
            connection.close()


@pytest.fixture()
def world(app, shared_world):
    built, connection = shared_world
    savepoint = connection.begin_nested()
    limiter.reset()
    app.extensions["mail_sent"] = []
    try:
        with app.app_context():
            yield built
    finally:
        with app.app_context():
            _db.session.remove()
        if savepoint.is_active:
            savepoint.rollback()


def _signed_in_cookie(app, email: str) -> str:
    """Sign in once per role and world: each case's client carries the session cookie."""
    client = app.test_client()
    login(client, email)
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


def client_for(app, world, role):
    client = app.test_client()
    if role != "anonymous":
        client.set_cookie(app.config["SESSION_COOKIE_NAME"], world["cookies"][role])
    return client


def _cases(matrix):
    return [
        (role, path, statuses[i])
        for path, statuses in matrix.items()
        for i, role in enumerate(ROLES)
    ]


def fill_path(path, world, role):
    me = world["users"].get(role)
    return path.format(
        other=world["other"].id,
        self=me.id if me else 0,
        invitation="invitation",
        **world["ids"],
        lesson="m1-l1",
        locked_lesson="m2-l1",
        quiz="m1-quiz",
        locked_quiz="m2-quiz",
        **world["certificates"],
        assignment="m1-essay",
        module="m1",
        version=1,
        language="en",
        other_language="ar",
        lesson_kind="lesson",
        module_kind="module",
    )


@pytest.mark.parametrize("role,path,expected", _cases(MATRIX))
def test_get(app, world, role, path, expected):
    response = client_for(app, world, role).get(fill_path(path, world, role))
    assert response.status_code == expected, (role, path)


@pytest.mark.parametrize("role,path,expected", _cases(POST_MATRIX))
def test_post(app, world, role, path, expected):
    client = client_for(app, world, role)
    token = csrf_from(client, "/")
    response = client.post(fill_path(path, world, role), data={"csrf_token": token})
    assert response.status_code == expected, (role, path)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", list(POST_MATRIX))
def test_post_without_csrf_is_refused(app, world, role, path):
    response = client_for(app, world, role).post(fill_path(path, world, role))
    assert response.status_code == 400, (role, path)


# Ministry B's people and the tutor of the other group: for every page, form post and export
# that names something of ministry A or of group 1, they get 403 or 404, never the page.
OUTSIDERS = ["learner_b", "coordinator_b", "tutor_b"]
A_SIDE = (
    "{ministry}",
    "{enrolment}",
    "{group}",
    "{certificate}",
    "{attempt}",
    "{graded}",
    "{submission}",
    "{annotation}",
    "{session}",
    *access_rows.a_side(),
)


def _a_side(matrix):
    return [path for path in matrix if any(name in path for name in A_SIDE)]


@pytest.mark.parametrize("role", OUTSIDERS)
@pytest.mark.parametrize("path", _a_side(MATRIX))
def test_outsiders_never_get_ministry_a_pages(app, world, role, path):
    response = client_for(app, world, role).get(fill_path(path, world, role))
    assert response.status_code in (403, 404), (role, path, response.status_code)


@pytest.mark.parametrize("role", OUTSIDERS)
@pytest.mark.parametrize("path", _a_side(POST_MATRIX))
def test_outsiders_never_post_to_ministry_a(app, world, role, path):
    client = client_for(app, world, role)
    token = csrf_from(client, "/")
    response = client.post(fill_path(path, world, role), data={"csrf_token": token})
    assert response.status_code in (403, 404), (role, path, response.status_code)


def test_matrix_covers_every_route(app):
    """A new route, or a new method of a route, without a row in the matrix fails here: every
    (method, rule) pair the app answers (HEAD and OPTIONS aside) needs a row, GET ones in
    MATRIX and POST ones in POST_MATRIX, so a POST handler sharing its URL with a GET page is
    not covered by the page's row."""
    import re

    def shape(path: str) -> str:
        return re.sub(r"<[^>]+>|\{[^}]+\}|987654|not-a-number|unknown(-token)?", "*", path)

    covered = {("GET", shape(p)) for p in MATRIX} | {("POST", shape(p)) for p in POST_MATRIX}
    covered |= {(method, shape(p)) for method, p in access_rows.covered()}
    missing = sorted(
        (method, rule.rule, rule.endpoint)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
        if (method, shape(rule.rule)) not in covered
    )
    assert not missing, missing
