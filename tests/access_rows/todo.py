"""Access rows of issue 14's to-do lists, grades pages and calendar feeds (tests/test_todo.py,
test_grades.py, test_calendar.py test the pages themselves).

The grades page is the learner's own (404 for anyone else, as for the outline), and their tutor's
and lead instructor's copy under /teach (403 for those without a teaching role, 404 for a
learner one does not follow). A calendar key that is not an account's current one is a 404 for
everyone; turning one's own feed off or making a new address answers with the account page.
"""

GET = {
    "/learn/{enrolment}/grades": (302, 200, 404, 404, 404, 404),
    "/learn/{other_enrolment}/grades": (302, 404, 404, 404, 404, 404),
    "/learn/987654/grades": (302, 404, 404, 404, 404, 404),
    "/teach/cohorts/{cohort}/learners/{enrolment}/grades": (302, 403, 403, 200, 200, 200),
    "/teach/cohorts/{other_cohort}/learners/{enrolment}/grades": (302, 403, 403, 404, 404, 404),
    "/teach/cohorts/{cohort}/learners/987654/grades": (302, 403, 403, 404, 404, 404),
    "/calendar/{self}-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics": (404, 404, 404, 404, 404, 404),
    "/calendar/not-a-key.ics": (404, 404, 404, 404, 404, 404),
    "/calendar/unknown.ics": (404, 404, 404, 404, 404, 404),
}

POST = {
    "/account/calendar/regenerate": (302, 302, 302, 302, 302, 302),
    "/account/calendar/revoke": (302, 302, 302, 302, 302, 302),
}

A_SIDE = ()
