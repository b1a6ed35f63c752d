"""The role × URL matrix: who gets 200, 302, 403 or 404 on every route.

Every later feature adds its routes here. ``{other}`` is a person in another ministry than the
coordinator's; ``{self}`` is the requesting user. The learner's pages belong to the learner
alone: ``{enrolment}`` and ``{attempt}`` are the learner's, ``{other_enrolment}`` and
``{other_attempt}`` another learner's of the same cohort; everyone else gets 404 for them, as
for pages that do not exist. ``{locked_lesson}`` and ``{locked_quiz}`` are in a module whose
prerequisite the learner has not completed.
"""

from __future__ import annotations

import pytest

from diplolearn.models import EnrolmentState, Role
from diplolearn.security.signing import signing_key
from diplolearn.services import accounts, certificates, organisations, progress, quizzes
from tests.conftest import csrf_from, login
from tests.factories import (
    make_course,
    make_learner,
    make_ministry,
    make_published_course,
    make_user,
)

ROLES = ["anonymous", "learner", "coordinator", "instructor", "tutor", "administrator"]

# path -> expected status for each role, in ROLES order.
MATRIX = {
    "/":                         (200, 200, 200, 200, 200, 200),
    "/healthz":                  (200, 200, 200, 200, 200, 200),
    "/login":                    (200, 302, 302, 302, 302, 302),
    "/password/forgot":          (200, 200, 200, 200, 200, 200),
    "/account":                  (302, 200, 200, 200, 200, 200),
    "/admin/":                   (302, 403, 403, 403, 403, 302),
    "/admin/people":             (302, 403, 403, 403, 403, 200),
    "/admin/people/new":         (302, 403, 403, 403, 403, 200),
    "/admin/people/{other}":     (302, 403, 403, 403, 403, 200),
    "/admin/people/{self}":      (302, 403, 403, 403, 403, 200),
    "/admin/people/987654":      (302, 403, 403, 403, 403, 404),
    "/admin/people/not-a-number": (404, 404, 404, 404, 404, 404),
    "/admin/audit":              (302, 403, 403, 403, 403, 200),
    "/invitation/unknown-token": (400, 400, 400, 400, 400, 400),
    "/password/reset/unknown":   (400, 400, 400, 400, 400, 400),
    "/no/such/page":             (404, 404, 404, 404, 404, 404),
    # The learner's path.
    "/learn/{enrolment}":                          (302, 200, 404, 404, 404, 404),
    "/learn/{other_enrolment}":                    (302, 404, 404, 404, 404, 404),
    "/learn/987654":                               (302, 404, 404, 404, 404, 404),
    "/learn/{enrolment}/lessons/{lesson}":         (302, 200, 404, 404, 404, 404),
    "/learn/{enrolment}/lessons/{locked_lesson}":  (302, 403, 404, 404, 404, 404),
    "/learn/{enrolment}/lessons/unknown":          (302, 404, 404, 404, 404, 404),
    "/learn/{other_enrolment}/lessons/{lesson}":   (302, 404, 404, 404, 404, 404),
    "/learn/{enrolment}/references":               (302, 200, 404, 404, 404, 404),
    "/learn/{other_enrolment}/references":         (302, 404, 404, 404, 404, 404),
    "/learn/{enrolment}/glossary":                 (302, 200, 404, 404, 404, 404),
    "/learn/{other_enrolment}/glossary":           (302, 404, 404, 404, 404, 404),
    "/learn/{enrolment}/quizzes/{quiz}":           (302, 200, 404, 404, 404, 404),
    "/learn/{enrolment}/quizzes/{locked_quiz}":    (302, 403, 404, 404, 404, 404),
    "/learn/{enrolment}/quizzes/unknown":          (302, 404, 404, 404, 404, 404),
    "/learn/{enrolment}/attempts/{attempt}":       (302, 200, 404, 404, 404, 404),
    "/learn/{enrolment}/attempts/{other_attempt}": (302, 404, 404, 404, 404, 404),
    "/learn/{enrolment}/attempts/987654":          (302, 404, 404, 404, 404, 404),
    "/learn/{enrolment}/attempts/{attempt}/result": (302, 302, 404, 404, 404, 404),
    "/learn/{enrolment}/attempts/{graded}/result": (302, 200, 404, 404, 404, 404),
    "/learn/{other_enrolment}/attempts/{other_attempt}/result":
                                                   (302, 404, 404, 404, 404, 404),
    # Certificates. {certificate} is the learner's (sponsored by the coordinator's ministry,
    # in a cohort the instructor leads); {other_certificate} another learner's (another
    # ministry, a cohort nobody here leads); {ministry} the coordinator's, {other_ministry} not.
    "/certificates":                               (302, 200, 200, 200, 200, 200),
    "/certificates/{certificate}/certificate.pdf": (302, 200, 404, 404, 404, 404),
    "/certificates/{other_certificate}/certificate.pdf": (302, 404, 404, 404, 404, 404),
    "/certificates/987654/certificate.pdf":        (302, 404, 404, 404, 404, 404),
    "/certificates/{certificate}/credential.jwt":  (302, 200, 404, 404, 404, 404),
    "/certificates/{other_certificate}/credential.jwt": (302, 404, 404, 404, 404, 404),
    "/certificates/staff":                         (302, 403, 200, 403, 403, 403),
    "/certificates/staff/{ministry}/certificates.zip": (302, 403, 200, 403, 403, 403),
    "/certificates/staff/{other_ministry}/certificates.zip": (302, 403, 404, 403, 403, 403),
    "/certificates/staff/987654/certificates.zip": (302, 403, 404, 403, 403, 403),
    "/certificates/manage":                        (302, 403, 403, 200, 403, 200),
    "/certificates/manage/{certificate}":          (302, 403, 403, 200, 403, 200),
    "/certificates/manage/{other_certificate}":    (302, 403, 403, 404, 403, 200),
    "/certificates/manage/987654":                 (302, 403, 403, 404, 403, 404),
    # Public verification: no sign-in, the same answers for everyone.
    "/verify":                                     (200, 200, 200, 200, 200, 200),
    "/verify/{code}":                              (200, 200, 200, 200, 200, 200),
    "/verify/unknown":                             (404, 404, 404, 404, 404, 404),
    "/verify/issuer":                              (200, 200, 200, 200, 200, 200),
    "/verify/issuer/keys.json":                    (200, 200, 200, 200, 200, 200),
    "/verify/issuer/keys/{kid}":                   (200, 200, 200, 200, 200, 200),
    "/verify/issuer/keys/unknown":                 (404, 404, 404, 404, 404, 404),
}

