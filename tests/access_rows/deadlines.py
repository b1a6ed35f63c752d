"""Access rows of deadlines that bend (issue 14): a learner's requests for more time (their own
enrolment only), the requests one decides (the tutor of the learner's group, the cohort's lead
instructor, the course's instructor, an administrator), excusals, a group's extension and the
cohort's late rules (tutors read them, 403 on a change)."""

from __future__ import annotations

import sqlalchemy as sa

# Roles: anonymous, learner, coordinator, instructor, tutor, administrator.
GET = {
    "/learn/{enrolment}/more-time": (302, 200, 404, 404, 404, 404),
    "/learn/{other_enrolment}/more-time": (302, 404, 404, 404, 404, 404),
    "/learn/{enrolment}/more-time/{module_kind}/{module}": (302, 200, 404, 404, 404, 404),
    "/learn/{enrolment}/more-time/quiz/{quiz}": (302, 200, 404, 404, 404, 404),
    "/learn/{enrolment}/more-time/assignment/{assignment}": (302, 200, 404, 404, 404, 404),
    "/learn/{enrolment}/more-time/lesson/{lesson}": (302, 404, 404, 404, 404, 404),
    "/learn/{enrolment}/more-time/assignment/unknown": (302, 404, 404, 404, 404, 404),
    "/learn/{other_enrolment}/more-time/{module_kind}/{module}": (302, 404, 404, 404, 404, 404),
    "/teach/extension-requests": (302, 403, 403, 200, 200, 200),
    "/teach/extension-requests/{extension_request}": (302, 403, 403, 200, 200, 200),
    "/teach/extension-requests/{other_extension_request}": (302, 403, 403, 200, 404, 200),
    "/teach/extension-requests/987654": (302, 403, 403, 404, 404, 404),
    "/teach/learners/{enrolment}/excusals": (302, 403, 403, 200, 200, 200),
    "/teach/learners/{other_enrolment}/excusals": (302, 403, 403, 200, 404, 200),
    "/teach/learners/987654/excusals": (302, 403, 403, 404, 404, 404),
    "/teach/groups/{group}/more-time": (302, 403, 403, 200, 200, 200),
    "/teach/groups/{other_group}/more-time": (302, 403, 403, 200, 404, 200),
    "/teach/groups/987654/more-time": (302, 403, 403, 404, 404, 404),
    "/teach/cohorts/{cohort}/late-rules": (302, 403, 403, 200, 200, 200),
    "/teach/cohorts/{other_cohort}/late-rules": (302, 403, 403, 200, 404, 200),
    "/teach/cohorts/987654/late-rules": (302, 403, 403, 404, 404, 404),
}

# An empty form (CSRF token only): the reason or the date is missing (422) for those who may
# act; a tutor changes no late rule (403).
POST = {
    "/learn/{enrolment}/more-time/{module_kind}/{module}": (302, 422, 404, 404, 404, 404),
    "/learn/{other_enrolment}/more-time/{module_kind}/{module}": (302, 404, 404, 404, 404, 404),
    "/teach/extension-requests/{extension_request}/grant": (302, 403, 403, 422, 422, 422),
    "/teach/extension-requests/{other_extension_request}/grant": (302, 403, 403, 422, 404, 422),
    "/teach/extension-requests/{extension_request}/refuse": (302, 403, 403, 422, 422, 422),
    "/teach/extension-requests/{other_extension_request}/refuse": (302, 403, 403, 422, 404, 422),
    "/teach/extension-requests/{extension_request}/excuse": (302, 403, 403, 422, 422, 422),
    "/teach/extension-requests/987654/excuse": (302, 403, 403, 404, 404, 404),
    "/teach/learners/{enrolment}/excusals": (302, 403, 403, 422, 422, 422),
    "/teach/learners/{other_enrolment}/excusals": (302, 403, 403, 422, 404, 422),
    "/teach/groups/{group}/more-time": (302, 403, 403, 422, 422, 422),
    "/teach/groups/{other_group}/more-time": (302, 403, 403, 422, 404, 422),
    "/teach/cohorts/{cohort}/late-rules": (302, 403, 403, 422, 403, 422),
    "/teach/cohorts/{other_cohort}/late-rules": (302, 403, 403, 422, 404, 422),
}

A_SIDE = ("{extension_request}",)


def extend_world(app, db, world: dict) -> dict:
    """A pending request for more time on quiz m1-quiz from the learner (group 1, ministry A)
    and one from the other learner (group 2, ministry B)."""
    from diplolearn.models import Enrolment, ExtensionRequest, Module

    ids = world["ids"]
    made = {}
    for name, enrolment_id in (
        ("extension_request", ids["enrolment"]),
        ("other_extension_request", ids["other_enrolment"]),
    ):
        enrolment = db.session.get(Enrolment, enrolment_id)
        module_id = db.session.scalar(
            sa.select(Module.id).where(
                Module.course_id == enrolment.cohort.course_id, Module.key == "m1"
            )
        )
        request = ExtensionRequest(
            enrolment_id=enrolment.id,
            module_id=module_id,
            item_kind="quiz",
            item_key="m1-quiz",
            reason="Posted abroad this week.",
            state="pending",
        )
        db.session.add(request)
        db.session.flush()
        made[name] = request.id
    db.session.commit()
    return made