# POSTs with a valid CSRF token and an empty form. Without a token every POST is a 400.
POST_MATRIX = {
    "/logout":                   (302, 302, 302, 302, 302, 302),
    "/language":                 (302, 302, 302, 302, 302, 302),
    "/account/password":         (302, 422, 422, 422, 422, 422),
    "/admin/people/{other}/invitation": (302, 403, 403, 403, 403, 302),
    "/link/{invitation}/unknown/resend": (302, 302, 302, 302, 302, 302),
    "/learn/{enrolment}/lessons/{lesson}/done":         (302, 302, 404, 404, 404, 404),
    "/learn/{enrolment}/lessons/{locked_lesson}/done":  (302, 403, 404, 404, 404, 404),
    "/learn/{other_enrolment}/lessons/{lesson}/done":   (302, 404, 404, 404, 404, 404),
    "/learn/{enrolment}/lessons/{lesson}/activity":     (302, 204, 404, 404, 404, 404),
    "/learn/{enrolment}/lessons/{locked_lesson}/activity": (302, 403, 404, 404, 404, 404),
    "/learn/{enrolment}/quizzes/{quiz}/attempts":       (302, 302, 404, 404, 404, 404),
    "/learn/{enrolment}/quizzes/{locked_quiz}/attempts": (302, 403, 404, 404, 404, 404),
    "/learn/{enrolment}/attempts/{attempt}/save":       (302, 302, 404, 404, 404, 404),
    "/learn/{enrolment}/attempts/{attempt}/submit":     (302, 302, 404, 404, 404, 404),
    "/learn/{enrolment}/attempts/{graded}/submit":      (302, 409, 404, 404, 404, 404),
    "/learn/{enrolment}/attempts/{other_attempt}/save": (302, 404, 404, 404, 404, 404),
    "/learn/{other_enrolment}/attempts/{other_attempt}/submit": (302, 404, 404, 404, 404, 404),
    # An empty form: the reason is missing (422) for those who may revoke or reissue.
    "/certificates/manage/{certificate}/revoke":   (302, 403, 403, 422, 403, 422),
    "/certificates/manage/{other_certificate}/revoke": (302, 403, 403, 404, 403, 422),
    "/certificates/manage/{certificate}/reissue":  (302, 403, 403, 422, 403, 422),
    "/certificates/manage/{other_certificate}/reissue": (302, 403, 403, 404, 403, 422),
}


@pytest.fixture()
def world(db):
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
    course = published.course
    cohort = organisations.create_cohort(course, "run-1", {"en": "Run 1"}, timezone="UTC")
    cohort.course_version_id = published.version.id
    other_cohort = organisations.create_cohort(course, "run-2", {"en": "Run 2"},
                                               timezone="UTC")
    other_cohort.course_version_id = published.version.id
    group = organisations.add_tutor_group(cohort, "g1", "Group 1")
    other_group = organisations.add_tutor_group(cohort, "g2", "Group 2")
    other_course = make_course()
    learner, enrolment = make_learner(cohort, ministry=ministry_a, group=group,
                                      email="learner@example.org")
    other, other_enrolment = make_learner(cohort, ministry=ministry_b, group=other_group,
                                          email="other@example.org")
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
    attempts = {}

    def make_attempts():
        """Quiz attempts, made only for the paths that name one (they take a while)."""
        if not attempts:
            def attempt_of(someone):
                quiz = progress.course_progress(someone).quiz("m1-quiz")
                return quizzes.start_attempt(someone, quiz, "en")

            graded = attempt_of(enrolment)
            quizzes.submit(graded, {})
            attempts.update(graded=graded.id, attempt=attempt_of(enrolment).id,
                            other_attempt=attempt_of(other_enrolment).id)
            db.session.commit()
        return attempts

    return {"users": users, "other": other, "attempts": make_attempts,
            "ids": {"enrolment": enrolment.id, "other_enrolment": other_enrolment.id,
                    "ministry": ministry_a.id, "other_ministry": ministry_b.id,
                    "cohort": cohort.id, "other_cohort": other_cohort.id,
                    "group": group.id, "other_group": other_group.id,
                    "course": course.id, "other_course": other_course.id},
            "certificates": {"certificate": certificate.id, "code": certificate.code,
                             "other_certificate": other_certificate.id,
                             "kid": signing_key().kid}}


def _client_for(app, world, role):
    client = app.test_client()
    if role != "anonymous":
        login(client, world["users"][role].email)
    return client


def _cases(matrix):
    return [(role, path, statuses[i]) for path, statuses in matrix.items()
            for i, role in enumerate(ROLES)]


def _fill(path, world, role):
    me = world["users"].get(role)
    names_attempt = any(f"{{{k}}}" in path for k in ("attempt", "graded", "other_attempt"))
    return path.format(other=world["other"].id, self=me.id if me else 0, invitation="invitation",
                       **world["ids"], lesson="m1-l1", locked_lesson="m2-l1", quiz="m1-quiz",
                       locked_quiz="m2-quiz", **world["certificates"],
                       **(world["attempts"]() if names_attempt else {}))


@pytest.mark.parametrize("role,path,expected", _cases(MATRIX))
def test_get(app, world, role, path, expected):
    response = _client_for(app, world, role).get(_fill(path, world, role))
    assert response.status_code == expected, (role, path)


@pytest.mark.parametrize("role,path,expected", _cases(POST_MATRIX))
def test_post(app, world, role, path, expected):
    client = _client_for(app, world, role)
    token = csrf_from(client, "/")
    response = client.post(_fill(path, world, role), data={"csrf_token": token})
    assert response.status_code == expected, (role, path)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", list(POST_MATRIX))
def test_post_without_csrf_is_refused(app, world, role, path):
    response = _client_for(app, world, role).post(_fill(path, world, role))
    assert response.status_code == 400, (role, path)


# Ministry B's people and the tutor of the other group: for every page, form post and export
# that names something of ministry A or of group 1, they get 403 or 404, never the page.
OUTSIDERS = ["learner_b", "coordinator_b", "tutor_b"]
A_SIDE = ("{ministry}", "{enrolment}", "{group}", "{certificate}", "{attempt}", "{graded}")


def _a_side(matrix):
    return [path for path in matrix if any(name in path for name in A_SIDE)]


@pytest.mark.parametrize("role", OUTSIDERS)
@pytest.mark.parametrize("path", _a_side(MATRIX))
def test_outsiders_never_get_ministry_a_pages(app, world, role, path):
    response = _client_for(app, world, role).get(_fill(path, world, role))
    assert response.status_code in (403, 404), (role, path, response.status_code)


@pytest.mark.parametrize("role", OUTSIDERS)
@pytest.mark.parametrize("path", _a_side(POST_MATRIX))
def test_outsiders_never_post_to_ministry_a(app, world, role, path):
    client = _client_for(app, world, role)
    token = csrf_from(client, "/")
    response = client.post(_fill(path, world, role), data={"csrf_token": token})
    assert response.status_code in (403, 404), (role, path, response.status_code)


def test_matrix_covers_every_route(app):
    """A new route without a row in the matrix fails here."""
    import re

    def shape(path: str) -> str:
        return re.sub(r"<[^>]+>|\{[^}]+\}|987654|not-a-number|unknown(-token)?", "*", path)

    covered = {shape(p) for p in list(MATRIX) + list(POST_MATRIX)}
    routes = {shape(r.rule) for r in app.url_map.iter_rules() if r.endpoint != "static"}
    assert routes <= covered, sorted(routes - covered)


def test_dashboard_runs_a_constant_number_of_queries(app, db, count_queries):
    """However many courses a learner follows, the dashboard costs the same queries."""
    user = make_user("busy.learner@example.org")
    db.session.commit()
    client = app.test_client()
    login(client, "busy.learner@example.org")
    counts = []
    for _ in range(2):
        for _ in range(3):
            course = make_course()
            organisations.enrol(user, organisations.default_cohort(course), sponsor=None)
        db.session.commit()
        with count_queries() as counter:
            assert client.get("/").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    assert counts[0] <= 6, counts
